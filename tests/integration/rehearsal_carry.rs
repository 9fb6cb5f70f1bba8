//! A rehearsal carried from a restored copy to production: the copy is
//! made with `CREATE DATABASE ... TEMPLATE`, rehearsed, its record exported
//! and imported on the original, where the lock estimate, its
//! `expected_duration`, the `rehearsed` check and the progress's time left
//! follow it. A bad record is refused and nothing is stored; a record of a
//! much smaller copy is stored but flagged; a failed rehearsal fails the
//! check.

use postgres::Client;
use serde_json::Value;

use crate::connector_emulator::{Connector, R0_17};
use crate::harness::{check, Cluster};

/// A copy of `source` made with CREATE DATABASE ... TEMPLATE: it waits
/// until the backends of the sessions just closed on `source` are gone.
pub(crate) fn copy_of(cluster: &Cluster, source: &str, copy: &str) -> String {
    let mut admin = cluster.connect("postgres");
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {copy} WITH (FORCE)")).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match admin.batch_execute(&format!("CREATE DATABASE {copy} TEMPLATE {source}")) {
            Ok(()) => return copy.to_string(),
            Err(e) if std::time::Instant::now() < deadline && e.code().map(|c| c.code()) == Some("55006") => {
                std::thread::sleep(std::time::Duration::from_millis(100))
            }
            Err(e) => panic!("CREATE DATABASE {copy} TEMPLATE {source}: {e}"),
        }
    }
}

/// Rehearses on `db` and exports the record.
fn rehearse_and_export(cluster: &Cluster, db: &str) -> (bool, Value) {
    let mut c = cluster.connect(db);
    let succeeded: bool = c.query_one("SELECT succeeded FROM promscale_upgrade_rehearse()", &[]).unwrap().get(0);
    let record: String = c.query_one("SELECT promscale_upgrade_rehearsal_export()::text", &[]).unwrap().get(0);
    (succeeded, serde_json::from_str(&record).unwrap())
}

fn import(c: &mut Client, record: &Value) -> Result<(bool, bool, String), postgres::Error> {
    let text = record.to_string();
    c.query_one(
        "SELECT stored, from_smaller_catalog, note FROM promscale_upgrade_rehearsal_import($1::text::jsonb)",
        &[&text],
    )
    .map(|r| (r.get(0), r.get(1), r.get(2)))
}

fn log_rows(c: &mut Client) -> i64 {
    c.query_one("SELECT count(*) FROM promscale_upgrade_guard.rehearsal_log", &[]).unwrap().get(0)
}

/// (locks_needed, expected_duration in seconds)
fn estimate(c: &mut Client) -> (i64, Option<f64>) {
    let row = c
        .query_one(
            "SELECT locks_needed, EXTRACT(epoch FROM expected_duration)::float8 FROM promscale_upgrade_lock_estimate()",
            &[],
        )
        .unwrap();
    (row.get(0), row.get(1))
}

#[test]
fn a_rehearsal_of_a_copy_is_carried_to_production() {
    let cluster = Cluster::shared();
    let prod = cluster.promscale_db("carry_prod", "--version 0.7.0 --metrics 300 --chunks 1 --spans 10");
    let small = cluster.promscale_db("carry_small", "--version 0.7.0 --metrics 3 --chunks 1 --spans 1");
    let copy = copy_of(cluster, &prod, "carry_copy");
    let (copy_ok, record) = rehearse_and_export(cluster, &copy);
    let (small_ok, small_record) = rehearse_and_export(cluster, &small);
    assert!(copy_ok && small_ok, "{record} {small_record}");
    assert_eq!(
        (record["path"].as_str(), record["database"].as_str()),
        (Some("update"), Some("carry_copy")),
        "{record}"
    );

    let (mut c, notices) = cluster.connect_user_with_notices(&prod, "postgres", "guard-test");
    let never = check(&mut c, None, "rehearsed");
    assert_eq!(never.status, "warning", "{never:?}");
    let (before, expected) = estimate(&mut c);
    assert_eq!((expected, log_rows(&mut c)), (None, 0));

    // The small copy's rehearsal: stored, flagged, with a WARNING; the
    // check still warns.
    let (stored, flagged, _) = import(&mut c, &small_record).unwrap();
    assert!(stored && flagged);
    assert!(
        notices.lock().unwrap().iter().any(|n| n.message().contains("much smaller catalog")),
        "{:?}",
        notices.lock().unwrap()
    );
    let smaller = check(&mut c, None, "rehearsed");
    assert_eq!(smaller.status, "warning", "{smaller:?}");
    assert!(smaller.detail.contains("much smaller catalog"), "{smaller:?}");

    // Bad records: refused with 22023, the log unchanged.
    let mut other_target = record.clone();
    other_target["to_version"] = "0.9.0".into();
    let mut broken = record.clone();
    broken["relations"] = "many".into();
    for bad in [other_target, broken, Value::from("not a record")] {
        let e = import(&mut c, &bad).unwrap_err();
        let db = e.as_db_error().unwrap_or_else(|| panic!("{e}"));
        assert_eq!(db.code().code(), "22023", "{db:?}");
        assert!(db.detail().is_some() && db.hint().is_some(), "{db:?}");
    }
    assert_eq!(log_rows(&mut c), 1, "a refused record stored nothing");

    // The full copy's: the check is ok, the estimate has the copy's
    // duration (the same catalog: unscaled) and never falls below what it held.
    let (stored, flagged, note) = import(&mut c, &record).unwrap();
    assert!(stored && !flagged, "{note}");
    assert!(!import(&mut c, &record).unwrap().0, "the same record is not stored twice");
    let ok = check(&mut c, None, "rehearsed");
    assert_eq!(ok.status, "ok", "{ok:?}");
    assert!(ok.detail.contains("database carry_copy"), "{ok:?}");
    let (after, expected) = estimate(&mut c);
    let duration = record["duration_seconds"].as_f64().unwrap();
    let expected = expected.expect("an expected duration from the rehearsal");
    assert!((expected - duration).abs() < 0.01 + duration * 0.05, "expected {expected}, rehearsed {duration}");
    assert!(after >= record["locks_held"].as_i64().unwrap(), "{before} -> {after}: {record}");

    // A newer rehearsal that held more than estimated and ran for an hour:
    // the estimate learns it, and a running upgrade's time left comes from it.
    let mut longer = record.clone();
    longer["measured_at"] = c
        .query_one(r#"SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"#, &[])
        .unwrap()
        .get::<_, String>(0)
        .into();
    longer["duration_seconds"] = 3600.0.into();
    longer["locks_held"] = (after + 100).into();
    assert!(import(&mut c, &longer).unwrap().0);
    let (learned, expected) = estimate(&mut c);
    assert!(learned >= after + 100, "the estimate learned the imported measurement: {learned} < {}", after + 100);
    assert!((expected.unwrap() - 3600.0).abs() < 1.0, "{expected:?}");
    let mut connector = Connector::start(cluster, &prod, R0_17);
    connector.lease.batch_execute("BEGIN; ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap();
    let row = c
        .query_one(
            "SELECT EXTRACT(epoch FROM expected_duration)::float8, EXTRACT(epoch FROM eta)::float8, eta_basis
             FROM promscale_upgrade_progress()",
            &[],
        )
        .unwrap();
    let (published, eta, basis): (Option<f64>, Option<f64>, Option<String>) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(basis.as_deref(), Some("rehearsal"), "{published:?} {eta:?}");
    assert!((published.unwrap() - 3600.0).abs() < 1.0, "{published:?}");
    assert!((3000.0..3600.0).contains(&eta.unwrap()), "{eta:?}");
    connector.lease.batch_execute("ROLLBACK").unwrap();
    connector.finish();

    // A rehearsal on the copy that fails (a view on prom_info.metric blocks
    // the migration), carried over: the rehearsal stored last decides.
    let mut copy_client = cluster.connect(&copy);
    copy_client.batch_execute("CREATE VIEW public.metric_inventory AS SELECT * FROM prom_info.metric").unwrap();
    drop(copy_client);
    let (failed_ok, failed) = rehearse_and_export(cluster, &copy);
    assert!(!failed_ok, "{failed}");
    assert!(failed["error"].as_str().unwrap().starts_with("2BP01"), "{failed}");
    assert!(import(&mut c, &failed).unwrap().0);
    let fail = check(&mut c, None, "rehearsed");
    assert_eq!(fail.status, "fail", "{fail:?}");
    assert!(fail.detail.contains("2BP01"), "{fail:?}");
    let ready: bool = c.query_one("SELECT promscale_upgrade_ready()", &[]).unwrap().get(0);
    assert!(!ready);
}
