#!/usr/bin/env bash
# Tests the Debian packages scripts/package.sh builds: each .deb names the
# matching postgresql-NN in Depends and holds only Debian's PostgreSQL paths;
# unpacked into a fresh copy of that PostgreSQL (a copy of the private prefix
# without the guard's files and the stand-ins, not the prefix itself, and never
# the system install), a server started from the copy creates the extension,
# answers promscale_upgrade_ready(), and has the update path from every earlier
# version. Run by scripts/test.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/pg.sh"
cd "$PROJECT_ROOT"
fail() { echo "test_package: $*" >&2; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
mapfile -t debs < <(scripts/package.sh)
((${#debs[@]})) || fail "package.sh built nothing"
port=${GUARD_PACKAGE_TEST_PORT:-55390}
for deb in "${debs[@]}"; do
    major=$(dpkg-deb -f "$deb" Package | sed -n 's/^postgresql-\([0-9]*\)-promscale-upgrade-guard$/\1/p')
    [ -n "$major" ] || fail "$deb: unexpected package name $(dpkg-deb -f "$deb" Package)"
    [ "$(dpkg-deb -f "$deb" Depends)" = "postgresql-$major" ] || fail "$deb: Depends is $(dpkg-deb -f "$deb" Depends)"
    [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "$deb: Version is $(dpkg-deb -f "$deb" Version)"
    bad=$(dpkg-deb -c "$deb" | awk '{print $6}' | grep -v -E "^\./(usr/(lib|share)/postgresql/$major/|usr/share/doc/|$|usr/$|usr/(lib|share)/$|usr/(lib|share)/postgresql/$)" || true)
    [ -z "$bad" ] || fail "$deb: files outside Debian's PostgreSQL $major paths: $bad"

    # A fresh PostgreSQL of that major without the guard: a copy of the
    # private prefix (scripts/prefix.sh; for 13 with bullseye's libraries
    # beside it, for 14 with its share/ and include/ links), less every file
    # of the guard (any version: what the package holds and whatever else
    # carries its name) and the stand-ins. It never reads the system's
    # PostgreSQL, which may have the guard, or another version of it, installed.
    export PG_MAJOR=$major
    source scripts/env.sh
    root="$BUILD_DIR/package-root-$major"
    rm -rf "$root"
    mkdir -p "$root"
    cp -a "$PG_PREFIX/usr" "$root/"
    rm -f "$root/usr/lib/postgresql/$major/lib/promscale_upgrade_guard"* \
        "$root/usr/share/postgresql/$major/extension/"{promscale_upgrade_guard,promscale.control,promscale--,timescaledb}*
    left=$(cd "$root" && dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | while read -r f; do
               if [ -e "$f" ]; then echo "$f"; fi; done)
    [ -z "$left" ] || fail "the fresh copy already has the guard's files: $left"
    dpkg-deb -x "$deb" "$root"

    PG_BIN="$root/usr/lib/postgresql/$major/bin"
    name="package-$major"
    cluster_destroy "$name"
    cluster_start "$name" "$port"
    eval "$(cluster_env "$name" "$port")"
    out=$("$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d postgres <<'SQL'
CREATE EXTENSION promscale_upgrade_guard;
SELECT extversion FROM pg_extension WHERE extname = 'promscale_upgrade_guard';
SELECT promscale_upgrade_ready() IS NOT NULL;
SELECT string_agg(source, ',' ORDER BY source) FROM pg_extension_update_paths('promscale_upgrade_guard')
WHERE path IS NOT NULL AND target = (SELECT extversion FROM pg_extension WHERE extname = 'promscale_upgrade_guard');
SQL
) || { cluster_destroy "$name"; fail "$deb: the extension does not work from the package"; }
    cluster_destroy "$name"
    rm -rf "$root"
    # Every released version (sql/released/) has an update path to this one.
    expected=$(printf '%s\n%s\n%s' "$version" t "$(ls sql/released | sed -n 's/^promscale_upgrade_guard--\(.*\)\.sql$/\1/p' | grep -vxF "$version" | sort | paste -sd,)")
    [ "$out" = "$expected" ] || fail "$deb: got [$out], expected [$expected]"
    echo "test_package: $deb installs into a fresh PostgreSQL $major and works (version $version, update paths from $(echo "$expected" | tail -n 1))"
    port=$((port + 1))
done
