#!/usr/bin/env bash
# What promscale_upgrade_progress() costs while the lock table is full
# (issue 18): a connector's update holds its transaction open (the guard's
# upgrade mark), another session holds LOCKS advisory locks (default
# 20,000), and the function is called REPS times in one session, as psql's
# \watch or a dashboard would. The floor is a bare scan of pg_locks, which
# the function cannot avoid; the ratio of the two is the figure.
#
#   bench/progress.sh            writes bench/results/progress.md
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/pg.sh"
cd "$PROJECT_ROOT"
LOCKS=${LOCKS:-20000}
REPS=${REPS:-200}
KEY=5585198506344173278

"$PROJECT_ROOT/pg_test/install-standins.sh" >/dev/null
NAME=bench-progress PORT=55361
cluster_destroy "$NAME"
cluster_start "$NAME" "$PORT" "autovacuum = off" "max_locks_per_transaction = 256"
trap 'cluster_destroy "$NAME"' EXIT
eval "$(cluster_env "$NAME" "$PORT")"
psql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
DB=bench_progress
psql -d postgres -c "CREATE DATABASE $DB"
psql -d "$DB" -c "CREATE EXTENSION promscale_upgrade_guard SCHEMA public; CREATE EXTENSION timescaledb; CREATE EXTENSION promscale VERSION '0.7.0'"

# The two sessions that fill the lock table, kept open in the background.
PGAPPNAME=promscale@0.17.0 psql -d "$DB" <<SQL >/dev/null 2>&1 &
SELECT pg_advisory_lock($KEY);
BEGIN;
ALTER EXTENSION promscale UPDATE TO '0.8.0';
SELECT pg_sleep(600);
SQL
PGAPPNAME=hoarder psql -d "$DB" <<SQL >/dev/null 2>&1 &
SELECT count(pg_advisory_lock(i)) FROM generate_series(1, $LOCKS) i;
SELECT pg_sleep(600);
SQL
for _ in $(seq 1 600); do
    ready=$(psql -At -d "$DB" -c "SELECT (SELECT count(*) FROM public.promscale_upgrade_progress()) = 1
                                     AND (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory') >= $LOCKS")
    [ "$ready" = t ] && break
    sleep 0.1
done
[ "$ready" = t ] || { echo "progress.sh: the sessions did not fill the lock table" >&2; exit 1; }

latency() {
    local sql=$1 file
    file=$(mktemp); echo "$sql" > "$file"; chmod 644 "$file"
    "$PG_BIN/pgbench" -n -t "$REPS" -f "$file" "$DB" 2>/dev/null | sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p'
    rm -f "$file"
}
entries=$(psql -At -d "$DB" -c "SELECT count(*) FROM pg_locks")
row=$(psql -At -F ' | ' -d "$DB" -c "SELECT locks_held, locks_estimated, progress_percent, lock_table_used, lock_table_capacity, projected_peak, will_fit FROM public.promscale_upgrade_progress()")
floor=$(latency "SELECT count(*) FROM pg_catalog.pg_locks")
progress=$(latency "SELECT * FROM public.promscale_upgrade_progress()")
state=$(latency "SELECT * FROM public.promscale_upgrade_state()")
ratio=$(awk -v a="$progress" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')
state_ratio=$(awk -v a="$state" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')
psql -d "$DB" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name IN ('promscale@0.17.0', 'hoarder')" >/dev/null

out=bench/results/progress.md
{
    echo "# public.promscale_upgrade_progress() with a full lock table"
    echo
    echo "bench/progress.sh, $(date -u +%Y-%m-%d), PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), $(nproc) cores."
    echo "A connector's update (0.7.0 -> 0.8.0) holds its transaction open; another session holds $LOCKS advisory"
    echo "locks; pg_locks shows $entries rows. Average of $REPS calls in one session (pgbench)."
    echo
    echo "| query | ms | x the bare pg_locks scan |"
    echo "|---|---:|---:|"
    echo "| SELECT count(*) FROM pg_locks (the floor) | $floor | 1.00 |"
    echo "| SELECT * FROM public.promscale_upgrade_progress() | $progress | $ratio |"
    echo "| SELECT * FROM public.promscale_upgrade_state() (reads the progress while an upgrade runs) | $state | $state_ratio |"
    echo
    echo "The progress row then: locks_held | locks_estimated | progress_percent | lock_table_used | lock_table_capacity | projected_peak | will_fit = $row"
} > "$out"
cat "$out"
