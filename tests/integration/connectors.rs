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

#[test]
fn waiting_for_the_lock_counts_too() {
    let cluster = Cluster::shared();
    let db = cluster.fresh_db("conn_waiting");
    let mut me = cluster.connect(&db);
    let mut holder = cluster.connect_as(&db, "promscale@0.17.0");
    holder.execute("SELECT pg_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap();
    let waiter_info = cluster.conninfo(&db, "second-connector");
    let waiter = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&waiter_info, postgres::NoTls).unwrap();
        c.batch_execute("SET lock_timeout = '3s'").unwrap();
        let _ = c.execute("SELECT pg_advisory_lock_shared($1)", &[&CONNECTOR_KEY]);
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    let c = check(&mut me, None, "connectors_stopped");
    assert!(c.detail.contains("2 Promscale Connector sessions are connected"), "{c:?}");
    assert!(c.detail.contains("ShareLock (waiting)"), "{c:?}");
    waiter.join().unwrap();
}

#[test]
fn connector_named_session_without_lock_is_listed() {
    let cluster = Cluster::shared();
    let db = cluster.fresh_db("conn_named");
    let mut me = cluster.connect(&db);
    let _idle = cluster.connect_as(&db, "promscale@0.17.0");
    let c = check(&mut me, None, "connectors_stopped");
    assert_eq!(c.status, "fail", "{c:?}");
    assert!(c.detail.contains("application_name promscale@0.17.0"), "{c:?}");
    assert!(c.detail.contains("no connector lock"), "{c:?}");
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
