#!/usr/bin/env bash
# Builds the release tree and prints the benchmark figures (medians; compare ratios, the
# machine is shared). Set BENCH_DIR to measure another disk (default: /var/tmp).
#   bench/run.sh [store_bench options]   storage figures (store_bench)
#   bench/run.sh pop3 [options]          POP3 against Dovecot (bench/pop3.sh, issue 5)
#   bench/run.sh imap [options]          IMAP against Dovecot (bench/imap.sh, issues 6 and 18)
#   bench/run.sh smtp [options]          SMTP against Postfix (bench/smtp.sh, issues 3 and 4)
#   bench/run.sh sieve [options]         Sieve at delivery: none / 50 rules / vacation (bench/sieve.sh, issue 19)
#   bench/run.sh dkim [--seconds N]      DKIM sign/verify per core beside openssl speed (issue 15)
#   bench/run.sh http [options]          webd autoconfig requests/s, 10 curl clients (bench/http.sh, issue 17)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = pop3 ]; then
  shift
  exec bench/pop3.sh "$@"
fi
if [ "${1:-}" = imap ]; then
  shift
  exec bench/imap.sh "$@"
fi
if [ "${1:-}" = dkim ]; then
  shift
  scripts/build.sh release >/dev/null
  exec build/release/bin/dkim_bench "$@"
fi
if [ "${1:-}" = sieve ]; then
  shift
  exec bench/sieve.sh "$@"
fi
if [ "${1:-}" = http ]; then
  shift
  exec bench/http.sh "$@"
fi
if [ "${1:-}" = smtp ]; then
  shift
  exec bench/smtp.sh "$@"
fi
scripts/build.sh release >/dev/null
build/release/bin/store_bench --dir "${BENCH_DIR:-/var/tmp}/mailroom-store-bench" "$@"
