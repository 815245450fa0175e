#!/usr/bin/env bash
# On-demand benchmarks (never part of the test suite).
#   bash bench/run.sh [case-name-filter ...]   MCP round-trip cases (bench/cases) with ratios to health_check
#   bash bench/run.sh <script> [args]          a standalone comparison, bench/<script>.ts:
#                                              tracking, campaign-send, imap-sync, ...
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
ensure_node_modules
script="${1:-}"
if [[ -n "$script" && "$script" != "run" && "$script" != "lib" && -f "bench/$script.ts" ]]; then
  exec tsx "bench/$script.ts" "${@:2}"
fi
exec tsx bench/run.ts "$@"
