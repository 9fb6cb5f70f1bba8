//! promscale_upgrade_progress() with real sessions: a connector's upgrade
//! is seen from another session for its whole transaction (also while it
//! runs a later statement) and not after it ends; a session blocking it is
//! named with its query; other sessions' locks make its peak not fit.

use postgres::Client;

use crate::connector_emulator::{Connector, R0_17};
use crate::harness::{port, Cluster};

/// The progress row, as the columns a test looks at.
#[derive(Debug)]
struct Row {
    pid: i32,
    application_name: String,
    command: Option<String>,
    locks_held: i64,
    locks_estimated: Option<i64>,
    progress_percent: Option<i32>,
    waiting_on: Option<String>,
    blocked_by: Vec<i32>,
    blockers: serde_json::Value,
    lock_table_used: i64,
    lock_table_capacity: i64,
    projected_peak: Option<i64>,
    will_fit: Option<bool>,
}

fn progress(c: &mut Client) -> Option<Row> {
    c.query_opt(
        "SELECT pid, application_name, command, locks_held, locks_estimated, progress_percent, waiting_on,
                blocked_by, blockers::text, lock_table_used, lock_table_capacity, projected_peak, will_fit,
                started_at IS NOT NULL AND elapsed >= interval '0'
         FROM promscale_upgrade_progress()",
        &[],
    )
    .unwrap()
    .map(|r| {
        assert!(r.get::<_, bool>(13), "started_at and elapsed are set");
        Row {
            pid: r.get(0),
            application_name: r.get(1),
            command: r.get(2),
            locks_held: r.get(3),
            locks_estimated: r.get(4),
            progress_percent: r.get(5),
            waiting_on: r.get(6),
            blocked_by: r.get(7),
            blockers: serde_json::from_str(r.get::<_, &str>(8)).unwrap(),
            lock_table_used: r.get(9),
            lock_table_capacity: r.get(10),
            projected_peak: r.get(11),
            will_fit: r.get(12),
        }
    })
}

fn promscale_at(cluster: &Cluster, db: &str, version: &str) -> String {
    let db = cluster.fresh_db(db);
    cluster
        .connect(&db)
        .batch_execute(&format!("CREATE EXTENSION timescaledb; CREATE EXTENSION promscale VERSION '{version}'"))
        .unwrap();
    db
}

#[track_caller]
fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The connector's update in an open transaction: seen while its backend
/// runs a later statement (the guard's mark, not the query text), gone at
/// once on ROLLBACK and on COMMIT.
#[test]
fn an_upgrade_is_seen_for_its_whole_transaction_and_not_after() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "prog_transaction", "0.7.0");
    let mut watcher = cluster.connect(&db);
    assert!(progress(&mut watcher).is_none(), "no upgrade runs yet");

    let mut connector = Connector::start(cluster, &db, R0_17);
    for end in ["ROLLBACK", "COMMIT"] {
        connector.lease.batch_execute("BEGIN").unwrap();
        connector.lease.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap();
        connector.lease.batch_execute("SELECT 'the next statement'").unwrap();
        let row = progress(&mut watcher).unwrap_or_else(|| panic!("no progress row before {end}"));
        assert_eq!((row.pid, row.application_name.as_str()), (connector.pid, "promscale@0.17.0"), "{row:?}");
        assert!(row.command.as_deref().unwrap_or_default().contains("the next statement"), "{row:?}");
        let estimated = row.locks_estimated.expect("the estimate made when the update started");
        assert!(row.locks_held > 100 && estimated > 100, "{row:?}");
        let percent = row.progress_percent.unwrap();
        assert!((80..=99).contains(&percent), "the update is done but for its commit: {row:?}");
        assert!(row.waiting_on.is_none() && row.blocked_by.is_empty(), "{row:?}");
        assert_eq!(row.will_fit, Some(true), "{row:?}");
        connector.lease.batch_execute(end).unwrap();
        assert!(progress(&mut watcher).is_none(), "a progress row after {end}");
    }
    connector.finish();
}

/// The first metric table of a pre-0.11 database.
fn a_metric_table(c: &mut Client) -> String {
    c.query_one("SELECT format('prom_data.%I', table_name) FROM _prom_catalog.metric ORDER BY id LIMIT 1", &[])
        .unwrap()
        .get(0)
}

/// A session reading a metric table (ACCESS SHARE, in an open transaction)
/// blocks the connector's takeover, which re-owns every metric table: the
/// progress row says what the takeover waits on and names the blocker, its
/// lock and its query; when the blocker ends, the takeover finishes and the
/// row goes.
#[test]
fn a_blocking_session_is_named_with_its_lock_and_query() {
    let cluster = Cluster::shared();
    let db = &cluster.legacy_db("prog_blocked", "", 3, 5);

    let mut watcher = cluster.connect(db);
    let table = a_metric_table(&mut watcher);
    let mut blocker = cluster.connect_as(db, "grafana");
    let blocker_pid = crate::harness::backend_pid(&mut blocker);
    blocker.batch_execute(&format!("BEGIN; SELECT count(*) FROM {table}")).unwrap();

    let mut connector = Connector::start(cluster, db, R0_17);
    let takeover = std::thread::spawn(move || {
        let result = connector.migrate();
        connector.finish();
        result
    });
    // pg_blocking_pids() and the lock table are read at two instants: the
    // blocker can show a moment before the takeover's lock request does.
    let row = wait_for("the takeover to wait for the blocker", || {
        progress(&mut watcher).filter(|r| r.blocked_by.contains(&blocker_pid) && r.waiting_on.is_some())
    });
    let waiting = row.waiting_on.clone().unwrap_or_default();
    assert!(waiting.starts_with("relation AccessExclusiveLock on prom_data."), "{row:?}");
    let named = row.blockers.as_array().unwrap().iter().find(|b| b["pid"] == blocker_pid).cloned();
    let named = named.unwrap_or_else(|| panic!("the blocker is not among the blockers: {row:?}"));
    assert_eq!(named["application_name"], "grafana", "{named}");
    assert_eq!(named["lock"], "AccessShareLock", "{named}");
    assert!(named["query"].as_str().unwrap().contains(&format!("SELECT count(*) FROM {table}")), "{named}");
    assert!(named["transaction_seconds"].as_f64().unwrap() >= 0.0, "{named}");
    // The state says the same in words, and the report carries the row.
    let state = watcher.query_one("SELECT phase, next_step FROM promscale_upgrade_state()", &[]).unwrap();
    let (phase, next_step): (String, String) = (state.get(0), state.get(1));
    assert_eq!(phase, "upgrading");
    assert!(next_step.starts_with("Blocked for ") && next_step.contains("application_name grafana"), "{next_step}");
    let metrics = watcher
        .query_one(
            "SELECT upgrade_in_progress, upgrade_blocked_seconds, upgrade_progress_ratio, upgrade_will_fit,
                    lock_table_used_ratio
             FROM promscale_upgrade_metrics",
            &[],
        )
        .unwrap();
    let (running, blocked, ratio, fits, used): (i32, f64, f64, i32, f64) =
        (metrics.get(0), metrics.get(1), metrics.get(2), metrics.get(3), metrics.get(4));
    assert_eq!((running, fits), (1, 1));
    assert!(blocked > 0.0 && (0.0..1.0).contains(&ratio) && used > 0.0 && used < 1.0, "{blocked} {ratio} {used}");
    let report: String = watcher.query_one("SELECT promscale_upgrade_report()->>'progress'", &[]).unwrap().get(0);
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["pid"], row.pid, "{report}");

    blocker.batch_execute("ROLLBACK").unwrap();
    assert_eq!(takeover.join().unwrap().unwrap(), "0.8.0");
    assert!(progress(&mut watcher).is_none());
}

/// Another session holds so many advisory locks that what is left of the
/// lock table is less than the update is estimated to need: the update
/// (which fits the empty table, so fail-fast lets it run) shows
/// `will_fit = false` and a peak above the capacity.
#[test]
fn other_sessions_locks_make_the_peak_not_fit() {
    let cluster = Cluster::start("it_progress_fit", port(25), &["max_connections = 20"]);
    let db = promscale_at(&cluster, "prog_fit", "0.7.0");
    let mut watcher = cluster.connect(&db);
    let row = watcher
        .query_one("SELECT locks_needed, lock_capacity FROM promscale_upgrade_lock_estimate('0.17.0')", &[])
        .unwrap();
    let (needed, capacity): (i64, i64) = (row.get(0), row.get(1));
    let hoard = capacity - needed + 100;
    assert!(hoard > 0 && needed < capacity, "needed {needed}, capacity {capacity}");
    let mut hoarder = cluster.connect_as(&db, "hoarder");
    let held: i64 = hoarder
        .query_one("SELECT count(pg_advisory_lock(i)) FROM generate_series(1, $1::int8) i", &[&hoard])
        .unwrap()
        .get(0);
    assert_eq!(held, hoard);

    let mut connector = Connector::start(&cluster, &db, R0_17);
    connector.lease.batch_execute("BEGIN; ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap();
    let row = progress(&mut watcher).expect("the update's progress");
    assert_eq!(row.lock_table_capacity, capacity, "{row:?}");
    assert!(row.lock_table_used >= hoard, "{row:?}");
    assert!(row.projected_peak.unwrap() > capacity, "{row:?}");
    assert_eq!(row.will_fit, Some(false), "{row:?}");
    connector.lease.batch_execute("ROLLBACK").unwrap();
    connector.finish();
    drop((watcher, hoarder));
    cluster.stop();
}

/// A takeover of 1,000 metrics (one transaction: CREATE 0.0.0, then UPDATE)
/// watched from a second session polling promscale_upgrade_progress() the
/// whole time: rows while it runs, locks_held and progress_percent never
/// going down, an eta once the rate is known, at least 80% in the last
/// sample before commit, and no row after it.
#[test]
fn a_takeover_is_watched_from_start_to_commit() {
    let cluster = Cluster::shared();
    let db = cluster.promscale_db("prog_watch", "--version legacy --metrics 1000 --chunks 1 --spans 20");
    let mut connector = Connector::start(cluster, &db, R0_17);
    let connector_pid = connector.pid;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let finished = done.clone();
    let takeover = std::thread::spawn(move || {
        let result = connector.migrate();
        finished.store(true, std::sync::atomic::Ordering::SeqCst);
        connector.finish();
        result
    });
    let mut watcher = cluster.connect(&db);
    let mut samples: Vec<(i64, Option<i32>, bool)> = Vec::new();
    while !done.load(std::sync::atomic::Ordering::SeqCst) {
        let eta: Option<bool> = watcher
            .query_opt("SELECT eta IS NOT NULL FROM promscale_upgrade_progress()", &[])
            .unwrap()
            .map(|r| r.get(0));
        if let (Some(eta), Some(row)) = (eta, progress(&mut watcher)) {
            assert_eq!(row.pid, connector_pid, "{row:?}");
            samples.push((row.locks_held, row.progress_percent, eta));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(takeover.join().unwrap().unwrap(), "0.8.0");
    assert!(progress(&mut watcher).is_none(), "a progress row after the commit");
    assert!(samples.len() >= 3, "the takeover was seen {} times", samples.len());
    for pair in samples.windows(2) {
        let ((held_a, pct_a, _), (held_b, pct_b, _)) = (pair[0], pair[1]);
        assert!(held_b >= held_a && pct_b >= pct_a, "progress went down: {pair:?} in {samples:?}");
    }
    assert!(samples.iter().any(|s| s.2), "no eta in any sample: {samples:?}");
    let last = samples.last().unwrap();
    assert!(last.1.unwrap_or(0) >= 80, "the last sample before commit: {last:?}; all: {samples:?}");
}
