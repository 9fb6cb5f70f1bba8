#!/usr/bin/env bash
# Idempotent: installs the Debian packages the harness needs (when missing) and
# builds the private PostgreSQL prefix under target/harness. Never writes to
# the system PostgreSQL directories. Called by setup.sh; usable on its own by
# work that needs a server but not the guard (the stand-in extensions).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

log() { printf '[prefix] %s\n' "$*" >&2; }

need_debs=()
# prometheus: its promtool checks and unit-tests monitoring/prometheus_alerts.yaml.
for pkg in "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" libclang-dev sudo build-essential pkg-config prometheus; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_debs+=("$pkg")
done
if ((${#need_debs[@]})); then
    log "installing Debian packages: ${need_debs[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need_debs[@]}"
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

mkdir -p "$CLUSTERS_DIR"
if [ "$(id -u)" = 0 ]; then
    chown "$PG_OS_USER" "$CLUSTERS_DIR"
    # The servers run as $PG_OS_USER from the prefix under this checkout: it
    # must be able to traverse every directory above it (a checkout in a
    # mktemp -d directory is mode 700). Traverse only (o+x), no read.
    dir="$BUILD_DIR"
    while [ "$dir" != / ]; do
        if ! runuser -u "$PG_OS_USER" -- test -x "$dir"; then
            log "allowing $PG_OS_USER to traverse $dir (chmod o+x)"
            chmod o+x "$dir"
        fi
        dir=$(dirname "$dir")
    done
fi
