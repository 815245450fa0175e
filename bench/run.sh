#!/usr/bin/env bash
# On-demand benchmarks (never part of the test suite): bash bench/run.sh [case-name-filter ...]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
ensure_node_modules
# Throughput of the campaign send pipeline vs a nodemailer pool has its own script (not a latency case).
if [[ "${1:-}" == "campaign-send" ]]; then exec tsx bench/campaign-send.ts; fi
exec tsx bench/run.ts "$@"
