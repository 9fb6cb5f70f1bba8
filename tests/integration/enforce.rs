//! Enforcement of the connector path with real concurrent sessions: the
//! connector emulator's sequences pass and are logged; every way around the
//! rule is refused with the extension and the catalog unchanged; break-glass,
//! fail-fast and the limits of what a non-superuser can do.

use std::sync::{Arc, Mutex};

use postgres::error::DbError;
use postgres::{Client, NoTls};

use crate::connector_emulator::{Connector, R0_11, R0_14, R0_17};
use crate::harness::{backend_pid, Cluster, CONNECTOR_KEY};

// ---------------------------------------------------------------- helpers

/// The stand-in creates cluster-wide roles (prom_reader, ...) when missing;
/// two databases creating them at the same moment collide. Create them once,
/// before the tests of this module build their databases in parallel.
fn standin_roles_ready(cluster: &Cluster) {
    static READY: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    let mut ready = READY.lock().unwrap_or_else(|e| e.into_inner());
    // Servers of a single test have no race (and some have too small a lock
    // table for a full install).
    if cluster.name == "it" && !ready.contains(&cluster.port) {
        let db = cluster.fresh_db("enf_roles");
        cluster.connect(&db).batch_execute("CREATE EXTENSION timescaledb; CREATE EXTENSION promscale").unwrap();
        ready.push(cluster.port);
    }
}

/// A database with the guard, TimescaleDB and promscale at `version`
/// (installed before anything else: a fresh install needs no permission).
fn promscale_at(cluster: &Cluster, db: &str, version: &str) -> String {
    standin_roles_ready(cluster);
    let db = cluster.fresh_db(db);
    cluster
        .connect(&db)
        .batch_execute(&format!("CREATE EXTENSION timescaledb; CREATE EXTENSION promscale VERSION '{version}'"))
        .unwrap();
    db
}

/// A pre-0.11 database (connector 0.10 schema, `prom_schema_migrations` in
/// public), optionally with the old extension, and the guard.
fn legacy(cluster: &Cluster, db: &str, old_extension: &str) -> String {
    standin_roles_ready(cluster);
    cluster.legacy_db(db, old_extension, 3, 20)
}

fn installed(c: &mut Client) -> Option<String> {
    c.query_opt("SELECT extversion FROM pg_extension WHERE extname = 'promscale'", &[]).unwrap().map(|r| r.get(0))
}

/// Every relation, function, type and extension version of the database,
/// with OIDs: any drop, create or recreate changes it.
fn fingerprint(c: &mut Client) -> String {
    c.query_one(
        "SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
             SELECT 'c' || oid || relname FROM pg_class
             UNION ALL SELECT 'p' || oid || proname FROM pg_proc
             UNION ALL SELECT 't' || oid || typname FROM pg_type
             UNION ALL SELECT 'e' || extname || extversion FROM pg_extension) s(x)",
        &[],
    )
    .unwrap()
    .get(0)
}

fn db_error(result: Result<impl std::fmt::Debug, postgres::Error>) -> DbError {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.as_db_error().unwrap_or_else(|| panic!("not a server error: {e}")).clone(),
    }
}

/// The command was refused by the guard (55000).
fn assert_refused(result: Result<impl std::fmt::Debug, postgres::Error>) -> DbError {
    let e = db_error(result);
    assert_eq!(e.code().code(), "55000", "{e:?}");
    assert!(e.message().starts_with("extension \"promscale\" can only be"), "{e:?}");
    e
}

#[derive(Debug, Clone)]
struct LogRow {
    kind: String,
    from_version: Option<String>,
    to_version: Option<String>,
    pid: i32,
    role_name: String,
    application_name: String,
    allowed_by: String,
    locks_estimated: Option<i64>,
    locks_held: i64,
    commands: Vec<String>,
    duration_consistent: bool,
}

fn log_rows(c: &mut Client) -> Vec<LogRow> {
    c.query(
        "SELECT kind, from_version, to_version, pid, role_name::text, application_name, allowed_by,
                locks_estimated, locks_held, commands,
                duration = finished_at - started_at AND finished_at >= started_at
         FROM promscale_upgrade_guard.upgrade_log ORDER BY started_at",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| LogRow {
        kind: r.get(0),
        from_version: r.get(1),
        to_version: r.get(2),
        pid: r.get(3),
        role_name: r.get(4),
        application_name: r.get(5),
        allowed_by: r.get(6),
        locks_estimated: r.get(7),
        locks_held: r.get(8),
        commands: r.get(9),
        duration_consistent: r.get(10),
    })
    .collect()
}

/// The rows of installs, takeovers and updates: not the baseline a guard
/// installed beside an existing promscale records (that one measured nothing).
fn updates_logged(c: &mut Client) -> Vec<LogRow> {
    log_rows(c).into_iter().filter(|r| r.kind != "install" && r.kind != "baseline").collect()
}

/// A client as `user` that keeps every NOTICE/WARNING it receives.
fn connect_with_notices(
    cluster: &Cluster,
    db: &str,
    application_name: &str,
    user: &str,
) -> (Client, Arc<Mutex<Vec<DbError>>>) {
    cluster.connect_user_with_notices(db, user, application_name)
}

fn create_role(cluster: &Cluster, role: &str, extra: &str) {
    cluster
        .connect("postgres")
        .batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {role} LOGIN {extra}; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        ))
        .unwrap();
}

fn wait_for(mut condition: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if condition() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}

// ------------------------------------------------------ connector emulator

#[test]
fn connector_takeover_in_autocommit_0_11() {
    let cluster = Cluster::shared();
    let db = legacy(cluster, "enf_takeover_011", "");
    let mut me = cluster.connect(&db);
    let mut connector = Connector::start(cluster, &db, R0_11);
    let target = connector.migrate().unwrap();
    assert_eq!(target, "0.5.4");
    let pid = connector.pid;
    connector.finish();
    assert_eq!(installed(&mut me).as_deref(), Some("0.5.4"));
    let rows = updates_logged(&mut me);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (rows[0].kind.as_str(), rows[0].from_version.as_deref(), rows[0].to_version.as_deref()),
        ("takeover", None, Some("0.0.0"))
    );
    assert_eq!(rows[0].commands, vec!["CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'".to_string()]);
    assert_eq!(
        (rows[1].kind.as_str(), rows[1].from_version.as_deref(), rows[1].to_version.as_deref()),
        ("update", Some("0.0.0"), Some("0.5.4"))
    );
    for r in &rows {
        assert_eq!(r.allowed_by, "connector_lock");
        assert_eq!((r.pid, r.application_name.as_str(), r.role_name.as_str()), (pid, "promscale@0.11.0", "postgres"));
        // Both transactions were estimated as the takeover they are part of.
        assert!(r.locks_held > 0 && r.duration_consistent && r.locks_estimated.is_some(), "{r:?}");
    }
}

#[test]
fn connector_takeover_in_autocommit_0_14_drops_the_old_extension() {
    let cluster = Cluster::shared();
    let db = legacy(cluster, "enf_takeover_014", "0.3.2");
    let mut me = cluster.connect(&db);
    assert_eq!(installed(&mut me).as_deref(), Some("0.3.2"));
    // The guard, installed after the old extension, recorded it.
    let baseline: Vec<(String, Option<String>)> =
        log_rows(&mut me).into_iter().map(|r| (r.kind, r.to_version)).collect();
    assert_eq!(baseline, vec![("baseline".to_string(), Some("0.3.2".to_string()))]);
    let mut connector = Connector::start(cluster, &db, R0_14);
    assert_eq!(connector.migrate().unwrap(), "0.6.0");
    connector.finish();
    assert_eq!(installed(&mut me).as_deref(), Some("0.6.0"));
    let rows = updates_logged(&mut me);
    let kinds: Vec<(&str, Option<&str>, Option<&str>)> =
        rows.iter().map(|r| (r.kind.as_str(), r.from_version.as_deref(), r.to_version.as_deref())).collect();
    assert_eq!(kinds, vec![("takeover", None, Some("0.0.0")), ("update", Some("0.0.0"), Some("0.6.0"))]);
}

#[test]
fn connector_takeover_in_one_transaction_0_15_plus() {
    let cluster = Cluster::shared();
    let db = legacy(cluster, "enf_takeover_017", "0.3.2");
    let mut me = cluster.connect(&db);
    let mut connector = Connector::start(cluster, &db, R0_17);
    assert_eq!(connector.migrate().unwrap(), "0.8.0");
    connector.finish();
    assert_eq!(installed(&mut me).as_deref(), Some("0.8.0"));
    let rows = updates_logged(&mut me);
    assert_eq!(rows.len(), 1, "one transaction, one row: {rows:?}");
    let r = &rows[0];
    assert_eq!(
        (r.kind.as_str(), r.from_version.as_deref(), r.to_version.as_deref()),
        ("takeover", None, Some("0.8.0"))
    );
    assert_eq!(
        r.commands,
        vec![
            "CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'".to_string(),
            "ALTER EXTENSION promscale UPDATE TO '0.8.0'".to_string()
        ]
    );
    assert_eq!((r.allowed_by.as_str(), r.application_name.as_str()), ("connector_lock", "promscale@0.17.0"));
    // The takeover holds many locks until commit; the log has them, beside
    // the estimate fail-fast made before the first command.
    assert!(r.locks_held > 300, "{r:?}");
    let estimated = r.locks_estimated.expect("estimated");
    assert!(estimated >= r.locks_held, "the estimate ({estimated}) is below the locks held ({}): {r:?}", r.locks_held);
}

#[test]
fn connector_plain_update() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_update", "0.7.0");
    let mut me = cluster.connect(&db);
    let mut connector = Connector::start(cluster, &db, R0_17);
    assert_eq!(connector.migrate().unwrap(), "0.8.0");
    connector.finish();
    assert_eq!(installed(&mut me).as_deref(), Some("0.8.0"));
    let rows = updates_logged(&mut me);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].kind.as_str(), rows[0].from_version.as_deref(), rows[0].to_version.as_deref()),
        ("update", Some("0.7.0"), Some("0.8.0"))
    );
    assert_eq!(rows[0].commands, vec!["ALTER EXTENSION promscale UPDATE TO '0.8.0'".to_string()]);
    assert_eq!(rows[0].allowed_by, "connector_lock");
}

#[test]
fn connector_fresh_install() {
    let cluster = Cluster::shared();
    let db = cluster.fresh_db("enf_fresh");
    cluster.connect(&db).batch_execute("CREATE EXTENSION timescaledb").unwrap();
    let mut me = cluster.connect(&db);
    let mut connector = Connector::start(cluster, &db, R0_17);
    assert_eq!(connector.migrate().unwrap(), "0.8.0");
    connector.finish();
    assert_eq!(installed(&mut me).as_deref(), Some("0.8.0"));
    let rows = log_rows(&mut me);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].kind.as_str(), rows[0].from_version.as_deref(), rows[0].to_version.as_deref()),
        ("install", None, Some("0.8.0"))
    );
    assert_eq!(rows[0].commands, vec!["CREATE EXTENSION IF NOT EXISTS promscale VERSION '0.8.0'".to_string()]);
    assert_eq!(rows[0].allowed_by, "connector_lock");
}

#[test]
fn failed_update_leaves_no_log_row() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_failed", "0.7.0");
    let mut me = cluster.connect(&db);
    // Extension 0.8.0 fails while a user view depends on prom_info.metric.
    me.batch_execute("CREATE VIEW public.metric_inventory AS SELECT * FROM prom_info.metric").unwrap();
    let mut connector = Connector::start(cluster, &db, R0_17);
    let e = db_error(connector.migrate());
    assert_eq!(e.code().code(), "2BP01", "{e:?}");
    connector.finish();
    assert_eq!(installed(&mut me).as_deref(), Some("0.7.0"));
    assert!(updates_logged(&mut me).is_empty());
}

/// An error inside the guard's catalog read (here a lock wait cut short by
/// lock_timeout: a second session holds pg_extension, which the guard's
/// first read needs and the block's own statements do not, even when a
/// catalog cache reset under parallel tests makes them read the catalogs
/// again; pg_namespace, locked here before, made the handler's INSERT time
/// out too now and then) must roll back the
/// guard's own internal subtransaction and leave the caller's levels alone:
/// a PL/pgSQL EXCEPTION block around the ALTER EXTENSION then rolls back
/// its own work (the row inserted inside the block) and the transaction
/// goes on and commits what it did outside the block.
#[test]
fn an_error_inside_the_guards_read_rolls_back_only_the_read() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_read_error", "0.7.0");
    let mut me = cluster.connect(&db);
    me.batch_execute("CREATE TABLE public.kept (what text)").unwrap();
    let block = "DO $$ BEGIN
                     INSERT INTO public.kept VALUES ('inside the block');
                     ALTER EXTENSION promscale UPDATE TO '0.8.0';
                 EXCEPTION WHEN OTHERS THEN
                     INSERT INTO public.kept VALUES ('caught ' || SQLSTATE);
                 END $$";
    // Once with nothing locked (refused: not the connector), so that every
    // cache this session needs outside the guard's read is warm.
    me.batch_execute(&format!("BEGIN; {block}; ROLLBACK")).unwrap();

    let mut locker = cluster.connect_as(&db, "locker");
    locker.batch_execute("BEGIN; LOCK TABLE pg_catalog.pg_extension IN ACCESS EXCLUSIVE MODE").unwrap();
    me.batch_execute("SET lock_timeout = '500ms'").unwrap();
    me.batch_execute("BEGIN; INSERT INTO public.kept VALUES ('before')").unwrap();
    me.batch_execute(block).unwrap();
    me.batch_execute("INSERT INTO public.kept VALUES ('after')").unwrap();
    let depth: i64 = me
        .query_one(
            "SELECT count(*) FROM pg_catalog.pg_locks WHERE pid = pg_backend_pid() AND locktype = 'virtualxid'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(depth, 1, "one transaction, as before the block");
    me.batch_execute("COMMIT").unwrap();
    locker.batch_execute("ROLLBACK").unwrap();

    let mut rows: Vec<String> =
        me.query("SELECT what FROM public.kept", &[]).unwrap().iter().map(|r| r.get(0)).collect();
    rows.sort();
    assert_eq!(rows, ["after", "before", "caught 55P03"], "the block's own row is rolled back, nothing else");
    // The session is still sound: the same block, unlocked, is refused as usual.
    me.batch_execute("RESET lock_timeout").unwrap();
    me.batch_execute(&format!("BEGIN; {block}; COMMIT")).unwrap();
    let caught: i64 = me.query_one("SELECT count(*) FROM public.kept WHERE what = 'caught 55000'", &[]).unwrap().get(0);
    assert_eq!(caught, 1);
    assert_eq!(installed(&mut me).as_deref(), Some("0.7.0"));
}

// ---------------------------------------------------------- bypass matrix

/// Runs `attempt` against a database at 0.7.0 and checks that it was
/// refused and changed nothing.
fn refused_and_unchanged(
    db: &str,
    what: &str,
    attempt: impl FnOnce(&Cluster, &mut Client) -> Result<(), postgres::Error>,
) -> DbError {
    let cluster = Cluster::shared();
    let mut me = cluster.connect(db);
    let before = fingerprint(&mut me);
    let mut session = cluster.connect(db);
    let e = assert_refused(attempt(cluster, &mut session));
    let mut check = cluster.connect(db);
    assert_eq!(installed(&mut check).as_deref(), Some("0.7.0"), "{what}");
    assert_eq!(fingerprint(&mut check), before, "{what}: the catalog changed");
    assert!(updates_logged(&mut check).is_empty(), "{what}");
    e
}

#[test]
fn bypass_matrix_spelling_and_forms() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_bypass_forms", "0.7.0");
    for sql in [
        "ALTER EXTENSION promscale UPDATE TO '0.8.0'",
        "ALTER EXTENSION PROMSCALE UPDATE TO '0.8.0'",
        "alter extension promscale update to '0.8.0'",
        "ALTER EXTENSION \"promscale\" UPDATE TO '0.8.0'",
        "ALTER EXTENSION promscale UPDATE",
        "ALTER EXTENSION promscale UPDATE TO \"0.8.0\"",
        "BEGIN; ALTER EXTENSION promscale UPDATE TO '0.8.0'; COMMIT",
        "SELECT 1; ALTER EXTENSION promscale UPDATE TO '0.8.0'; SELECT 2",
        "DO $$ BEGIN ALTER EXTENSION promscale UPDATE TO '0.8.0'; END $$",
        "DO $$ BEGIN EXECUTE 'ALTER EXTENSION promscale UPDATE TO ''0.8.0'''; END $$",
        "DO $$ BEGIN EXECUTE 'ALTER EXTENSION promscale UPDATE'; EXCEPTION WHEN division_by_zero THEN NULL; END $$",
    ] {
        refused_and_unchanged(&db, sql, |_, s| s.batch_execute(sql));
    }
    // A differently spelled quoted name is another extension: PostgreSQL
    // itself refuses it, and nothing changes.
    let mut me = cluster.connect(&db);
    let e = db_error(me.batch_execute("ALTER EXTENSION \"Promscale\" UPDATE TO '0.8.0'"));
    assert_eq!(e.code().code(), "42704", "{e:?}");
    assert_eq!(installed(&mut me).as_deref(), Some("0.7.0"));
}

#[test]
fn bypass_matrix_functions() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_bypass_functions", "0.7.0");
    cluster
        .connect(&db)
        .batch_execute(
            "CREATE FUNCTION public.sneaky_update(v text) RETURNS void LANGUAGE plpgsql AS $$
             BEGIN EXECUTE format('ALTER EXTENSION promscale UPDATE TO %L', v); END $$;
             CREATE FUNCTION public.definer_update() RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
             BEGIN EXECUTE 'ALTER EXTENSION promscale UPDATE'; END $$;
             CREATE PROCEDURE public.proc_update() LANGUAGE plpgsql AS $$
             BEGIN COMMIT; EXECUTE 'ALTER EXTENSION promscale UPDATE'; END $$;",
        )
        .unwrap();
    refused_and_unchanged(&db, "plpgsql EXECUTE", |_, s| s.batch_execute("SELECT public.sneaky_update('0.8.0')"));
    refused_and_unchanged(&db, "SECURITY DEFINER", |_, s| s.batch_execute("SELECT public.definer_update()"));
    refused_and_unchanged(&db, "procedure after COMMIT", |_, s| s.batch_execute("CALL public.proc_update()"));
    refused_and_unchanged(&db, "extended protocol", |_, s| {
        s.execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'", &[]).map(|_| ())
    });
}

#[test]
fn bypass_matrix_roles_and_settings() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_bypass_roles", "0.7.0");
    create_role(cluster, "enf_ext_owner", "");
    cluster
        .connect(&db)
        .batch_execute(&format!(
            "UPDATE pg_catalog.pg_extension SET extowner = 'enf_ext_owner'::regrole WHERE extname = 'promscale';
             GRANT CREATE ON DATABASE {db} TO enf_ext_owner"
        ))
        .unwrap();
    // The owner, with CREATE on the database, may update the trusted
    // extension as far as PostgreSQL is concerned; the guard refuses it (and
    // a holder of only the shared lock likewise).
    refused_and_unchanged(&db, "non-superuser owner", |cluster, _| {
        let mut owner = cluster.connect_as(&db, "psql");
        owner.batch_execute("SET ROLE enf_ext_owner").unwrap();
        owner.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'")
    });
    refused_and_unchanged(&db, "non-superuser owner login", |cluster, _| {
        let (mut owner, _) = connect_with_notices(cluster, &db, "psql", "enf_ext_owner");
        owner.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'")
    });
    let e = refused_and_unchanged(&db, "session_replication_role = replica", |_, s| {
        s.batch_execute("SET session_replication_role = replica; ALTER EXTENSION promscale UPDATE TO '0.8.0'")
    });
    assert!(e.detail().unwrap().contains("does not hold"), "{e:?}");
}

#[test]
fn bypass_matrix_advisory_locks() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_bypass_locks", "0.7.0");
    let key = CONNECTOR_KEY;

    let e = refused_and_unchanged(&db, "shared lock only", |_, s| {
        s.execute("SELECT pg_advisory_lock_shared($1)", &[&key])?;
        s.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'")
    });
    assert!(e.detail().unwrap().contains("only in shared mode"), "{e:?}");

    let e = refused_and_unchanged(&db, "transaction-level lock", |_, s| {
        s.batch_execute("BEGIN")?;
        s.execute("SELECT pg_advisory_xact_lock($1)", &[&key])?;
        s.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'")
    });
    assert!(e.detail().unwrap().contains("only at transaction level (pg_advisory_xact_lock)"), "{e:?}");

    refused_and_unchanged(&db, "pg_try_advisory_xact_lock", |_, s| {
        s.batch_execute("BEGIN")?;
        let got: bool = s.query_one("SELECT pg_try_advisory_xact_lock($1)", &[&key])?.get(0);
        assert!(got);
        s.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'")
    });

    // The same numbers as an int4 pair are another lock (objsubid 2).
    refused_and_unchanged(&db, "int4 pair", |_, s| {
        s.batch_execute("SELECT pg_advisory_lock(1300405363, 716164830)")?;
        s.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'")
    });

    // Another session holds the lease: not this one's.
    let mut holder = cluster.connect_as(&db, "promscale@0.17.0");
    holder.execute("SELECT pg_advisory_lock($1)", &[&key]).unwrap();
    let holder_pid = backend_pid(&mut holder);
    let e = refused_and_unchanged(&db, "lock held by another session", |_, s| {
        s.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'")
    });
    assert!(
        e.detail()
            .unwrap()
            .contains(&format!("Session {holder_pid} (application_name promscale@0.17.0) holds that lock now")),
        "{e:?}"
    );
    drop(holder);

    // Taking the lock at session level, then releasing it before the update.
    refused_and_unchanged(&db, "released lease", |_, s| {
        s.execute("SELECT pg_advisory_lock($1)", &[&key])?;
        s.execute("SELECT pg_advisory_unlock($1)", &[&key])?;
        s.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'")
    });
}

#[test]
fn takeover_is_refused_without_the_lease() {
    let cluster = Cluster::shared();
    let db = legacy(cluster, "enf_takeover_refused", "");
    let mut me = cluster.connect(&db);
    let before = fingerprint(&mut me);
    for sql in [
        "CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'",
        "CREATE EXTENSION promscale VERSION '0.8.0'",
        "CREATE EXTENSION promscale",
        "CREATE EXTENSION IF NOT EXISTS promscale CASCADE",
        "BEGIN; CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'; ALTER EXTENSION promscale UPDATE TO '0.8.0'; COMMIT",
        "DO $$ BEGIN EXECUTE 'CREATE EXTENSION promscale VERSION ''0.0.0'''; END $$",
    ] {
        let mut s = cluster.connect(&db);
        let e = assert_refused(s.batch_execute(sql));
        assert_eq!(e.message(), "extension \"promscale\" can only be created by the Promscale Connector in this database");
        assert!(e.detail().unwrap().contains("older than 0.11 (table public.prom_schema_migrations)"), "{e:?}");
        assert_eq!(installed(&mut me), None, "{sql}");
        assert_eq!(fingerprint(&mut me), before, "{sql}");
    }
    assert!(log_rows(&mut me).is_empty());
}

// ------------------------------------------------------------- fail-fast

/// Sessions that only look like connectors (an old connector without the
/// lease, seen by its name alone; a session queued for the key behind the
/// lease) do not make fail-fast refuse the connector: any role can be
/// either (issue 26, finding 4). The update goes on with a WARNING naming
/// them; with fail-fast off, without one.
#[test]
fn fail_fast_warns_of_sessions_that_only_look_like_connectors() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_fail_fast", "0.7.0");
    let mut me = cluster.connect(&db);
    // An old connector without lease (-startup.use-schema-version-lease=false).
    let mut old = cluster.connect_as(&db, "promscale@0.16.0");
    let old_pid = backend_pid(&mut old);
    let notices = Arc::new(Mutex::new(Vec::<DbError>::new()));
    let sink = notices.clone();
    let mut config: postgres::Config = cluster.conninfo(&db, "promscale@0.17.0").parse().unwrap();
    config.notice_callback(move |n| sink.lock().unwrap().push(n));
    let mut lease = config.connect(NoTls).unwrap();
    assert!(lease.query_one("SELECT pg_try_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap().get::<_, bool>(0));
    let pid = backend_pid(&mut lease);
    let mut connector = Connector { release: R0_17, lease, pid };

    // And a session waiting for the shared lock behind the lease.
    let waiter_info = cluster.conninfo(&db, "reader");
    let waiter = std::thread::spawn(move || {
        let mut c = Client::connect(&waiter_info, NoTls).unwrap();
        c.batch_execute("SET lock_timeout = '20s'").unwrap();
        let _ = c.execute("SELECT pg_advisory_lock_shared($1)", &[&CONNECTOR_KEY]);
    });
    assert!(wait_for(|| {
        me.query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[],
        )
        .unwrap()
        .get::<_, i64>(0)
            == 1
    }));
    connector.lease.batch_execute("BEGIN").unwrap();
    connector.lease.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap();
    let warnings: Vec<DbError> = notices.lock().unwrap().drain(..).filter(|n| n.severity() == "WARNING").collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert_eq!(
        w.message(),
        "other sessions look like Promscale Connectors but hold no connector lock; the promscale update goes on"
    );
    let detail = w.detail().unwrap();
    assert!(detail.contains(&format!("pid {old_pid} is named promscale@0.16.0 but holds no connector lock")), "{w:?}");
    assert!(detail.contains("waits for the connector lock (ShareLock, application_name reader"), "{w:?}");
    // Fail-fast off: no check, no warning.
    connector.lease.batch_execute("ROLLBACK; SET promscale_upgrade_guard.fail_fast = off").unwrap();
    assert_eq!(connector.migrate().unwrap(), "0.8.0");
    assert!(notices.lock().unwrap().iter().all(|n| n.severity() != "WARNING"), "{:?}", notices.lock().unwrap());
    connector.finish();
    waiter.join().unwrap();
    assert_eq!(installed(&mut me).as_deref(), Some("0.8.0"));
    assert_eq!(updates_logged(&mut me).len(), 1);
    drop(old);
}

// ------------------------------------------------------------ break-glass

#[test]
fn break_glass_as_superuser_warns_logs_and_records() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_break_glass", "0.7.0");
    let (mut su, notices) = connect_with_notices(cluster, &db, "enf-break-glass-superuser", "postgres");
    su.batch_execute("SET promscale_upgrade_guard.allow_manual_update = on").unwrap();
    su.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap();
    assert_eq!(installed(&mut su).as_deref(), Some("0.8.0"));
    let warning = notices.lock().unwrap().iter().find(|n| n.severity() == "WARNING").cloned().expect("a WARNING");
    assert_eq!(warning.message(), "extension \"promscale\" is being updated by hand");
    assert_eq!(warning.code().code(), "01000");
    assert!(warning.detail().unwrap().contains("from version 0.7.0 to 0.8.0"), "{warning:?}");
    let rows = updates_logged(&mut su);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].allowed_by.as_str(), rows[0].application_name.as_str()),
        ("break_glass", "enf-break-glass-superuser")
    );
    let log = cluster.server_log();
    assert!(log.contains("WARNING:  extension \"promscale\" is being updated by hand"), "server log lacks the WARNING");
    assert!(
        log.contains("by role \"postgres\"") && log.contains("application_name \"enf-break-glass-superuser\", client local) allowed by promscale_upgrade_guard.allow_manual_update"),
        "server log lacks the audit line"
    );
}

#[test]
fn refusals_are_written_to_the_server_log() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_refusal_log", "0.7.0");
    let mut me = cluster.connect_as(&db, "enf-refusal-log");
    let pid = backend_pid(&mut me);
    assert_refused(me.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'"));
    let log = cluster.server_log();
    assert!(
        log.contains(&format!(
            "promscale_upgrade_guard: \"ALTER EXTENSION promscale UPDATE TO '0.8.0'\" by role \"postgres\" (pid {pid}, application_name \"enf-refusal-log\", client local) refused (SQLSTATE 55000)"
        )),
        "no audit line in the server log"
    );
}

#[test]
fn break_glass_cannot_be_set_by_a_non_superuser() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_break_glass_nonsuper", "0.7.0");
    create_role(cluster, "enf_plain", "");
    // The owner of the trusted extension with CREATE on the database: what
    // PostgreSQL would let update it, so that the guard is what refuses.
    cluster
        .connect(&db)
        .batch_execute(&format!(
            "UPDATE pg_catalog.pg_extension SET extowner = 'enf_plain'::regrole WHERE extname = 'promscale';
             GRANT CREATE ON DATABASE {db} TO enf_plain"
        ))
        .unwrap();

    // Library already loaded in this session: SET is refused outright.
    let (mut plain, _) = connect_with_notices(cluster, &db, "psql", "enf_plain");
    plain.batch_execute("SELECT pg_catalog.count(*) FROM pg_catalog.pg_extension").unwrap();
    assert_refused(plain.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'")); // loads the library
    let e = db_error(plain.batch_execute("SET promscale_upgrade_guard.allow_manual_update = on"));
    assert_eq!(e.code().code(), "42501", "{e:?}");
    let e =
        db_error(plain.batch_execute("SELECT set_config('promscale_upgrade_guard.allow_manual_update', 'on', false)"));
    assert_eq!(e.code().code(), "42501", "{e:?}");

    // Before the library is loaded, SET makes a placeholder; when the
    // library loads, PostgreSQL re-checks it with the privileges of the role
    // that set it, drops it with a WARNING, and the guard refuses.
    let (mut early, notices) = connect_with_notices(cluster, &db, "psql", "enf_plain");
    early.batch_execute("SET promscale_upgrade_guard.allow_manual_update = on").unwrap();
    assert_refused(early.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'"));
    assert!(
        notices.lock().unwrap().iter().any(
            |n| n.message() == "permission denied to set parameter \"promscale_upgrade_guard.allow_manual_update\""
        ),
        "{:?}",
        notices.lock().unwrap()
    );
    let shown: String = early.query_one("SHOW promscale_upgrade_guard.allow_manual_update", &[]).unwrap().get(0);
    assert_eq!(shown, "off");

    // The same through the startup packet (PGOPTIONS) and with SET LOCAL.
    let mut config: postgres::Config = cluster.conninfo(&db, "psql").parse().unwrap();
    config.user("enf_plain").options("-c promscale_upgrade_guard.allow_manual_update=on");
    let mut startup = config.connect(NoTls).unwrap();
    assert_refused(startup.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'"));
    let (mut local, _) = connect_with_notices(cluster, &db, "psql", "enf_plain");
    assert_refused(local.batch_execute(
        "BEGIN; SET LOCAL promscale_upgrade_guard.allow_manual_update = on; ALTER EXTENSION promscale UPDATE TO '0.8.0'",
    ));

    // Nor can it be stored for later.
    let e = db_error(plain.batch_execute("ALTER ROLE enf_plain SET promscale_upgrade_guard.allow_manual_update = on"));
    assert_eq!(e.code().code(), "42501", "{e:?}");

    let mut check = cluster.connect(&db);
    assert_eq!(installed(&mut check).as_deref(), Some("0.7.0"));
}

#[test]
fn non_superuser_cannot_disable_or_drop_the_guard() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_nonsuper_ddl", "0.7.0");
    create_role(cluster, "enf_dbowner", "CREATEROLE CREATEDB");
    let mut su = cluster.connect(&db);
    su.batch_execute(&format!(
        "ALTER DATABASE {db} OWNER TO enf_dbowner; GRANT CREATE ON SCHEMA public TO enf_dbowner"
    ))
    .unwrap();
    let (mut owner, _) = connect_with_notices(cluster, &db, "psql", "enf_dbowner");
    for sql in [
        "ALTER EVENT TRIGGER promscale_upgrade_guard_connector_path DISABLE",
        "ALTER EVENT TRIGGER promscale_upgrade_guard_connector_path ENABLE REPLICA",
        "ALTER EVENT TRIGGER promscale_upgrade_guard_connector_path OWNER TO enf_dbowner",
        "ALTER EVENT TRIGGER promscale_upgrade_guard_connector_path RENAME TO x",
        "DROP EVENT TRIGGER promscale_upgrade_guard_connector_path",
        "DROP EXTENSION promscale_upgrade_guard",
        "DROP EXTENSION promscale_upgrade_guard CASCADE",
        "DROP SCHEMA promscale_upgrade_guard CASCADE",
        "DROP FUNCTION promscale_upgrade_guard.enforce_connector_path() CASCADE",
        "CREATE EVENT TRIGGER enf_other ON ddl_command_start EXECUTE FUNCTION promscale_upgrade_guard.enforce_connector_path()",
        "DELETE FROM promscale_upgrade_guard.upgrade_log",
    ] {
        let e = db_error(owner.batch_execute(sql));
        assert_eq!(e.code().code(), "42501", "{sql}: {e:?}");
    }
    let enabled: String = su
        .query_one(
            "SELECT evtenabled::text FROM pg_event_trigger WHERE evtname = 'promscale_upgrade_guard_connector_path'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(enabled, "A");
    // Not the extension's owner: PostgreSQL's own refusal, not the guard's.
    let e = db_error(owner.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'"));
    assert_eq!((e.code().code(), e.message()), ("42501", "must be owner of extension promscale"), "{e:?}");
}

#[test]
fn log_is_readable_by_pg_monitor_only() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_log_privileges", "0.7.0");
    create_role(cluster, "enf_monitor", "IN ROLE pg_monitor");
    create_role(cluster, "enf_nobody", "");
    let (mut monitor, _) = connect_with_notices(cluster, &db, "psql", "enf_monitor");
    let rows: i64 = monitor.query_one("SELECT count(*) FROM promscale_upgrade_guard.upgrade_log", &[]).unwrap().get(0);
    assert_eq!(rows, 1); // the fresh install
    let e = db_error(monitor.batch_execute("DELETE FROM promscale_upgrade_guard.upgrade_log"));
    assert_eq!(e.code().code(), "42501");
    let (mut nobody, _) = connect_with_notices(cluster, &db, "psql", "enf_nobody");
    let e = db_error(nobody.query("SELECT * FROM promscale_upgrade_guard.upgrade_log", &[]));
    assert_eq!(e.code().code(), "42501");
}

// ------------------------------------------- the superuser and the guard

#[test]
fn superuser_can_update_repair_and_drop_the_guard() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_superuser", "0.7.0");
    let mut su = cluster.connect(&db);
    // The guard's own extension commands pass through its trigger.
    su.batch_execute("ALTER EXTENSION promscale_upgrade_guard UPDATE").unwrap();
    // The trigger is a member of the extension: it goes with the extension.
    let e = db_error(su.batch_execute("DROP EVENT TRIGGER promscale_upgrade_guard_connector_path"));
    assert_eq!(e.code().code(), "2BP01", "{e:?}");
    // Disabling it is possible (and then it stops nothing: documented).
    su.batch_execute("ALTER EVENT TRIGGER promscale_upgrade_guard_connector_path DISABLE").unwrap();
    su.batch_execute("ALTER EVENT TRIGGER promscale_upgrade_guard_connector_path ENABLE ALWAYS").unwrap();
    assert_refused(su.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'"));
    // Other extension commands pass untouched.
    su.batch_execute(
        "CREATE FUNCTION public.enf_member() RETURNS int LANGUAGE sql AS 'SELECT 1';
         ALTER EXTENSION promscale ADD FUNCTION public.enf_member();
         ALTER EXTENSION promscale DROP FUNCTION public.enf_member();
         CREATE EXTENSION IF NOT EXISTS plpgsql;
         DROP FUNCTION public.enf_member();",
    )
    .unwrap();
    let e = db_error(su.batch_execute("ALTER EXTENSION promscale SET SCHEMA pg_catalog"));
    assert_eq!(e.code().code(), "0A000", "PostgreSQL's own error, not the guard's: {e:?}");
    // Repair: drop and create again, the log goes with it.
    su.batch_execute("DROP EXTENSION promscale_upgrade_guard").unwrap();
    let gone: i64 = su
        .query_one(
            "SELECT count(*) FROM pg_event_trigger WHERE evtname = 'promscale_upgrade_guard_connector_path'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(gone, 0);
    su.batch_execute("CREATE EXTENSION promscale_upgrade_guard").unwrap();
    assert_refused(su.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'"));
    // Dropping the guard in the update's own transaction: the update commits
    // and has nowhere to be logged; the commit does not fail.
    su.execute("SELECT pg_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap();
    su.batch_execute(
        "BEGIN; ALTER EXTENSION promscale UPDATE TO '0.8.0'; DROP EXTENSION promscale_upgrade_guard; COMMIT",
    )
    .unwrap();
    assert_eq!(installed(&mut su).as_deref(), Some("0.8.0"));
}

#[test]
fn rolled_back_updates_are_not_logged() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_rollback", "0.7.0");
    let mut su = cluster.connect(&db);
    su.execute("SELECT pg_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap();
    su.batch_execute("BEGIN; ALTER EXTENSION promscale UPDATE TO '0.8.0'; ROLLBACK").unwrap();
    su.batch_execute(
        "BEGIN; SAVEPOINT a; ALTER EXTENSION promscale UPDATE TO '0.8.0'; ROLLBACK TO SAVEPOINT a; COMMIT",
    )
    .unwrap();
    assert!(updates_logged(&mut su).is_empty());
    assert_eq!(installed(&mut su).as_deref(), Some("0.7.0"));
    // A savepoint that is released keeps its update.
    su.batch_execute("BEGIN; SAVEPOINT a; ALTER EXTENSION promscale UPDATE TO '0.8.0'; RELEASE SAVEPOINT a; COMMIT")
        .unwrap();
    let rows = updates_logged(&mut su);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].to_version.as_deref(), Some("0.8.0"));
}

#[test]
fn pg_dump_keeps_the_log() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_dump", "0.7.0");
    let dump = crate::harness::bash(&format!(
        "source scripts/env.sh && \"$PG_BIN/pg_dump\" -h '{}' -p {} -U postgres {db}",
        cluster.socket_dir, cluster.port
    ));
    assert!(dump.contains("COPY promscale_upgrade_guard.upgrade_log"), "{dump}");
    assert!(dump.contains("CREATE EXTENSION promscale VERSION '0.7.0'"), "{dump}");
}

#[test]
fn fail_fast_refuses_a_takeover_that_will_not_fit_the_lock_table() {
    // A server with a small lock table: 16 x MaxBackends entries.
    let cluster = Cluster::start(
        "it_small_locks",
        crate::harness::port(7),
        &["max_locks_per_transaction = 16", "max_connections = 10"],
    );
    let db = legacy(&cluster, "enf_small_locks", "");
    let mut me = cluster.connect(&db);
    let before = fingerprint(&mut me);
    let row =
        me.query_one("SELECT locks_needed, lock_capacity FROM promscale_upgrade_lock_estimate('0.17.0')", &[]).unwrap();
    let (needed, capacity): (i64, i64) = (row.get(0), row.get(1));
    assert!(needed > capacity, "the test needs a takeover larger than the lock table: {needed} <= {capacity}");

    let mut connector = Connector::start(&cluster, &db, R0_17);
    let e = db_error(connector.migrate());
    assert_eq!(e.code().code(), "53400", "{e:?}");
    assert_eq!(
        e.message(),
        "extension \"promscale\" cannot be created: the takeover needs more lock table entries than are free"
    );
    assert!(e.detail().unwrap().contains(&format!("about {needed} locks")), "{e:?}");
    assert!(e.detail().unwrap().contains(&format!("the lock table holds {capacity} entries")), "{e:?}");
    assert!(e.hint().unwrap().contains("ALTER SYSTEM SET max_locks_per_transaction = "), "{e:?}");
    assert_eq!(installed(&mut me), None);
    assert_eq!(fingerprint(&mut me), before);

    // With fail-fast off the guard lets the connector try; PostgreSQL's
    // lock table can borrow spare shared memory, so it may even succeed.
    connector.lease.batch_execute("SET promscale_upgrade_guard.fail_fast = off").unwrap();
    match connector.migrate() {
        Ok(v) => assert_eq!(installed(&mut me), Some(v)),
        Err(e) => assert_eq!(e.as_db_error().map(|d| d.code().code()), Some("53200"), "{e:?}"),
    }
    connector.finish();
    cluster.stop();
}

#[test]
fn rehearsal_passes_the_guard_and_can_never_commit() {
    let cluster = Cluster::shared();
    let db = promscale_at(cluster, "enf_rehearsal", "0.7.0");
    let mut su = cluster.connect(&db);
    let row = su.query_one("SELECT succeeded, error, rolled_back FROM promscale_upgrade_rehearse()", &[]).unwrap();
    let (succeeded, error, rolled_back): (bool, Option<String>, bool) = (row.get(0), row.get(1), row.get(2));
    assert!(succeeded && rolled_back, "{error:?}");
    assert_eq!(installed(&mut su).as_deref(), Some("0.7.0"));
    assert!(updates_logged(&mut su).is_empty());

    // The rehearsal's mark ends with its block: the same transaction is
    // guarded again right after.
    su.batch_execute("BEGIN").unwrap();
    su.query("SELECT * FROM promscale_upgrade_rehearse()", &[]).unwrap();
    assert_refused(su.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'"));
    su.batch_execute("ROLLBACK").unwrap();

    // By hand: not for a non-superuser...
    create_role(cluster, "enf_rehearser", "");
    let (mut plain, _) = connect_with_notices(cluster, &db, "psql", "enf_rehearser");
    let e = db_error(plain.batch_execute("SELECT promscale_upgrade_guard.begin_rehearsal()"));
    assert_eq!(e.code().code(), "42501", "{e:?}");
    // ...and what a superuser rehearses by hand cannot commit.
    for sql in [
        "BEGIN; SELECT promscale_upgrade_guard.begin_rehearsal(); ALTER EXTENSION promscale UPDATE TO '0.8.0'; COMMIT",
        "BEGIN; SAVEPOINT s; SELECT promscale_upgrade_guard.begin_rehearsal(); ALTER EXTENSION promscale UPDATE TO '0.8.0'; RELEASE SAVEPOINT s; COMMIT",
    ] {
        let mut s = cluster.connect(&db);
        let e = db_error(s.batch_execute(sql));
        assert_eq!(e.code().code(), "2D000", "{sql}: {e:?}");
        assert_eq!(installed(&mut su).as_deref(), Some("0.7.0"), "{sql}");
    }
    assert!(updates_logged(&mut su).is_empty());
}
