#!/usr/bin/env bash
# SQL regression tests, run by PostgreSQL's own pg_regress (the private
# prefix's $(pg_config --pkglibdir)/pgxs/src/test/regress/pg_regress, from
# Debian's postgresql-client-NN) against a throwaway cluster: each
# pg_test/sql/NAME.sql runs in a fresh database "regress" and its output must
# match pg_test/expected/NAME.out. (`cargo pgrx regress` cannot run as root.)
#
#   pg_test/regress.sh [--accept] [NAME...]
#
# A test file may start with a line
#   -- standins: <arguments for pg_test/install-standins.sh>
# to choose which stand-in versions are on disk while it runs (default: all);
# so pg_regress runs once per test, with --use-existing (the database is
# dropped and created here, WITH (FORCE)).
# pg_regress's rules apply: the output must equal expected/NAME.out or one of
# the alternatives expected/NAME_1.out (_2, ...; output that differs between
# PostgreSQL majors goes there). psql reads the test from stdin, so its
# messages carry no "psql:FILE:LINE:" prefix.
# --accept copies the output of each failing test to expected/NAME.out
# (review the diff!); passing tests, also those matching an alternative, are
# left alone. Alternatives are kept by hand: copy
# $BUILD_DIR/regress-out/NAME/results/NAME.out to expected/NAME_N.out.
# psql runs through pg_test/regress-psql.sh, which restores the client
# settings the expected output was made with (pg_regress sets its own).
# pg_regress runs as $PG_OS_USER; its output goes to $BUILD_DIR/regress-out/NAME/
# (results/NAME.out, regression.diffs, pg_regress.log).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/pg.sh"

accept=0
if [ "${1:-}" = "--accept" ]; then accept=1; shift; fi
cd "$PROJECT_ROOT/pg_test"
if (($#)); then names=("$@"); else names=(); for f in sql/*.sql; do names+=("$(basename "$f" .sql)"); done; fi
for name in "${names[@]}"; do
    [ -f "sql/$name.sql" ] || { echo "regress: no test $name (pg_test/sql/$name.sql)" >&2; exit 2; }
done

PG_REGRESS="$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress"
[ -x "$PG_REGRESS" ] || { echo "regress: $PG_REGRESS not found (postgresql-client-$PG_MAJOR ships it; run scripts/prefix.sh)" >&2; exit 2; }

CLUSTER=regress PORT="${GUARD_REGRESS_PORT:-55310}"
cluster_destroy "$CLUSTER"
# No autovacuum: its locks would make "locks in use" vary between runs.
cluster_start "$CLUSTER" "$PORT" "autovacuum = off" || exit 1
trap 'cluster_destroy "$CLUSTER"; "$PROJECT_ROOT/pg_test/install-standins.sh" --quiet' EXIT
eval "$(cluster_env "$CLUSTER" "$PORT")"
out_dir="$BUILD_DIR/regress-out"; rm -rf "$out_dir"; mkdir -p "$out_dir"
if [ "$(id -u)" = 0 ]; then chown "$PG_OS_USER" "$out_dir"; fi
psql() { "$PG_BIN/psql" -X "$@"; }

failed=() accepted=()
for name in "${names[@]}"; do
    sql="sql/$name.sql"; dir="$out_dir/$name"
    standins=$(sed -n '1,5s/^-- standins: //p' "$sql")
    # shellcheck disable=SC2086
    "$PROJECT_ROOT/pg_test/install-standins.sh" --quiet $standins || { echo "FAIL $name (stand-ins)"; failed+=("$name"); continue; }
    if [ ! -f "expected/$name.out" ]; then
        if ((accept)); then : > "expected/$name.out"
        else echo "FAIL $name: no expected output (run with --accept and review expected/$name.out)"; failed+=("$name"); continue; fi
    fi
    psql -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS regress WITH (FORCE)" -c "CREATE DATABASE regress TEMPLATE template0" >/dev/null \
        || { echo "FAIL $name (could not create database regress)"; failed+=("$name"); continue; }
    as_pg_user mkdir -p "$dir"
    # From pg_test/sql: \ir in a test file (psql reads it from stdin) is
    # relative to the working directory.
    (cd sql && as_pg_user "$PG_REGRESS" --use-existing --bindir="$PG_BIN" \
        --inputdir="$PROJECT_ROOT/pg_test" --outputdir="$dir" \
        --host="$PGHOST" --port="$PORT" --user=postgres --dbname=regress \
        --launcher="$PROJECT_ROOT/pg_test/regress-psql.sh" "$name") >"$dir/pg_regress.log" 2>&1
    status=$?
    if [ "$status" = 0 ]; then
        match=$(for e in "expected/$name.out" expected/"${name}"_[0-9].out; do
                    [ -f "$e" ] && cmp -s "$e" "$dir/results/$name.out" && { echo "$e"; break; }; done)
        if [ -z "$match" ] || [ "$match" = "expected/$name.out" ]; then echo "ok   $name"; else echo "ok   $name (matches $match)"; fi
    elif [ "$status" = 1 ] && ((accept)); then
        cp "$dir/results/$name.out" "expected/$name.out"; accepted+=("$name")
        alts=$(cd expected && ls "${name}"_[0-9].out 2>/dev/null | tr '\n' ' ')
        echo "accepted $name -> expected/$name.out (review the diff${alts:+; alternatives kept as they were: $alts})"
    elif [ "$status" = 1 ]; then
        echo "FAIL $name"; cat "$dir/regression.diffs"; failed+=("$name")
    else
        echo "FAIL $name (pg_regress could not run the test, exit status $status):"; cat "$dir/pg_regress.log"; failed+=("$name")
    fi
done
if ((${#failed[@]})); then echo "regress: ${#failed[@]} of ${#names[@]} failed: ${failed[*]}"; exit 1; fi
if ((${#accepted[@]})); then echo "regress: ${#accepted[@]} of ${#names[@]} accepted (review git diff pg_test/expected): ${accepted[*]}"; exit 0; fi
echo "regress: all ${#names[@]} passed"
