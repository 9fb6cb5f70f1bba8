//! The lock estimate learns from measurement: an update whose script creates
//! objects the model cannot see (tables made by `EXECUTE` of a string built
//! at run time, in a loop whose bounds come from a query) is estimated too
//! low; a rehearsal measures it, the next estimate is raised to the
//! measurement, the guard's recommendation follows, and the real update then
//! fits the lock table. With the first estimate's recommendation the same
//! update dies with `out of shared memory`.
//!
//! A test binary of its own: it adds a stand-in version 0.8.1 to the private
//! prefix (and makes it the default), so no other test may run meanwhile
//! (cargo runs test binaries one after another). Run by `scripts/test.sh`:
//!     cargo test --features integration --test lock_learning

#[path = "harness.rs"]
#[allow(dead_code)]
mod harness;

use harness::{bash, lock_estimate, port, Cluster, Estimate, CONNECTOR_KEY};
use postgres::Client;
use serde_json::Value;

/// Tables the extra update script creates where the scan cannot count them.
const HIDDEN_TABLES: i64 = 1500;

/// Adds `promscale--0.8.0--0.8.1.sql` (the 0.8.0 script, as every real
/// update script is a copy of the release's full script, plus the hidden
/// tables) and makes 0.8.1 the default; puts the stand-ins back when dropped.
struct ExtraVersion;

impl ExtraVersion {
    fn install() -> ExtraVersion {
        bash(&format!(
            r#"source scripts/env.sh
case "$PG_EXTDIR" in "$PROJECT_ROOT"/target/*) ;; *) echo "not the private prefix: $PG_EXTDIR"; exit 1;; esac
{{ cat "$PG_EXTDIR/promscale--0.8.0.sql"; cat <<'EOF'

-- TEST DOUBLE (lock_learning test): objects the lock model cannot see.
DO $hidden$
DECLARE
    _make text := 'CREATE TABLE _prom_catalog.hidden_%s (id bigint PRIMARY KEY, note text)';
BEGIN
    FOR i IN 1 .. (SELECT {HIDDEN_TABLES}) LOOP
        EXECUTE pg_catalog.format(_make, i);
    END LOOP;
END;
$hidden$;
EOF
}} > "$PG_EXTDIR/promscale--0.8.0--0.8.1.sql"
sed -i "s/^default_version = .*/default_version = '0.8.1'/" "$PG_EXTDIR/promscale.control""#
        ));
        ExtraVersion
    }
}

impl Drop for ExtraVersion {
    fn drop(&mut self) {
        bash("pg_test/install-standins.sh >/dev/null");
    }
}

fn estimate(client: &mut Client) -> Estimate {
    let e = lock_estimate(client);
    assert!(e.path.contains("UPDATE TO '0.8.1' from 0.8.0"), "{}", e.path);
    e
}

fn learned(e: &Estimate) -> Option<&Value> {
    e.breakdown.as_array().unwrap().iter().find(|c| c["source"] == "learned")
}

fn set_max_locks(cluster: &Cluster, db: &str, value: i32) {
    cluster.connect(db).batch_execute(&format!("ALTER SYSTEM SET max_locks_per_transaction = {value}")).unwrap();
    cluster.restart();
}

const UPDATE: &str = "BEGIN; ALTER EXTENSION promscale UPDATE TO '0.8.1'; COMMIT;";

#[test]
fn a_rehearsal_teaches_the_estimate_what_the_scripts_hide() {
    let _extra = ExtraVersion::install();
    // Room to build the database and rehearse; the estimates are read with
    // a small lock table, so that their recommendations are above it.
    let cluster = Cluster::start(
        "it_learning",
        port(11),
        &["max_connections = 20", "autovacuum = off", "max_locks_per_transaction = 512"],
    );
    let db = cluster.promscale_db("learning", "--version 0.8.0 --metrics 3 --chunks 1 --spans 0");
    set_max_locks(&cluster, &db, 10);
    let first = estimate(&mut cluster.connect(&db));
    assert!(learned(&first).is_none(), "{}", first.breakdown);

    // The rehearsal (with room for it) measures what the update really
    // holds: far more.
    set_max_locks(&cluster, &db, 512);
    let mut c = cluster.connect(&db);
    let row = c
        .query_one("SELECT succeeded, locks_held, locks_estimated, error FROM promscale_upgrade_rehearse()", &[])
        .unwrap();
    let (ok, held, estimated, error): (bool, Option<i64>, i64, Option<String>) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    assert!(ok, "{error:?}");
    let held = held.unwrap();
    assert_eq!(estimated, first.locks_needed);
    assert!(held > first.locks_needed + HIDDEN_TABLES, "held {held}, first estimate {}", first.locks_needed);
    let logged: i64 = c
        .query_one(
            "SELECT locks_held FROM promscale_upgrade_guard.rehearsal_log ORDER BY measured_at DESC LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(logged, held);
    drop(c);

    // The next estimate never falls below it, and says where it comes from.
    set_max_locks(&cluster, &db, 10);
    let second = estimate(&mut cluster.connect(&db));
    assert!(second.locks_needed >= held, "estimate {} < measured {held}", second.locks_needed);
    let part = learned(&second).unwrap_or_else(|| panic!("no learned part: {}", second.breakdown));
    assert_eq!(part["calibrated_from"]["source"], "rehearsal", "{part}");
    assert_eq!(part["calibrated_from"]["locks_held"].as_i64(), Some(held), "{part}");
    assert!(second.recommended > first.recommended, "{} vs {}", second.recommended, first.recommended);

    // With the first estimate's recommendation the update does not fit: the
    // guard now says so (fail-fast), and without fail-fast the update dies.
    set_max_locks(&cluster, &db, first.recommended);
    let mut c = cluster.connect(&db);
    assert!(!estimate(&mut c).fits, "the learned estimate must not fit {} per transaction", first.recommended);
    c.execute("SELECT pg_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap();
    let err = c.batch_execute(UPDATE).unwrap_err();
    assert_eq!(err.code().map(|s| s.code()), Some("53400"), "{err:?}");
    c.batch_execute("ROLLBACK; SET promscale_upgrade_guard.fail_fast = off").unwrap();
    let err = c.batch_execute(UPDATE).unwrap_err();
    assert_eq!(err.code().map(|s| s.code()), Some("53200"), "{err:?}");
    c.batch_execute("ROLLBACK").unwrap();
    drop(c);

    // With the learned recommendation it fits, and the log shows it.
    set_max_locks(&cluster, &db, second.recommended);
    let mut c = cluster.connect(&db);
    let third = estimate(&mut c);
    assert!(third.fits);
    c.execute("SELECT pg_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap();
    c.batch_execute(UPDATE).unwrap();
    let row = c
        .query_one(
            "SELECT to_version, locks_estimated, locks_held FROM promscale_upgrade_guard.upgrade_log
             ORDER BY finished_at DESC LIMIT 1",
            &[],
        )
        .unwrap();
    let (to, estimated, held_now): (String, i64, i64) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(to, "0.8.1");
    assert!(estimated >= held_now, "estimated {estimated}, held {held_now}");
    cluster.stop();
}
