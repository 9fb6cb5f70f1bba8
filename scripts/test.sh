#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine with Rust or on a dev box,
# for every PostgreSQL major in PG_MAJORS (default "13 14 15"; PG_MAJORS=15 for one):
#   1. setup (idempotent: packages, cargo-pgrx, private prefix, guard, stand-ins)
#   2. unit tests (plain Rust, no server) and #[pg_test]s: cargo pgrx test
#   3. the stand-in extensions' self test (update paths, takeover, generator)
#   4. SQL regression tests (pg_test/sql -> pg_test/expected)
#   5. multi-session integration tests (tests/integration)
#   6. cargo clippy -D warnings with that major's feature (unsafe blocks carry
#      a SAFETY comment: Cargo.toml's [lints])
# and once:
#   7. cargo fmt --check; the Prometheus alerting rules: promtool check + unit tests
#   8. the committed install script of the current version (sql/released) is
#      what the code generates (on 15 when PG_MAJORS has it, else on the first
#      major listed: a CI job of one major has only that one's prefix); the
#      Debian packages build and work
# Exits non-zero when any layer fails; every layer runs even if one fails.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PROJECT_ROOT"

failed=()
layer() {
    local name="$1"; shift
    printf '\n===== %s =====\n' "$name"
    local start=$SECONDS
    if "$@"; then echo "===== $name: passed ($((SECONDS - start))s)"; else echo "===== $name: FAILED"; failed+=("$name"); fi
}

for major in $PG_MAJORS; do
    export PG_MAJOR=$major
    source "$PROJECT_ROOT/scripts/env.sh"
    pg="[PostgreSQL $major]"
    if ! "$PROJECT_ROOT/scripts/setup.sh"; then
        echo "===== $pg setup: FAILED"; failed+=("$pg setup"); continue
    fi
    pgdata="$BUILD_DIR/pgrx-test-data"
    mkdir -p "$pgdata"; if [ "$(id -u)" = 0 ]; then chown "$PG_OS_USER" "$pgdata"; fi
    layer "$pg unit tests and pg_tests" cargo pgrx test "pg$major" --runas "$PG_OS_USER" --pgdata "$pgdata"
    # cargo pgrx test installed a test build; put the release build back.
    layer "$pg reinstall release build" cargo pgrx install --release --pg-config "$PG_CONFIG" \
        --no-default-features --features "pg$major"
    layer "$pg stand-in self test" env STANDIN_BUILD_DIR="$PROJECT_ROOT/target/standin-$major" \
        pg_test/extensions/promscale/selftest.sh
    layer "$pg SQL regression tests" pg_test/regress.sh
    layer "$pg integration tests" cargo test --no-default-features --features "pg$major integration" \
        --test integration --test missing_library --test lock_learning --test kept_facts
    layer "$pg lints (cargo clippy -D warnings)" cargo clippy --all-targets --no-default-features \
        --features "pg$major integration" -- -D warnings

    source "$PROJECT_ROOT/scripts/pg.sh"
    for dir in "$CLUSTERS_DIR"/*/; do
        name=$(basename "$dir"); [ -d "$dir" ] && [ "$name" != demo ] && cluster_destroy "$name"
    done
    "$PROJECT_ROOT/pg_test/install-standins.sh" >/dev/null
done

layer "lints (cargo fmt --check)" cargo fmt --check
layer "alerting rules (promtool)" bash -c 'promtool=$(scripts/tools.sh promtool) && cd monitoring &&
    "$promtool" check rules prometheus_alerts.yaml && "$promtool" test rules prometheus_alerts_test.yaml'
schema_major=15; [[ " $PG_MAJORS " == *" 15 "* ]] || schema_major=${PG_MAJORS%% *}
layer "committed install script (sql/released)" env PG_MAJOR="$schema_major" scripts/schema.sh --check
layer "Debian packages" scripts/test_package.sh

echo
if ((${#failed[@]})); then printf 'FAILED: %s\n' "${failed[@]}"; exit 1; fi
echo "all test layers passed"
