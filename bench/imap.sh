#!/usr/bin/env bash
# IMAP benchmark of issue 6 (also `bench/run.sh imap`): mailroom's imapd against the
# Dovecot of ../shared/anchors/stack.sh in the same run, same client, same 10,000
# mixed-MIME messages (bench/imap_fill.cpp): Thunderbird's first-sync FETCHes, SELECT of
# 10,000 and 100,000 messages, memory per idle connection in IDLE at 1,000 connections,
# (issue 18) SORT (ARRIVAL), (SUBJECT), (FROM) and THREAD=REFERENCES of the 100,000, cold
# (first run) and warm, a QRESYNC resync of the 100,000 after 10 flag changes and 10
# expunges (`--only qresync`), and the concurrent mixed load, imaptest's stress mode against both
# (`--only stress`, a few minutes, no fill; imaptest from ../shared/tools/imaptest/build.sh
# or $MR_IMAPTEST).
# Needs root (stack.sh, the accounts mailroom and anchorvmail), ~2 GB under BENCH_DIR
# (default /var/tmp) and ~10 minutes. Options go to bench/imap_bench.py (--messages,
# --copies, --idle, --rounds, --only fetch,select,idle,idlez,fetchz,sort,qresync,stress, --stress-secs,
# --stress-rounds, --no-dovecot, --show-responses). COMPRESS figures of Dovecot come from a
# second Dovecot with imap_zlib that bench/imap_bench.py starts beside the anchor's.
# BUILD_DIR picks the build tree (default: build/release, built here by scripts/build.sh
# release). Run it under `flock /tmp/anchor.lock` when others share the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/build_tree.sh
bench_build_tree mailroom imapd imap_fill
exec python3 bench/imap_bench.py --bin "$BUILD_DIR/bin" --work "${BENCH_DIR:-/var/tmp}/mailroom-imap-bench" "$@"
