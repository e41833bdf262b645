#!/usr/bin/env bash
# webd autoconfig requests/s over HTTP and HTTPS, 10 parallel curl clients with keep-alive
# (issue 17; no target), also `bench/run.sh http` (bench/http_bench.py; options --requests,
# --rounds go there). BUILD_DIR picks the build tree (default: build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/build_tree.sh
bench_build_tree bin/mailroom bin/webd
exec python3 bench/http_bench.py --bin "$BUILD_DIR/bin" --work "${BENCH_DIR:-/var/tmp}/mailroom-http-bench" "$@"
