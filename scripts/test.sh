#!/usr/bin/env bash
# Installs what is missing, builds the release and the sanitizer builds, runs every test
# (unit and integration) against both, then each fuzz target for a bounded time. This is
# what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
# Every RFC section cited in a comment exists, and a cited line lies in that section.
python3 scripts/check-rfc-citations.py
scripts/build.sh release
scripts/build.sh asan

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
echo "== sanitizer build (ASan + UBSan) =="
ctest --test-dir build/asan --output-on-failure -j2 || status=1
echo "== fuzzing (libFuzzer, 20 s per target) =="
scripts/fuzz.sh 20 || status=1
# Last, so that ctest's summary closes the output.
echo "== release build =="
ctest --test-dir build/release --output-on-failure -j2 || status=1
exit $status
