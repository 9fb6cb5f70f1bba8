#!/usr/bin/env bash
# Idempotent setup: installs what is missing on a fresh Debian machine with
# Rust, builds a private PostgreSQL prefix under target/, and installs the
# guard and the stand-in extensions into it. Never writes to the system
# PostgreSQL directories. A second run with nothing changed takes seconds.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

log() { printf '[setup] %s\n' "$*" >&2; }

# rust-toolchain.toml pins the compiler. A machine whose one toolchain is
# that version under the name "stable" gets it under the pinned name too (a
# symlink, which is what `rustup toolchain link` makes; that command refuses
# names that look like a release), so that rustup does not try to download
# it. Any other version is left alone, and rustup says what is missing.
pin_toolchain() {
    local pinned host home
    pinned=$(sed -n 's/^channel = "\(.*\)"/\1/p' "$PROJECT_ROOT/rust-toolchain.toml")
    command -v rustup >/dev/null || return 0
    rustup run "$pinned" rustc -V >/dev/null 2>&1 && return 0
    rustup run stable rustc -V 2>/dev/null | grep -q "^rustc $pinned " || {
        log "rust-toolchain.toml asks for Rust $pinned, which is not installed: rustup toolchain install $pinned"
        return 0
    }
    host=$(rustup run stable rustc -vV | sed -n 's/^host: //p')
    home=$(rustup show home)
    ln -sfn "$(rustup run stable rustc --print sysroot)" "$home/toolchains/$pinned-$host"
    log "Rust $pinned: the installed stable toolchain, linked as $pinned-$host"
}
pin_toolchain

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

# cargo pgrx install also ships the guard's update scripts
# (sql/promscale_upgrade_guard--A--B.sql), as pgrx does for every extension.
log "building and installing promscale_upgrade_guard into the private prefix"
(cd "$PROJECT_ROOT" && cargo pgrx install --release --pg-config "$PG_CONFIG" --no-default-features --features "pg$PG_MAJOR" >&2)

log "installing the stand-in extensions (test doubles) into the private prefix"
"$PROJECT_ROOT/pg_test/install-standins.sh"
log "ready: $PG_BIN"
