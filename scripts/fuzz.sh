#!/usr/bin/env bash
# Builds every fuzz target as a libFuzzer binary (clang, ASan + UBSan, build/fuzz) and runs
# each for a bounded time from its seed corpus; a crash, a failed check or a leak fails.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     default 20
# New inputs found are kept in build/fuzz/found/<target>/, not in the source tree.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"

CXX=clang++ cmake -G Ninja -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" -DMR_FUZZ=ON -DMR_SANITIZE=ON -DMR_BENCH=OFF \
  -DMR_WERROR=OFF >/dev/null
# name, then its seed corpus (directories), as tests/fuzz/CMakeLists.txt declares them.
targets=(
  "fuzz_address tests/fuzz/corpus/address"
  "fuzz_line_buffer tests/fuzz/corpus/line_buffer"
  "fuzz_proxy_header tests/fuzz/corpus/proxy_header"
  "fuzz_mime_parser tests/data/messages"
  "fuzz_imap_command tests/fuzz/corpus/imap_command"
  "fuzz_imap_url tests/fuzz/corpus/imap_url"
  "fuzz_imapc_response tests/fuzz/corpus/imapc_response"
  "fuzz_imap_render tests/data/imap"
  "fuzz_dkim_tags tests/fuzz/corpus/dkim_tags"
  "fuzz_dkim_verify tests/fuzz/corpus/dkim_verify"
  "fuzz_arc_verify tests/data/arc"
  "fuzz_arc_seal tests/data/arc"
  "fuzz_pop3_session build/fuzz/tests/fuzz/corpus/pop3_session"
  "fuzz_smtp_session build/fuzz/tests/fuzz/corpus/smtp_session"
  "fuzz_spf tests/fuzz/corpus/spf"
  "fuzz_dmarc tests/fuzz/corpus/dmarc"
  "fuzz_deflate_stream tests/fuzz/corpus/deflate_stream"
  "fuzz_dns_reply tests/fuzz/corpus/dns_reply"
  "fuzz_mta_sts tests/fuzz/corpus/mta_sts"
  "fuzz_tlsrpt tests/fuzz/corpus/tlsrpt"
  "fuzz_milter_response tests/fuzz/corpus/milter_response"
  "fuzz_srs tests/fuzz/corpus/srs"
  "fuzz_webd_session tests/fuzz/corpus/webd_session"
  "fuzz_sieve tests/fuzz/corpus/sieve"
  "fuzz_managesieve_session tests/fuzz/corpus/managesieve_session"
)
names=()
for t in "${targets[@]}"; do names+=("${t%% *}"); done
ninja -C build/fuzz "${names[@]}" pop3_dialog_seeds smtp_dialog_seeds

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "${targets[@]}"; do
  read -r name corpus <<<"$t"
  found="build/fuzz/found/$name"
  mkdir -p "$found"
  dict=()
  [[ -f "tests/fuzz/$name.dict" ]] && dict=("-dict=tests/fuzz/$name.dict")
  echo "== $name: ${seconds} s"
  if ! "build/fuzz/tests/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=0 "${dict[@]}" "$found" "$corpus" >"build/fuzz/$name.log" 2>&1; then
    echo "FAILED: $name (build/fuzz/$name.log):"
    tail -40 "build/fuzz/$name.log"
    status=1
  else
    grep -E "^(#[0-9]+\s+DONE|Done [0-9]+ runs)" "build/fuzz/$name.log" | tail -1 || true
  fi
done
exit $status
