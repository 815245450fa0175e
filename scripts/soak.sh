#!/usr/bin/env bash
# The long fault-injection checks (never part of scripts/test.sh), all on loopback, every loop bounded:
#   send pipeline  10,000 recipients, the consumer failing (20×) and killed outright (20×) mid-batch
#   claims         40 agents × 100 operations while the coordinator crashes or is evicted 20×
#   archive        300 messages with R2 refusals, failing coordinator calls and crashes, then repair
#   IMAP           400 recipients; sidecar killed and dovecot restarted mid-fetch, then catch-up
# The same test files run in the normal suite with small counts; SOAK=1 selects the long version.
#   bash scripts/soak.sh            everything
#   bash scripts/soak.sh send       only the files whose name contains "send" (send, claims, archive, imap)
# Prints one table of figures at the end; exits non-zero when any check failed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node_modules
ensure_dovecot

filter="${1:-}"
workers_files=()
for f in send claims archive; do
  [[ -z "$filter" || "$f" == *"$filter"* ]] && workers_files+=("test/workers/fault-$f.test.ts")
done
node_files=()
[[ -z "$filter" || "imap" == *"$filter"* ]] && node_files+=("test/node/fault-imap.test.ts")

mkdir -p test-artifacts
out="test-artifacts/soak.log"
: > "$out"
status=0
export SOAK=1
soak() {
  local project="$1"; shift
  log "soak ($project): $*"
  local part="test-artifacts/soak-$project.log" rc=0
  vitest run --project "$project" "$@" > "$part" 2>&1 || rc=$?
  cat "$part" >> "$out"
  sed 's/\x1b\[[0-9;]*m//g' "$part" | grep -E '^ *(✓|×)|FAIL' || true
  [[ "$rc" -eq 0 ]] || { log "soak ($project) failed (exit $rc)"; status=1; }
}
[[ ${#workers_files[@]} -eq 0 ]] || soak workers "${workers_files[@]}"
[[ ${#node_files[@]} -eq 0 ]] || soak node "${node_files[@]}"

# The tests print one JSON line each, {"figure": name, ...}; tabulate them.
node -e '
  const lines = require("node:fs").readFileSync(process.argv[1], "utf8").split("\n");
  const rows = lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, "")).filter((l) => l.startsWith("{\"figure\"")).map((l) => JSON.parse(l));
  const flat = (o, p = "") => Object.entries(o).flatMap(([k, v]) =>
    v && typeof v === "object" && !Array.isArray(v) ? flat(v, `${p}${k}.`) : [[`${p}${k}`, Array.isArray(v) ? v.join("; ") : String(v)]]);
  const skip = new Set(["figure", "status.campaign_id", "status.state", "status.pause_reason", "status.errors", "status.summary",
    "status.started_at", "status.finished_at", "status.last_event_at"]);
  console.log("\n| check | figure | value |\n|---|---|---|");
  for (const r of rows) for (const [k, v] of flat(r)) if (!skip.has(k)) console.log(`| ${r.figure} | ${k} | ${v} |`);
  if (rows.length === 0) console.log("| (none) | no figures printed: see test-artifacts/soak.log | |");
' "$out"
log "soak: full output in $out"
exit "$status"
