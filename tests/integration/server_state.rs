//! Checks about the server itself that need a server of their own:
//! a pending max_locks_per_transaction change, and a hot standby.

use crate::harness::{check, port, Cluster};

#[test]
fn max_locks_change_waiting_for_restart_warns() {
    let cluster = Cluster::start("it_pending", port(2), &["max_locks_per_transaction = 64"]);
    let db = cluster.fresh_db("pending");
    let mut me = cluster.connect(&db);
    assert_eq!(check(&mut me, None, "max_locks_pending_restart").status, "ok");
    me.batch_execute("ALTER SYSTEM SET max_locks_per_transaction = 300").unwrap();
    me.batch_execute("SELECT pg_reload_conf()").unwrap();
    let mut c = check(&mut me, None, "max_locks_pending_restart");
    for _ in 0..50 {
        if c.status != "ok" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        c = check(&mut me, None, "max_locks_pending_restart");
    }
    assert_eq!(c.status, "warning", "{c:?}");
    assert!(c.detail.contains("64 in the running server but 300 in the configuration files"), "{c:?}");
    assert!(c.hint.as_deref().unwrap().contains("Restart PostgreSQL"), "{c:?}");
    cluster.stop();
}

#[test]
fn standby_fails_server_role() {
    let primary = Cluster::start("it_primary", port(3), &[]);
    primary.fresh_db("standby_db");
    let replica = Cluster::start_replica("it_replica", port(4), &primary);
    let mut on_primary = primary.connect("standby_db");
    assert_eq!(check(&mut on_primary, None, "server_role").status, "ok");
    // The primary sees the streaming standby and warns that it replays the locks.
    let mut streaming = 0_i64;
    for _ in 0..100 {
        streaming = on_primary
            .query_one("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", &[])
            .unwrap()
            .get(0);
        if streaming > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(streaming, 1);
    let c = check(&mut on_primary, None, "standby_lock_capacity");
    assert_eq!(c.status, "warning", "{c:?}");
    assert!(c.detail.starts_with("1 streaming standby(s) replay the upgrade"), "{c:?}");
    let standbys: i32 =
        on_primary.query_one("SELECT streaming_standbys FROM promscale_upgrade_lock_estimate()", &[]).unwrap().get(0);
    assert_eq!(standbys, 1);
    let mut on_replica = replica.connect("standby_db");
    let c = check(&mut on_replica, None, "server_role");
    assert_eq!(c.status, "fail", "{c:?}");
    assert!(c.detail.contains("standby"), "{c:?}");
    replica.stop();
    primary.stop();
}
