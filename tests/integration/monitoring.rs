//! The upgrade state while an upgrade really runs in another session, on a
//! hot standby and for a pg_monitor member; the exporter queries file.

use std::time::{Duration, Instant};

use crate::harness::{project_root, Cluster, CONNECTOR_KEY};

fn phase(client: &mut postgres::Client) -> (String, String) {
    let row = client.query_one("SELECT phase, next_step FROM promscale_upgrade_state()", &[]).unwrap();
    (row.get(0), row.get(1))
}

/// Makes the session send its statistics counters at its next idle moment:
/// pg_stat_force_next_flush() on PostgreSQL 15+; before, a transaction that
/// ends more than half a second after the last report sends them.
const FLUSH_STATISTICS: &str = "DO $$ BEGIN
    IF pg_catalog.to_regproc('pg_catalog.pg_stat_force_next_flush') IS NOT NULL THEN
        PERFORM pg_catalog.pg_stat_force_next_flush();
    ELSE
        PERFORM pg_catalog.pg_sleep(0.6);
    END IF;
END $$;";

#[test]
fn state_says_upgrading_within_a_second_while_the_connector_updates() {
    let cluster = Cluster::shared();
    let db = cluster.promscale_db("state_upgrading", "--version 0.7.0 --metrics 20 --chunks 2");
    let mut me = cluster.connect(&db);
    assert_eq!(phase(&mut me).0, "upgrade_available");

    // The connector's lease connection: exclusive lock, then the update in a
    // transaction that stays open (its locks held) while we look.
    let mut connector = cluster.connect_as(&db, "promscale@0.17.0");
    connector.execute("SELECT pg_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap();
    let pid: i32 = connector.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    connector.batch_execute("BEGIN; ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap();

    me.batch_execute("SET lock_timeout = '1s'").unwrap();
    let started = Instant::now();
    let row = me.query_one("SELECT phase, upgrade_pid, next_step FROM promscale_upgrade_state()", &[]).unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "state took {took:?} during the upgrade");
    assert_eq!(row.get::<_, String>(0), "upgrading");
    assert_eq!(row.get::<_, Option<i32>>(1), Some(pid));
    assert!(row.get::<_, String>(2).contains(&format!("backend {pid}")));
    let in_progress: i32 =
        me.query_one("SELECT upgrade_in_progress FROM promscale_upgrade_metrics", &[]).unwrap().get(0);
    assert_eq!(in_progress, 1);
    let report: String = me.query_one("SELECT promscale_upgrade_report()::text", &[]).unwrap().get(0);
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["state"]["phase"], "upgrading");
    assert_eq!(report["format_version"], 1);

    connector.batch_execute("COMMIT").unwrap();
    connector.execute("SELECT pg_advisory_unlock($1)", &[&CONNECTOR_KEY]).unwrap();
    drop(connector);
    std::thread::sleep(Duration::from_millis(300));
    let (p, next) = phase(&mut me);
    assert_eq!(p, "upgraded_waiting_for_ingest", "{next}");

    // One connector of the new version comes back and ingests metadata.
    let mut new_connector = cluster.connect_as(&db, "promscale@0.17.0");
    new_connector.execute("SELECT pg_advisory_lock_shared($1)", &[&CONNECTOR_KEY]).unwrap();
    assert_eq!(phase(&mut me).0, "upgraded_waiting_for_ingest");
    new_connector
        .batch_execute(
            "SELECT _prom_catalog.insert_metric_metadatas(ARRAY[clock_timestamp()], ARRAY['up'], ARRAY['GAUGE'], ARRAY[''], ARRAY['help'])",
        )
        .unwrap();
    // Its samples land in the metric tables: the database's insert counter grows.
    let inserted_before: i64 =
        me.query_one("SELECT database_rows_inserted FROM promscale_upgrade_metrics", &[]).unwrap().get(0);
    new_connector
        .batch_execute(
            "INSERT INTO prom_data.standin_metric_1 (time, value, series_id)
             SELECT now() - i * interval '1 second', 1, 1 FROM generate_series(1, 100) i",
        )
        .unwrap();
    // A backend sends its counters when it goes idle, at most once a second
    // (else after 10 s); ask for the next idle moment.
    new_connector.batch_execute(FLUSH_STATISTICS).unwrap();
    let mut inserted_after = inserted_before;
    for _ in 0..50 {
        inserted_after =
            me.query_one("SELECT database_rows_inserted FROM promscale_upgrade_metrics", &[]).unwrap().get(0);
        if inserted_after >= inserted_before + 100 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(inserted_after >= inserted_before + 100, "{inserted_before} -> {inserted_after}");
    // TimescaleDB routes samples into the newest chunk: its counter grows too.
    let chunk_before: i64 =
        me.query_one("SELECT newest_chunk_rows_inserted FROM promscale_upgrade_metrics", &[]).unwrap().get(0);
    let newest: String = new_connector
        .query_one(
            "SELECT max(inhrelid)::regclass::text FROM pg_inherits WHERE inhparent = 'prom_data.standin_metric_1'::regclass",
            &[],
        )
        .unwrap()
        .get(0);
    new_connector
        .batch_execute(&format!(
            "INSERT INTO {newest} (time, value, series_id)
             SELECT t.lo + i * interval '1 millisecond', 1, 1
             FROM (SELECT (regexp_match(pg_get_constraintdef(k.oid), '>= ''([^'']+)'''))[1]::timestamptz AS lo
                   FROM pg_constraint k WHERE k.conrelid = '{newest}'::regclass AND k.contype = 'c') t,
                  generate_series(1, 10) i;
             {FLUSH_STATISTICS}"
        ))
        .unwrap();
    let mut chunk_after = chunk_before;
    for _ in 0..50 {
        chunk_after =
            me.query_one("SELECT newest_chunk_rows_inserted FROM promscale_upgrade_metrics", &[]).unwrap().get(0);
        if chunk_after >= chunk_before + 10 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(chunk_after, chunk_before + 10, "newest chunk {newest}");
    let row = me.query_one("SELECT phase, ingest_resumed, next_step FROM promscale_upgrade_state()", &[]).unwrap();
    assert_eq!(row.get::<_, String>(0), "up_to_date");
    assert!(row.get::<_, bool>(1));
    assert!(row.get::<_, String>(2).contains("start all other"), "{}", row.get::<_, String>(2));
}

#[test]
fn a_pg_monitor_member_reads_everything() {
    let cluster = Cluster::shared();
    let db = cluster.promscale_db("state_monitor", "--version 0.7.0 --metrics 3");
    let mut admin = cluster.connect(&db);
    admin
        .batch_execute(
            "DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'guard_watcher') THEN
                    CREATE ROLE guard_watcher LOGIN IN ROLE pg_monitor;
                END IF;
             END $$",
        )
        .unwrap();
    let conninfo = cluster.conninfo(&db, "watcher").replace("user=postgres", "user=guard_watcher");
    let mut watcher = postgres::Client::connect(&conninfo, postgres::NoTls).unwrap();
    for sql in [
        "SELECT count(*) FROM promscale_upgrade_checks()",
        "SELECT count(*) FROM promscale_upgrade_state()",
        "SELECT count(*) FROM promscale_upgrade_lock_estimate()",
        "SELECT count(*) FROM promscale_upgrade_metrics",
        "SELECT count(*) FROM (SELECT promscale_upgrade_report()) r",
    ] {
        let n: i64 = watcher.query_one(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}")).get(0);
        assert!(n >= 1, "{sql}");
    }
    // Without prom_reader the ingest signal is unknown, not an error.
    let seen: Option<f64> =
        watcher.query_one("SELECT seconds_since_last_ingest FROM promscale_upgrade_metrics", &[]).unwrap().get(0);
    assert!(seen.is_none());
    // And a role outside pg_monitor gets nothing.
    admin.batch_execute("DROP ROLE IF EXISTS guard_stranger; CREATE ROLE guard_stranger LOGIN").unwrap();
    let conninfo = cluster.conninfo(&db, "stranger").replace("user=postgres", "user=guard_stranger");
    let mut stranger = postgres::Client::connect(&conninfo, postgres::NoTls).unwrap();
    let err = stranger.query("SELECT * FROM promscale_upgrade_metrics", &[]).unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("42501"));
}

#[test]
fn state_report_and_metrics_work_on_a_hot_standby() {
    let primary = Cluster::start("it_mon_primary", crate::harness::port(1), &[]);
    let db = primary.promscale_db("standby_state", "--version 0.7.0 --metrics 3");
    let replica = Cluster::start_replica("it_mon_replica", crate::harness::port(8), &primary);
    let mut on_replica = replica.connect(&db);
    let in_recovery: bool = on_replica.query_one("SELECT pg_is_in_recovery()", &[]).unwrap().get(0);
    assert!(in_recovery);
    let (p, _) = phase(&mut on_replica);
    assert_eq!(p, "not_ready", "a standby cannot be upgraded: server_role fails");
    let report: String = on_replica.query_one("SELECT promscale_upgrade_report()::text", &[]).unwrap().get(0);
    assert!(report.contains("\"server_role\""));
    let ready: i32 = on_replica.query_one("SELECT ready FROM promscale_upgrade_metrics", &[]).unwrap().get(0);
    assert_eq!(ready, 0);
    replica.stop();
    primary.stop();
}

/// The exporter's custom query runs and returns exactly the documented columns.
#[test]
fn exporter_queries_file_matches_the_view() {
    let text = std::fs::read_to_string(project_root().join("monitoring/postgres_exporter_queries.yaml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let map = doc.as_mapping().unwrap();
    assert!(!map.is_empty());
    let cluster = Cluster::shared();
    let db = cluster.promscale_db("exporter_queries", "--version 0.7.0 --metrics 3");
    let mut c = cluster.connect(&db);
    for (name, spec) in map {
        let query = spec["query"].as_str().unwrap();
        let documented: Vec<(String, String)> = spec["metrics"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|m| {
                let (col, def) = m.as_mapping().unwrap().iter().next().unwrap();
                (col.as_str().unwrap().to_string(), def["usage"].as_str().unwrap().to_string())
            })
            .collect();
        let stmt = c.prepare(query).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        let columns: Vec<String> = stmt.columns().iter().map(|c| c.name().to_string()).collect();
        let names: Vec<String> = documented.iter().map(|(c, _)| c.clone()).collect();
        assert_eq!(columns, names, "{name:?}: query columns and documented metrics differ");
        let rows = c.query(&stmt, &[]).unwrap();
        assert_eq!(rows.len(), 1);
        for ((col, usage), column) in documented.iter().zip(stmt.columns()) {
            let numeric = ["int4", "int8", "float8", "numeric"].contains(&column.type_().name());
            assert_eq!(usage != "LABEL", numeric, "{col} is {usage} but has type {}", column.type_());
        }
    }
}

/// A refused manual update is counted for the metrics even though the
/// refusal rolls its transaction back.
#[test]
fn refused_manual_updates_are_counted() {
    let cluster = Cluster::shared();
    let db = cluster.promscale_db("refusal_counter", "--version 0.7.0 --metrics 2");
    let mut c = cluster.connect(&db);
    let before: i64 = c.query_one("SELECT refused_manual_updates FROM promscale_upgrade_metrics", &[]).unwrap().get(0);
    let before_since_start: i64 =
        c.query_one("SELECT refused_manual_updates_since_start FROM promscale_upgrade_metrics", &[]).unwrap().get(0);
    for _ in 0..2 {
        let err = c.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap_err();
        assert_eq!(err.code().map(|s| s.code()), Some("55000"), "{err:?}");
    }
    let after: i64 = c.query_one("SELECT refused_manual_updates FROM promscale_upgrade_metrics", &[]).unwrap().get(0);
    assert_eq!(after, before + 2);
    let after_since_start: i64 =
        c.query_one("SELECT refused_manual_updates_since_start FROM promscale_upgrade_metrics", &[]).unwrap().get(0);
    assert_eq!(after_since_start, before_since_start + 2);
    // The connector's own update is not a refusal.
    c.execute("SELECT pg_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap();
    c.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap();
    let last: i64 = c.query_one("SELECT refused_manual_updates FROM promscale_upgrade_metrics", &[]).unwrap().get(0);
    assert_eq!(last, before + 2);
}

/// "Since start" restarts with the server; the total does not.
#[test]
fn refusals_since_start_restart_with_the_server() {
    let cluster = Cluster::start("it_refusals", crate::harness::port(9), &[]);
    let db = cluster.promscale_db("refusals_restart", "--version 0.7.0 --metrics 1");
    let counts = |c: &mut postgres::Client| -> (i64, i64) {
        let row = c
            .query_one(
                "SELECT refused_manual_updates, refused_manual_updates_since_start FROM promscale_upgrade_metrics",
                &[],
            )
            .unwrap();
        (row.get(0), row.get(1))
    };
    let mut c = cluster.connect(&db);
    assert_eq!(counts(&mut c), (0, 0));
    assert!(c.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'").is_err());
    assert_eq!(counts(&mut c), (1, 1));
    drop(c);
    // pg_postmaster_start_time() has a resolution of a second.
    std::thread::sleep(Duration::from_millis(1100));
    cluster.restart();
    let mut c = cluster.connect(&db);
    assert_eq!(counts(&mut c), (1, 0));
    assert!(c.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'").is_err());
    assert_eq!(counts(&mut c), (2, 1));
    cluster.stop();
}
