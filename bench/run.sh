#!/usr/bin/env bash
# On-demand benchmarks (never part of the test suite): bash bench/run.sh [case-name-filter ...]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
ensure_node_modules
exec tsx bench/run.ts "$@"
