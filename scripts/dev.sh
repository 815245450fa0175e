#!/usr/bin/env bash
# Starts Pigeonhole locally on its embedded default: wrangler dev (local D1, R2, Queues, DOs) on
# 127.0.0.1:8787, with migrations applied and secrets in .dev.vars. Idempotent; Ctrl-C stops everything.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${PORT:-8787}"
ensure_node_modules
ensure_dev_vars

log "applying local D1 migrations"
wrangler d1 migrations apply DB --local >/dev/null

TOKEN="${PIGEONHOLE_TOKEN:-$(dev_var PIGEONHOLE_TOKEN)}"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

log "starting wrangler dev on 127.0.0.1:$PORT"
wrangler dev --ip 127.0.0.1 --port "$PORT" --show-interactive-dev-session=false \
  --var "PIGEONHOLE_TOKEN:$TOKEN" --var "PUBLIC_BASE_URL:http://127.0.0.1:$PORT" \
  --var "ALLOWED_ORIGINS:http://127.0.0.1:$PORT,http://localhost:$PORT" &
pids+=($!)

for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$PORT/health/liveness" >/dev/null 2>&1 && break
  sleep 0.2
done

cat <<INFO

  Pigeonhole is running.
  MCP endpoint:  http://127.0.0.1:$PORT/mcp
  Bearer token:  $TOKEN   (in .dev.vars)

  Claude Code:   claude mcp add --transport http pigeonhole http://127.0.0.1:$PORT/mcp --header "Authorization: Bearer $TOKEN"
  Any MCP client (mcp.json):
  {
    "mcpServers": {
      "pigeonhole": {
        "type": "http",
        "url": "http://127.0.0.1:$PORT/mcp",
        "headers": { "Authorization": "Bearer $TOKEN" }
      }
    }
  }

INFO
wait
