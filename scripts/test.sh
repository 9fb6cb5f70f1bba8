#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine with Rust or on a dev box:
#   1. setup (idempotent: packages, cargo-pgrx, private prefix, guard, stand-ins)
#   2. unit tests (plain Rust, no server) and #[pg_test]s: cargo pgrx test
#   3. the stand-in extensions' self test (update paths, takeover, generator)
#   4. SQL regression tests (pg_test/sql -> pg_test/expected)
#   5. multi-session integration tests (tests/integration)
#   6. the Prometheus alerting rules: promtool check + unit tests
# Exits non-zero when any layer fails; every layer runs even if one fails.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PROJECT_ROOT"

"$PROJECT_ROOT/scripts/setup.sh" || { echo "setup failed"; exit 1; }

failed=()
layer() {
    local name="$1"; shift
    printf '\n===== %s =====\n' "$name"
    local start=$SECONDS
    if "$@"; then echo "===== $name: passed ($((SECONDS - start))s)"; else echo "===== $name: FAILED"; failed+=("$name"); fi
}

pgdata="$BUILD_DIR/pgrx-test-data"
mkdir -p "$pgdata"; if [ "$(id -u)" = 0 ]; then chown "$PG_OS_USER" "$pgdata"; fi
layer "unit tests and pg_tests" cargo pgrx test "pg$PG_MAJOR" --runas "$PG_OS_USER" --pgdata "$pgdata"
# cargo pgrx test installed a test build; put the release build back.
layer "reinstall release build" cargo pgrx install --release --pg-config "$PG_CONFIG"
layer "stand-in self test" pg_test/extensions/promscale/selftest.sh
layer "SQL regression tests" pg_test/regress.sh
layer "integration tests" cargo test --features integration --test integration --test missing_library --test lock_learning
layer "alerting rules (promtool)" bash -c "cd monitoring && promtool check rules prometheus_alerts.yaml && promtool test rules prometheus_alerts_test.yaml"

source "$PROJECT_ROOT/scripts/pg.sh"
for dir in "$CLUSTERS_DIR"/*/; do
    name=$(basename "$dir"); [ -d "$dir" ] && [ "$name" != demo ] && cluster_destroy "$name"
done
"$PROJECT_ROOT/pg_test/install-standins.sh" >/dev/null

echo
if ((${#failed[@]})); then echo "FAILED: ${failed[*]}"; exit 1; fi
echo "all test layers passed"
