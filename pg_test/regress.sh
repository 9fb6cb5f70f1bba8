#!/usr/bin/env bash
# SQL regression tests: runs each pg_test/sql/NAME.sql with psql in a fresh
# database of a throwaway cluster and compares the output with
# pg_test/expected/NAME.out. (`cargo pgrx regress` cannot run as root.)
#
#   pg_test/regress.sh [--accept] [NAME...]
#
# A test file may start with a line
#   -- standins: <arguments for pg_test/install-standins.sh>
# to choose which stand-in versions are on disk while it runs (default: all).
# --accept overwrites the expected files with the new output (review the diff!).
# As with pg_regress, expected/NAME_1.out (_2, ...) are accepted alternatives:
# output that differs between PostgreSQL majors goes there.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/pg.sh"

accept=0
if [ "${1:-}" = "--accept" ]; then accept=1; shift; fi
cd "$PROJECT_ROOT/pg_test"
if (($#)); then names=("$@"); else names=(); for f in sql/*.sql; do names+=("$(basename "$f" .sql)"); done; fi

CLUSTER=regress PORT="${GUARD_REGRESS_PORT:-55310}"
cluster_destroy "$CLUSTER"
# No autovacuum: its locks would make "locks in use" vary between runs.
cluster_start "$CLUSTER" "$PORT" "autovacuum = off" || exit 1
trap 'cluster_destroy "$CLUSTER"; "$PROJECT_ROOT/pg_test/install-standins.sh" >/dev/null' EXIT
eval "$(cluster_env "$CLUSTER" "$PORT")"
export PGTZ=UTC PGDATESTYLE=ISO PGOPTIONS='-c client_min_messages=notice'
out_dir="$BUILD_DIR/regress-out"; rm -rf "$out_dir"; mkdir -p "$out_dir"
psql() { "$PG_BIN/psql" -X "$@"; }

failed=()
for name in "${names[@]}"; do
    sql="sql/$name.sql"; expected="expected/$name.out"; actual="$out_dir/$name.out"
    standins=$(sed -n '1,5s/^-- standins: //p' "$sql")
    # shellcheck disable=SC2086
    "$PROJECT_ROOT/pg_test/install-standins.sh" $standins >/dev/null || { failed+=("$name (stand-ins)"); continue; }
    psql -q -d postgres -c "DROP DATABASE IF EXISTS regress WITH (FORCE)" -c "CREATE DATABASE regress TEMPLATE template0" >/dev/null
    psql -a -q -d regress -v ON_ERROR_STOP=0 -v SHOW_CONTEXT=never -f "$sql" >"$actual" 2>&1
    if ((accept)); then
        cp "$actual" "$expected"; echo "accepted $name"
    elif [ ! -f "$expected" ]; then
        echo "FAIL $name: no expected output (run with --accept and review $expected)"; failed+=("$name")
    elif diff -u "$expected" "$actual" >"$out_dir/$name.diff"; then
        echo "ok   $name"
    elif alt=$(for a in expected/"${name}"_[0-9].out; do [ -f "$a" ] && cmp -s "$a" "$actual" && echo "$a"; done | head -n 1) && [ -n "$alt" ]; then
        echo "ok   $name (matches $alt)"
    else
        echo "FAIL $name"; cat "$out_dir/$name.diff"; failed+=("$name")
    fi
done
if ((${#failed[@]})); then echo "regress: ${#failed[@]} of ${#names[@]} failed: ${failed[*]}"; exit 1; fi
echo "regress: all ${#names[@]} passed"
