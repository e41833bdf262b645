# Sourced by the benchmark scripts. bench_build_tree [TARGET...], from the repository root,
# sets BUILD_DIR to the build tree to measure: without BUILD_DIR, build/release, built here
# by scripts/build.sh release; with it, the named targets are brought up to date there.
bench_build_tree() {
  if [ -z "${BUILD_DIR:-}" ]; then
    scripts/build.sh release >/dev/null
    BUILD_DIR=build/release
  elif [ "$#" -gt 0 ]; then
    ninja -C "$BUILD_DIR" -j2 "$@" >/dev/null
  fi
}
