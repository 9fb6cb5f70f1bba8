#!/usr/bin/env bash
# Generates the Promscale stand-in scripts (TEST DOUBLE) from parts/ into an
# output directory, with the connector-0.10 schema of the legacy fixture.
# Nothing generated here is committed: pg_test/install-standins.sh runs this
# when parts/ (or this file) changed and installs from the output directory.
#
#   gen.sh OUTDIR                   write into OUTDIR (created): promscale.control,
#                                   promscale--<v>.control, promscale--*.sql and
#                                   legacy-0.10-schema.sql (earlier files of
#                                   those names there are removed first)
#   gen.sh --refresh-takeover-list OUTDIR
#                                   first rebuild parts/takeover-objects.txt
#                                   (the objects 0.0.0 adopts; committed) from the
#                                   legacy schema, on a throwaway cluster
#                                   (port STANDIN_GEN_PORT, default 55498)
#   gen.sh --update-fixture OUTDIR  also copy legacy-0.10-schema.sql to
#                                   pg_test/fixtures/ (committed: legacy-0.10.sql
#                                   loads it; selftest.sh checks it is current)
#
# The output depends only on parts/ and this file: two runs give
# byte-identical files (selftest.sh checks).
#
# Layout of the generated scripts, as in the real packaging (each release
# ships promscale--<v>.sql plus promscale--<p>--<v>.sql for every p in its
# control file's upgradeable_from, all symlinks to the same full script):
#   - full script of <v> = bootstrap, _prom_ext objects, every incremental
#     migration of <v> (each skipped when _ps_catalog.migration has it), then
#     the idempotent part. Install and update run the same file.
#   - 0.0.0 = the takeover of a connector-0.10 database (parts/takeover.sql).
#   - 0.1.0 .. 0.3.2 = the old optional extension, installed in _prom_ext
#     (per-version control files), with no path to 0.5.0 or later.
set -euo pipefail

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
REFRESH=0 UPDATE_FIXTURE=0 OUT=
while [ $# -gt 0 ]; do
    case $1 in
        --refresh-takeover-list) REFRESH=1; shift;;
        --update-fixture) UPDATE_FIXTURE=1; shift;;
        -h|--help) usage;;
        -*) echo "gen.sh: unknown option $1" >&2; usage;;
        *) [ -z "$OUT" ] || usage; OUT=$1; shift;;
    esac
done
[ -n "$OUT" ] || { echo "gen.sh: no output directory given" >&2; usage; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cd "$(dirname "$0")"
case $OUT in "$(pwd)"|"$(pwd)"/parts*) echo "gen.sh: refusing to write into the source directory $OUT" >&2; exit 2;; esac
FIXTURES=$(cd ../../fixtures && pwd)

OLD_VERSIONS=(0.1.0 0.2.0 0.3.0 0.3.1 0.3.2)
NEW_VERSIONS=(0.5.0 0.5.2 0.5.3 0.5.4 0.6.0 0.7.0 0.8.0)
DEFAULT_VERSION=0.8.0
LEGACY_VERSION=0.4.0   # marker value that selects the connector-0.10 flavour
# number of the last incremental migration of each release (read from the
# real repository's migration/incremental at each tag; 0.5.3 from its release
# commit)
declare -A LAST_MIGRATION=([0.5.0]=24 [0.5.2]=27 [0.5.3]=29 [0.5.4]=30 [0.6.0]=31 [0.7.0]=32 [0.8.0]=35)
# upgradeable_from of each release's control file (0.5.1 is not modeled; 0.5.4
# left 0.5.3 out on purpose: 0.5.3 was withdrawn, promscale_extension#456)
declare -A UPGRADEABLE_FROM=(
    [0.5.0]="0.0.0"
    [0.5.2]="0.0.0 0.5.0"
    [0.5.3]="0.0.0 0.5.0 0.5.2"
    [0.5.4]="0.0.0 0.5.0 0.5.2"
    [0.6.0]="0.0.0 0.5.0 0.5.2 0.5.3 0.5.4"
    [0.7.0]="0.0.0 0.5.0 0.5.2 0.5.3 0.5.4 0.6.0"
    [0.8.0]="0.0.0 0.5.0 0.5.2 0.5.3 0.5.4 0.6.0 0.7.0"
)

# Keeps the lines of stdin that belong to version $1. Markers, each on its own
# line: "-- @since X" and "-- @until Y" restrict the following lines (they
# accumulate) until "-- @end". Also substitutes @VERSION@.
filter() {
    awk -v V="$1" '
        function vnum(s,  a) { split(s, a, "."); return a[1] * 1000000 + a[2] * 1000 + a[3] }
        BEGIN { v = vnum(V); since = ""; until = "" }
        /^-- @since / { since = $3; next }
        /^-- @until / { until = $3; next }
        /^-- @end/ { since = ""; until = ""; next }
        {
            if (since != "" && v < vnum(since)) next
            if (until != "" && v >= vnum(until)) next
            gsub(/@VERSION@/, V)
            print
        }'
}

# An incremental migration: applied once, recorded in _ps_catalog.migration.
wrap_incremental() {  # name version body-file
    local name=$1 version=$2 body
    body=$(cat "$3")
    case $body in *'$migrationbody$'*|*'$inner_migration_block$'*)
        echo "gen.sh: $3 uses a reserved dollar-quote tag" >&2; exit 1;; esac
    cat <<EOF

-- incremental: $name
DO \$outer_migration_block\$
DECLARE
    _name text := '$name';
    _body text := \$migrationbody\$$body\$migrationbody\$;
    _done record;
BEGIN
    SELECT m.body INTO _done FROM _ps_catalog.migration m WHERE m.name = _name;
    IF FOUND THEN
        RAISE LOG 'Migration "%" already applied, skipping', _name;
        IF _done.body IS NOT NULL AND _done.body <> _body THEN
            RAISE WARNING 'The contents of migration "%" have changed', _name;
        END IF;
        RETURN;
    END IF;
DO \$inner_migration_block\$
BEGIN
$body
END;
\$inner_migration_block\$;
    INSERT INTO _ps_catalog.migration (name, applied_at_version, body) VALUES (_name, '$version', _body);
    RAISE LOG 'Applied migration %', _name;
END;
\$outer_migration_block\$;
EOF
}

# An idempotent part (or any plpgsql statement list): one DO block.
wrap_block() {  # label body-text
    [ -n "$(printf '%s' "$2" | grep -v '^\s*--' | grep -v '^\s*$' || true)" ] || return 0
    printf '\n-- %s\nDO $outer_idempotent_block$\nBEGIN\n%s\nEND;\n$outer_idempotent_block$;\n' "$1" "$2"
}

full_script() {  # version
    local v=$1 last=${LAST_MIGRATION[$1]} f n
    cat parts/header.sql
    echo
    echo "-- promscale $v: full script, run both by CREATE EXTENSION and by every update to $v"
    cat parts/bootstrap.sql
    wrap_incremental 001-create-ext-schema.sql "$v" parts/bootstrap-ext-schema.sql
    cat parts/bootstrap-stop-bgw.sql
    echo
    filter "$v" < parts/ext-objects.sql
    for f in parts/incremental/*.sql; do
        n=$(basename "$f"); n=$((10#${n%%-*}))
        [ "$n" -le "$last" ] || continue
        wrap_incremental "$(basename "$f")" "$v" "$f"
    done
    for f in parts/idempotent/*.sql; do
        wrap_block "idempotent: $(basename "$f")" "$(filter "$v" < "$f")"
    done
}

old_script() {  # version -> full script of the old extension
    local v=$1 o
    cat parts/header.sql
    echo
    echo "-- promscale $v: the OLD optional extension (schema _prom_ext), full install"
    echo '\echo Use "CREATE EXTENSION promscale VERSION '"'$v'"' SCHEMA _prom_ext" to load this file. \quit'
    for o in "${OLD_VERSIONS[@]}"; do
        cat "parts/old/$o.sql"
        [ "$o" = "$v" ] && break
    done
}

takeover_script() {
    local rows
    rows=$(awk -F'|' 'NF == 2 { gsub(/'\''/, "'\'''\''", $2); printf "%s            (%s, %s)", sep, "'\''" $1 "'\''", "'\''" $2 "'\''"; sep = ",\n" }' parts/takeover-objects.txt)
    cat parts/header.sql
    echo
    echo "-- promscale 0.0.0: takeover of a database built by connector <= 0.10"
    awk -v rows="$rows" '/@TAKEOVER_OBJECTS@/ { print rows; next } { print }' parts/takeover.sql
}

# The connector-0.10 schema, as plain objects (no extension): incremental
# migrations 003..014 (the real 001..014 are the connector's preinstall
# scripts; 001/002 hold nothing here) and the idempotent part in its 0.10
# flavour.
legacy_schema() {
    local f n
    cat <<'EOF'
-- TEST DOUBLE: the schema that Promscale connector 0.10 leaves in a database
-- (plain objects, no extension), for the tests of promscale_upgrade_guard.
-- Generated by pg_test/extensions/promscale/gen.sh from the stand-in's parts/
-- (connector-0.10 flavour); edit those, not this file. Loaded by
-- pg_test/fixtures/legacy-0.10.sql.
SET client_min_messages = warning;
EOF
    for f in parts/incremental/*.sql; do
        n=$(basename "$f"); n=$((10#${n%%-*}))
        [ "$n" -ge 3 ] && [ "$n" -le 14 ] || continue
        wrap_block "connector 0.10 preinstall (extension migration $(basename "$f"))" "$(cat "$f")"
    done
    for f in parts/idempotent/*.sql; do
        wrap_block "connector 0.10 idempotent (extension part $(basename "$f"))" "$(filter "$LEGACY_VERSION" < "$f")"
    done
}

refresh_takeover_list() {
    source ../../../scripts/pg.sh
    local name=standin-gen port=${STANDIN_GEN_PORT:-55498} schema_file
    schema_file=$(mktemp)
    legacy_schema > "$schema_file"
    cluster_destroy "$name"
    cluster_start "$name" "$port"
    eval "$(cluster_env "$name" "$port")"
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE takeover_list'
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d takeover_list -f "$schema_file"
    "$PG_BIN/psql" -X -qAt -v ON_ERROR_STOP=1 -d takeover_list > parts/takeover-objects.txt <<'EOF'
SET search_path = pg_catalog;
WITH fixed(nsp) AS (VALUES ('_prom_catalog'), ('_prom_ext'), ('_ps_catalog'), ('_ps_trace'), ('prom_api'),
                           ('prom_info'), ('ps_tag'), ('ps_trace')),
     members AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e'),
     o AS (
    SELECT 1 AS ord, 'SCHEMA' AS kind, quote_ident(n.nspname) AS ident
    FROM pg_namespace n WHERE n.nspname IN ('_prom_catalog', '_prom_ext', '_ps_catalog', '_ps_trace', 'prom_api',
        'prom_data', 'prom_data_exemplar', 'prom_data_series', 'prom_info', 'prom_metric', 'prom_series', 'ps_tag', 'ps_trace')
    UNION ALL
    SELECT CASE c.relkind WHEN 'v' THEN 3 WHEN 'S' THEN 4 ELSE 2 END,
           CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
           format('%I.%I', n.nspname, c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN (SELECT nsp FROM fixed) AND c.relkind IN ('r', 'p', 'v', 'S')
      AND NOT (n.nspname = '_ps_trace' AND c.relname ~ '^tag_[0-9]+$')
      AND (c.tableoid, c.oid) NOT IN (SELECT * FROM members)
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 6 ELSE 5 END, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
           format('%I.%I', n.nspname, t.typname)
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname IN (SELECT nsp FROM fixed) AND t.typtype IN ('c', 'd', 'e')
      AND (t.typtype <> 'c' OR (SELECT r.relkind FROM pg_class r WHERE r.oid = t.typrelid) = 'c')
      AND (t.tableoid, t.oid) NOT IN (SELECT * FROM members)
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 8 ELSE 7 END,
           CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
           format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname IN (SELECT nsp FROM fixed)
      AND (p.tableoid, p.oid) NOT IN (SELECT * FROM members)
    UNION ALL
    SELECT 9, 'OPERATOR', format('%s.%s(%s, %s)', quote_ident(n.nspname), o.oprname,
           format_type(o.oprleft, NULL), format_type(o.oprright, NULL))
    FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
    WHERE n.nspname IN (SELECT nsp FROM fixed)
      AND (o.tableoid, o.oid) NOT IN (SELECT * FROM members)
      -- dropped by 0.0.0 before adopting
      AND NOT (n.nspname = 'prom_api' AND o.oprname IN ('==', '!==', '==~', '!=~'))
)
SELECT kind || '|' || ident FROM o ORDER BY ord, ident COLLATE "C";
EOF
    cluster_destroy "$name"
    rm -f "$schema_file"
    echo "gen.sh: parts/takeover-objects.txt: $(wc -l < parts/takeover-objects.txt) objects" >&2
}

if [ "$REFRESH" = 1 ]; then
    refresh_takeover_list
fi

# Only the kinds of file generated here are removed: OUTDIR may be given by hand.
rm -f "$OUT"/promscale--*.sql "$OUT"/promscale--*.control "$OUT"/promscale.control "$OUT"/legacy-0.10-schema.sql

cat > "$OUT/promscale.control" <<EOF
# TEST DOUBLE: SQL-only stand-in for the Promscale extension, used by the tests
# of promscale_upgrade_guard; NOT the real extension (no shared library).
# Generated by gen.sh. install-standins.sh rewrites default_version.
comment = 'TEST DOUBLE: SQL-only stand-in for the Promscale extension (tables, types and functions supporting Promscale), for the tests of promscale_upgrade_guard; not the real extension'
default_version = '$DEFAULT_VERSION'
relocatable = false
schema = public
superuser = true
trusted = true
EOF

# the old extension: its own control file named no schema and connector <= 0.10
# installed it WITH SCHEMA _prom_ext; per-version control files say so here
for v in "${OLD_VERSIONS[@]}"; do
    cat > "$OUT/promscale--$v.control" <<EOF
# TEST DOUBLE: version $v of the stand-in is the OLD optional Promscale
# extension (before connector 0.11), installed in schema _prom_ext.
comment = 'TEST DOUBLE: stand-in for the old optional Promscale extension $v (Promscale support functions)'
schema = _prom_ext
trusted = false
EOF
    old_script "$v" > "$OUT/promscale--$v.sql"
done
prev=
for v in "${OLD_VERSIONS[@]}"; do
    if [ -n "$prev" ]; then
        { cat parts/header.sql; echo; echo "-- promscale $prev -> $v (old optional extension)"
          echo '\echo Use "ALTER EXTENSION promscale UPDATE TO '"'$v'"'" to load this file. \quit'
          cat "parts/old/$v.sql"; } > "$OUT/promscale--$prev--$v.sql"
    fi
    prev=$v
done

takeover_script > "$OUT/promscale--0.0.0.sql"

for v in "${NEW_VERSIONS[@]}"; do
    full_script "$v" > "$OUT/promscale--$v.sql"
    for p in ${UPGRADEABLE_FROM[$v]}; do
        ln -s "promscale--$v.sql" "$OUT/promscale--$p--$v.sql"
    done
done

legacy_schema > "$OUT/legacy-0.10-schema.sql"
if [ "$UPDATE_FIXTURE" = 1 ] && ! cmp -s "$OUT/legacy-0.10-schema.sql" "$FIXTURES/legacy-0.10-schema.sql"; then
    cp "$OUT/legacy-0.10-schema.sql" "$FIXTURES/legacy-0.10-schema.sql"
    echo "gen.sh: updated $FIXTURES/legacy-0.10-schema.sql (commit it)" >&2
fi
echo "gen.sh: $OUT: $(find "$OUT" -maxdepth 1 -name 'promscale--*.sql' | wc -l) scripts, $(find "$OUT" -maxdepth 1 -type l -name 'promscale--*' | wc -l) of them update symlinks; legacy-0.10-schema.sql" >&2
