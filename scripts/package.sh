#!/usr/bin/env bash
# Builds the installable Debian packages of the guard, one per PostgreSQL
# major: target/packages/postgresql-NN-promscale-upgrade-guard_<version>_<arch>.deb,
# from `cargo pgrx package` output, with dpkg-deb. Each holds the shared
# library, the control file, the current install script and every update
# script (sql/promscale_upgrade_guard--A--B.sql, which cargo pgrx package
# ships), under Debian's PostgreSQL paths, and depends on the
# matching postgresql-NN.
#
#   scripts/package.sh            for every major in PG_MAJORS (default: 13 14 15, env.sh)
#
# Runs setup.sh per major first (idempotent), so it works on a fresh machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PROJECT_ROOT"
log() { printf '[package] %s\n' "$*" >&2; }

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
arch=$(dpkg --print-architecture)
out="$PROJECT_ROOT/target/packages"
mkdir -p "$out"

for major in ${PG_MAJORS:-$PG_MAJOR}; do
    (
        export PG_MAJOR=$major
        source "$PROJECT_ROOT/scripts/env.sh"
        "$PROJECT_ROOT/scripts/setup.sh" >&2
        name="postgresql-$major-promscale-upgrade-guard"
        build="$out/build-$major"
        root="$out/root-$major"
        rm -rf "$build" "$root"
        log "cargo pgrx package for PostgreSQL $major"
        cargo pgrx package --pg-config "$PG_CONFIG" --out-dir "$build" --no-default-features --features "pg$major" >&2
        # pgrx lays the files out under the private prefix's paths; the
        # package puts them where Debian's PostgreSQL looks.
        lib="$root/usr/lib/postgresql/$major/lib"
        ext="$root/usr/share/postgresql/$major/extension"
        mkdir -p "$lib" "$ext" "$root/DEBIAN" "$root/usr/share/doc/$name"
        find "$build" -name 'promscale_upgrade_guard.so' -exec install -m 0644 {} "$lib/" \;
        find "$build" \( -name 'promscale_upgrade_guard.control' -o -name 'promscale_upgrade_guard--*.sql' \) \
            -exec install -m 0644 {} "$ext/" \;
        [ -f "$lib/promscale_upgrade_guard.so" ] && [ -f "$ext/promscale_upgrade_guard--$version.sql" ] \
            || { log "cargo pgrx package produced no library or install script in $build"; exit 1; }
        install -m 0644 README.md "$root/usr/share/doc/$name/README.md"
        size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
        cat > "$root/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: $arch
Maintainer: promscale_upgrade_guard developers <noreply@example.invalid>
Depends: postgresql-$major
Section: database
Priority: optional
Installed-Size: $size
Description: makes Promscale upgrades safe (PostgreSQL $major extension)
 promscale_upgrade_guard lives in the Promscale database: it checks upgrade
 readiness, estimates the lock table the upgrade needs, reports the upgrade
 state for monitoring, and refuses a manual ALTER EXTENSION promscale UPDATE
 so that the Promscale Connector's path is kept. CREATE EXTENSION
 promscale_upgrade_guard in each Promscale database; no restart is needed.
EOF
        deb="$out/${name}_${version}_${arch}.deb"
        dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
        log "built $deb"
        echo "$deb"
    )
done
