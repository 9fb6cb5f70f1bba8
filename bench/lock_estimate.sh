#!/usr/bin/env bash
# Lock-estimate benchmark: first a fresh install (CREATE EXTENSION promscale
# VERSION '0.8.0' on an empty database); then, for each size, builds a pre-0.11
# Promscale database on the stand-in extensions and walks it up the release
# line the way the connector does, one upgrade per step:
#   takeover (0.10 schema -> extension 0.5.4), 0.5.4 -> 0.6.0, 0.6.0 -> 0.7.0, 0.7.0 -> 0.8.0
# (the updates re-create and re-own the extension's routines, operators,
# operator classes and families, as the real ones do).
# Before each step it asks promscale_upgrade_lock_estimate() (in its own
# transaction); then it runs the connector's statements in one transaction
# and, just before COMMIT, counts the distinct lock entries that backend
# holds (pg_locks). Prints estimate / measured per case, and the published
# formula's ratio beside it. Goal: 1.00 <= estimate / measured <= 1.15.
#
#   bench/lock_estimate.sh [SIZES...]     (default: 10 1000 10000 metrics; 2 chunks each)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/pg.sh"
cd "$PROJECT_ROOT"
sizes=("$@"); ((${#sizes[@]})) || sizes=(10 1000 10000)
CHUNKS=${CHUNKS:-2}

"$PROJECT_ROOT/pg_test/install-standins.sh" >/dev/null
NAME=bench-locks PORT=55350
cluster_destroy "$NAME"
# Large enough for the takeover of the largest database in one transaction.
cluster_start "$NAME" "$PORT" "max_locks_per_transaction = 4000" "autovacuum = off"
trap 'cluster_destroy "$NAME"' EXIT
eval "$(cluster_env "$NAME" "$PORT")"
psql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

held_locks_sql="SELECT count(*) FROM (SELECT DISTINCT locktype, database, relation, page, tuple, virtualxid,
    transactionid::text, classid, objid, objsubid FROM pg_locks
    WHERE pid = pg_backend_pid() AND locktype NOT IN ('virtualxid', 'transactionid')) AS held"

printf '%-28s %8s %9s %9s %9s %7s %10s %7s\n' path metrics relations estimate measured ratio published ratio
results=()

# The fresh install: nothing exists, everything the estimate has comes from
# the script files and the catalogs.
psql -d postgres -c "DROP DATABASE IF EXISTS bench_fresh" -c "CREATE DATABASE bench_fresh"
psql -d bench_fresh -c "CREATE EXTENSION promscale_upgrade_guard SCHEMA public" -c "CREATE EXTENSION timescaledb"
read -r estimate published < <(psql -At -F ' ' -d bench_fresh -c \
    "SELECT e.locks_needed, e.published_formula_locks FROM public.promscale_upgrade_lock_estimate('0.17.0') e")
measured=$(psql -At -d bench_fresh <<SQL | tail -n 1
SELECT pg_advisory_lock(5585198506344173278) \g /dev/null
BEGIN;
CREATE EXTENSION promscale VERSION '0.8.0';
$held_locks_sql;
COMMIT;
SQL
)
ratio=$(awk -v e="$estimate" -v m="$measured" 'BEGIN { printf "%.3f", e / m }')
pratio=$(awk -v e="$published" -v m="$measured" 'BEGIN { printf "%.3f", e / m }')
printf '%-28s %8s %9s %9s %9s %7s %10s %7s\n' "none -> 0.8.0 (fresh)" 0 0 "$estimate" "$measured" "$ratio" "$published" "$pratio"
results+=("$ratio")
psql -d postgres -c "DROP DATABASE bench_fresh"
for n in "${sizes[@]}"; do
    db="bench_$n"
    pg_test/fixtures/generate.sh --db "$db" --version legacy --metrics "$n" --chunks "$CHUNKS" --spans 1000 --replace --quiet
    psql -d "$db" -c "CREATE EXTENSION promscale_upgrade_guard SCHEMA public" -c "ANALYZE"
    for step in "takeover:0.13.0:0.5.4" "update:0.14.0:0.6.0" "update:0.16.0:0.7.0" "update:0.17.0:0.8.0"; do
        IFS=: read -r kind release version <<<"$step"
        read -r estimate published relations < <(psql -At -F ' ' -d "$db" -c \
            "SELECT e.locks_needed, e.published_formula_locks,
                    (SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
                     WHERE s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg\_toast%')
             FROM public.promscale_upgrade_lock_estimate('$release') e")
        if [ "$kind" = takeover ]; then
            from=legacy
            statements="DROP EXTENSION IF EXISTS promscale; CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'; ALTER EXTENSION promscale UPDATE TO '$version';"
        else
            from=$(psql -At -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'promscale'")
            statements="ALTER EXTENSION promscale UPDATE TO '$version';"
        fi
        # As the connector: its migration lock (the guard refuses the update
        # without it), then the statements in one transaction.
        measured=$(psql -At -d "$db" <<SQL | tail -n 1
SELECT pg_advisory_lock(5585198506344173278) \g /dev/null
BEGIN;
$statements
$held_locks_sql;
COMMIT;
SQL
)
        label="$from -> $version"
        ratio=$(awk -v e="$estimate" -v m="$measured" 'BEGIN { printf "%.3f", e / m }')
        pratio=$(awk -v e="$published" -v m="$measured" 'BEGIN { printf "%.3f", e / m }')
        printf '%-28s %8s %9s %9s %9s %7s %10s %7s\n' "$label" "$n" "$relations" "$estimate" "$measured" "$ratio" "$published" "$pratio"
        results+=("$ratio")
    done
    psql -d postgres -c "DROP DATABASE $db"
done
worst_low=$(printf '%s\n' "${results[@]}" | sort -n | head -1)
worst_high=$(printf '%s\n' "${results[@]}" | sort -n | tail -1)
echo "estimate / measured: min $worst_low, max $worst_high (goal: 1.00 .. 1.15)"
awk -v lo="$worst_low" -v hi="$worst_high" 'BEGIN { exit !(lo >= 1.0 && hi <= 1.15) }' \
    && echo "goal met" || { echo "goal NOT met"; exit 1; }
