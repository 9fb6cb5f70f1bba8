#!/usr/bin/env bash
# Idempotent setup: installs what is missing on a fresh Debian machine with
# Rust, builds a private PostgreSQL prefix under target/, and installs the
# guard and the stand-in extensions into it. Never writes to the system
# PostgreSQL directories. A second run with nothing changed takes seconds.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

log() { printf '[setup] %s\n' "$*" >&2; }

need_debs=()
for pkg in "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" libclang-dev sudo; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_debs+=("$pkg")
done
if ((${#need_debs[@]})); then
    log "installing Debian packages: ${need_debs[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need_debs[@]}"
fi

PGRX_VERSION=0.18.1
if ! cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; then
    log "installing cargo-pgrx $PGRX_VERSION (takes a few minutes once)"
    cargo install cargo-pgrx --version "$PGRX_VERSION" --locked
fi

# The private prefix: copy, never link, the system install so that anything
# installed into it stays out of /usr.
SYS_LIB="/usr/lib/postgresql/$PG_MAJOR"
SYS_SHARE="/usr/share/postgresql/$PG_MAJOR"
stamp="$PG_PREFIX/.stamp"
want_stamp="$(dpkg-query -W -f='${Version}' "postgresql-$PG_MAJOR")"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_stamp" ]; then
    log "building private PostgreSQL prefix in $PG_PREFIX"
    rm -rf "$PG_PREFIX"
    mkdir -p "$PG_PREFIX/usr/lib/postgresql" "$PG_PREFIX/usr/share/postgresql" "$PG_PREFIX/usr/include/postgresql"
    cp -a "$SYS_LIB" "$PG_PREFIX/usr/lib/postgresql/"
    cp -a "$SYS_SHARE" "$PG_PREFIX/usr/share/postgresql/"
    ln -s "/usr/include/postgresql/$PG_MAJOR" "$PG_PREFIX/usr/include/postgresql/$PG_MAJOR"
    echo "$want_stamp" > "$stamp"
fi
case "$("$PG_CONFIG" --sharedir)" in
    "$PG_PREFIX"/*) ;;
    *) log "private pg_config does not relocate: $("$PG_CONFIG" --sharedir)"; exit 1 ;;
esac

mkdir -p "$PGRX_HOME" "$CLUSTERS_DIR"
if [ "$(id -u)" = 0 ]; then chown "$PG_OS_USER" "$CLUSTERS_DIR"; fi
if ! grep -q "$PG_CONFIG" "$PGRX_HOME/config.toml" 2>/dev/null; then
    log "pointing cargo-pgrx at the private prefix"
    cargo pgrx init "--pg$PG_MAJOR" "$PG_CONFIG" >&2
fi

log "building and installing promscale_upgrade_guard into the private prefix"
(cd "$PROJECT_ROOT" && cargo pgrx install --release --pg-config "$PG_CONFIG" >&2)

log "installing the stand-in extensions (test doubles) into the private prefix"
"$PROJECT_ROOT/pg_test/install-standins.sh"
log "ready: $PG_BIN"
