#!/usr/bin/env bash
# On-demand benchmarks (never part of the test suite): bash bench/run.sh [case-name-filter ...]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
ensure_node_modules
# Throughput comparisons have their own scripts (not latency cases):
#   campaign-send: the send pipeline vs a nodemailer pool; tracking: /t/c/ vs a bare Hono 302.
if [[ "${1:-}" == "campaign-send" ]]; then exec tsx bench/campaign-send.ts; fi
if [[ "${1:-}" == "tracking" ]]; then exec tsx bench/tracking.ts "${@:2}"; fi
exec tsx bench/run.ts "$@"
