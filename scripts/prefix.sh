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
# patchelf: points the PostgreSQL 13 binaries at the libraries unpacked beside them.
want=(libclang-dev sudo build-essential pkg-config prometheus patchelf)
if [ -z "$PG_SOURCE_PREFIX" ]; then want+=("postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR"); fi
for pkg in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_debs+=("$pkg")
done
if ((${#need_debs[@]})); then
    log "installing Debian packages: ${need_debs[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need_debs[@]}"
fi
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)

# PostgreSQL 13 is not in bookworm: bullseye's packages (server, client,
# headers, and the libraries bookworm no longer has, JIT's LLVM 11 among them) are downloaded
# with a private apt configuration and unpacked under the build directory,
# never installed. The binaries find those libraries through an RPATH.
if [ -n "$PG_SOURCE_PREFIX" ]; then
    case "$PG_MAJOR" in
        13) suite=bullseye; version="13.16-0+deb11u1"; libs=(libssl1.1 libldap-2.4-2 libicu67 libllvm11 libffi7) ;;
        *) log "PostgreSQL $PG_MAJOR: no Debian suite this project knows provides it (13 from bullseye, 15 from bookworm)"; exit 1 ;;
    esac
    src_stamp="$PG_SOURCE_PREFIX/.stamp"
    if [ "$(cat "$src_stamp" 2>/dev/null)" != "$suite $version ${libs[*]} rpath-2" ]; then
        log "downloading PostgreSQL $version from Debian $suite into $PG_SOURCE_PREFIX"
        apt_dir="$BUILD_DIR/apt-$suite"
        mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
        printf 'deb http://deb.debian.org/debian %s main\n' "$suite" > "$apt_dir/sources.list"
        apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
                  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root)
        apt-get "${apt_opts[@]}" update -q >&2
        rm -rf "$apt_dir/debs"/*.deb "$PG_SOURCE_PREFIX"
        (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download "postgresql-$PG_MAJOR=$version" \
            "postgresql-client-$PG_MAJOR=$version" "postgresql-server-dev-$PG_MAJOR=$version" "${libs[@]}" >&2)
        for deb in "$apt_dir/debs"/*.deb; do dpkg-deb -x "$deb" "$PG_SOURCE_PREFIX"; done
        # $ORIGIN/../../../<multiarch> from usr/lib/postgresql/NN/{bin,lib}:
        # an RPATH (not RUNPATH) so that the libraries' own dependencies are
        # found there too.
        find "$PG_SOURCE_PREFIX/usr/lib/postgresql/$PG_MAJOR" -type f | while read -r f; do
            if [ "$(head -c 4 "$f" | tr -d '\177')" = ELF ]; then
                patchelf --force-rpath --set-rpath "\$ORIGIN/../../../$multiarch" "$f"
            fi
        done
        # The unpacked libraries find each other beside themselves (libLLVM's
        # own RUNPATH, $ORIGIN/../lib, would miss libffi: JIT failed to load).
        find "$PG_SOURCE_PREFIX/usr/lib/$multiarch" -type f -name '*.so*' | while read -r f; do
            if [ "$(head -c 4 "$f" | tr -d '\177')" = ELF ]; then
                patchelf --force-rpath --set-rpath '$ORIGIN' "$f"
            fi
        done
        for f in "$PG_SOURCE_PREFIX/usr/lib/postgresql/$PG_MAJOR/bin/postgres" "$PG_SOURCE_PREFIX/usr/lib/postgresql/$PG_MAJOR/lib/llvmjit.so"; do
            if ldd "$f" | grep "not found" >&2; then log "$f: libraries not found"; exit 1; fi
        done
        echo "$suite $version ${libs[*]} rpath-2" > "$src_stamp"
    fi
fi

# The private prefix: copy, never link, the pristine install so that
# anything installed into it stays out of /usr.
SRC_LIB="$PG_SOURCE_PREFIX/usr/lib/postgresql/$PG_MAJOR"
SRC_SHARE="$PG_SOURCE_PREFIX/usr/share/postgresql/$PG_MAJOR"
stamp="$PG_PREFIX/.stamp"
if [ -z "$PG_SOURCE_PREFIX" ]; then
    want_stamp="$(dpkg-query -W -f='${Version}' "postgresql-$PG_MAJOR")"
else
    want_stamp="$(cat "$PG_SOURCE_PREFIX/.stamp")"
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_stamp" ]; then
    log "building private PostgreSQL prefix in $PG_PREFIX"
    rm -rf "$PG_PREFIX"
    mkdir -p "$PG_PREFIX/usr/lib/postgresql" "$PG_PREFIX/usr/share/postgresql" "$PG_PREFIX/usr/include/postgresql"
    cp -a "$SRC_LIB" "$PG_PREFIX/usr/lib/postgresql/"
    cp -a "$SRC_SHARE" "$PG_PREFIX/usr/share/postgresql/"
    ln -s "$PG_SOURCE_PREFIX/usr/include/postgresql/$PG_MAJOR" "$PG_PREFIX/usr/include/postgresql/$PG_MAJOR"
    if [ -n "$PG_SOURCE_PREFIX" ]; then
        # The libraries the RPATH points at.
        cp -a "$PG_SOURCE_PREFIX/usr/lib/$multiarch" "$PG_PREFIX/usr/lib/"
        # Debian's pg_config of 13 reports /usr paths wherever it lies (the
        # server itself relocates): a wrapper reports the prefix's.
        mv "$PG_BIN/pg_config" "$PG_BIN/pg_config.debian"
        {
            echo '#!/bin/sh'
            echo "# Debian's pg_config (pg_config.debian), with its PostgreSQL paths moved into this prefix."
            echo "\"$PG_BIN/pg_config.debian\" \"\$@\" | sed -e 's#/usr/\\(lib\\|share\\|include\\)/postgresql/#$PG_PREFIX/usr/\\1/postgresql/#g'"
        } > "$PG_BIN/pg_config"
        chmod +x "$PG_BIN/pg_config"
    fi
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
