//! `connectors_stopped`: other sessions acting as running connectors.

use crate::harness::{backend_pid, check, Cluster, CONNECTOR_KEY};

#[test]
fn shared_lock_holder_is_a_running_connector() {
    let cluster = Cluster::shared();
    let db = cluster.fresh_db("conn_shared");
    let mut me = cluster.connect(&db);
    assert_eq!(check(&mut me, None, "connectors_stopped").status, "ok");

    let mut connector = cluster.connect_as(&db, "promscale@0.16.0");
    connector.execute("SELECT pg_advisory_lock_shared($1)", &[&CONNECTOR_KEY]).unwrap();
    let pid = backend_pid(&mut connector);
    let c = check(&mut me, None, "connectors_stopped");
    assert_eq!(c.status, "fail", "{c:?}");
    assert!(c.detail.contains(&format!("pid {pid} (application_name promscale@0.16.0")), "{c:?}");
    assert!(c.detail.contains("holds ShareLock on the connector lock"), "{c:?}");
    assert!(c.hint.as_deref().unwrap().contains(&format!("ARRAY[{pid}]")), "{c:?}");

    // ready() says no, with a NOTICE naming the check.
    let ready: bool = me.query_one("SELECT promscale_upgrade_ready()", &[]).unwrap().get(0);
    assert!(!ready);

    drop(connector);
    // The backend exits asynchronously after the client disconnects.
    let mut status = String::new();
    for _ in 0..50 {
        status = check(&mut me, None, "connectors_stopped").status;
        if status == "ok" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(status, "ok");
}

#[test]
fn exclusive_lock_holder_under_any_name_is_a_connector() {
    let cluster = Cluster::shared();
    let db = cluster.fresh_db("conn_exclusive");
    let mut me = cluster.connect(&db);
    let mut migrator = cluster.connect_as(&db, "some-tool");
    migrator.execute("SELECT pg_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap();
    let pid = backend_pid(&mut migrator);
    let c = check(&mut me, None, "connectors_stopped");
    assert_eq!(c.status, "fail", "{c:?}");
    assert!(c.detail.contains(&format!("pid {pid} (application_name some-tool")), "{c:?}");
    assert!(c.detail.contains("ExclusiveLock"), "{c:?}");
}

/// A session waiting for the key is no connector (any role can queue
/// behind the lease): named, not counted.
#[test]
fn waiting_for_the_lock_is_named_not_counted() {
    let cluster = Cluster::shared();
    let db = cluster.fresh_db("conn_waiting");
    let mut me = cluster.connect(&db);
    let mut holder = cluster.connect_as(&db, "promscale@0.17.0");
    holder.execute("SELECT pg_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap();
    let holder_pid = backend_pid(&mut holder);
    let waiter_info = cluster.conninfo(&db, "second-connector");
    let waiter = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&waiter_info, postgres::NoTls).unwrap();
        c.batch_execute("SET lock_timeout = '3s'").unwrap();
        let _ = c.execute("SELECT pg_advisory_lock_shared($1)", &[&CONNECTOR_KEY]);
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    let c = check(&mut me, None, "connectors_stopped");
    assert_eq!(c.status, "fail", "{c:?}");
    assert!(c.detail.starts_with(&format!("1 Promscale Connector session is connected: pid {holder_pid} ")), "{c:?}");
    assert!(c.detail.contains("waits for the connector lock (ShareLock, application_name second-connector"), "{c:?}");
    assert!(c.hint.as_deref().unwrap().contains(&format!("ARRAY[{holder_pid}])")), "{c:?}");
    waiter.join().unwrap();
}

/// A session named like a connector that holds nothing on the key: a
/// warning that says so, not a failure (any role can take the name).
#[test]
fn connector_named_session_without_lock_is_listed() {
    let cluster = Cluster::shared();
    let db = cluster.fresh_db("conn_named");
    let mut me = cluster.connect(&db);
    let mut idle = cluster.connect_as(&db, "promscale@0.17.0");
    let pid = backend_pid(&mut idle);
    let c = check(&mut me, None, "connectors_stopped");
    assert_eq!(c.status, "warning", "{c:?}");
    assert!(c.detail.contains(&format!("pid {pid} is named promscale@0.17.0 but holds no connector lock")), "{c:?}");
}

#[test]
fn calling_session_and_other_databases_are_not_counted() {
    let cluster = Cluster::shared();
    let db = cluster.fresh_db("conn_self");
    let other = cluster.fresh_db("conn_self_other");
    let mut me = cluster.connect_as(&db, "promscale@0.17.0");
    me.execute("SELECT pg_advisory_lock_shared($1)", &[&CONNECTOR_KEY]).unwrap();
    let mut elsewhere = cluster.connect_as(&other, "promscale@0.17.0");
    elsewhere.execute("SELECT pg_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap();
    // A different key in this database is not the connector's.
    let mut unrelated = cluster.connect_as(&db, "app");
    unrelated.execute("SELECT pg_advisory_lock($1)", &[&(CONNECTOR_KEY - 1)]).unwrap();
    let c = check(&mut me, None, "connectors_stopped");
    assert_eq!(c.status, "ok", "{c:?}");
}
