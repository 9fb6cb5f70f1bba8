#!/usr/bin/env bash
# Idempotent setup: installs what is missing on a fresh Debian machine with
# Rust, builds a private PostgreSQL prefix under target/, and installs the
# guard and the stand-in extensions into it. Never writes to the system
# PostgreSQL directories. A second run with nothing changed takes seconds.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

log() { printf '[setup] %s\n' "$*" >&2; }

"$PROJECT_ROOT/scripts/prefix.sh"

PGRX_VERSION=0.18.1
if ! cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; then
    log "installing cargo-pgrx $PGRX_VERSION (takes a few minutes once)"
    cargo install cargo-pgrx --version "$PGRX_VERSION" --locked
fi

mkdir -p "$PGRX_HOME" "$CLUSTERS_DIR"
if [ "$(id -u)" = 0 ]; then chown "$PG_OS_USER" "$CLUSTERS_DIR"; fi
if ! grep -q "$PG_CONFIG" "$PGRX_HOME/config.toml" 2>/dev/null; then
    log "pointing cargo-pgrx at the private prefix"
    cargo pgrx init "--pg$PG_MAJOR" "$PG_CONFIG" >&2
fi

log "building and installing promscale_upgrade_guard into the private prefix"
(cd "$PROJECT_ROOT" && cargo pgrx install --release --pg-config "$PG_CONFIG" --no-default-features --features "pg$PG_MAJOR" >&2)

log "installing the guard's update scripts (sql/upgrade) into the private prefix"
install -m 0644 "$PROJECT_ROOT"/sql/upgrade/promscale_upgrade_guard--*--*.sql "$PG_EXTDIR/"

log "installing the stand-in extensions (test doubles) into the private prefix"
"$PROJECT_ROOT/pg_test/install-standins.sh"
log "ready: $PG_BIN"
