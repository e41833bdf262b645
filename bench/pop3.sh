#!/usr/bin/env bash
# POP3 benchmark of issue 5 (also `bench/run.sh pop3`): mailroom's pop3d against the
# Dovecot of ../shared/anchors/stack.sh, in the same run, same client, same messages.
# RETR of every message of a 10,000 x 4 KiB INBOX over 1 session and over 20 parallel
# sessions on 20 users (each its own 10,000-message INBOX), messages/s, MB/s and the ratio;
# memory per idle authenticated connection at 200 connections. Medians of 3 rounds.
# Needs root (stack.sh, and the accounts mailroom and anchorvmail), ~2 GB of disk under
# BENCH_DIR (default /var/tmp) and ~10 minutes. Options go to bench/pop3_bench.py
# (--messages, --users, --idle, --rounds, --window, --threads). BUILD_DIR picks the build tree
# (default: build/release, built here by scripts/build.sh release).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/build_tree.sh
bench_build_tree mailroom pop3d pop3_fill pop3_load
exec python3 bench/pop3_bench.py --bin "$BUILD_DIR/bin" --work "${BENCH_DIR:-/var/tmp}/mailroom-pop3-bench" "$@"
