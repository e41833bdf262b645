#!/usr/bin/env bash
# Sieve at local delivery (issue 19), also `bench/run.sh sieve`: delivered messages/s with
# no script, a 50-rule script and vacation, 10 SMTP sessions (bench/sieve_bench.py; options
# --messages, --rounds, --users go there). Needs Postfix's smtp-source. BUILD_DIR picks
# the build tree (default: build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/build_tree.sh
bench_build_tree bin/mailroom bin/smtpd bin/deliverd
exec python3 bench/sieve_bench.py --bin "$BUILD_DIR/bin" --work "${BENCH_DIR:-/var/tmp}/mailroom-sieve-bench" "$@"
