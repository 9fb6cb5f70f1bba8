//! The report must never wait on another session's locks: a second session
//! holds ACCESS EXCLUSIVE on every Promscale and TimescaleDB table (views are
//! left out: LOCK on a view also locks every relation it reads, and some
//! Promscale views read the system catalogs, which would stop every new
//! session, not just the guard) while the report runs.

use std::time::{Duration, Instant};

use crate::harness::Cluster;

const LOCK_EVERYTHING: &str = r#"
DO $$
DECLARE r record;
BEGIN
    FOR r IN
        SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('_prom_catalog', '_prom_ext', '_ps_catalog', '_ps_trace', 'prom_api', 'prom_data',
                            'prom_data_series', 'prom_info', 'prom_data_exemplar', 'prom_metric', 'prom_series',
                            'ps_tag', 'ps_trace', '_timescaledb_internal', '_timescaledb_catalog', 'public')
          AND c.relkind IN ('r', 'p', 'm', 'f')
    LOOP
        EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', r.rel);
    END LOOP;
END $$"#;

fn report_runs_while_everything_is_locked(db: &str) {
    let cluster = Cluster::shared();
    // Connect before anything is locked: the test is about the report, not session startup.
    let mut me = cluster.connect(db);
    let mut locker = cluster.connect_as(db, "locker");
    locker.batch_execute("BEGIN").unwrap();
    locker.batch_execute(LOCK_EVERYTHING).unwrap();
    let locker_pid: i32 = locker.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);

    let held: i64 = me
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE pid = $1 AND mode = 'AccessExclusiveLock' AND locktype = 'relation'",
            &[&locker_pid],
        )
        .unwrap()
        .get(0);
    assert!(held > 50, "the locker holds only {held} relation locks");
    // A wait would hit lock_timeout and fail the test instead of hanging it.
    me.batch_execute("SET lock_timeout = '3s'").unwrap();
    for sql in [
        "SELECT count(*) FROM promscale_upgrade_checks()",
        "SELECT promscale_upgrade_ready()::int::bigint",
        "SELECT count(*) FROM promscale_upgrade_requirements()",
    ] {
        let started = Instant::now();
        let n: i64 = me.query_one(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}")).get(0);
        let took = started.elapsed();
        assert!(n >= 0);
        assert!(took < Duration::from_secs(2), "{sql} took {took:?} while the locks were held");
    }
    locker.batch_execute("ROLLBACK").unwrap();
}

#[test]
fn report_does_not_wait_on_a_locked_promscale_database() {
    let db = Cluster::shared().promscale_db("nowait_ext", "--version 0.7.0 --metrics 20 --chunks 2 --spans 200");
    report_runs_while_everything_is_locked(&db);
}

#[test]
fn report_does_not_wait_on_a_locked_legacy_database() {
    let db = Cluster::shared().promscale_db("nowait_legacy", "--version legacy --metrics 20 --chunks 2 --spans 200");
    report_runs_while_everything_is_locked(&db);
}
