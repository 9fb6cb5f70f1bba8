#!/usr/bin/env bash
# Performance benchmark (issue 6): the guard on the largest Promscale
# databases, and its cost for everything else.
#
#   bench/performance.sh [SIZES...]     (default: 10 100 1000 10000 metrics, 6 chunks each;
#                                        10,000 metrics make 210,000 relations)
#
# Per size it builds a stand-in Promscale database (extension 0.7.0, so that
# an update to 0.8.0 is available) and prints the latency of the repeated
# call of promscale_upgrade_checks(), _lock_estimate(), _state(), _report()
# and the promscale_upgrade_metrics view, each as a ratio to the floor: one
# bare catalog scan counting the same relations. The floor and the functions
# are measured in alternating rounds and each figure is the median of its
# rounds, so that the machine's drift weighs on both sides of a ratio alike.
# Targets (issue 19): <= 2x the floor at 1,000 and 10,000 metrics, <= 5x at
# 10 and 100. The first call in a fresh backend (loading the library,
# preparing the plans, reading what a backend keeps: src/snapshot/kept.rs)
# is timed apart, and the peak memory of the backend (RssAnon growth over a
# fresh backend) is printed per function.
# Then the event trigger's cost: ALTER EXTENSION of another extension and
# CREATE/ALTER/DROP TABLE, in a database with the guard and in one without
# (target ratio <= 1.05). Writes bench/results/performance.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/pg.sh"
cd "$PROJECT_ROOT"
sizes=("$@"); ((${#sizes[@]})) || sizes=(10 100 1000 10000)
CHUNKS=${CHUNKS:-6}
REPS=${REPS:-20}
ROUNDS=${ROUNDS:-5}
DDL_REPS=${DDL_REPS:-2000}

"$PROJECT_ROOT/pg_test/install-standins.sh" >/dev/null
# BENCH_PORT: another port, for two checkouts benchmarking at once.
NAME=bench-perf PORT=${BENCH_PORT:-55360}
cluster_destroy "$NAME"
cluster_start "$NAME" "$PORT" "autovacuum = off" "max_locks_per_transaction = 256"
trap 'cluster_destroy "$NAME"' EXIT
eval "$(cluster_env "$NAME" "$PORT")"
psql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

# Average latency in ms of a query over $REPS runs in one session (pgbench,
# per-transaction log), leaving out the session's first run: that one loads
# the library, prepares the plans and reads what a backend keeps, and is
# timed apart (first_call_ms).
latency() {
    local db=$1 sql=$2 reps=${3:-$REPS} file logdir
    file=$(mktemp); echo "$sql" > "$file"; chmod 644 "$file"
    logdir=$(mktemp -d)
    "$PG_BIN/pgbench" -n -t "$((reps + 1))" -f "$file" -l --log-prefix="$logdir/tx" "$db" >/dev/null 2>&1
    awk 'NR > 1 { sum += $3; n++ } END { if (n) printf "%.3f\n", sum / n / 1000 }' "$logdir"/tx*
    rm -rf "$file" "$logdir"
}

# The median of numbers, one per line.
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# Milliseconds the first call of a query takes in a new backend (median of 3
# backends): the library loads, the plans are prepared, the kept facts read.
first_call_ms() {
    local db=$1 sql=$2
    for _ in 1 2 3; do
        psql -d "$db" -c '\timing on' -c "$sql" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
    done | median
}

# Private memory growth (kB, RssAnon: the backend's own heap, not the shared
# buffers it touched) of a fresh backend that runs the query once; freed
# memory mostly stays with the process, so this approximates the peak.
peak_kb() {
    local db=$1 sql=$2
    psql -At -d "$db" <<SQL
SELECT pg_backend_pid() AS pid \gset
\setenv GUARD_BENCH_PID :pid
\! awk '/RssAnon/ {print \$2}' /proc/\$GUARD_BENCH_PID/status > /tmp/guard_bench_hwm_before
$sql \g /dev/null
\! awk -v b="\$(cat /tmp/guard_bench_hwm_before)" '/RssAnon/ {print \$2 - b}' /proc/\$GUARD_BENCH_PID/status
SQL
}

floor_sql="SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname IN ('_prom_catalog', '_prom_ext', '_ps_catalog', '_ps_trace', 'prom_api', 'prom_data',
    'prom_data_series', 'prom_info', 'prom_data_exemplar', 'prom_metric', 'prom_series', 'ps_tag', 'ps_trace',
    '_timescaledb_internal')"
declare -A functions=(
    [checks]="SELECT count(*) FROM public.promscale_upgrade_checks()"
    [lock_estimate]="SELECT count(*) FROM public.promscale_upgrade_lock_estimate()"
    [state]="SELECT count(*) FROM public.promscale_upgrade_state()"
    [report]="SELECT public.promscale_upgrade_report() IS NOT NULL"
    [metrics_view]="SELECT count(*) FROM public.promscale_upgrade_metrics"
)
order=(checks lock_estimate state report metrics_view)

out="$PROJECT_ROOT/bench/results/performance.md"
tmp=$(mktemp)
{
echo "# Performance"
echo
echo "Run by \`bench/performance.sh ${sizes[*]}\` on $(date -u +%Y-%m-%d), $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores), PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), stand-in extensions (promscale 0.7.0, $CHUNKS chunks per metric). Repeated call: pgbench average latency of $REPS runs in one session, in $ROUNDS rounds that alternate the floor and the functions; each figure is the median of its rounds."
echo
echo "Floor: one bare catalog scan counting the Promscale relations. Ratio = repeated call / floor (target: <= 5 at 10 and 100 metrics, <= 2 at 1,000 and 10,000). First call: the same function as the first statement of a new backend (median of 3 backends), which loads the library, prepares the plans and reads what a backend keeps. Memory: growth of the private resident memory (RssAnon) of a fresh backend running the function once."
echo
echo "| metrics | relations | floor ms | function | ms | ratio | first call ms | memory kB |"
echo "|---:|---:|---:|---|---:|---:|---:|---:|"
} > "$tmp"
for n in "${sizes[@]}"; do
    db="perf_$n"
    pg_test/fixtures/generate.sh --db "$db" --version 0.7.0 --metrics "$n" --chunks "$CHUNKS" --spans 1000 --replace --quiet
    psql -d "$db" -c "CREATE EXTENSION promscale_upgrade_guard SCHEMA public" -c "VACUUM ANALYZE"
    relations=$(psql -At -d "$db" -c "$floor_sql")
    latency "$db" "$floor_sql" 3 >/dev/null   # warm the caches
    declare -A runs=()
    for ((round = 1; round <= ROUNDS; round++)); do
        runs[floor]+="$(latency "$db" "$floor_sql") "
        for f in "${order[@]}"; do runs[$f]+="$(latency "$db" "${functions[$f]}") "; done
    done
    floor=$(printf '%s\n' ${runs[floor]} | median)
    for f in "${order[@]}"; do
        ms=$(printf '%s\n' ${runs[$f]} | median)
        ratio=$(awk -v a="$ms" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')
        first=$(first_call_ms "$db" "${functions[$f]}")
        peak=$(peak_kb "$db" "${functions[$f]}")
        printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$relations" "$floor" "$f" "$ms" "$ratio" "$first" "$peak" | tee -a "$tmp"
    done
    unset runs
    psql -d postgres -c "DROP DATABASE $db WITH (FORCE)"
done

# Growth: how each function's time grows with the relations between two
# sizes, as the exponent k in time ~ relations^k (1 = linear).
{
echo
echo "Growth between successive sizes: exponent k in time ~ relations^k (1 = linear; below 1 the fixed part still weighs):"
echo
echo "| function | from metrics | to metrics | k |"
echo "|---|---:|---:|---:|"
} >> "$tmp"
for f in floor "${order[@]}"; do
    awk -F' *[|] *' -v f="$f" '
        $5 == f || (f == "floor" && $5 == "checks") {
            ms = (f == "floor") ? $4 : $6
            if (prev_n != "") printf "| %s | %s | %s | %.2f |\n", f, prev_n, $2, log(ms / prev_ms) / log($3 / prev_rel)
            prev_n = $2; prev_rel = $3; prev_ms = ms
        }' "$tmp" | tee -a "$tmp.growth"
done
cat "$tmp.growth" >> "$tmp"; rm -f "$tmp.growth"

# The event trigger's cost for DDL it does not guard.
psql -d postgres -c "CREATE DATABASE ddl_plain" -c "CREATE DATABASE ddl_guard"
for db in ddl_plain ddl_guard; do psql -d "$db" -c "CREATE EXTENSION hstore"; done
psql -d ddl_guard -c "CREATE EXTENSION promscale_upgrade_guard SCHEMA public"
# Server-side loops (EXECUTE in a DO block): the trigger's cost without the
# client round trip, which would drown a few microseconds in noise.
loop_us() {
    local db=$1 body=$2 n=$3
    PGOPTIONS='-c client_min_messages=warning' psql -At -d "$db" 2>&1 <<SQL | sed -n 's/.*WARNING: *us=//p'
DO \$bench\$ DECLARE t0 timestamptz; BEGIN
    t0 := clock_timestamp();
    FOR i IN 1..$n LOOP $body END LOOP;
    RAISE WARNING 'us=%', round(extract(epoch FROM clock_timestamp() - t0) * 1e6 / $n, 3);
END \$bench\$;
SQL
}
ddl_body="EXECUTE 'CREATE TABLE bench_t (x int)'; EXECUTE 'ALTER TABLE bench_t ADD COLUMN y int'; EXECUTE 'DROP TABLE bench_t';"
ext_body="EXECUTE 'ALTER EXTENSION hstore UPDATE';"
{
echo
echo "Event trigger cost (server-side loops, microseconds per iteration, median of 5 rounds alternating the order; ratio = with the guard / without):"
echo
echo "| statement | without us | with guard us | ratio |"
echo "|---|---:|---:|---:|"
} >> "$tmp"
for case in "CREATE/ALTER/DROP TABLE:$ddl_body:$DDL_REPS" "ALTER EXTENSION hstore UPDATE:$ext_body:$((DDL_REPS * 10))"; do
    IFS=: read -r label body n <<<"$case"
    loop_us ddl_plain "$body" 200 >/dev/null; loop_us ddl_guard "$body" 200 >/dev/null   # warm up
    plains=() guards=()
    for round in 1 2 3 4 5; do
        # Same starting point for both: no catalog bloat from the previous
        # round (autovacuum is off) and no checkpoint in flight.
        for db in ddl_plain ddl_guard; do psql -d "$db" -c "VACUUM" >/dev/null; done
        psql -d postgres -c "CHECKPOINT" >/dev/null
        # Alternate which database goes first, so that drift favours neither.
        if ((round % 2)); then
            plains+=("$(loop_us ddl_plain "$body" "$n")"); guards+=("$(loop_us ddl_guard "$body" "$n")")
        else
            guards+=("$(loop_us ddl_guard "$body" "$n")"); plains+=("$(loop_us ddl_plain "$body" "$n")")
        fi
    done
    plain=$(printf '%s\n' "${plains[@]}" | sort -n | sed -n 3p)
    guard=$(printf '%s\n' "${guards[@]}" | sort -n | sed -n 3p)
    ratio=$(awk -v a="$guard" -v b="$plain" 'BEGIN { printf "%.3f", a / b }')
    printf '| %s | %s | %s | %s |\n' "$label" "$plain" "$guard" "$ratio" | tee -a "$tmp"
done
mv "$tmp" "$out"; chmod 644 "$out"
echo "written: $out"
