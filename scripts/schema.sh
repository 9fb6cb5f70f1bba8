#!/usr/bin/env bash
# The install script of the guard's current version, as pgrx generates it,
# kept in sql/released/ like every released version's (tensorchord/pgvecto.rs
# does the same): a change of the extension's SQL shows in review, and the
# script an upgrade script must reach is on record.
#
#   scripts/schema.sh           regenerate sql/released/promscale_upgrade_guard--<version>.sql
#   scripts/schema.sh --check   fail when the committed script differs from what the code generates
#
# pgrx writes where each object is in the Rust code as comments (its source
# line, its module path, the names in a "requires:" list); those lines are
# left out, so that moving code does not change the script.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PROJECT_ROOT"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
committed="sql/released/promscale_upgrade_guard--$version.sql"
generated=$(mktemp)
trap 'rm -f "$generated" "$generated.raw"' EXIT
cargo pgrx schema "pg$PG_MAJOR" --pg-config "$PG_CONFIG" -o "$generated.raw" >/dev/null 2>&1 \
    || { echo "schema.sh: cargo pgrx schema failed" >&2; cargo pgrx schema "pg$PG_MAJOR" --pg-config "$PG_CONFIG" -o "$generated.raw"; exit 1; }
sed -E -e '/^-- src\/.*:[0-9]+$/d' -e '/^-- promscale_upgrade_guard::/d' \
    -e '/^-- requires:$/,/^$/{/^-- requires:$/d;/^--   [A-Za-z_:]+$/d}' "$generated.raw" > "$generated"
if [ "${1:-}" = --check ]; then
    if diff -u "$committed" "$generated"; then
        echo "schema.sh: $committed is what the code generates"
    else
        echo "schema.sh: $committed differs from what the code generates: run scripts/schema.sh and commit it (and write the upgrade script)" >&2
        exit 1
    fi
else
    cp "$generated" "$committed"
    echo "schema.sh: wrote $committed"
fi
