#!/usr/bin/env bash
# On-demand benchmarks (never part of the test suite): bash bench/run.sh [case-name-filter ...]
# IMAP sync (issue 8): bash bench/run.sh imap-sync [message-count]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
ensure_node_modules
# The IMAP sync benchmark needs no Worker: it starts its own dovecot and sidecar.
if [[ "${1:-}" == "imap-sync" ]]; then
  ensure_dovecot
  exec tsx bench/imap-sync.ts "${@:2}"
fi
exec tsx bench/run.ts "$@"
