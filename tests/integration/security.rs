//! Attacks on the guard by roles that are not superusers (issue 16), each run
//! as the attacking role over its own client connection, each asserting that
//! the attack's effect is absent: no new superuser, sequences kept, decoy
//! objects intact, counters unchanged, PostgreSQL's own SQLSTATE.
//!
//! Every test here builds its databases and roles itself (names start with
//! `sec_`). Most share one server of this module (`server()`, port +20); the
//! attacks that need other settings (a smaller lock table, `ALTER SYSTEM`, a
//! huge server log) start servers of their own on ports +21..+24.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use postgres::error::DbError;
use postgres::Client;

use crate::connector_emulator::{Connector, R0_17};
use crate::harness::{backend_pid, check, port, Cluster, CONNECTOR_KEY};

// ---------------------------------------------------------------- helpers

/// The server most attacks share: a lock table large enough for 6,500
/// advisory locks of one session, and slots for prepared transactions.
pub(crate) fn server() -> &'static Cluster {
    static SERVER: OnceLock<Cluster> = OnceLock::new();
    SERVER.get_or_init(|| {
        let cluster =
            Cluster::start("sec_main", port(20), &["max_locks_per_transaction = 256", "max_prepared_transactions = 5"]);
        standin_roles_ready(&cluster);
        cluster
    })
}

/// The stand-in creates cluster-wide roles (prom_reader, ...) on its first
/// install; do that once per server, before tests install it in parallel
/// (and before a test measures the locks an install takes).
fn standin_roles_ready(cluster: &Cluster) {
    let db = cluster.fresh_db("sec_roles");
    cluster.connect(&db).batch_execute("CREATE EXTENSION timescaledb; CREATE EXTENSION promscale").unwrap();
}

/// A login role with no privileges beyond PUBLIC's (created once, reset to
/// a plain role if a former run made it more).
pub(crate) fn create_role(cluster: &Cluster, role: &str) {
    cluster
        .connect("postgres")
        .batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {role} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
             ALTER ROLE {role} NOSUPERUSER NOCREATEDB NOCREATEROLE"
        ))
        .unwrap();
}

/// A new, empty database without the guard.
pub(crate) fn bare_db(cluster: &Cluster, db: &str, options: &str) -> String {
    let mut admin = cluster.connect("postgres");
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {db} TEMPLATE template0 {options}")).unwrap();
    db.to_string()
}

/// A database with the guard and TimescaleDB, without promscale.
pub(crate) fn guarded_db(cluster: &Cluster, db: &str) -> String {
    let db = cluster.fresh_db(db);
    cluster.connect(&db).batch_execute("CREATE EXTENSION timescaledb").unwrap();
    db
}

/// A database with the guard, TimescaleDB and promscale at `version`,
/// installed by the superuser.
pub(crate) fn promscale_at(cluster: &Cluster, db: &str, version: &str) -> String {
    let db = guarded_db(cluster, db);
    cluster.connect(&db).batch_execute(&format!("CREATE EXTENSION promscale VERSION '{version}'")).unwrap();
    db
}

/// A pre-0.11 database (connector 0.10 schema, `prom_schema_migrations` in
/// public) with the guard and without any promscale extension.
pub(crate) fn legacy(cluster: &Cluster, db: &str) -> String {
    cluster.legacy_db(db, "", 2, 5)
}

#[track_caller]
pub(crate) fn db_error(result: Result<impl std::fmt::Debug, postgres::Error>) -> DbError {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.as_db_error().unwrap_or_else(|| panic!("not a server error: {e}")).clone(),
    }
}

pub(crate) fn installed(c: &mut Client) -> Option<String> {
    c.query_opt("SELECT extversion FROM pg_extension WHERE extname = 'promscale'", &[]).unwrap().map(|r| r.get(0))
}

pub(crate) fn is_superuser(c: &mut Client, role: &str) -> bool {
    c.query_one("SELECT rolsuper FROM pg_roles WHERE rolname = $1", &[&role]).unwrap().get(0)
}

fn exists(c: &mut Client, relation: &str) -> bool {
    c.query_one("SELECT to_regclass($1) IS NOT NULL", &[&relation]).unwrap().get(0)
}

pub(crate) fn count(c: &mut Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}

/// `promscale_upgrade_guard.refused_manual_updates` (NULL until the first refusal).
fn refusals(c: &mut Client) -> Option<i64> {
    c.query_one("SELECT pg_sequence_last_value('promscale_upgrade_guard.refused_manual_updates')", &[]).unwrap().get(0)
}

fn phase(c: &mut Client) -> String {
    c.query_one("SELECT phase FROM promscale_upgrade_state()", &[]).unwrap().get(0)
}

/// `name` as a quoted SQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[track_caller]
pub(crate) fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until backend `pid` waits for a heavyweight lock.
#[track_caller]
pub(crate) fn wait_until_blocked(c: &mut Client, pid: i32) {
    wait_for(&format!("backend {pid} to wait for a lock"), || {
        c.query_one("SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", &[&pid])
            .unwrap()
            .get::<_, i64>(0)
            == 1
    });
}

// ------------------------------------------ 1. the log writer's search_path

/// Schema `evil` with a table recording who called `evil.f()`, and
/// `evil.f()`, which records the caller, tries to make `role` a superuser and
/// to drop the superuser's table `public.su_data`, and returns true whatever
/// was allowed. Its body names no type that a planted domain could shadow.
fn plant_evil_function(c: &mut Client, role: &str) {
    c.batch_execute(&format!(
        "CREATE SCHEMA evil;
         CREATE TABLE evil.calls (who name);
         GRANT USAGE ON SCHEMA evil TO PUBLIC;
         GRANT INSERT ON evil.calls TO PUBLIC;
         CREATE FUNCTION evil.f() RETURNS boolean LANGUAGE plpgsql AS $f$
         BEGIN
             INSERT INTO evil.calls VALUES (current_user);
             BEGIN
                 ALTER ROLE {role} SUPERUSER;
             EXCEPTION WHEN OTHERS THEN NULL;
             END;
             BEGIN
                 DROP TABLE public.su_data;
             EXCEPTION WHEN OTHERS THEN NULL;
             END;
             RETURN true;
         EXCEPTION WHEN OTHERS THEN
             RETURN true;
         END $f$;"
    ))
    .unwrap();
}

/// What must hold after a planted domain met the install's log writer: the
/// attacker is no superuser, `evil.f()` never ran as anyone else, the
/// superuser's table is there, and the install was logged all the same.
/// Read in a session of its own whose search_path holds no planted type.
#[track_caller]
fn assert_not_hijacked(cluster: &Cluster, db: &str, role: &str, installer: &str) {
    let mut su = cluster.connect(db);
    su.batch_execute("SET search_path = pg_catalog, pg_temp").unwrap();
    let su = &mut su;
    assert!(!is_superuser(su, role), "{role} became a superuser: the log writer ran evil.f() as its owner");
    let foreign_calls = su
        .query_one("SELECT count(*) FROM evil.calls WHERE who <> $1::pg_catalog.name", &[&role])
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(foreign_calls, 0, "evil.f() ran as another role than {role}");
    assert!(exists(su, "public.su_data"), "evil.f() dropped the superuser's table");
    let logged = su
        .query_one(
            "SELECT count(*) FROM promscale_upgrade_guard.upgrade_log WHERE kind = 'install' AND role_name = $1::pg_catalog.name",
            &[&installer],
        )
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(logged, 1, "the install by {installer} is not in the upgrade log");
}

/// A role with CREATE on the database plants a domain `evil.text` whose
/// CHECK runs `evil.f()`, puts `evil` first in its search_path and installs
/// promscale itself (a trusted extension). The log writer, which runs at
/// commit as the log table's superuser owner in the attacker's session, must
/// not resolve `text` to the domain: the role must not become a superuser.
#[test]
fn a_domain_on_the_search_path_does_not_hijack_the_log_writer() {
    let cluster = server();
    let role = "sec_hijack_path";
    create_role(cluster, role);
    let db = guarded_db(cluster, "sec_hijack_path");
    let mut su = cluster.connect(&db);
    su.batch_execute(&format!("GRANT CREATE ON DATABASE {db} TO {role}; CREATE TABLE public.su_data (x int)")).unwrap();

    let mut attacker = cluster.connect_user(&db, role, "sec-hijack");
    plant_evil_function(&mut attacker, role);
    attacker.batch_execute("CREATE DOMAIN evil.text AS pg_catalog.text CHECK (evil.f())").unwrap();
    attacker
        .batch_execute("SET search_path = evil, pg_catalog; CREATE EXTENSION promscale")
        .unwrap_or_else(|e| panic!("the fresh install by {role} failed: {e:?}"));

    assert_not_hijacked(cluster, &db, role, role);
}

/// The same with the domain in the attacker's own temporary schema and
/// `search_path = 'pg_temp, pg_catalog'` (pg_temp listed first is searched
/// first for types).
#[test]
fn a_temporary_domain_does_not_hijack_the_log_writer() {
    let cluster = server();
    let role = "sec_hijack_temp";
    create_role(cluster, role);
    let db = guarded_db(cluster, "sec_hijack_temp");
    let mut su = cluster.connect(&db);
    su.batch_execute(&format!("GRANT CREATE ON DATABASE {db} TO {role}; CREATE TABLE public.su_data (x int)")).unwrap();

    let mut attacker = cluster.connect_user(&db, role, "sec-hijack");
    plant_evil_function(&mut attacker, role);
    attacker.batch_execute("CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (evil.f())").unwrap();
    attacker
        .batch_execute("SET search_path = pg_temp, pg_catalog; CREATE EXTENSION promscale")
        .unwrap_or_else(|e| panic!("the fresh install by {role} failed: {e:?}"));

    assert_not_hijacked(cluster, &db, role, role);
}

/// The database owner plants the domain and makes `evil` the database's
/// default search_path (ALTER DATABASE ... SET); then a superuser, in a new
/// session, installs promscale. The log writer must not run `evil.f()` as
/// the superuser: the owner stays a plain role and the superuser's table
/// stays.
#[test]
fn a_database_search_path_does_not_hijack_a_superusers_install() {
    let cluster = server();
    let role = "sec_hijack_owner";
    create_role(cluster, role);
    let db = bare_db(cluster, "sec_hijack_dbpath", &format!("OWNER {role}"));
    cluster
        .connect(&db)
        .batch_execute(
            "CREATE EXTENSION promscale_upgrade_guard; CREATE EXTENSION timescaledb; CREATE TABLE public.su_data (x int)",
        )
        .unwrap();

    let mut owner = cluster.connect_user(&db, role, "sec-hijack");
    plant_evil_function(&mut owner, role);
    owner
        .batch_execute(&format!(
            "CREATE DOMAIN evil.text AS pg_catalog.text CHECK (evil.f());
             ALTER DATABASE {db} SET search_path = evil, pg_catalog"
        ))
        .unwrap();

    let mut su = cluster.connect(&db);
    let path: String = su.query_one("SHOW search_path", &[]).unwrap().get(0);
    assert_eq!(path, "evil, pg_catalog", "the planted default applies to the superuser's session");
    su.batch_execute("CREATE EXTENSION promscale").unwrap_or_else(|e| panic!("the superuser's install failed: {e:?}"));

    drop(su);
    assert_not_hijacked(cluster, &db, role, "postgres");
}

// ---------------------------------- 2. Promscale's relations read as the caller

/// The owner of a database without promscale creates `_prom_catalog.metadata`
/// (and `_ps_catalog.migration`) as views calling `public.evil_fn()`, a
/// SECURITY INVOKER function that records its caller in `public.evil_calls`
/// (insertable by anyone) and tries to make the owner a superuser; everyone
/// may read the views. The state reads the metadata's `last_seen` whether or
/// not promscale is installed; the guard reads `_ps_catalog.migration` only
/// once promscale is installed (then it is the extension's own table), so
/// that view is there only in case a later version reads it earlier.
fn plant_promscale_views(c: &mut Client, owner: &str) {
    c.batch_execute(&format!(
        "CREATE TABLE public.evil_calls (who name);
         GRANT INSERT ON public.evil_calls TO PUBLIC;
         CREATE FUNCTION public.evil_fn() RETURNS timestamptz LANGUAGE plpgsql SECURITY INVOKER AS $f$
         BEGIN
             INSERT INTO public.evil_calls VALUES (current_user);
             BEGIN
                 ALTER ROLE {owner} SUPERUSER;
             EXCEPTION WHEN OTHERS THEN NULL;
             END;
             RETURN now();
         END $f$;
         CREATE SCHEMA _prom_catalog;
         CREATE VIEW _prom_catalog.metadata AS
             SELECT public.evil_fn() AS last_seen, 'up'::text AS metric_family, 'GAUGE'::text AS type,
                    ''::text AS unit, 'help'::text AS help;
         GRANT USAGE ON SCHEMA _prom_catalog TO PUBLIC;
         GRANT SELECT ON _prom_catalog.metadata TO PUBLIC;
         CREATE SCHEMA _ps_catalog;
         CREATE VIEW _ps_catalog.migration AS
             SELECT '001-extension.sql'::text AS name, '0.8.0'::text AS applied_at_version,
                    ''::text AS body, public.evil_fn() AS applied_at;
         GRANT USAGE ON SCHEMA _ps_catalog TO PUBLIC;
         GRANT SELECT ON _ps_catalog.migration TO PUBLIC;"
    ))
    .unwrap();
}

/// The state, the report and the metrics view, as `reader`.
fn read_monitoring(reader: &mut Client) {
    for sql in [
        "SELECT count(*) FROM promscale_upgrade_state()",
        "SELECT count(*) FROM (SELECT promscale_upgrade_report()) r",
        "SELECT count(*) FROM promscale_upgrade_metrics",
    ] {
        let n: i64 = reader.query_one(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e:?}")).get(0);
        assert_eq!(n, 1, "{sql}");
    }
}

/// A database owner's views named like Promscale's tables: a superuser
/// reading the state, the report and the metrics must not run the owner's
/// function (it would run as the superuser).
#[test]
fn promscale_views_planted_by_the_owner_do_not_run_as_a_superuser() {
    let cluster = server();
    let owner = "sec_views_owner";
    create_role(cluster, owner);
    let db = bare_db(cluster, "sec_views_su", &format!("OWNER {owner}"));
    cluster.connect(&db).batch_execute("CREATE EXTENSION promscale_upgrade_guard").unwrap();
    plant_promscale_views(&mut cluster.connect_user(&db, owner, "sec-views"), owner);

    let mut su = cluster.connect(&db);
    read_monitoring(&mut su);
    assert!(!is_superuser(&mut su, owner), "{owner} became a superuser through the guard's read of its view");
    assert_eq!(count(&mut su, "SELECT count(*) FROM public.evil_calls"), 0, "the guard ran the owner's function");
    // What it did not read, it names.
    let next: String = su.query_one("SELECT next_step FROM promscale_upgrade_state()", &[]).unwrap().get(0);
    assert!(next.contains("Not read") && next.contains("_prom_catalog.metadata (it is not a plain table)"), "{next}");
}

/// The same read by a member of pg_monitor: the owner's function must not
/// run as that role either.
#[test]
fn promscale_views_planted_by_the_owner_do_not_run_as_a_monitoring_role() {
    let cluster = server();
    let owner = "sec_views_owner2";
    let watcher = "sec_views_watcher";
    create_role(cluster, owner);
    create_role(cluster, watcher);
    cluster.connect("postgres").batch_execute(&format!("GRANT pg_monitor TO {watcher}")).unwrap();
    let db = bare_db(cluster, "sec_views_monitor", &format!("OWNER {owner}"));
    cluster.connect(&db).batch_execute("CREATE EXTENSION promscale_upgrade_guard").unwrap();
    plant_promscale_views(&mut cluster.connect_user(&db, owner, "sec-views"), owner);

    read_monitoring(&mut cluster.connect_user(&db, watcher, "sec-watcher"));
    let mut su = cluster.connect(&db);
    assert!(!is_superuser(&mut su, owner));
    let callers: Vec<String> =
        su.query("SELECT who::text FROM public.evil_calls", &[]).unwrap().iter().map(|r| r.get(0)).collect();
    assert!(callers.is_empty(), "the guard ran the owner's function as {callers:?}");
}

// --------------------------------------------------- 3. rehearsal, sequences

/// A rehearsal that waits for a lock (a second session holds ACCESS SHARE on
/// prom_info.metric, which update 0.8.0 drops) while an application role
/// advances its own sequence: when the rehearsal ends, the sequence must
/// keep its advanced value (the rehearsal puts back only what its own
/// statements advanced, never a value taken by someone else meanwhile).
#[test]
fn a_rehearsal_does_not_put_back_other_sessions_sequence_values() {
    let cluster = server();
    let app = "sec_seq_app";
    create_role(cluster, app);
    let db = promscale_at(cluster, "sec_rehearse_seq", "0.7.0");
    let mut su = cluster.connect(&db);
    su.batch_execute(&format!("CREATE SEQUENCE public.app_seq; ALTER SEQUENCE public.app_seq OWNER TO {app}")).unwrap();

    let mut locker = cluster.connect_as(&db, "sec-locker");
    locker.batch_execute("BEGIN; LOCK TABLE prom_info.metric IN ACCESS SHARE MODE").unwrap();

    let mut rehearser = cluster.connect_as(&db, "sec-rehearser");
    let rehearser_pid = backend_pid(&mut rehearser);
    let rehearsal = std::thread::spawn(move || {
        rehearser
            .query_one("SELECT succeeded, error, sequences_reset FROM promscale_upgrade_rehearse('0.17.0')", &[])
            .map(|r| (r.get::<_, bool>(0), r.get::<_, Option<String>>(1), r.get::<_, i32>(2)))
    });
    wait_until_blocked(&mut su, rehearser_pid);

    let mut application = cluster.connect_user(&db, app, "sec-app");
    let mut taken = 0;
    for _ in 0..3 {
        taken = application.query_one("SELECT nextval('public.app_seq')", &[]).unwrap().get::<_, i64>(0);
    }
    assert_eq!(taken, 3);
    locker.batch_execute("ROLLBACK").unwrap();
    let outcome = rehearsal.join().unwrap();
    let outcome = outcome.unwrap_or_else(|e| panic!("the rehearsal failed: {e:?}"));

    let row = su.query_one("SELECT last_value, is_called FROM public.app_seq", &[]).unwrap();
    let (last_value, is_called): (i64, bool) = (row.get(0), row.get(1));
    assert_eq!(
        (last_value, is_called),
        (3, true),
        "the rehearsal put app_seq back to before the application's nextval calls (rehearsal: {outcome:?})"
    );
    // The application's next value follows the ones it already handed out.
    let next: i64 = application.query_one("SELECT nextval('public.app_seq')", &[]).unwrap().get(0);
    assert_eq!(next, 4);
}

/// A rehearsal in a database with 2,000 application sequences must not
/// lock each of them: in the rehearsal's transaction, after it returned,
/// this backend holds no lock on a sequence outside Promscale's schemas.
#[test]
fn a_rehearsal_takes_no_lock_per_sequence_of_the_database() {
    let cluster = server();
    let db = promscale_at(cluster, "sec_rehearse_locks", "0.7.0");
    let mut su = cluster.connect(&db);
    su.batch_execute(
        "DO $$ BEGIN FOR i IN 1..2000 LOOP EXECUTE format('CREATE SEQUENCE public.sec_s%s', i); END LOOP; END $$",
    )
    .unwrap();

    su.batch_execute("BEGIN").unwrap();
    su.query("SELECT * FROM promscale_upgrade_rehearse('0.17.0')", &[]).unwrap();
    let locked = count(
        &mut su,
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
         WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND c.relkind = 'S'
           AND c.relnamespace NOT IN (
               SELECT d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
               WHERE e.extname = 'promscale' AND d.deptype = 'e'
                 AND d.classid = 'pg_namespace'::regclass)",
    );
    su.batch_execute("ROLLBACK").unwrap();
    assert_eq!(locked, 0, "the rehearsal's transaction holds a lock on {locked} application sequences");
}

// ------------------------------------------------------ 4. the fix's hint

/// The statements the hint of prom_info_metric_dependents prints to run.
#[track_caller]
fn statements_to_run(hint: &str) -> &str {
    let (_, statements) = hint
        .split_once("Statements to run:\n")
        .unwrap_or_else(|| panic!("the hint has no \"Statements to run:\" line:\n{hint}"));
    statements
}

/// A role with CREATE on schema public creates a table `public.victim` and
/// views on prom_info.metric named `x'); DROP TABLE public.victim; SELECT ('`
/// and `a"b;c<newline>é`. The superuser runs exactly the statements the
/// check's hint prints: they must drop the views and nothing else (the
/// names are quoted, the victim survives).
#[test]
fn the_hints_statements_run_what_they_say_for_hostile_names() {
    let cluster = server();
    let author = "sec_hint_author";
    create_role(cluster, author);
    let db = promscale_at(cluster, "sec_hint_names", "0.7.0");
    let mut su = cluster.connect(&db);
    su.batch_execute(&format!("GRANT CREATE ON SCHEMA public TO {author}; GRANT prom_reader TO {author}")).unwrap();

    let hostile = ["x'); DROP TABLE public.victim; SELECT ('", "a\"b;c\né"];
    let mut attacker = cluster.connect_user(&db, author, "sec-hint");
    attacker.batch_execute("CREATE TABLE public.victim (x int)").unwrap();
    for name in hostile {
        attacker
            .batch_execute(&format!("CREATE VIEW public.{} AS SELECT * FROM prom_info.metric", quote_ident(name)))
            .unwrap();
    }

    let found = check(&mut su, Some("0.17.0"), "prom_info_metric_dependents");
    assert_eq!(found.status, "fail", "{found:?}");
    let hint = found.hint.clone().unwrap_or_else(|| panic!("no hint: {found:?}"));
    let statements = statements_to_run(&hint);
    su.batch_execute(statements).unwrap_or_else(|e| panic!("the hint's statements fail: {e:?}\n{statements}"));

    assert!(exists(&mut su, "public.victim"), "the hint's statements dropped public.victim:\n{statements}");
    for name in hostile {
        let left: i64 = su
            .query_one(
                "SELECT count(*) FROM pg_class WHERE relname = $1 AND relnamespace = 'public'::regnamespace",
                &[&name],
            )
            .unwrap()
            .get(0);
        assert_eq!(left, 0, "the view {name:?} is still there after the hint's statements:\n{statements}");
    }
    assert_eq!(check(&mut su, Some("0.17.0"), "prom_info_metric_dependents").status, "ok");
}

/// A role with only TEMP keeps a temporary view on prom_info.metric in its
/// open session. The superuser's hint must not name it (nor any pg_temp
/// schema): another session's temporary objects are not the superuser's to
/// drop, and their names are that session's business.
#[test]
fn the_hint_does_not_list_other_sessions_temporary_objects() {
    let cluster = server();
    let role = "sec_hint_temp";
    create_role(cluster, role);
    let db = promscale_at(cluster, "sec_hint_temp", "0.7.0");
    let mut su = cluster.connect(&db);
    su.batch_execute(&format!("GRANT prom_reader TO {role}")).unwrap();

    let mut temp = cluster.connect_user(&db, role, "sec-temp");
    temp.batch_execute("CREATE TEMP VIEW v_evil AS SELECT * FROM prom_info.metric").unwrap();

    let found = check(&mut su, Some("0.17.0"), "prom_info_metric_dependents");
    let hint = found.hint.clone().unwrap_or_default();
    assert!(!hint.contains("v_evil"), "the hint names another session's temporary view: {found:?}");
    assert!(!hint.contains("pg_temp"), "the hint names another session's temporary schema: {found:?}");
    drop(temp);
}

// ------------------------------------------- 5. a poisoned learned estimate

/// A session holding 6,500 advisory locks installs promscale: the upgrade
/// log must record the locks the install took, not the session's own
/// advisory locks, or every later estimate of that path learns from the
/// inflated number. Compared with the same install in a second database
/// without the locks; the later estimate of the same path (after a DROP)
/// must not be inflated into "does not fit".
#[test]
fn advisory_locks_held_by_the_installer_do_not_poison_the_learned_estimate() {
    // A lock table of 64 x 127 entries: the 6,500 advisory locks and the
    // install fit; an estimate that learned them does not.
    let cluster =
        Cluster::start("sec_learn", port(21), &["max_locks_per_transaction = 64", "max_prepared_transactions = 5"]);
    standin_roles_ready(&cluster);
    let poisoned = guarded_db(&cluster, "sec_learn_locks");
    let clean = guarded_db(&cluster, "sec_learn_clean");

    let mut a = cluster.connect(&poisoned);
    let held: i64 =
        a.query_one("SELECT count(pg_advisory_lock(i)) FROM generate_series(1, 6500) i", &[]).unwrap().get(0);
    assert_eq!(held, 6500);
    a.batch_execute("CREATE EXTENSION promscale").unwrap();
    a.batch_execute("SELECT pg_advisory_unlock_all()").unwrap();
    let mut b = cluster.connect(&clean);
    b.batch_execute("CREATE EXTENSION promscale").unwrap();

    let logged = |c: &mut Client| -> i64 {
        c.query_one("SELECT locks_held FROM promscale_upgrade_guard.upgrade_log WHERE kind = 'install'", &[])
            .unwrap()
            .get(0)
    };
    let (held_a, held_b) = (logged(&mut a), logged(&mut b));
    assert!(
        (held_a - held_b).abs() <= 10,
        "the install with 6,500 advisory locks held logged locks_held = {held_a}, the same install without them {held_b}"
    );

    // The same path again: a fresh install, estimated from what was logged.
    let estimate = |c: &mut Client| -> (String, i64, String) {
        c.batch_execute("DROP EXTENSION promscale CASCADE").unwrap();
        let r = c.query_one("SELECT path, locks_needed, fit FROM promscale_upgrade_lock_estimate()", &[]).unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    let (path_a, needed_a, fit_a) = estimate(&mut a);
    let (path_b, needed_b, _) = estimate(&mut b);
    assert_eq!(path_a, path_b);
    assert!(
        needed_a <= needed_b + needed_b / 10,
        "{path_a}: estimated {needed_a} locks after the install with advisory locks, {needed_b} after the other"
    );
    assert_ne!(fit_a, "does_not_fit", "{path_a}: {needed_a} locks estimated");
    drop((a, b));
    cluster.stop();
}

// ------------------------------------------------ 6. anyone trips the alert

/// Lines of the server log written by the guard that mention `needle`.
fn guard_log_lines(cluster: &Cluster, needle: &str) -> Vec<String> {
    cluster
        .server_log()
        .lines()
        .filter(|l| l.contains("promscale_upgrade_guard") && l.contains(needle))
        .map(str::to_string)
        .collect()
}

/// A role that does not own promscale tries to update it: PostgreSQL's own
/// "must be owner" (42501) must answer, not the guard: the refusal counter
/// (which alerts) does not move and the server log has no guard line for it.
#[test]
fn a_role_without_privileges_gets_postgresqls_error_and_no_alert() {
    let cluster = server();
    let role = "sec_alert_plain";
    create_role(cluster, role);
    let db = promscale_at(cluster, "sec_alert_alter", "0.7.0");
    let mut su = cluster.connect(&db);
    let before = refusals(&mut su);

    let mut plain = cluster.connect_user(&db, role, "sec-alert-test");
    let e = db_error(plain.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'"));
    assert_eq!((e.code().code(), e.message()), ("42501", "must be owner of extension promscale"), "{e:?}");

    assert_eq!(refusals(&mut su), before, "the refusal counter moved");
    let lines = guard_log_lines(cluster, "sec-alert-test");
    assert!(lines.is_empty(), "the guard logged the attempt: {lines:?}");
    assert_eq!(installed(&mut su).as_deref(), Some("0.7.0"));
}

/// The same for the takeover: a role without CREATE on the database runs
/// CREATE EXTENSION promscale over a pre-0.11 schema and gets PostgreSQL's
/// "permission denied to create extension" (42501), with no alert.
#[test]
fn a_role_without_create_gets_postgresqls_error_for_the_takeover_and_no_alert() {
    let cluster = server();
    let role = "sec_alert_create";
    create_role(cluster, role);
    let db = legacy(cluster, "sec_alert_takeover");
    let mut su = cluster.connect(&db);
    let before = refusals(&mut su);

    let mut plain = cluster.connect_user(&db, role, "sec-create-alert-test");
    let e = db_error(plain.batch_execute("CREATE EXTENSION promscale"));
    assert_eq!(
        (e.code().code(), e.message()),
        ("42501", "permission denied to create extension \"promscale\""),
        "{e:?}"
    );

    assert_eq!(refusals(&mut su), before, "the refusal counter moved");
    let lines = guard_log_lines(cluster, "sec-create-alert-test");
    assert!(lines.is_empty(), "the guard logged the attempt: {lines:?}");
    assert_eq!(installed(&mut su), None);
}

// ---------------------------------- 7. a temporary table fakes a legacy schema

/// A plain role keeps a session with a temporary table named
/// prom_schema_migrations: the database must not look like a pre-0.11 one
/// (which would block every install as a takeover).
#[test]
fn a_temporary_table_does_not_make_a_legacy_database() {
    let cluster = server();
    let role = "sec_fake_legacy";
    create_role(cluster, role);
    let db = guarded_db(cluster, "sec_fake_legacy");
    let mut temp = cluster.connect_user(&db, role, "sec-temp");
    temp.batch_execute("CREATE TEMP TABLE prom_schema_migrations (version text)").unwrap();

    let mut su = cluster.connect(&db);
    assert_ne!(phase(&mut su), "legacy_pre_0_11");
    su.batch_execute("CREATE EXTENSION promscale").unwrap_or_else(|e| panic!("the fresh install was refused: {e:?}"));
    assert_eq!(installed(&mut su).as_deref(), Some("0.8.0"));
    drop(temp);
}

// ------------------------------------------------------ 8. settings, schema, encoding

/// A database owner stores a lock margin of 1000% for everyone (ALTER
/// DATABASE ... SET) or sets it in its own session, once the library is
/// loaded: both refused (42501), nothing stored.
#[test]
fn a_database_owner_cannot_set_the_lock_margin() {
    let cluster = server();
    let owner = "sec_margin_owner";
    create_role(cluster, owner);
    cluster.connect("postgres").batch_execute(&format!("GRANT pg_monitor TO {owner}")).unwrap();
    let db = bare_db(cluster, "sec_margin", &format!("OWNER {owner}"));
    cluster.connect(&db).batch_execute("CREATE EXTENSION promscale_upgrade_guard").unwrap();

    let mut c = cluster.connect_user(&db, owner, "sec-margin");
    c.query_one("SELECT promscale_upgrade_ready()", &[]).unwrap();
    let defined =
        count(&mut c, "SELECT count(*) FROM pg_settings WHERE name = 'promscale_upgrade_guard.lock_margin_percent'");
    assert_eq!(defined, 1, "the guard's library is not loaded in this session");

    let e = db_error(
        c.batch_execute(&format!("ALTER DATABASE {db} SET promscale_upgrade_guard.lock_margin_percent = 1000")),
    );
    assert_eq!(e.code().code(), "42501", "{e:?}");
    let e = db_error(c.batch_execute("SET promscale_upgrade_guard.lock_margin_percent = 1000"));
    assert_eq!(e.code().code(), "42501", "{e:?}");

    let mut su = cluster.connect(&db);
    let stored = count(
        &mut su,
        "SELECT count(*) FROM pg_db_role_setting s, unnest(s.setconfig) c
         WHERE c LIKE 'promscale_upgrade_guard.%'",
    );
    assert_eq!(stored, 0, "a setting of the guard was stored");
}

/// A role with CREATE on the database creates schema promscale_upgrade_guard
/// (and a table in it) before the guard is installed: a superuser's CREATE
/// EXTENSION promscale_upgrade_guard must then fail (42501), creating
/// nothing, rather than put the upgrade log into a schema the role owns.
#[test]
fn a_pre_created_guard_schema_is_refused() {
    let cluster = server();
    let role = "sec_schema_squatter";
    create_role(cluster, role);
    let db = bare_db(cluster, "sec_guard_schema", "");
    let mut su = cluster.connect(&db);
    su.batch_execute(&format!("GRANT CREATE ON DATABASE {db} TO {role}")).unwrap();
    cluster
        .connect_user(&db, role, "sec-squatter")
        .batch_execute("CREATE SCHEMA promscale_upgrade_guard; CREATE TABLE promscale_upgrade_guard.decoy (x int)")
        .unwrap();

    let e = db_error(su.batch_execute("CREATE EXTENSION promscale_upgrade_guard SCHEMA promscale_upgrade_guard"));
    assert_eq!(e.code().code(), "42501", "{e:?}");
    assert_eq!(count(&mut su, "SELECT count(*) FROM pg_extension WHERE extname = 'promscale_upgrade_guard'"), 0);
    assert_eq!(count(&mut su, "SELECT count(*) FROM pg_event_trigger"), 0);
    assert!(exists(&mut su, "promscale_upgrade_guard.decoy"), "the decoy is gone");
    let tables =
        count(&mut su, "SELECT count(*) FROM pg_class WHERE relnamespace = 'promscale_upgrade_guard'::regnamespace");
    assert_eq!(tables, 1, "the guard created objects in the squatted schema");
}

/// Text in an SQL_ASCII database is any bytes: a target and a view name of
/// invalid UTF-8 must give a proper error (22023 or 22021) or a proper
/// result, never a Rust panic with its backtrace.
#[test]
fn invalid_utf8_in_an_sql_ascii_database_never_panics() {
    const RUST_INTERNALS: [&str; 4] = ["backtrace", "panicked", ".rs:", "rust_"];
    fn clean(what: &str, text: &str) {
        for bad in RUST_INTERNALS {
            assert!(!text.contains(bad), "{what} contains {bad:?}:\n{text}");
        }
    }
    /// Every text column read as bytes (textsend: a cast to bytea would read
    /// the backslashes of the JSON as escapes), or the error.
    fn outcome(what: &str, result: Result<Vec<postgres::Row>, postgres::Error>) {
        match result {
            Ok(rows) => {
                for row in rows {
                    for i in 0..row.len() {
                        let bytes: Option<Vec<u8>> = row.get(i);
                        clean(what, &String::from_utf8_lossy(&bytes.unwrap_or_default()));
                    }
                }
            }
            Err(e) => {
                let db = e.as_db_error().unwrap_or_else(|| panic!("{what}: not a server error: {e}"));
                clean(what, db.message());
                clean(what, db.detail().unwrap_or_default());
                clean(what, db.hint().unwrap_or_default());
                assert!(["22023", "22021"].contains(&db.code().code()), "{what}: {db:?}");
            }
        }
    }

    let cluster = server();
    let db = bare_db(cluster, "sec_sql_ascii", "ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'");
    let mut su = cluster.connect(&db);
    su.batch_execute(
        "CREATE EXTENSION promscale_upgrade_guard; CREATE EXTENSION timescaledb; CREATE EXTENSION promscale VERSION '0.7.0'",
    )
    .unwrap();

    outcome(
        "promscale_upgrade_checks(<ff fe>)",
        su.query(
            r"SELECT textsend(check_name), textsend(status), textsend(detail), textsend(hint)
              FROM promscale_upgrade_checks(convert_from('\xfffe'::bytea, 'SQL_ASCII'))",
            &[],
        ),
    );
    su.batch_execute(
        r"DO $$ BEGIN
              EXECUTE format('CREATE VIEW public.%I AS SELECT * FROM prom_info.metric',
                             convert_from('\x7365635fff fe'::bytea, 'SQL_ASCII'));
          END $$",
    )
    .unwrap();
    outcome(
        "promscale_upgrade_checks('0.17.0')",
        su.query(
            "SELECT textsend(check_name), textsend(status), textsend(detail), textsend(hint) FROM promscale_upgrade_checks('0.17.0')",
            &[],
        ),
    );
    outcome("promscale_upgrade_report()", su.query("SELECT textsend(promscale_upgrade_report()::text)", &[]));
    outcome("promscale_upgrade_state()", su.query("SELECT textsend(s::text) FROM promscale_upgrade_state() s", &[]));
}

// ------------------------------------------- 9. allowed updates leave a trace

/// The connector emulator's lease connection, as `role` instead of the
/// superuser (the emulator's own `start` connects as postgres).
pub(crate) fn connector_as(cluster: &Cluster, db: &str, role: &str) -> Connector {
    let mut lease = cluster.connect_user(db, role, &format!("promscale@{}", R0_17.version));
    let locked: bool = lease.query_one("SELECT pg_try_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap().get(0);
    assert!(locked, "the connector's lock is taken");
    let pid = backend_pid(&mut lease);
    Connector { release: R0_17, lease, pid }
}

/// A connector (its own role, which installed promscale) updates the
/// extension: the server log must have a line of the guard saying the
/// update was allowed, naming the role, the pid and the connector's lock.
#[test]
fn an_allowed_update_is_written_to_the_server_log() {
    let cluster = server();
    let role = "sec_conn_logged";
    create_role(cluster, role);
    let db = guarded_db(cluster, "sec_allowed_log");
    cluster.connect(&db).batch_execute(&format!("GRANT CREATE ON DATABASE {db} TO {role}")).unwrap();
    cluster.connect_user(&db, role, "sec-install").batch_execute("CREATE EXTENSION promscale VERSION '0.7.0'").unwrap();

    let mut connector = connector_as(cluster, &db, role);
    let pid = connector.pid;
    assert_eq!(connector.migrate().unwrap(), "0.8.0");
    connector.finish();
    assert_eq!(installed(&mut cluster.connect(&db)).as_deref(), Some("0.8.0"));

    let log = cluster.server_log();
    let line = log.lines().find(|l| {
        l.contains("promscale_upgrade_guard")
            && l.contains("allowed")
            && l.contains(&pid.to_string())
            && l.contains(role)
            && l.contains("connector")
    });
    assert!(line.is_some(), "no server log line of the guard for the update by {role} (pid {pid})");
    assert!(line.unwrap().contains("promscale@0.17.0"), "{line:?}");
}

/// `promscale_upgrade_guard.connector_roles` (set by a superuser with ALTER
/// SYSTEM) restricts which roles may update with the lock: another role
/// that owns promscale and holds the lock is refused (55000), the named role
/// is allowed, and a non-superuser cannot change the setting (42501).
#[test]
fn connector_roles_limits_who_may_update_with_the_lock() {
    let cluster = Cluster::start("sec_conn_roles", port(22), &[]);
    standin_roles_ready(&cluster);
    let (ok, other) = ("sec_conn_ok", "sec_conn_other");
    create_role(&cluster, ok);
    create_role(&cluster, other);
    // Each role installs promscale (a trusted extension) in a database of its
    // own and so owns it there.
    let install_as = |role: &str, db: &str| -> String {
        let db = guarded_db(&cluster, db);
        cluster.connect(&db).batch_execute(&format!("GRANT CREATE ON DATABASE {db} TO {role}")).unwrap();
        cluster
            .connect_user(&db, role, "sec-install")
            .batch_execute("CREATE EXTENSION promscale VERSION '0.7.0'")
            .unwrap();
        db
    };
    let db_ok = install_as(ok, "sec_conn_roles_ok");
    let db_other = install_as(other, "sec_conn_roles_other");

    // PostgreSQL 15's ALTER SYSTEM accepts only settings this session knows:
    // load the guard's library first.
    let mut admin = cluster.connect(&db_ok);
    admin.query_one("SELECT promscale_upgrade_ready()", &[]).unwrap();
    admin
        .batch_execute(&format!("ALTER SYSTEM SET promscale_upgrade_guard.connector_roles = '{ok}'"))
        .unwrap_or_else(|e| panic!("ALTER SYSTEM SET promscale_upgrade_guard.connector_roles: {e:?}"));
    admin.batch_execute("SELECT pg_reload_conf()").unwrap();
    std::thread::sleep(Duration::from_millis(500));

    let update_with_lock = |role: &str, db: &str| -> Result<(), postgres::Error> {
        let mut c = cluster.connect_user(db, role, "promscale@0.17.0");
        let locked: bool = c.query_one("SELECT pg_try_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap().get(0);
        assert!(locked);
        c.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'")
    };
    let e = db_error(update_with_lock(other, &db_other));
    assert_eq!(e.code().code(), "55000", "{e:?}");
    assert_eq!(installed(&mut cluster.connect(&db_other)).as_deref(), Some("0.7.0"));
    update_with_lock(ok, &db_ok).unwrap_or_else(|e| panic!("{ok} was refused: {e:?}"));
    assert_eq!(installed(&mut cluster.connect(&db_ok)).as_deref(), Some("0.8.0"));

    let mut plain = cluster.connect_user(&db_other, other, "sec-set");
    plain.query_one("SELECT count(*) FROM pg_extension", &[]).unwrap();
    let _ = plain.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'"); // loads the library
    let e = db_error(plain.batch_execute("SET promscale_upgrade_guard.connector_roles = ''"));
    assert_eq!(e.code().code(), "42501", "{e:?}");

    admin.batch_execute("ALTER SYSTEM RESET promscale_upgrade_guard.connector_roles").unwrap();
    admin.batch_execute("SELECT pg_reload_conf()").unwrap();
    drop((admin, plain));
    cluster.stop();
}

// --------------------------------------------- 10. a plain role's huge string

/// A plain role sends ALTER EXTENSION promscale UPDATE TO a 20 MB string:
/// PostgreSQL's own "must be owner" answers; the server did not restart and
/// the session still works.
#[test]
fn a_huge_version_string_from_a_plain_role_gets_postgresqls_error() {
    // Its own server: every message about the command would copy 20 MB into
    // the server log the other tests read.
    let cluster = Cluster::start("sec_huge", port(24), &[]);
    standin_roles_ready(&cluster);
    let role = "sec_huge_plain";
    create_role(&cluster, role);
    let db = promscale_at(&cluster, "sec_huge", "0.7.0");
    let mut su = cluster.connect(&db);
    let started: String = su.query_one("SELECT pg_postmaster_start_time()::text", &[]).unwrap().get(0);

    let mut plain = cluster.connect_user(&db, role, "sec-huge");
    let huge = "9".repeat(20 * 1024 * 1024);
    let e = db_error(plain.batch_execute(&format!("ALTER EXTENSION promscale UPDATE TO '{huge}'")));
    assert_eq!(
        (e.code().code(), e.message()),
        ("42501", "must be owner of extension promscale"),
        "{:.300}",
        format!("{e:?}")
    );

    let mut su = cluster.connect(&db);
    let now: String = su.query_one("SELECT pg_postmaster_start_time()::text", &[]).unwrap().get(0);
    assert_eq!(now, started, "the server restarted");
    let one: i32 = plain.query_one("SELECT 1", &[]).unwrap().get(0);
    assert_eq!(one, 1);
    drop((su, plain));
    cluster.stop();
}

// --------------------------------------------- 11. vanishing temporary objects

/// A TEMP-only role creates and drops a temporary view on prom_info.metric
/// in a loop while a superuser runs the checks 50 times: an object that
/// vanishes between the guard's reads must not make a call fail. (The view
/// goes with DISCARD TEMP: the TimescaleDB stand-in's sql_drop trigger
/// refuses a DROP by a role that cannot write its catalog.)
#[test]
fn vanishing_temporary_objects_do_not_break_the_checks() {
    let cluster = server();
    let role = "sec_vanish";
    create_role(cluster, role);
    let db = promscale_at(cluster, "sec_vanish", "0.7.0");
    let mut su = cluster.connect(&db);
    su.batch_execute(&format!("GRANT prom_reader TO {role}")).unwrap();

    let mut churner = cluster.connect_user(&db, role, "sec-vanish");
    let stop = Arc::new(AtomicBool::new(false));
    // Each statement commits on its own, so that other sessions see the view
    // come and go. Returns the number of cycles, or the first error.
    let churn = {
        let stop = stop.clone();
        std::thread::spawn(move || -> Result<usize, postgres::Error> {
            let until = Instant::now() + Duration::from_secs(3);
            let mut cycles = 0;
            while !stop.load(Ordering::Relaxed) || Instant::now() < until {
                churner.batch_execute("CREATE TEMP VIEW v AS SELECT * FROM prom_info.metric")?;
                churner.batch_execute("DISCARD TEMP")?;
                cycles += 1;
            }
            Ok(cycles)
        })
    };
    let mut failures = Vec::new();
    for _ in 0..50 {
        if let Err(e) = su.query_one("SELECT count(*) FROM promscale_upgrade_checks('0.17.0')", &[]) {
            failures.push(format!("{e:?}"));
        }
    }
    stop.store(true, Ordering::Relaxed);
    let cycles = churn.join().unwrap().unwrap_or_else(|e| panic!("the temporary view's loop failed: {e:?}"));
    assert!(cycles > 0);
    assert!(failures.is_empty(), "{} of 50 calls failed ({cycles} views came and went): {failures:?}", failures.len());
}

// ----------------------------- 12. fail-fast and other people's advisory locks

/// A plain role holds so many advisory locks that the connector's update no
/// longer fits the lock table minus the entries in use, though it fits the
/// empty table. Fail-fast (on) must not refuse the connector for locks a
/// stranger holds: the update runs and succeeds.
#[test]
fn other_roles_advisory_locks_do_not_make_fail_fast_refuse_the_connector() {
    let cluster = Cluster::start("sec_fit", port(23), &["max_connections = 20"]);
    standin_roles_ready(&cluster);
    let role = "sec_lock_hoarder";
    create_role(&cluster, role);
    let db = promscale_at(&cluster, "sec_fit", "0.7.0");
    let mut su = cluster.connect(&db);
    let row = su
        .query_one(
            "SELECT locks_needed, lock_capacity, locks_in_use FROM promscale_upgrade_lock_estimate('0.17.0')",
            &[],
        )
        .unwrap();
    let (needed, capacity, in_use): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    // Just enough that the update no longer fits what is left.
    let hoard = capacity - in_use - needed + 20;
    assert!(hoard > 0 && needed < capacity, "needed {needed}, capacity {capacity}, in use {in_use}");

    let mut hoarder = cluster.connect_user(&db, role, "sec-hoarder");
    let hoarder_pid = backend_pid(&mut hoarder);
    let taken: i64 = hoarder
        .query_one("SELECT count(pg_advisory_lock(i)) FROM generate_series(1, $1::int8) i", &[&hoard])
        .unwrap()
        .get(0);
    assert_eq!(taken, hoard);

    let (mut lease, notices) = cluster.connect_user_with_notices(&db, "postgres", "promscale@0.17.0");
    let pid = backend_pid(&mut lease);
    let mut connector = Connector { release: R0_17, lease, pid };
    let locked: bool = connector.lease.query_one("SELECT pg_try_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap().get(0);
    assert!(locked);
    let result = connector.migrate();
    let warnings: Vec<String> = notices.lock().unwrap().iter().map(|n| format!("{n:?}")).collect();
    assert_eq!(
        result.unwrap_or_else(|e| panic!(
            "the connector was refused for the advisory locks of pid {hoarder_pid} \
             (needed {needed}, capacity {capacity}, {hoard} held by that role): {e:?}; notices: {warnings:?}"
        )),
        "0.8.0"
    );
    connector.finish();
    assert_eq!(installed(&mut su).as_deref(), Some("0.8.0"));
    drop((su, hoarder));
    cluster.stop();
}

// ----------------------------------------------- 13. reinstall at another version

/// A superuser without the lock drops promscale and creates another version
/// in the same transaction: that is an update by other means, refused
/// (55000), 0.7.0 stays.
#[test]
fn drop_and_create_at_another_version_in_one_transaction_is_refused() {
    let cluster = server();
    let db = promscale_at(cluster, "sec_reinstall_tx", "0.7.0");
    let mut su = cluster.connect(&db);
    let result =
        su.batch_execute("BEGIN; DROP EXTENSION promscale CASCADE; CREATE EXTENSION promscale VERSION '0.8.0'; COMMIT");
    let _ = su.batch_execute("ROLLBACK");
    let e = db_error(result);
    assert_eq!(e.code().code(), "55000", "{e:?}");
    assert_eq!(installed(&mut su).as_deref(), Some("0.7.0"));
}

/// The same in separate transactions of one session (as pg_restore --clean
/// would run them): the DROP passes, the CREATE of another version is
/// refused (55000), the CREATE of the version dropped passes; and the same
/// across sessions.
#[test]
fn drop_then_create_at_another_version_in_one_session_is_refused() {
    let cluster = server();
    let db = promscale_at(cluster, "sec_reinstall_session", "0.7.0");
    let mut su = cluster.connect(&db);
    su.batch_execute("DROP EXTENSION promscale CASCADE").unwrap();
    let e = db_error(su.batch_execute("CREATE EXTENSION promscale VERSION '0.8.0'"));
    assert_eq!(e.code().code(), "55000", "{e:?}");
    assert_eq!(installed(&mut su), None);
    su.batch_execute("CREATE EXTENSION promscale VERSION '0.7.0'").unwrap();
    assert_eq!(installed(&mut su).as_deref(), Some("0.7.0"));
    // Nor in another session, by the owner of promscale who is no superuser
    // and cannot read the upgrade log: the guard reads it as the log's owner.
    let owner = "sec_reinstall_owner";
    create_role(cluster, owner);
    su.batch_execute(&format!("DROP EXTENSION promscale CASCADE; GRANT CREATE ON DATABASE {db} TO {owner}")).unwrap();
    let mut other = cluster.connect_user(&db, owner, "sec-reinstall");
    let e = db_error(other.batch_execute("CREATE EXTENSION promscale VERSION '0.8.0'"));
    assert_eq!(e.code().code(), "55000", "{e:?}");
    other.batch_execute("CREATE EXTENSION promscale VERSION '0.7.0'").unwrap();
    assert_eq!(installed(&mut su).as_deref(), Some("0.7.0"));
}

// ------------------------------- 14. a prepared transaction holding the key

/// Rolls back a prepared transaction when dropped (also when a test fails).
struct Prepared<'a> {
    cluster: &'a Cluster,
    db: String,
    gid: &'static str,
}

impl Drop for Prepared<'_> {
    fn drop(&mut self) {
        let _ = self.cluster.connect(&self.db).batch_execute(&format!("ROLLBACK PREPARED '{}'", self.gid));
    }
}

/// A prepared transaction holds the connector's key in shared mode, as a
/// running connector does, and has no backend: connectors_stopped must
/// fail and name it.
#[test]
fn a_prepared_transaction_holding_the_connector_key_is_reported() {
    let cluster = server();
    let db = promscale_at(cluster, "sec_prepared", "0.7.0");
    let mut session = cluster.connect(&db);
    session
        .batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock_shared({CONNECTOR_KEY}); PREPARE TRANSACTION 'sec_stuck'"
        ))
        .unwrap();
    let _prepared = Prepared { cluster, db: db.clone(), gid: "sec_stuck" };

    let mut su = cluster.connect(&db);
    let found = check(&mut su, None, "connectors_stopped");
    assert_eq!(found.status, "fail", "{found:?}");
    assert!(found.detail.contains("sec_stuck"), "{found:?}");
}

// --------------------------------------------------- 15. faked and hidden upgrades

/// A plain role's statement that only mentions ALTER EXTENSION promscale
/// UPDATE in a comment is no upgrade.
#[test]
fn a_comment_does_not_fake_an_upgrade() {
    let cluster = server();
    let role = "sec_faker";
    create_role(cluster, role);
    let db = promscale_at(cluster, "sec_fake_upgrade", "0.7.0");
    let mut faker = cluster.connect_user(&db, role, "sec-faker");
    let faker_pid = backend_pid(&mut faker);
    let sleeper =
        std::thread::spawn(move || faker.batch_execute("SELECT pg_sleep(4) /* alter extension promscale update */"));

    let mut su = cluster.connect(&db);
    wait_for("the faker's statement to run", || {
        su.query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND query LIKE '%pg_sleep(4)%'",
            &[&faker_pid],
        )
        .unwrap()
        .get::<_, i64>(0)
            == 1
    });
    let seen = phase(&mut su);
    sleeper.join().unwrap().unwrap();
    assert_ne!(seen, "upgrading", "a comment in a plain role's statement made the state say upgrading");
}

/// The connector updates in a transaction and then runs another statement,
/// staying idle in that transaction: the upgrade is still open (its locks
/// are held), and the state must say so until it commits.
#[test]
fn an_open_upgrade_transaction_is_seen_after_its_next_statement() {
    let cluster = server();
    let db = promscale_at(cluster, "sec_hidden_upgrade", "0.7.0");
    let mut su = cluster.connect(&db);
    let mut connector = Connector::start(cluster, &db, R0_17);
    connector.lease.batch_execute("BEGIN").unwrap();
    connector.lease.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap();
    connector.lease.batch_execute("SELECT 1").unwrap();

    let during = phase(&mut su);
    connector.lease.batch_execute("COMMIT").unwrap();
    let after = phase(&mut su);
    connector.finish();
    assert_eq!(during, "upgrading", "the open upgrade transaction is not seen once it ran another statement");
    assert_ne!(after, "upgrading");
}

// -------------------------------------------- 16. audit lines cannot forge lines

/// A version string with a newline and a fake log prefix: the guard's audit
/// line must keep it on its own line (escaped), so that no line of the server
/// log begins with the forged text. Every line that holds the text is the
/// first line of a real entry (it starts with the log_line_prefix
/// timestamp): the guard's audit line, the refusal's DETAIL (which quotes
/// the command), or PostgreSQL's own STATEMENT echo of the client's text
/// (where the newline is still the two characters \n). (PostgreSQL indents
/// the continuation lines of a message with a tab; a line holding the text
/// after that tab is a forged line all the same to a reader or a parser
/// that trims it.)
#[test]
fn audit_lines_cannot_forge_log_lines() {
    let cluster = server();
    let db = promscale_at(cluster, "sec_forge", "0.7.0");
    let mut su = cluster.connect_as(&db, "sec-forger");
    let e = db_error(su.batch_execute(r"ALTER EXTENSION promscale UPDATE TO E'0.8.0\nLOG:  forged by sec'"));
    assert_eq!(e.code().code(), "55000", "{e:?}");

    let log = cluster.server_log();
    let holding: Vec<&str> = log.lines().filter(|l| l.contains("forged by sec")).collect();
    assert!(
        holding.iter().any(|l| l.contains("promscale_upgrade_guard") && l.contains("refused")),
        "no audit line of the refusal holds the text on its line: {holding:#?}"
    );
    for line in &holding {
        assert!(!line.starts_with("LOG:  forged by sec"), "a forged line: {line:?}");
        assert!(
            line.starts_with(|c: char| c.is_ascii_digit()),
            "the text begins a line of its own, not part of a real entry: {line:?}\nall: {holding:#?}"
        );
    }
}

// ------------------------------------- every entry point, hostile names

/// Plants, in schema `evil` (made by `plant_evil_function`), a domain for
/// each type the guard's SQL names and an operator for each operator it
/// uses, every one of them calling `evil.f()`: wherever the guard's SQL
/// resolved a type or an operator through the caller's search_path, the
/// attacker's code would run as the caller.
fn plant_hostile_names(c: &mut Client) {
    let mut sql = String::new();
    for t in ["text", "int8", "int4", "oid", "name", "bool", "float8", "regclass", "timestamptz", "jsonb"] {
        sql.push_str(&format!("CREATE DOMAIN evil.{t} AS pg_catalog.{t} CHECK (evil.f());\n"));
    }
    for (op, t) in [("=", "text"), ("=", "name"), ("=", "oid"), ("=", "int8"), ("<>", "text"), ("||", "text")] {
        let f = format!(
            "evil.op_{}_{t}",
            if op == "||" {
                "cat"
            } else if op == "=" {
                "eq"
            } else {
                "ne"
            }
        );
        let body = format!("a OPERATOR(pg_catalog.{op}) b");
        let ret = if op == "||" { "pg_catalog.text" } else { "pg_catalog.bool" };
        sql.push_str(&format!(
            "CREATE FUNCTION {f}(a pg_catalog.{t}, b pg_catalog.{t}) RETURNS {ret} LANGUAGE plpgsql AS
                 $op$ BEGIN PERFORM evil.f(); RETURN {body}; END $op$;
             CREATE OPERATOR evil.{op} (LEFTARG = pg_catalog.{t}, RIGHTARG = pg_catalog.{t}, FUNCTION = {f});\n"
        ));
    }
    c.batch_execute(&sql).unwrap_or_else(|e| panic!("planting hostile names: {e:?}"));
}

/// The connector's role (it installed promscale, a trusted extension, and
/// so owns it) plants a domain and an operator of its own for every type
/// and operator the guard's SQL uses, and puts its schema first on its own
/// search_path and, with `ALTER ROLE ... SET`, on the superuser's. Every
/// entry point then runs: the superuser calls each report, the metrics view
/// and the rehearsal; the connector updates promscale with its lock (the
/// commit-time log write). The attacker's code must never run as anyone
/// else, and every entry point must answer as it does without the names.
#[test]
fn hostile_types_and_operators_on_the_search_path_reach_no_entry_point() {
    let cluster = server();
    let role = "sec_hostile_names";
    create_role(cluster, role);
    let db = guarded_db(cluster, "sec_hostile_names");
    let mut su = cluster.connect(&db);
    su.batch_execute(&format!("GRANT CREATE ON DATABASE {db} TO {role}; CREATE TABLE public.su_data (x int)")).unwrap();
    cluster.connect_user(&db, role, "sec-install").batch_execute("CREATE EXTENSION promscale VERSION '0.7.0'").unwrap();
    let entry_points = [
        "SELECT count(*) FROM public.promscale_upgrade_checks('0.17.0')",
        "SELECT count(*) FROM (SELECT public.promscale_upgrade_ready('0.17.0')) r",
        "SELECT count(*) FROM public.promscale_upgrade_lock_estimate('0.17.0')",
        "SELECT count(*) FROM public.promscale_upgrade_state()",
        "SELECT count(*) FROM (SELECT public.promscale_upgrade_report('0.17.0')) r",
        "SELECT count(*) FROM public.promscale_upgrade_metrics",
        "SELECT count(*) FROM public.promscale_upgrade_requirements()",
        "SELECT count(*) FROM public.promscale_upgrade_rehearse('0.17.0')",
    ];
    let clean: Vec<i64> = entry_points.iter().map(|q| count(&mut su, q)).collect();

    let mut attacker = cluster.connect_user(&db, role, "sec-hostile");
    plant_evil_function(&mut attacker, role);
    plant_hostile_names(&mut attacker);
    su.batch_execute(&format!("ALTER ROLE postgres IN DATABASE {db} SET search_path = evil, pg_catalog")).unwrap();
    let mut victim = cluster.connect(&db);
    let shown: String = victim.query_one("SHOW search_path", &[]).unwrap().get(0);
    assert_eq!(shown, "evil, pg_catalog");
    for (q, expected) in entry_points.iter().zip(&clean) {
        let got: i64 = victim.query_one(*q, &[]).unwrap_or_else(|e| panic!("{q}: {e:?}")).get(0);
        assert_eq!(got, *expected, "{q}");
    }
    // The connector's own update under the same names: the log is written
    // at commit as its superuser owner.
    let mut connector = connector_as(cluster, &db, role);
    connector.lease.batch_execute("SET search_path = evil, pg_catalog").unwrap();
    assert_eq!(connector.migrate().unwrap(), "0.8.0");
    connector.finish();

    su.batch_execute(&format!("ALTER ROLE postgres IN DATABASE {db} RESET search_path")).unwrap();
    let mut check = cluster.connect(&db);
    check.batch_execute("SET search_path = pg_catalog, pg_temp").unwrap();
    assert!(!is_superuser(&mut check, role), "{role} became a superuser");
    assert!(exists(&mut check, "public.su_data"), "evil.f() dropped the superuser's table");
    let foreign =
        count(&mut check, &format!("SELECT count(*) FROM evil.calls WHERE who OPERATOR(pg_catalog.<>) '{role}'"));
    assert_eq!(foreign, 0, "evil.f() ran as another role than {role}");
    let logged = count(
        &mut check,
        "SELECT count(*) FROM promscale_upgrade_guard.upgrade_log WHERE kind OPERATOR(pg_catalog.=) 'update'",
    );
    assert_eq!(logged, 1, "the connector's update is logged");
}
