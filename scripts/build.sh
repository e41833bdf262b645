#!/usr/bin/env bash
# Builds mailroom with CMake + Ninja.
#   scripts/build.sh release   optimised build in build/release
#   scripts/build.sh asan      ASan + UBSan build in build/asan
set -euo pipefail
cd "$(dirname "$0")/.."

kind="${1:-release}"
case "$kind" in
  release) args=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan)    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMR_SANITIZE=ON) ;;
  *) echo "usage: $0 release|asan" >&2; exit 2 ;;
esac

cmake -G Ninja -S . -B "build/$kind" "${args[@]}" >/dev/null
ninja -C "build/$kind"
