#!/usr/bin/env bash
# Runs the whole suite on a fresh machine: installs what is missing (npm packages with the pinned Node,
# dovecot and chromium via apt), type-checks, then runs vitest (workerd + node projects) with the rig on loopback.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_node_modules
ensure_dovecot
ensure_chromium

log "type-checking"
tsc --noEmit

mkdir -p test-artifacts
log "running vitest"
status=0
vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?

# A plain closing line that any CI reader understands, taken from vitest's own JSON report.
if [[ -f test-artifacts/vitest.json ]]; then
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync("test-artifacts/vitest.json", "utf8"));
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  '
fi
exit "$status"
