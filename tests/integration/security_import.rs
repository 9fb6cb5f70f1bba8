//! Attacks through `promscale_upgrade_rehearsal_import()` (issue 26,
//! finding 5): the attacker is whoever controlled the restored copy a
//! record comes from, so the attack is the record; the superuser imports
//! it, as the procedure says, and the effect is looked for where other
//! roles read the guard (a `pg_monitor` member's readiness, the connector's
//! own update), each over its own connection. Every test fails on the
//! guard before the record was treated as untrusted input (0.4.0).
//!
//! The records are written here, not rehearsed: what a copy's guard would
//! export, with the fields the attacker chose. Every test has its
//! databases (`sec_imp_*`) on the shared server.

use postgres::error::DbError;
use postgres::Client;
use serde_json::{json, Value};

use crate::connector_emulator::{Connector, R0_17};
use crate::harness::{check, Cluster};

/// What no message of the guard may carry: the signs of a Rust panic and
/// its backtrace.
const RUST_INTERNALS: [&str; 5] = ["backtrace", "stack backtrace", ".rs:", "panicked", "rust_"];

/// A database with the guard, TimescaleDB and promscale 0.7.0: its
/// upgrade is the update from 0.7.0 to 0.8.0.
fn at_0_7_0(cluster: &Cluster, db: &str) -> String {
    let db = cluster.fresh_db(db);
    cluster
        .connect(&db)
        .batch_execute("CREATE EXTENSION timescaledb; CREATE EXTENSION promscale VERSION '0.7.0'")
        .unwrap();
    db
}

/// A login role in `pg_monitor`, the role that reads readiness and the
/// reports (created once; several tests use it).
fn monitor_role(cluster: &Cluster) -> &'static str {
    let role = "sec_imp_monitor";
    cluster
        .connect("postgres")
        .batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {role} LOGIN IN ROLE pg_monitor; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        ))
        .unwrap();
    role
}

/// This server's clock plus `offset` (an interval), as a record writes it.
fn server_time(c: &mut Client, offset: &str) -> String {
    c.query_one(
        r#"SELECT to_char((clock_timestamp() + $1::text::interval) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"#,
        &[&offset],
    )
    .unwrap()
    .get(0)
}

/// A record of the update from 0.7.0 to 0.8.0 that succeeded, on a copy
/// at least as big as the test databases.
fn update_record(measured_at: &str) -> Value {
    json!({
        "format": "promscale_upgrade_guard rehearsal", "format_version": 1, "guard_version": "0.4.0",
        "path": "update", "from_version": "0.7.0", "to_version": "0.8.0", "measured_at": measured_at,
        "succeeded": true, "locks_held": 1000, "locks_estimated": 1100, "locks_counted": 900,
        "duration_seconds": 60.0, "error": null, "server_version_num": 150000, "relations": 100000,
        "metrics": 1000, "database": "promscale_copy", "role": "postgres"
    })
}

fn failed(mut record: Value, error: &str) -> Value {
    record["succeeded"] = false.into();
    record["locks_held"] = Value::Null;
    record["error"] = error.into();
    record
}

/// Imports the record's text as it is (a number such as `1e12` stays as
/// written).
fn import_text(c: &mut Client, text: &str) -> Result<bool, postgres::Error> {
    c.query_one("SELECT stored FROM promscale_upgrade_rehearsal_import($1::text::jsonb)", &[&text]).map(|r| r.get(0))
}

fn import(c: &mut Client, record: &Value) -> Result<bool, postgres::Error> {
    import_text(c, &record.to_string())
}

fn log_rows(c: &mut Client) -> i64 {
    c.query_one("SELECT count(*) FROM promscale_upgrade_guard.rehearsal_log", &[]).unwrap().get(0)
}

/// The error of a refused import: a server error, whose message, detail
/// and hint carry nothing of Rust's.
#[track_caller]
fn refusal(result: Result<bool, postgres::Error>) -> DbError {
    let e = match result {
        Ok(stored) => panic!("the record was accepted (stored: {stored})"),
        Err(e) => e,
    };
    let db = e.as_db_error().unwrap_or_else(|| panic!("not a server error: {e}")).clone();
    for text in [db.message(), db.detail().unwrap_or_default(), db.hint().unwrap_or_default()] {
        for bad in RUST_INTERNALS {
            assert!(!text.contains(bad), "{bad:?} in the error: {db:?}");
        }
    }
    db
}

/// A refusal with 22023 and a detail holding `detail`.
#[track_caller]
fn refused_22023(result: Result<bool, postgres::Error>, detail: &str) {
    let db = refusal(result);
    assert_eq!(db.code().code(), "22023", "{db:?}");
    assert!(db.detail().unwrap_or_default().contains(detail), "{detail:?} in {db:?}");
    assert!(db.hint().is_some(), "{db:?}");
}

/// A record claiming a date far ahead is refused. One claiming a date a
/// little ahead (within clock skew), imported before a genuine failed
/// rehearsal that ran earlier, does not mask the failure: a `pg_monitor`
/// member's readiness fails with the failure's error. And a genuine success
/// imported later gives the expected duration, not the forged record's 0 s.
#[test]
fn a_record_dated_later_does_not_mask_a_failed_rehearsal_imported_after_it() {
    let cluster = Cluster::shared();
    let db = at_0_7_0(cluster, "sec_imp_mask");
    let monitor = monitor_role(cluster);
    let mut su = cluster.connect(&db);
    let (mut watcher, notices) = cluster.connect_user_with_notices(&db, monitor, "sec-imp-watcher");

    let mut forever = update_record("9999-12-31T23:59:59Z");
    forever["duration_seconds"] = 0.0.into();
    refused_22023(import(&mut su, &forever), "measured_at 9999-12-31T23:59:59Z is not between 2020-01-01T00:00:00Z");
    assert_eq!(log_rows(&mut su), 0, "a refused record stored nothing");

    let mut forged = update_record(&server_time(&mut su, "30 seconds"));
    forged["duration_seconds"] = 0.0.into();
    assert!(import(&mut su, &forged).unwrap());
    let genuine_failure = failed(
        update_record(&server_time(&mut su, "-1 hour")),
        "2BP01: cannot drop view prom_info.metric because other objects depend on it",
    );
    assert!(import(&mut su, &genuine_failure).unwrap());

    let seen = check(&mut watcher, None, "rehearsed");
    assert_eq!(seen.status, "fail", "the failed rehearsal imported last is masked by a record dated later: {seen:?}");
    assert!(seen.detail.contains("2BP01: cannot drop view prom_info.metric"), "{seen:?}");
    notices.lock().unwrap().clear();
    let ready: bool = watcher.query_one("SELECT promscale_upgrade_ready()", &[]).unwrap().get(0);
    assert!(!ready, "ready while the newest rehearsal failed");
    assert!(
        notices.lock().unwrap().iter().any(|n| n.detail().unwrap_or_default().contains("2BP01")),
        "{:?}",
        notices.lock().unwrap()
    );

    // A genuine success, run two hours ago and imported now, decides; its
    // duration is the expected one, not the forged record's 0 s.
    let genuine_success = update_record(&server_time(&mut su, "-2 hours"));
    assert!(import(&mut su, &genuine_success).unwrap());
    assert_eq!(check(&mut watcher, None, "rehearsed").status, "ok");
    let expected: Option<f64> = watcher
        .query_one("SELECT EXTRACT(epoch FROM expected_duration)::float8 FROM promscale_upgrade_lock_estimate()", &[])
        .unwrap()
        .get(0);
    assert!(expected.unwrap_or_default() > 0.0, "expected_duration {expected:?}: the forged record's 0 s");
}

/// This database measured an update that held more than the model says
/// (a local rehearsal's row). A record from a copy, dated after it, claims
/// fewer locks: the estimate stays at what this database measured. A
/// record claiming more raises it.
#[test]
fn an_imported_record_does_not_lower_the_estimate_below_this_databases_measurement() {
    let cluster = Cluster::shared();
    let db = at_0_7_0(cluster, "sec_imp_learn");
    let monitor = monitor_role(cluster);
    let mut su = cluster.connect(&db);
    let mut watcher = cluster.connect_user(&db, monitor, "sec-imp-watcher");
    let estimate = |c: &mut Client| -> i64 {
        c.query_one("SELECT locks_needed FROM promscale_upgrade_lock_estimate()", &[]).unwrap().get(0)
    };
    let model = estimate(&mut watcher);
    let measured = model + 2_000;
    su.execute(
        "INSERT INTO promscale_upgrade_guard.rehearsal_log
             (measured_at, path, from_version, to_version, succeeded, locks_estimated, locks_held, role_name,
              duration, relations, metrics, guard_version, database_name)
         VALUES (clock_timestamp() - interval '3 hours', 'update', '0.7.0', '0.8.0', true, $1, $2, 'postgres',
                 interval '1 minute', 100, 0, '0.4.0', current_database())",
        &[&model, &measured],
    )
    .unwrap();
    let learned = estimate(&mut watcher);
    assert!(learned >= measured, "this database's own measurement: {learned} < {measured}");

    let mut fewer = update_record(&server_time(&mut su, "30 seconds"));
    fewer["locks_held"] = (model + 100).into();
    (fewer["locks_estimated"], fewer["locks_counted"]) = (1.into(), Value::Null);
    assert!(import(&mut su, &fewer).unwrap());
    let after = estimate(&mut watcher);
    assert!(
        after >= measured,
        "a record dated later lowered the estimate below this database's measurement: {after} < {measured}"
    );

    let mut more = update_record(&server_time(&mut su, "-1 minute"));
    more["locks_held"] = (measured + 1_000).into();
    (more["locks_estimated"], more["locks_counted"]) = (1.into(), Value::Null);
    assert!(import(&mut su, &more).unwrap());
    assert!(estimate(&mut watcher) >= measured + 1_000, "a bigger measurement raises the estimate");
}

/// Lock counts no server can measure (10^12, i64::MAX, one past it) are
/// refused and nothing is stored; the connector's takeover (fail-fast on)
/// then goes through instead of being refused with 53400, and the lock
/// estimate's recommendation agrees with its ALTER SYSTEM text.
#[test]
fn absurd_lock_counts_are_refused_and_the_connectors_takeover_goes_through() {
    let cluster = Cluster::shared();
    let db = cluster.legacy_db("sec_imp_locks", "", 2, 5);
    let mut su = cluster.connect(&db);
    let mut takeover = update_record(&server_time(&mut su, "-1 hour"));
    (takeover["path"], takeover["from_version"]) = ("takeover".into(), Value::Null);
    let text = takeover.to_string();
    for (key, n) in [
        ("locks_held", "1e12"),
        ("locks_held", "9223372036854775807"),
        ("locks_held", "9223372036854775808"),
        ("locks_estimated", "9223372036854775807"),
        ("locks_counted", "1e12"),
    ] {
        let forged = text.replace(&format!("\"{key}\":{}", takeover[key]), &format!("\"{key}\":{n}"));
        assert_ne!(forged, text);
        let db = refusal(import_text(&mut su, &forged));
        assert_eq!(db.code().code(), "22023", "{key} = {n}: {db:?}");
        assert!(db.detail().unwrap_or_default().contains(key), "{key} = {n}: {db:?}");
    }
    refused_22023(
        import_text(&mut su, &text.replace("\"locks_held\":1000", "\"locks_held\":1e12")),
        "locks_held 1000000000000 is not between 0 and 26843545",
    );
    assert_eq!(log_rows(&mut su), 0, "a refused record stored nothing");

    let row = su
        .query_one(
            "SELECT recommended_max_locks_per_transaction, alter_system, fit FROM promscale_upgrade_lock_estimate()",
            &[],
        )
        .unwrap();
    let (recommended, alter_system, fit): (i32, Option<String>, String) = (row.get(0), row.get(1), row.get(2));
    assert_ne!(fit, "does_not_fit");
    if let Some(statement) = alter_system {
        assert_eq!(statement, format!("ALTER SYSTEM SET max_locks_per_transaction = {recommended};"));
    }

    let mut connector = Connector::start(cluster, &db, R0_17);
    let result = connector.migrate();
    assert_eq!(
        result.unwrap_or_else(|e| panic!("the connector's takeover was refused after the imports: {e:?}")),
        "0.8.0"
    );
    connector.finish();
}

/// A record carrying a 30 MB error is refused before it is read, and
/// nothing is stored (every later report would carry it); an error just
/// over 2 kB is refused naming the bound, one of 2 kB is stored.
#[test]
fn a_huge_error_text_is_refused_and_nothing_is_stored() {
    let cluster = Cluster::shared();
    let db = at_0_7_0(cluster, "sec_imp_huge");
    let mut su = cluster.connect(&db);
    let at = server_time(&mut su, "-1 hour");
    let huge = failed(update_record(&at), &format!("2BP01: {}", "x".repeat(30 << 20)));
    refused_22023(import(&mut su, &huge), "a record is at most 16384 bytes");
    let over = failed(update_record(&at), &"x".repeat(2049));
    refused_22023(import(&mut su, &over), "error is 2049 bytes long; an error is at most 2048 bytes");
    assert_eq!(log_rows(&mut su), 0, "a refused record stored nothing");
    let most = failed(update_record(&at), &"x".repeat(2048));
    assert!(import(&mut su, &most).unwrap());
}

/// An error text that would forge a server-log line and steer a terminal
/// (a newline and "LOG:", ESC sequences, a bell, a Unicode line separator,
/// a bidi override) is shown escaped wherever a person reads it: the
/// NOTICE a `pg_monitor` member gets from `promscale_upgrade_ready()`, the
/// check's detail, the report.
#[test]
fn control_characters_in_an_imported_error_are_shown_escaped() {
    let cluster = Cluster::shared();
    let db = at_0_7_0(cluster, "sec_imp_escape");
    let monitor = monitor_role(cluster);
    let mut su = cluster.connect(&db);
    let forged_error =
        "2BP01: boom\nLOG:  database system is shut down\r\u{1b}]0;owned\u{7}\u{1b}[2J\u{2028}x\u{202e}y";
    let record = failed(update_record(&server_time(&mut su, "-1 hour")), forged_error);
    assert!(import(&mut su, &record).unwrap());

    let (mut watcher, notices) = cluster.connect_user_with_notices(&db, monitor, "sec-imp-watcher");
    let ready: bool = watcher.query_one("SELECT promscale_upgrade_ready()", &[]).unwrap().get(0);
    assert!(!ready);
    let clean = |what: &str, text: &str| {
        assert!(!text.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{202e}'), "{what}: {text:?}");
    };
    let notices = notices.lock().unwrap();
    let notice = notices
        .iter()
        .find(|n| n.detail().unwrap_or_default().contains("2BP01"))
        .unwrap_or_else(|| panic!("no NOTICE with the error: {notices:?}"));
    let detail = notice.detail().unwrap();
    clean("NOTICE detail", detail);
    assert!(
        detail.contains(r"2BP01: boom\nLOG:  database system is shut down\r\x1b]0;owned\x07\x1b[2J\u2028x\u202ey"),
        "{detail}"
    );
    clean("NOTICE message", notice.message());
    clean("NOTICE hint", notice.hint().unwrap_or_default());
    clean("the check's detail", &check(&mut watcher, None, "rehearsed").detail);
    let report: String = watcher.query_one("SELECT promscale_upgrade_report()::text", &[]).unwrap().get(0);
    let report: Value = serde_json::from_str(&report).unwrap();
    let shown = report.to_string();
    assert!(shown.contains(r"2BP01: boom\\nLOG:"), "the report shows the error escaped");
    fn strings(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
            Value::Object(o) => o.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    strings(&report, &mut all);
    for s in all.iter().filter(|s| s.contains("2BP01")) {
        clean("the report", s);
    }
}

/// What jsonb accepts but the guard cannot read as a record: a number of a
/// thousand digits, nesting 200 deep, invalid UTF-8 in an SQL_ASCII
/// database. Each is refused with 22023 and a clean message, never an
/// internal error with a Rust backtrace.
#[test]
fn malformed_json_is_refused_cleanly() {
    let cluster = Cluster::shared();
    let db = at_0_7_0(cluster, "sec_imp_json");
    let mut su = cluster.connect(&db);
    let text = update_record(&server_time(&mut su, "-1 hour")).to_string();
    refused_22023(
        import_text(&mut su, &text.replace("\"locks_held\":1000", "\"locks_held\":1e1000")),
        "The record is not JSON this guard can read: number out of range",
    );
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    refused_22023(
        import_text(&mut su, &text.replace("\"error\":null", &format!("\"error\":{deep}"))),
        "The record nests 201 levels deep",
    );
    assert_eq!(log_rows(&mut su), 0);

    let ascii = "sec_imp_sql_ascii";
    let mut admin = cluster.connect("postgres");
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {ascii} WITH (FORCE)")).unwrap();
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {ascii} TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'"
        ))
        .unwrap();
    let mut c = cluster.connect(ascii);
    c.batch_execute("CREATE EXTENSION promscale_upgrade_guard").unwrap();
    let bytes = failed(update_record("2026-01-01T00:00:00Z"), "2BP01: boom").to_string().replace("boom", "b\u{1}m");
    let hex: String = bytes.bytes().map(|b| if b == 1 { "ff".to_string() } else { format!("{b:02x}") }).collect();
    let result = c
        .query_one(
            "SELECT stored FROM promscale_upgrade_rehearsal_import(convert_from(decode($1, 'hex'), 'SQL_ASCII')::jsonb)",
            &[&hex],
        )
        .map(|r| r.get(0));
    refused_22023(result, "The record is not valid UTF-8");
}

/// A `pg_monitor` member queues an ACCESS EXCLUSIVE request on the
/// rehearsal log (it holds ACCESS SHARE in one session, which its SELECT
/// allows, and asks for a rule in another, which PostgreSQL queues before
/// it checks ownership), so the import's INSERT waits and runs into the
/// superuser's `lock_timeout`. The error is PostgreSQL's own (55P03), with
/// no Rust backtrace in its detail (issue 26, finding 10, for the import),
/// and nothing is stored.
#[test]
fn an_import_that_times_out_on_a_queued_lock_carries_no_backtrace() {
    let cluster = Cluster::shared();
    let db = at_0_7_0(cluster, "sec_imp_timeout");
    let monitor = monitor_role(cluster);
    let mut holder = cluster.connect_user(&db, monitor, "sec-imp-holder");
    holder.batch_execute("BEGIN; LOCK TABLE promscale_upgrade_guard.rehearsal_log IN ACCESS SHARE MODE").unwrap();
    let mut queuer = cluster.connect_user(&db, monitor, "sec-imp-queuer");
    let queuer_pid: i32 = queuer.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    let queued = std::thread::spawn(move || {
        queuer.batch_execute(
            "CREATE RULE sec_imp_rule AS ON INSERT TO promscale_upgrade_guard.rehearsal_log DO INSTEAD NOTHING",
        )
    });
    let mut su = cluster.connect(&db);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while su
        .query_one("SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", &[&queuer_pid])
        .unwrap()
        .get::<_, i64>(0)
        == 0
    {
        assert!(std::time::Instant::now() < deadline, "the rule's lock request never queued");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    su.batch_execute("SET lock_timeout = '300ms'").unwrap();
    let record = update_record(&server_time(&mut su, "-1 hour"));
    let db_error = refusal(import(&mut su, &record));
    assert_eq!(db_error.code().code(), "55P03", "{db_error:?}");
    assert!(db_error.detail().is_none_or(|d| !d.contains('\n')), "{db_error:?}");

    holder.batch_execute("ROLLBACK").unwrap();
    let rule = queued.join().unwrap();
    assert_eq!(rule.unwrap_err().code().map(|c| c.code()), Some("42501"), "the monitoring role made no rule");
    su.batch_execute("RESET lock_timeout").unwrap();
    assert_eq!(log_rows(&mut su), 0);
}
