#!/usr/bin/env bash
# On-demand benchmarks (never part of the test suite): bash bench/run.sh [case-name-filter ...]
# `bash bench/run.sh tracking` runs the /t/c/ throughput comparison instead (bench/tracking.ts);
# `bash bench/run.sh campaign-send` the send-pipeline throughput comparison (bench/campaign-send.ts).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
ensure_node_modules
if [[ "${1:-}" == "tracking" ]]; then
  exec tsx bench/tracking.ts "${@:2}"
fi
if [[ "${1:-}" == "campaign-send" ]]; then
  exec tsx bench/campaign-send.ts "${@:2}"
fi
exec tsx bench/run.ts "$@"
