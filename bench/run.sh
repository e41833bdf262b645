#!/usr/bin/env bash
# Builds the release tree and prints the benchmark figures (medians; compare ratios, the
# machine is shared). Set BENCH_DIR to measure another disk (default: /var/tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release >/dev/null
build/release/bin/store_bench --dir "${BENCH_DIR:-/var/tmp}/mailroom-store-bench" "$@"
