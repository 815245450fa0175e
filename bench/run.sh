#!/usr/bin/env bash
# On-demand benchmarks (never part of the test suite): bash bench/run.sh [case-name-filter ...]
# `bash bench/run.sh campaign-send` runs the send-pipeline throughput comparison instead (bench/campaign-send.ts).
# `bash bench/run.sh imap-sync [message-count]` runs the IMAP sync benchmark (bench/imap-sync.ts, issue 8).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
ensure_node_modules
if [[ "${1:-}" == "campaign-send" ]]; then
  exec tsx bench/campaign-send.ts "${@:2}"
fi
# The IMAP sync benchmark needs no Worker: it starts its own dovecot and sidecar.
if [[ "${1:-}" == "imap-sync" ]]; then
  ensure_dovecot
  exec tsx bench/imap-sync.ts "${@:2}"
fi
exec tsx bench/run.ts "$@"
