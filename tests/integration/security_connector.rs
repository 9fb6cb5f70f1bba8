//! Issue 26, findings 4 and 9, each attack run as the attacking role over
//! its own client connection, on the shared server:
//! - only the connector's granted lease counts as the connector: a login
//!   role that takes the connector's `application_name`, or waits for its
//!   key behind the lease, no longer makes fail-fast refuse the connector
//!   (55006) nor fails `connectors_stopped`; a granted holder still does;
//! - the shipped exporter query calls the guard schema-qualified, so a
//!   schema named after the exporter's role (the `"$user"` entry of the
//!   default `search_path`) runs nothing as the exporter.
//!
//! Roles and databases start with `secc_`.

use std::time::{Duration, Instant};

use postgres::Client;

use crate::connector_emulator::{Connector, R0_17};
use crate::harness::{backend_pid, check, project_root, Cluster, CONNECTOR_KEY};
use crate::security::create_role;

/// The guard, TimescaleDB and promscale 0.7.0, installed by the superuser.
fn promscale_at_0_7(cluster: &Cluster, db: &str) -> String {
    let db = cluster.fresh_db(db);
    cluster
        .connect(&db)
        .batch_execute("CREATE EXTENSION timescaledb; CREATE EXTENSION promscale VERSION '0.7.0'")
        .unwrap();
    db
}

fn installed(c: &mut Client) -> Option<String> {
    c.query_opt("SELECT extversion FROM pg_extension WHERE extname = 'promscale'", &[]).unwrap().map(|r| r.get(0))
}

/// Running connectors as the metrics view counts them (`connectors`).
fn connectors_metric(c: &mut Client) -> i64 {
    c.query_one("SELECT connectors FROM public.promscale_upgrade_metrics", &[]).unwrap().get(0)
}

#[track_caller]
fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The connector's lease session, keeping the NOTICEs and WARNINGs it gets.
fn connector_with_notices(
    cluster: &Cluster,
    db: &str,
) -> (Connector, std::sync::Arc<std::sync::Mutex<Vec<postgres::error::DbError>>>) {
    let (mut lease, notices) = cluster.connect_user_with_notices(db, "postgres", "promscale@0.17.0");
    let locked: bool = lease.query_one("SELECT pg_try_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap().get(0);
    assert!(locked, "the connector could not take its lease");
    let pid = backend_pid(&mut lease);
    (Connector { release: R0_17, lease, pid }, notices)
}

/// The WARNINGs among `notices`, as "message / detail".
fn warnings(notices: &std::sync::Mutex<Vec<postgres::error::DbError>>) -> Vec<String> {
    notices
        .lock()
        .unwrap()
        .iter()
        .filter(|n| n.severity() == "WARNING")
        .map(|n| format!("{} / {}", n.message(), n.detail().unwrap_or("")))
        .collect()
}

// ------------------------------------------- 4. the connector's name alone

/// A plain login role connects with `application_name = 'promscale@0.17.0'`
/// and does nothing else. Before the fix, the connector holding its lease
/// was refused with 55006 and `connectors_stopped` failed. Now the check
/// warns and says what it saw, no connector is counted, and the
/// connector's update succeeds with a WARNING naming that session.
#[test]
fn a_connector_name_alone_neither_refuses_the_connector_nor_fails_the_check() {
    let cluster = Cluster::shared();
    let role = "secc_namer";
    create_role(cluster, role);
    let db = promscale_at_0_7(cluster, "secc_name_only");
    let mut namer = cluster.connect_user(&db, role, "promscale@0.17.0");
    let namer_pid = backend_pid(&mut namer);

    let mut su = cluster.connect(&db);
    let c = check(&mut su, None, "connectors_stopped");
    assert_ne!(c.status, "fail", "a name alone failed connectors_stopped: {c:?}");
    assert_eq!(c.status, "warning", "{c:?}");
    assert!(
        c.detail.contains(&format!("pid {namer_pid} is named promscale@0.17.0 but holds no connector lock")),
        "{c:?}"
    );
    assert_eq!(connectors_metric(&mut su), 0, "a name alone was counted as a running connector");
    let connector_versions: Vec<String> =
        su.query_one("SELECT connector_versions FROM public.promscale_upgrade_state()", &[]).unwrap().get(0);
    assert!(connector_versions.is_empty(), "{connector_versions:?}");

    let (mut connector, notices) = connector_with_notices(cluster, &db);
    let result = connector.migrate();
    let seen = warnings(&notices);
    assert_eq!(
        result.unwrap_or_else(|e| panic!(
            "the connector was refused because pid {namer_pid} of role {role} is named promscale@0.17.0: {:?}",
            e.as_db_error()
        )),
        "0.8.0"
    );
    assert!(
        seen.iter()
            .any(|w| w.contains(&format!("pid {namer_pid} is named promscale@0.17.0 but holds no connector lock"))),
        "no WARNING named the session: {seen:?}"
    );
    connector.finish();
    assert_eq!(installed(&mut su).as_deref(), Some("0.8.0"));
    drop(namer);
}

// ------------------------------------ 4. waiting for the key behind the lease

/// A plain login role waits in `pg_advisory_lock_shared(key)` behind the
/// connector's lease (a real second session blocked in the call), named
/// `promscale@0.17.0` as well. Before the fix, the connector was refused
/// with 55006, `connectors_stopped` failed, and the metrics counted the
/// waiter as a running connector. Now none of that: the update succeeds
/// with a WARNING naming the waiter.
#[test]
fn waiting_for_the_key_neither_refuses_the_connector_nor_fails_the_check() {
    let cluster = Cluster::shared();
    let role = "secc_waiter";
    create_role(cluster, role);
    let db = promscale_at_0_7(cluster, "secc_waiting");
    let (mut connector, notices) = connector_with_notices(cluster, &db);

    let mut waiter = cluster.connect_user(&db, role, "promscale@0.17.0");
    let waiter_pid = backend_pid(&mut waiter);
    let blocked = std::thread::spawn(move || {
        waiter.batch_execute("SET lock_timeout = '60s'").unwrap();
        waiter.execute("SELECT pg_advisory_lock_shared($1)", &[&CONNECTOR_KEY]).map(|_| ())
    });
    let mut su = cluster.connect(&db);
    wait_for("the waiter to queue for the connector's key", || {
        su.query_one(
            "SELECT count(*) FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND NOT granted",
            &[&waiter_pid],
        )
        .unwrap()
        .get::<_, i64>(0)
            == 1
    });

    // The check fails for the lease alone (a connector migrating holds
    // it); the waiter is named, not counted, and not to be ended.
    let c = check(&mut su, None, "connectors_stopped");
    assert!(
        c.detail.starts_with(&format!("1 Promscale Connector session is connected: pid {} ", connector.pid)),
        "a waiter was counted as a connector: {c:?}"
    );
    assert!(c.detail.contains(&format!("pid {waiter_pid} waits for the connector lock")), "{c:?}");
    assert!(c.hint.as_deref().unwrap_or("").contains(&format!("ARRAY[{}])", connector.pid)), "{c:?}");
    assert_eq!(connectors_metric(&mut su), 0, "a waiter was counted as a running connector");

    let result = connector.migrate();
    let seen = warnings(&notices);
    assert_eq!(
        result.unwrap_or_else(|e| panic!(
            "the connector was refused because pid {waiter_pid} of role {role} waits for its key: {:?}",
            e.as_db_error()
        )),
        "0.8.0"
    );
    assert!(
        seen.iter().any(|w| w.contains(&format!("pid {waiter_pid} waits for the connector lock"))),
        "no WARNING named the waiter: {seen:?}"
    );
    assert_eq!(installed(&mut su).as_deref(), Some("0.8.0"));
    // The lease released, the waiter gets its shared lock.
    connector.finish();
    blocked.join().unwrap().unwrap();
}

// ------------------------------------------ a granted holder still counts

/// A session that holds the key in share mode, granted, is a running
/// connector whoever it is: `connectors_stopped` fails naming it, the
/// metrics count it, `ready()` says no, and no connector can take its
/// lease meanwhile (so no update runs beside it).
#[test]
fn a_granted_shared_holder_still_fails_the_check() {
    let cluster = Cluster::shared();
    let role = "secc_holder";
    create_role(cluster, role);
    let db = promscale_at_0_7(cluster, "secc_granted");
    let mut holder = cluster.connect_user(&db, role, "some-app");
    holder.execute("SELECT pg_advisory_lock_shared($1)", &[&CONNECTOR_KEY]).unwrap();
    let holder_pid = backend_pid(&mut holder);

    let mut su = cluster.connect(&db);
    let c = check(&mut su, None, "connectors_stopped");
    assert_eq!(c.status, "fail", "{c:?}");
    assert!(
        c.detail.contains(&format!("pid {holder_pid} (application_name some-app, role {role}, holds ShareLock")),
        "{c:?}"
    );
    assert!(c.hint.as_deref().unwrap_or("").contains(&format!("ARRAY[{holder_pid}]")), "{c:?}");
    assert_eq!(connectors_metric(&mut su), 1);
    let ready: bool = su.query_one("SELECT public.promscale_upgrade_ready()", &[]).unwrap().get(0);
    assert!(!ready);
    let mut lease = cluster.connect_as(&db, "promscale@0.17.0");
    let locked: bool = lease.query_one("SELECT pg_try_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap().get(0);
    assert!(!locked, "the lease was granted beside a shared holder");
    drop(holder);
}

// ------------------------------- 9. the exporter's query and "$user"

/// A role with CREATE on the database makes a schema named after the
/// exporter's role (the `"$user"` entry of the default search_path) with
/// its own `promscale_upgrade_metrics` view calling its own code. The
/// shipped exporter query (read from monitoring/postgres_exporter_queries.yaml),
/// run as the exporter (a pg_monitor member), must not run that code.
/// Before the fix the query was unqualified and the planted code ran as the
/// exporter at every scrape. The same query with the schema taken out runs
/// the plant, which shows the plant works.
#[test]
fn the_exporter_query_runs_no_code_of_a_schema_named_after_the_exporter() {
    let cluster = Cluster::shared();
    let (exporter, planter) = ("secc_exporter", "secc_planter");
    create_role(cluster, exporter);
    create_role(cluster, planter);
    cluster.connect("postgres").batch_execute(&format!("GRANT pg_monitor TO {exporter}")).unwrap();
    let db = promscale_at_0_7(cluster, "secc_user_schema");
    let mut su = cluster.connect(&db);
    su.batch_execute(&format!("GRANT CREATE ON DATABASE {db} TO {planter}")).unwrap();

    let text = std::fs::read_to_string(project_root().join("monitoring/postgres_exporter_queries.yaml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let spec = &doc["promscale_upgrade"];
    let query = spec["query"].as_str().expect("the exporter's query").to_string();
    let columns: Vec<String> = spec["metrics"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| m.as_mapping().unwrap().keys().next().unwrap().as_str().unwrap().to_string())
        .collect();

    // The plant, made by the planter: the view has the exporter query's
    // columns, so that an unqualified query reads it without an error.
    let mut plant = cluster.connect_user(&db, planter, "secc-planter");
    let planted_columns: Vec<String> = columns.iter().map(|c| format!("p.x AS {c}")).collect();
    plant
        .batch_execute(&format!(
            "CREATE SCHEMA {exporter};
             GRANT USAGE ON SCHEMA {exporter} TO PUBLIC;
             CREATE TABLE {exporter}.sink (who text, at timestamptz DEFAULT now());
             GRANT INSERT ON {exporter}.sink TO PUBLIC;
             CREATE FUNCTION {exporter}.payload() RETURNS int LANGUAGE sql VOLATILE
                 AS $$ INSERT INTO {exporter}.sink (who) VALUES (current_user) RETURNING 1 $$;
             CREATE VIEW {exporter}.promscale_upgrade_metrics AS
                 SELECT {} FROM (SELECT {exporter}.payload() AS x) p;
             GRANT SELECT ON {exporter}.promscale_upgrade_metrics TO PUBLIC;",
            planted_columns.join(", ")
        ))
        .unwrap();
    let ran = |su: &mut Client| -> i64 {
        su.query_one(&format!("SELECT count(*) FROM {exporter}.sink"), &[]).unwrap().get(0)
    };

    let mut scrape = cluster.connect_user(&db, exporter, "postgres_exporter");
    let path: String = scrape.query_one("SHOW search_path", &[]).unwrap().get(0);
    assert!(path.starts_with("\"$user\""), "{path}");
    let rows = scrape.query(query.as_str(), &[]).unwrap_or_else(|e| panic!("the exporter query failed: {e:?}"));
    assert_eq!(rows.len(), 1);
    assert_eq!(ran(&mut su), 0, "the planted code ran as the exporter through the shipped query: {query}");
    // The real view answered: its phase is text, not the plant's number.
    let phase: String = rows[0].get("phase");
    assert!(!phase.is_empty());

    // The same query unqualified does run the plant.
    let unqualified = query.replace("public.promscale_upgrade_metrics", "promscale_upgrade_metrics");
    assert_ne!(unqualified, query);
    scrape.query(unqualified.as_str(), &[]).unwrap();
    assert_eq!(ran(&mut su), 1, "the plant did not work: the test proves nothing");
}
