#!/usr/bin/env bash
# The main job: set everything up, start a throwaway PostgreSQL from the
# private prefix with the guard and a demo Promscale database (stand-in
# extensions: promscale 0.7.0 installed, 0.8.0 made available, 50 metrics,
# traces, and a user view on prom_info.metric that 0.8.0 would trip over),
# and print the readiness report. The server keeps running for exploring;
# the last lines say how to connect and how to throw it away.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PROJECT_ROOT"
"$PROJECT_ROOT/scripts/setup.sh"
source "$PROJECT_ROOT/scripts/pg.sh"

NAME=demo PORT=55330 DB=promscale
cluster_destroy "$NAME"
cluster_start "$NAME" "$PORT"
eval "$(cluster_env "$NAME" "$PORT")"
"$PROJECT_ROOT/pg_test/fixtures/generate.sh" --db "$DB" --version 0.7.0 --metrics 50 --chunks 2 --spans 500 >/dev/null
psql() { "$PG_BIN/psql" -X -d "$DB" "$@"; }
psql -q <<'SQL'
CREATE EXTENSION IF NOT EXISTS promscale_upgrade_guard SCHEMA public;
-- Something an operator might have built: it blocks extension 0.8.0's
-- migration, which drops and recreates prom_info.metric.
CREATE VIEW public.metric_inventory AS SELECT * FROM prom_info.metric;
SQL

echo
echo "== The upgrade judged: the newest Promscale release made available, and the path to it"
psql -c "SELECT target_release, path FROM public.promscale_upgrade_lock_estimate()"
echo "== Readiness report"
psql -c "SELECT check_name, status FROM public.promscale_upgrade_checks()"
echo "== What is not ok, and the fix"
psql -x -c "SELECT check_name, status, detail, hint FROM public.promscale_upgrade_checks() WHERE status <> 'ok'"
echo "== SELECT public.promscale_upgrade_ready();"
psql -c "SELECT public.promscale_upgrade_ready()"
echo "== Lock requirement (published_formula_*: the only formula Timescale published, shown for comparison; it undercounts, and upgrades sized by it fail)"
psql -x -c "SELECT path, locks_needed, lock_capacity, locks_in_use, fit, recommended_max_locks_per_transaction, published_formula_max_locks_per_transaction FROM public.promscale_upgrade_lock_estimate()"
echo "== Where the upgrade stands"
psql -x -c "SELECT phase, next_step FROM public.promscale_upgrade_state()"
echo "== A manual update is refused (the connector must do it)"
psql -c "ALTER EXTENSION promscale UPDATE TO '0.8.0'" || true
echo
echo "The demo server is still running. Connect with:"
echo "  $PG_BIN/psql -h '$(cluster_dir "$NAME")/socket' -p $PORT -U postgres $DB"
echo "Stop it and throw it away with:"
echo "  bash -c 'source scripts/pg.sh && cluster_destroy $NAME'"
