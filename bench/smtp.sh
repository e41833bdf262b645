#!/usr/bin/env bash
# SMTP benchmarks of issues 3 (accept rate, latency) and 4 (end-to-end delivery), also
# `bench/run.sh smtp`: mailroom against Postfix + Dovecot of ../shared/anchors/stack.sh
# in the same run, driven by Postfix's smtp-source. Needs root and about 10 minutes.
# Options go to bench/smtp_bench.py (--messages, --sessions, --rounds, --only
# accept,latency,e2e). BUILD_DIR picks the build tree (default: build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/build_tree.sh
bench_build_tree
exec python3 bench/smtp_bench.py --bin "$BUILD_DIR/bin" --work "${BENCH_DIR:-/var/tmp}/mailroom-smtp-bench" "$@"
