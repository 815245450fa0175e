# Shared set-up for scripts/dev.sh and scripts/test.sh: idempotent, safe to run on a fresh machine with
# only Node 20 + npm + git + apt. Source it; it cds to the repo root and puts the pinned Node first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export WRANGLER_SEND_METRICS=false
export PATH="$ROOT/node_modules/.bin:$PATH"

log() { printf '\033[1m[pigeonhole]\033[0m %s\n' "$*" >&2; }

# npm packages, including the pinned Node (the `node` devDependency). `npm ci` cannot be used here: the
# lockfile lists workerd platform builds the registry lacks, so we `npm install` and keep the lockfile.
ensure_node_modules() {
  local stamp="node_modules/.pigeonhole-lock.sha256"
  local want
  want="$(sha256sum package-lock.json package.json | sha256sum | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    log "installing npm packages"
    npm install --no-audit --no-fund --loglevel=error
    echo "$want" > "$stamp"
  fi
  local version
  version="$(node --version)"
  case "$version" in
    v2[2-9].*|v[3-9][0-9].*) ;;
    *) log "pinned Node missing (got $version); reinstalling"; rm -f "$stamp"; npm install --no-audit --no-fund --loglevel=error ;;
  esac
}

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1
  fi
}

APT_UPDATED=0
apt_install() {
  if [[ "$APT_UPDATED" -eq 0 ]]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# dovecot for the IMAP tests; the system service is never started (tests run their own instance).
ensure_dovecot() {
  if ! command -v dovecot >/dev/null 2>&1 && [[ ! -x /usr/sbin/dovecot ]]; then
    log "installing dovecot-imapd (apt)"
    apt_install dovecot-imapd
  fi
  export PATH="$PATH:/usr/sbin"
}

# Headless Chromium for the dashboard's browser tests (Debian's package; browsers cannot be downloaded by
# playwright here). playwright-core drives it through CHROMIUM_PATH.
ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1; then
    log "installing chromium (apt)"
    apt_install chromium
  fi
  CHROMIUM_PATH="$(command -v chromium)"
  export CHROMIUM_PATH
}

# Local secrets for wrangler dev: created once, missing keys added, existing values never changed.
ensure_dev_vars() {
  touch .dev.vars
  chmod 600 .dev.vars
  add_dev_var PIGEONHOLE_TOKEN "${PIGEONHOLE_TOKEN:-$(random_secret)}"
  add_dev_var ALLOW_PRIVATE_MAIL_HOSTS true
  # HMAC key for dashboard session cookies and CSRF tokens.
  add_dev_var SESSION_SIGNING_KEY "${SESSION_SIGNING_KEY:-$(random_secret)}"
  # AES-256-GCM key for mailbox SMTP/IMAP passwords (32 random bytes, base64).
  add_dev_var MAILBOX_ENCRYPTION_KEY "${MAILBOX_ENCRYPTION_KEY:-$(random_secret)}"
  # Tracking/unsubscribe token keys, "kid:base64key[,kid:oldkey…]"; the first signs, all verify.
  add_dev_var TRACKING_SIGNING_KEYS "${TRACKING_SIGNING_KEYS:-1:$(random_secret)}"
  # Shared secret on every Worker → IMAP sidecar call (the local sidecar gets the same value).
  add_dev_var SIDECAR_SHARED_SECRET "${SIDECAR_SHARED_SECRET:-$(random_secret)}"
}

add_dev_var() {
  grep -q "^$1=" .dev.vars || printf '%s=%s\n' "$1" "$2" >> .dev.vars
}

random_secret() {
  node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64url"))'
}

dev_var() {
  sed -n "s/^$1=//p" .dev.vars | tail -n 1
}
