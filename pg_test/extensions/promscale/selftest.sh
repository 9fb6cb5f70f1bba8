#!/usr/bin/env bash
# Self-test of the Promscale stand-in (TEST DOUBLE), its fixtures and
# install-standins.sh. Starts a throwaway cluster, checks, prints lock
# measurements and timings; exits non-zero on any mismatch.
#
#   selftest.sh [--keep]      (--keep: leave the cluster running afterwards)
#
# It works in its own build directory (STANDIN_BUILD_DIR, default
# target/standin: a private PostgreSQL prefix of its own plus its clusters),
# so that installing stand-in versions here never changes the extension
# directory other tests are using. Cluster standin-selftest, port
# STANDIN_SELFTEST_PORT (default 55410).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
export BUILD_DIR=${STANDIN_BUILD_DIR:-$ROOT/target/standin}
source "$ROOT/scripts/pg.sh"
KEEP=0; [ "${1:-}" = --keep ] && KEEP=1
CLUSTER=standin-selftest PORT=${STANDIN_SELFTEST_PORT:-55410}

FAILURES=0
pass() { printf '  ok    %s\n' "$1"; }
fail() { printf '  FAIL  %s\n' "$1" >&2; FAILURES=$((FAILURES + 1)); }
expect() {  # description actual expected
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got [$2], expected [$3]"; fi
}
section() { printf '\n== %s\n' "$*"; }

PSQL=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -At -d "$1" -c "SET client_min_messages = warning" -c "$2"; }
sql() { local db=$1; shift; "${PSQL[@]}" -d "$db" -c "SET client_min_messages = warning" "$@"; }
clone_db() {  # new template
    "${PSQL[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\" TEMPLATE \"$2\""
}
newdb() {
    "${PSQL[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\""
}
gen_db() { "$ROOT/pg_test/fixtures/generate.sh" --quiet --replace "$@"; }
LOCKQ="SELECT count(DISTINCT (locktype, database, relation, page, tuple, virtualxid, transactionid::text, classid, objid, objsubid)) FROM pg_locks WHERE pid = pg_backend_pid()"
# distinct lock entries held just before commit by the statements on stdin
# (run in one transaction, rolled back)
locks_of() {  # db
    { echo "SET client_min_messages = warning;"; echo "BEGIN;"; cat; echo "$LOCKQ;"; echo "ROLLBACK;"; } \
        | "${PSQL[@]}" -At -d "$1" -f -
}
# the extension's members and the columns of its tables, for comparing the
# result of different paths to the same version
signature() {  # db
    q "$1" "SELECT x FROM (
              SELECT pg_describe_object(d.classid, d.objid, 0) AS x
              FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
              WHERE d.deptype = 'e' AND e.extname = 'promscale'
              UNION ALL
              SELECT format('column %s.%s %s', a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod))
              FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
              JOIN pg_attribute a ON a.attrelid = d.objid AND a.attnum > 0 AND NOT a.attisdropped
              WHERE d.deptype = 'e' AND e.extname = 'promscale' AND d.classid = 'pg_class'::regclass) s
          ORDER BY x COLLATE \"C\""
}

cleanup() { [ "$KEEP" = 1 ] || cluster_destroy "$CLUSTER"; }
trap cleanup EXIT

section "setup"
"$ROOT/scripts/prefix.sh" >/dev/null
# The generated scripts are not committed: both generators run, and two runs
# of each give byte-identical output (symlinks compared as links).
tmp=$(mktemp -d)
for ext in promscale timescaledb; do
    gen_ok=1
    for run in 1 2; do
        if ! "$ROOT/pg_test/extensions/$ext/gen.sh" "$tmp/$ext.$run" 2>"$tmp/$ext.$run.log"; then
            fail "$ext/gen.sh failed: $(head -c 300 "$tmp/$ext.$run.log")"; gen_ok=0
        fi
    done
    if [ "$gen_ok" = 1 ] && diff -r --no-dereference "$tmp/$ext.1" "$tmp/$ext.2" >/dev/null; then
        pass "$ext/gen.sh runs and is deterministic ($(find "$tmp/$ext.1" -maxdepth 1 -name "$ext--*.sql" | wc -l) scripts, two runs identical)"
    else
        fail "$ext/gen.sh: two runs differ or failed"
    fi
done
if cmp -s "$tmp/promscale.1/legacy-0.10-schema.sql" "$ROOT/pg_test/fixtures/legacy-0.10-schema.sql"; then
    pass "committed pg_test/fixtures/legacy-0.10-schema.sql is what parts/ make"
else
    fail "pg_test/fixtures/legacy-0.10-schema.sql differs from what parts/ make: run gen.sh --update-fixture DIR and commit it"
fi
if "$HERE/gen.sh" "$HERE" >/dev/null 2>&1; then fail "gen.sh wrote into its source directory"
else pass "gen.sh refuses to write into its source directory"; fi
"$ROOT/pg_test/install-standins.sh" --quiet
GEN="$BUILD_DIR/standin-scripts"
for ext in promscale timescaledb; do
    if diff -r --no-dereference -x .inputs.sha256 "$tmp/$ext.1" "$GEN/$ext" >/dev/null; then
        pass "install-standins.sh installs from a current generation ($GEN/$ext)"
    else
        fail "install-standins.sh's generation $GEN/$ext differs from what gen.sh makes now"
    fi
done
rm -rf "$tmp"
echo stale > "$GEN/timescaledb/.inputs.sha256"; rm -f "$GEN/timescaledb/timescaledb--2.9.3.sql"
"$ROOT/pg_test/install-standins.sh" --quiet
if [ -f "$GEN/timescaledb/timescaledb--2.9.3.sql" ] && [ "$(cat "$GEN/timescaledb/.inputs.sha256")" != stale ]; then
    pass "install-standins.sh generates again when the inputs' hash changed"
else fail "install-standins.sh did not generate again after the inputs' hash changed"; fi
cluster_destroy "$CLUSTER"
cluster_start "$CLUSTER" "$PORT" "max_locks_per_transaction = 512"
eval "$(cluster_env "$CLUSTER" "$PORT")"
pass "cluster $CLUSTER on port $PORT (max_locks_per_transaction = 512)"

section "install-standins.sh"
out=$("$ROOT/pg_test/install-standins.sh" --dry-run --promscale-versions 0.5.4,0.6.0,0.7.0 --timescaledb-versions 2.9.3 | tr '\n' ' ')
expect "subset 0.5.4,0.6.0,0.7.0: scripts and default" "$out" \
    "promscale default_version: 0.7.0 timescaledb default_version: 2.9.3 promscale--0.5.4--0.6.0.sql promscale--0.5.4--0.7.0.sql promscale--0.5.4.sql promscale--0.6.0--0.7.0.sql promscale--0.6.0.sql promscale--0.7.0.sql promscale.control timescaledb--2.9.3.sql timescaledb.control "
out=$("$ROOT/pg_test/install-standins.sh" --dry-run --promscale-versions 0.3.2,0.5.3,0.5.4,0.6.0 --promscale-default 0.5.4 --timescaledb-versions none | tr '\n' ' ')
expect "subset 0.3.2,0.5.3,0.5.4,0.6.0 (no 0.3.2->, no 0.5.3->0.5.4)" "$out" \
    "promscale default_version: 0.5.4 timescaledb default_version: none promscale--0.3.2.control promscale--0.3.2.sql promscale--0.5.3--0.6.0.sql promscale--0.5.3.sql promscale--0.5.4--0.6.0.sql promscale--0.5.4.sql promscale--0.6.0.sql promscale.control "
if "$ROOT/pg_test/install-standins.sh" --dry-run --promscale-versions 0.5.1 >/dev/null 2>&1; then
    fail "unknown version 0.5.1 accepted"; else pass "unknown version refused"; fi
if BUILD_DIR=/nonexistent/build "$ROOT/pg_test/install-standins.sh" --dry-run >/dev/null 2>&1; then
    fail "missing/foreign extension directory accepted"; else pass "extension directory outside a private prefix refused"; fi
"$ROOT/pg_test/install-standins.sh" --quiet --promscale-default 0.7.0
expect "--promscale-default 0.7.0 seen by the server" "$(q postgres "SELECT default_version FROM pg_available_extensions WHERE name = 'promscale'")" "0.7.0"
"$ROOT/pg_test/install-standins.sh" --quiet
expect "all versions available" "$(q postgres "SELECT string_agg(version, ' ' ORDER BY string_to_array(version, '.')::int[]) FROM pg_available_extension_versions WHERE name = 'promscale'")" \
    "0.0.0 0.1.0 0.2.0 0.3.0 0.3.1 0.3.2 0.5.0 0.5.2 0.5.3 0.5.4 0.6.0 0.7.0 0.8.0"
expect "default_version 0.8.0" "$(q postgres "SELECT default_version FROM pg_available_extensions WHERE name = 'promscale'")" "0.8.0"
expect "old versions install into _prom_ext, new ones into public" \
    "$(q postgres "SELECT string_agg(DISTINCT version || '=' || schema, ' ') FROM pg_available_extension_versions WHERE name = 'promscale' AND version IN ('0.3.2', '0.8.0')")" \
    "0.3.2=_prom_ext 0.8.0=public"

section "update paths"
# Each release R ships promscale--P--R.sql for every P in its control file's
# upgradeable_from (real packaging); the old extension has its own chain.
expected_paths=$(cat <<'EOF'
0.0.0 0.5.0 0.0.0--0.5.0
0.0.0 0.5.2 0.0.0--0.5.2
0.0.0 0.5.3 0.0.0--0.5.3
0.0.0 0.5.4 0.0.0--0.5.4
0.0.0 0.6.0 0.0.0--0.6.0
0.0.0 0.7.0 0.0.0--0.7.0
0.0.0 0.8.0 0.0.0--0.8.0
0.1.0 0.2.0 0.1.0--0.2.0
0.1.0 0.3.0 0.1.0--0.2.0--0.3.0
0.1.0 0.3.1 0.1.0--0.2.0--0.3.0--0.3.1
0.1.0 0.3.2 0.1.0--0.2.0--0.3.0--0.3.1--0.3.2
0.2.0 0.3.0 0.2.0--0.3.0
0.2.0 0.3.1 0.2.0--0.3.0--0.3.1
0.2.0 0.3.2 0.2.0--0.3.0--0.3.1--0.3.2
0.3.0 0.3.1 0.3.0--0.3.1
0.3.0 0.3.2 0.3.0--0.3.1--0.3.2
0.3.1 0.3.2 0.3.1--0.3.2
0.5.0 0.5.2 0.5.0--0.5.2
0.5.0 0.5.3 0.5.0--0.5.3
0.5.0 0.5.4 0.5.0--0.5.4
0.5.0 0.6.0 0.5.0--0.6.0
0.5.0 0.7.0 0.5.0--0.7.0
0.5.0 0.8.0 0.5.0--0.8.0
0.5.2 0.5.3 0.5.2--0.5.3
0.5.2 0.5.4 0.5.2--0.5.4
0.5.2 0.6.0 0.5.2--0.6.0
0.5.2 0.7.0 0.5.2--0.7.0
0.5.2 0.8.0 0.5.2--0.8.0
0.5.3 0.6.0 0.5.3--0.6.0
0.5.3 0.7.0 0.5.3--0.7.0
0.5.3 0.8.0 0.5.3--0.8.0
0.5.4 0.6.0 0.5.4--0.6.0
0.5.4 0.7.0 0.5.4--0.7.0
0.5.4 0.8.0 0.5.4--0.8.0
0.6.0 0.7.0 0.6.0--0.7.0
0.6.0 0.8.0 0.6.0--0.8.0
0.7.0 0.8.0 0.7.0--0.8.0
EOF
)
actual_paths=$(q postgres "SELECT source || ' ' || target || ' ' || path FROM pg_extension_update_paths('promscale')
                           WHERE path IS NOT NULL ORDER BY string_to_array(source, '.')::int[], string_to_array(target, '.')::int[]")
if [ "$actual_paths" = "$expected_paths" ]; then
    pass "pg_extension_update_paths('promscale'): exactly the $(wc -l <<<"$expected_paths") expected paths"
else
    fail "pg_extension_update_paths('promscale') differs:"; diff <(echo "$expected_paths") <(echo "$actual_paths") >&2 || true
fi
expect "no path from 0.1.x-0.3.x to 0.5.0 or later" "$(q postgres "SELECT count(*) FROM pg_extension_update_paths('promscale')
    WHERE path IS NOT NULL AND string_to_array(source, '.')::int[] < '{0,5,0}' AND source <> '0.0.0' AND string_to_array(target, '.')::int[] >= '{0,5,0}'")" 0
expect "no path 0.5.3 -> 0.5.4" "$(q postgres "SELECT count(*) FROM pg_extension_update_paths('promscale') WHERE source = '0.5.3' AND target = '0.5.4' AND path IS NOT NULL")" 0

section "fresh CREATE EXTENSION at each version"
declare -A MIGRATIONS=([0.5.0]=25 [0.5.2]=28 [0.5.3]=30 [0.5.4]=31 [0.6.0]=32 [0.7.0]=33 [0.8.0]=36)
for v in 0.5.0 0.5.2 0.5.3 0.5.4 0.6.0 0.7.0 0.8.0; do
    for ts in 2.9.3 none; do
        newdb fresh
        [ "$ts" = none ] || sql fresh -c "CREATE EXTENSION timescaledb VERSION '$ts'"
        if sql fresh -c "CREATE EXTENSION promscale VERSION '$v'" 2>/tmp/selftest.err; then
            expect "CREATE $v (timescaledb $ts): migrations recorded" \
                "$(q fresh "SELECT count(*) || ' ' || max(name) || ' ' || bool_and(applied_at_version = '$v') FROM _ps_catalog.migration")" \
                "${MIGRATIONS[$v]} $(printf '%03d' $((MIGRATIONS[$v] - 1)))-$(ls "$HERE/parts/incremental" | sed -n "$((MIGRATIONS[$v] - 1))p" | cut -d- -f2-) true"
        else
            fail "CREATE EXTENSION promscale VERSION '$v' (timescaledb $ts): $(head -c 300 /tmp/selftest.err)"
        fi
    done
done
signature fresh > /tmp/selftest.sig.fresh   # fresh 0.8.0, no timescaledb
newdb fresh
sql fresh -c "CREATE EXTENSION timescaledb" -c "CREATE EXTENSION promscale VERSION '0.8.0'"
signature fresh > /tmp/selftest.sig.fresh-ts
newdb empty000
sql empty000 -c "CREATE EXTENSION timescaledb" -c "CREATE EXTENSION promscale VERSION '0.0.0'"
expect "0.0.0 on an empty database adopts nothing" "$(q empty000 "SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid WHERE e.extname = 'promscale' AND d.deptype = 'e'")" 0
sql empty000 -c "ALTER EXTENSION promscale UPDATE TO '0.8.0'"
if diff -q /tmp/selftest.sig.fresh-ts <(signature empty000) >/dev/null; then pass "empty database: CREATE 0.0.0 + UPDATE 0.8.0 = fresh 0.8.0"
else fail "empty database: CREATE 0.0.0 + UPDATE 0.8.0 differs from fresh 0.8.0"; fi
# the old extension needs the connector-0.10 schema
for v in 0.1.0 0.2.0 0.3.0 0.3.1 0.3.2; do
    newdb old
    sql old -v metrics=0 -v spans=0 -f "$ROOT/pg_test/fixtures/legacy-0.10.sql" >/dev/null
    sql old -c "CREATE EXTENSION promscale VERSION '$v' SCHEMA _prom_ext"
    [ "$v" = 0.3.2 ] || sql old -c "ALTER EXTENSION promscale UPDATE TO '0.3.2'"
    expect "old extension $v (-> 0.3.2) in _prom_ext" "$(q old "SELECT extversion || ' ' || extnamespace::regnamespace FROM pg_extension WHERE extname = 'promscale'")" "0.3.2 _prom_ext"
done
if sql old -c "ALTER EXTENSION promscale UPDATE TO '0.5.0'" 2>/dev/null; then fail "0.3.2 -> 0.5.0 should have no path"
else pass "ALTER EXTENSION UPDATE from 0.3.2 to 0.5.0 fails (no path)"; fi

section "every update script"
for v in 0.5.2 0.5.3 0.5.4 0.6.0 0.7.0 0.8.0; do
    for p in 0.5.0 0.5.2 0.5.3 0.5.4 0.6.0 0.7.0; do
        [ -e "$GEN/promscale/promscale--$p--$v.sql" ] || continue
        gen_db --db upd --version "$p" --metrics 5 --chunks 2 --spans 20 --exemplars 1
        if sql upd -c "ALTER EXTENSION promscale UPDATE TO '$v'" 2>/tmp/selftest.err; then
            expect "$p -> $v" "$(q upd "SELECT extversion FROM pg_extension WHERE extname = 'promscale'") $(q upd "SELECT count(*) FROM _ps_catalog.migration") $(q upd "SELECT count(*) FROM _ps_trace.span")" \
                "$v ${MIGRATIONS[$v]} 20"
            if [ "$v" = 0.8.0 ]; then
                if diff -q /tmp/selftest.sig.fresh-ts <(signature upd) >/dev/null; then pass "$p -> 0.8.0 ends with the same extension objects as a fresh 0.8.0"
                else fail "$p -> 0.8.0 ends with other extension objects than a fresh 0.8.0:"; diff /tmp/selftest.sig.fresh-ts <(signature upd) | head -20 >&2 || true; fi
            fi
        else
            fail "$p -> $v: $(head -c 300 /tmp/selftest.err)"
        fi
    done
done

section "takeover of the connector-0.10 database (legacy fixture)"
takeover_checks() {  # db label target
    local db=$1 label=$2 target=$3
    expect "$label: extension version" "$(q "$db" "SELECT extversion || ' ' || extnamespace::regnamespace FROM pg_extension WHERE extname = 'promscale'")" "$target public"
    expect "$label: prom_schema_migrations and prom_installation_info dropped" \
        "$(q "$db" "SELECT count(*) FROM pg_tables WHERE tablename IN ('prom_schema_migrations', 'prom_installation_info')")" 0
    expect "$label: tracing data gone (span/event/link/operation rows)" \
        "$(q "$db" "SELECT (SELECT count(*) FROM _ps_trace.span) + (SELECT count(*) FROM _ps_trace.event) + (SELECT count(*) FROM _ps_trace.link) + (SELECT count(*) FROM _ps_trace.operation)")" 0
    expect "$label: metric objects (tables, series tables, views, exemplar tables, chunks) not owned by prom_admin" \
        "$(q "$db" "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE (n.nspname IN ('prom_data', 'prom_data_series', 'prom_metric', 'prom_series', 'prom_data_exemplar')
                          OR (n.nspname = '_timescaledb_internal' AND c.relname LIKE '\\_hyper%'))
                     AND c.relkind IN ('r', 'p', 'v', 'i') AND c.relowner <> 'prom_admin'::regrole
                     AND NOT (n.nspname = '_timescaledb_internal' AND EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                              JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid AND pn.nspname = '_ps_trace'))")" 0
    expect "$label: fixed objects outside the extension (relations, types, routines, operators of the fixed schemas)" \
        "$(q "$db" "WITH m AS (SELECT classid, objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid WHERE d.deptype = 'e' AND e.extname = 'promscale'),
                    fixed AS (SELECT oid FROM pg_namespace WHERE nspname IN ('_prom_catalog', '_prom_ext', '_ps_catalog', '_ps_trace', 'prom_api', 'prom_info', 'ps_tag', 'ps_trace'))
               SELECT (SELECT count(*) FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM fixed) AND c.relkind IN ('r', 'p', 'v', 'S')
                         AND ('pg_class'::regclass, c.oid) NOT IN (SELECT * FROM m))
                    + (SELECT count(*) FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM fixed) AND ('pg_proc'::regclass, p.oid) NOT IN (SELECT * FROM m))
                    + (SELECT count(*) FROM pg_operator o WHERE o.oprnamespace IN (SELECT oid FROM fixed) AND ('pg_operator'::regclass, o.oid) NOT IN (SELECT * FROM m))
                    + (SELECT count(*) FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM fixed) AND t.typtype IN ('d', 'e', 'b')
                         AND t.typelem = 0 AND ('pg_type'::regclass, t.oid) NOT IN (SELECT * FROM m))")" 0
    expect "$label: the 13 schemas belong to the extension" \
        "$(q "$db" "SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid WHERE d.deptype = 'e' AND e.extname = 'promscale' AND d.classid = 'pg_namespace'::regclass")" 13
    expect "$label: series partitions attached, indexes renamed" \
        "$(q "$db" "SELECT count(*) FILTER (WHERE c.relispartition) = count(*) AND count(*) > 0 FROM pg_class c WHERE c.relnamespace = 'prom_data_series'::regnamespace AND c.relkind = 'r'") $(q "$db" "SELECT count(*) FROM pg_class WHERE relnamespace = 'prom_data_series'::regnamespace AND relkind = 'i' AND relname !~ '^series_(labels|delete_epoch_id|labels_id|pkey)_[0-9]+$'")" "t 0"
}
gen_db --db legacy --version legacy --metrics 12 --chunks 2 --spans 200 --exemplars 2 --old-extension 0.3.2
expect "legacy fixture: old extension, tracing data, metrics" \
    "$(q legacy "SELECT extversion FROM pg_extension WHERE extname = 'promscale'") $(q legacy "SELECT count(*) FROM _ps_trace.span") $(q legacy "SELECT count(*) FROM _prom_catalog.metric")" "0.3.2 200 12"
clone_db tk1 legacy
if sql tk1 -1 -c "DROP EXTENSION IF EXISTS promscale" -c "CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'" -c "ALTER EXTENSION promscale UPDATE TO '0.8.0'" 2>/tmp/selftest.err; then
    pass "takeover to 0.8.0 in one transaction"; takeover_checks tk1 "one transaction" 0.8.0
    if diff -q /tmp/selftest.sig.fresh-ts <(signature tk1) >/dev/null; then pass "takeover ends with the same extension objects as a fresh 0.8.0"
    else fail "takeover ends with other extension objects than a fresh 0.8.0:"; diff /tmp/selftest.sig.fresh-ts <(signature tk1) | head -20 >&2 || true; fi
else fail "takeover to 0.8.0 in one transaction: $(head -c 400 /tmp/selftest.err)"; fi
clone_db tk2 legacy
if sql tk2 -c "DROP EXTENSION IF EXISTS promscale" && sql tk2 -c "CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'" \
   && sql tk2 -c "ALTER EXTENSION promscale UPDATE TO '0.8.0'" 2>/tmp/selftest.err; then
    pass "takeover to 0.8.0 in autocommit (statement by statement)"; takeover_checks tk2 "autocommit" 0.8.0
else fail "takeover to 0.8.0 in autocommit: $(head -c 400 /tmp/selftest.err)"; fi
for v in 0.5.0 0.5.2 0.5.4 0.6.0 0.7.0; do
    clone_db tk3 legacy
    if sql tk3 -1 -c "DROP EXTENSION IF EXISTS promscale" -c "CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'" -c "ALTER EXTENSION promscale UPDATE TO '$v'" 2>/tmp/selftest.err; then
        expect "takeover to $v in one transaction" "$(q tk3 "SELECT extversion FROM pg_extension WHERE extname = 'promscale'") $(q tk3 "SELECT count(*) FROM _ps_catalog.migration")" "$v $((MIGRATIONS[$v] + 0))"
        sql tk3 -c "ALTER EXTENSION promscale UPDATE TO '0.8.0'"
        expect "  ... then on to 0.8.0" "$(q tk3 "SELECT extversion FROM pg_extension WHERE extname = 'promscale'")" 0.8.0
    else fail "takeover to $v: $(head -c 400 /tmp/selftest.err)"; fi
done
gen_db --db legacy2 --version legacy --metrics 4 --chunks 1 --spans 10 --migrations-schema promscale_old --timescaledb none
if sql legacy2 -1 -c "CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'" -c "ALTER EXTENSION promscale UPDATE TO '0.8.0'" 2>/tmp/selftest.err; then
    pass "takeover without timescaledb, prom_schema_migrations in schema promscale_old"; takeover_checks legacy2 "no timescaledb" 0.8.0
else fail "takeover without timescaledb / other migrations schema: $(head -c 400 /tmp/selftest.err)"; fi
clone_db tk4 legacy
sql tk4 -c "DROP EXTENSION promscale" -c "CREATE ROLE standin_intruder" -c "CREATE TABLE prom_data.not_a_metric (x int)" -c "ALTER TABLE prom_data.not_a_metric OWNER TO standin_intruder" 2>/dev/null || true
if sql tk4 -1 -c "CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'" 2>/tmp/selftest.err; then fail "security check: a foreign-owned table in prom_data was accepted"
else expect "security check refuses a foreign-owned table in prom_data" "$(grep -c 'could not secure the promscale installation' /tmp/selftest.err)" 1; fi
sql tk4 -1 -c "SET promscale.disable_security_check = on" -c "CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'" -c "ALTER EXTENSION promscale UPDATE TO '0.8.0'" \
    && pass "... unless a superuser sets promscale.disable_security_check" || fail "disable_security_check did not help"
sql postgres -c "DROP DATABASE tk4" -c "DROP ROLE standin_intruder" >/dev/null

section "user view on prom_info.metric blocks 0.7.0 -> 0.8.0 (033)"
gen_db --db dep --version 0.7.0 --metrics 3 --chunks 1 --spans 0
sql dep -c "CREATE VIEW public.my_metric_names AS SELECT metric_name FROM prom_info.metric"
state=$("${PSQL[@]}" -d dep -v VERBOSITY=sqlstate -c "ALTER EXTENSION promscale UPDATE TO '0.8.0'" 2>&1 || true)
expect "ALTER EXTENSION UPDATE TO 0.8.0 fails with SQLSTATE 2BP01" "$(grep -o '2BP01' <<<"$state" | head -1)" 2BP01
expect "... and changes nothing" "$(q dep "SELECT extversion FROM pg_extension WHERE extname = 'promscale'")" 0.7.0
sql dep -c "DROP VIEW public.my_metric_names" -c "ALTER EXTENSION promscale UPDATE TO '0.8.0'"
expect "after dropping the user view the update passes" "$(q dep "SELECT extversion FROM pg_extension WHERE extname = 'promscale'")" 0.8.0

section "generator"
t0=$(date +%s.%N)
gen_db --db gen1000 --version 0.8.0 --metrics 1000 --chunks 3 --spans 1000 --exemplars 10
t1=$(date +%s.%N)
expect "1,000 metrics x 3 chunks: metrics, chunks, series tables attached, exemplar tables" \
    "$(q gen1000 "SELECT (SELECT count(*) FROM _prom_catalog.metric) || ' ' || (SELECT count(*) FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id WHERE h.schema_name = 'prom_data') || ' ' || (SELECT count(*) FROM pg_inherits WHERE inhparent = '_prom_catalog.series'::regclass) || ' ' || (SELECT count(*) FROM _prom_catalog.exemplar)")" \
    "1000 3000 1000 10"
GEN_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
echo "  time  generate.sh 1,000 metrics x 3 chunks (0.8.0, timescaledb 2.9.3, 2 connections): ${GEN_SECONDS}s"
gen_db --db gennone --version 0.6.0 --metrics 20 --chunks 3 --spans 10 --timescaledb none
expect "without timescaledb: plain tables, no chunks" "$(q gennone "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent WHERE c.relnamespace = 'prom_data'::regnamespace") $(q gennone "SELECT count(*) FROM _prom_catalog.metric")" "0 20"

section "locks held just before commit (distinct pg_locks entries)"
declare -A L
for n in 10 100; do
    gen_db --db lk_legacy_$n --version legacy --metrics "$n" --chunks 3 --spans 200 --old-extension 0.3.2
    L[takeover_$n]=$(locks_of "lk_legacy_$n" <<'EOF'
DROP EXTENSION IF EXISTS promscale;
CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0';
ALTER EXTENSION promscale UPDATE TO '0.8.0';
EOF
)
    gen_db --db lk_plain_$n --version 0.7.0 --metrics "$n" --chunks 3 --spans 200
    L[update_$n]=$(locks_of "lk_plain_$n" <<<"ALTER EXTENSION promscale UPDATE TO '0.8.0';")
done
report() {  # label key
    local a=${L[${2}_10]} b=${L[${2}_100]}
    awk -v l="$1" -v a="$a" -v b="$b" 'BEGIN { s = (b - a) / 90; printf "  %-52s 10 metrics: %5d  100 metrics: %5d  per metric: %5.1f  fixed: %5.0f\n", l, a, b, s, a - 10 * s }'
}
report "takeover 0.10 -> 0.8.0 (3 chunks per metric)" takeover
report "plain update 0.7.0 -> 0.8.0 (3 chunks per metric)" update
slope_t=$(( (L[takeover_100] - L[takeover_10]) / 90 ))
slope_u=$(( (L[update_100] - L[update_10]) / 90 ))
expect "takeover per metric: data table + index, series table + 4 indexes + toast + toast index, 2 views, 3 x (chunk + index)" "$slope_t" 17
expect "plain update: nothing per metric" "$slope_u" 0
[ "${L[takeover_10]}" -gt $(( 2 * L[update_10] )) ] && pass "takeover fixed block well above the plain update's" || fail "takeover fixed block not above the plain update's"
# As the real update: every operator, operator class and family of the
# extension is locked (re-owned), like every routine.
owned_locked=$({ echo "SET client_min_messages = warning;"; echo "BEGIN;"; echo "ALTER EXTENSION promscale UPDATE TO '0.8.0';"
    echo "SELECT string_agg(format('%s %s/%s', c, l, m), ', ' ORDER BY c) FROM (
            SELECT c.relname AS c,
                   (SELECT count(*) FROM pg_locks k WHERE k.pid = pg_backend_pid() AND k.locktype = 'object' AND k.classid = c.oid
                      AND (k.classid, k.objid) IN (SELECT d.classid, d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                                                   WHERE d.deptype = 'e' AND e.extname = 'promscale')) AS l,
                   (SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                    WHERE d.deptype = 'e' AND e.extname = 'promscale' AND d.classid = c.oid) AS m
            FROM pg_class c WHERE c.oid IN ('pg_operator'::regclass, 'pg_opclass'::regclass, 'pg_opfamily'::regclass)) s;"
    echo "ROLLBACK;"; } | "${PSQL[@]}" -At -d lk_plain_10 -f -)
expect "update 0.7.0 -> 0.8.0 locks every member operator, operator class and family (locked/members)" \
    "$owned_locked" "pg_opclass 2/2, pg_operator 44/44, pg_opfamily 2/2"
sql lk_legacy_100 -c "BEGIN" -c "DROP EXTENSION IF EXISTS promscale" -c "CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'" \
    -c "ALTER EXTENSION promscale UPDATE TO '0.8.0'" \
    -c "CREATE TEMP TABLE held AS SELECT DISTINCT locktype, relation, classid, objid FROM pg_locks WHERE pid = pg_backend_pid()" \
    -c "\\echo '  takeover at 100 metrics, by kind:'" \
    -c "\\pset format unaligned" -c "\\pset tuples_only on" -c "\\pset fieldsep ' '" \
    -c "SELECT '    ' || rpad(kind, 40) || count(*) FROM (SELECT CASE WHEN h.locktype = 'relation' AND c.oid IS NULL THEN 'relation dropped in the transaction'
                                                       WHEN h.locktype = 'relation' THEN CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'i' THEN 'index'
                                                            WHEN 'I' THEN 'partitioned index' WHEN 't' THEN 'toast table' WHEN 'v' THEN 'view'
                                                            WHEN 'S' THEN 'sequence' ELSE c.relkind::text END || ' in ' || n.nspname
                                                       WHEN h.locktype = 'object' THEN 'object in ' || h.classid::regclass
                                                       ELSE h.locktype END AS kind
                                                  FROM held h LEFT JOIN pg_class c ON c.oid = h.relation LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
                                                  WHERE coalesce(n.nspname, '') NOT LIKE 'pg\_%temp%') k
       GROUP BY kind ORDER BY count(*) DESC, kind" -c "ROLLBACK"

section "result"
if [ "$FAILURES" -eq 0 ]; then echo "selftest: all checks passed"; else echo "selftest: $FAILURES check(s) FAILED" >&2; exit 1; fi
