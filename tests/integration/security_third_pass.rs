//! Attacks of the third security pass (issue 26) on the guard's reads, on
//! its own tables and on its reinstall rule. Each runs as the attacking role
//! over its own connection and asserts that the attack's effect is absent:
//! no code of the attacker ran as anyone else, the connector's update did
//! not wait behind the attacker, a log that could not be read did not pass
//! for an empty one. The databases and roles are the test's own (`sec3_`).

use std::time::{Duration, Instant};

use postgres::Client;

use crate::harness::{backend_pid, lock_estimate, port, Cluster};
use crate::security::{
    connector_as, count, create_role, db_error, guarded_db, installed, is_superuser, legacy, promscale_at, server,
};

/// `public.payload(what)` records who ran it and tries to make `role` a
/// superuser; `public.f(i)`, labelled IMMUTABLE, calls it. PostgreSQL
/// trusts the label: the planner folds `f(1)` to a constant by running it,
/// as whoever plans.
fn plant_payload(c: &mut Client, role: &str) {
    c.batch_execute(&format!(
        "CREATE TABLE public.evil_calls (who name, what text);
         GRANT INSERT ON public.evil_calls TO PUBLIC;
         CREATE FUNCTION public.payload(what text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $f$
         BEGIN
             INSERT INTO public.evil_calls VALUES (current_user, what);
             BEGIN
                 ALTER ROLE {role} SUPERUSER;
             EXCEPTION WHEN OTHERS THEN NULL;
             END;
             RETURN true;
         END $f$;
         CREATE FUNCTION public.f(i int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $f$
         BEGIN
             RETURN public.payload('f(' || i || ')');
         END $f$;"
    ))
    .unwrap();
}

/// Everything a table's owner can attach to its table that runs code when
/// someone plans (or rewrites) a query over it: an index predicate and an
/// index expression with a constant part, a CHECK constraint, a column
/// default, extended statistics on an expression (14+), a policy, a rule,
/// and an inheritance child with a predicate index of its own.
fn plant_on_table(c: &mut Client, table: &str, column: &str) {
    let version: i32 = c.query_one("SELECT current_setting('server_version_num')::int", &[]).unwrap().get(0);
    c.batch_execute(&format!(
        "CREATE INDEX evil_predicate ON {table} ({column}) WHERE public.f(1);
         CREATE INDEX evil_expression ON {table} ((CASE WHEN public.f(2) THEN {column} END));
         ALTER TABLE {table} ADD CONSTRAINT evil_check CHECK (public.f(3)) NOT VALID;
         ALTER TABLE {table} ADD COLUMN evil_default boolean DEFAULT public.f(4);
         CREATE POLICY evil_policy ON {table} USING (public.f(5));
         CREATE RULE evil_rule AS ON UPDATE TO {table} DO ALSO SELECT public.payload('rule');
         CREATE TABLE public.evil_child () INHERITS ({table});
         CREATE INDEX evil_child_predicate ON public.evil_child ({column}) WHERE public.f(6);"
    ))
    .unwrap();
    if version >= 140_000 {
        c.batch_execute(&format!(
            "CREATE STATISTICS evil_statistics ON (CASE WHEN public.f(7) THEN 1 END), {column} FROM {table};
             ANALYZE {table};"
        ))
        .unwrap();
    }
}

/// Who ran the payload other than `attacker` (planting it ran it as the
/// attacker).
fn ran_as_others(su: &mut Client, attacker: &str) -> Vec<String> {
    su.query("SELECT who::text || ': ' || what FROM public.evil_calls WHERE who <> $1", &[&attacker])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The state, the report, the metrics view and the readiness checks.
fn read_everything(c: &mut Client) {
    for sql in [
        "SELECT count(*) FROM promscale_upgrade_state()",
        "SELECT count(*) FROM (SELECT promscale_upgrade_report()) r",
        "SELECT count(*) FROM promscale_upgrade_metrics",
        "SELECT count(*) FROM (SELECT promscale_upgrade_checks()) c",
        "SELECT count(*) FROM promscale_upgrade_lock_estimate()",
    ] {
        let n: i64 = c.query_one(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e:?}")).get(0);
        assert!(n >= 1, "{sql}");
    }
}

/// Finding 1 (critical): before 0.11 the connector ran its own migrations
/// as its own role, which owns `_prom_catalog` and its plain table
/// `metadata`. That role plants code on the table; a superuser and a
/// pg_monitor member then read the state, the report and the metrics (the
/// state reads the metadata's newest `last_seen`). Nothing of the role's
/// may run as them, and the value read is still right.
#[test]
fn code_planted_on_the_old_connectors_metadata_table_runs_as_nobody_else() {
    let cluster = server();
    let (attacker, watcher) = ("sec3_old_connector", "sec3_meta_watcher");
    create_role(cluster, attacker);
    create_role(cluster, watcher);
    cluster.connect("postgres").batch_execute(&format!("GRANT pg_monitor TO {watcher}")).unwrap();
    let db = legacy(cluster, "sec3_metadata");
    let mut su = cluster.connect(&db);
    su.batch_execute(&format!(
        "ALTER SCHEMA _prom_catalog OWNER TO {attacker};
         ALTER TABLE _prom_catalog.metadata OWNER TO {attacker};
         GRANT CREATE ON SCHEMA public TO {attacker};
         GRANT USAGE ON SCHEMA _prom_catalog TO {watcher};
         GRANT SELECT ON _prom_catalog.metadata TO {watcher};
         DELETE FROM _prom_catalog.metadata;
         INSERT INTO _prom_catalog.metadata (last_seen, metric_family, type, unit, help)
         VALUES ('2026-01-02 03:04:05+00', 'up', 'GAUGE', '', 'h'), ('2025-01-01 00:00:00+00', 'down', 'GAUGE', '', 'h');"
    ))
    .unwrap();
    let mut role = cluster.connect_user(&db, attacker, "sec3-attacker");
    plant_payload(&mut role, attacker);
    plant_on_table(&mut role, "_prom_catalog.metadata", "last_seen");

    read_everything(&mut su);
    read_everything(&mut cluster.connect_user(&db, watcher, "sec3-watcher"));
    assert!(!is_superuser(&mut su, attacker), "{attacker} became a superuser through the guard's read of its table");
    assert_eq!(ran_as_others(&mut su, attacker), Vec::<String>::new(), "the guard ran the table owner's code");
    // Read all the same, from the heap: the newest last_seen.
    let seen: f64 = su
        .query_one("SELECT extract(epoch FROM metadata_last_seen)::float8 FROM promscale_upgrade_state()", &[])
        .unwrap()
        .get(0);
    assert_eq!(seen, 1_767_323_045.0, "2026-01-02 03:04:05 UTC");
}

/// The same on `_ps_catalog.migration`, once promscale is installed and the
/// table is its member, but owned by a role that is not a superuser: the
/// lock estimate reads the applied migrations from it. It is still read,
/// and nothing of the owner's runs as the superuser.
#[test]
fn code_planted_on_the_migration_table_runs_as_nobody_else() {
    let cluster = server();
    let attacker = "sec3_migration_owner";
    create_role(cluster, attacker);
    let db = promscale_at(cluster, "sec3_migration", "0.7.0");
    let mut su = cluster.connect(&db);
    su.batch_execute(&format!(
        "ALTER SCHEMA _ps_catalog OWNER TO {attacker};
         ALTER TABLE _ps_catalog.migration OWNER TO {attacker};
         GRANT CREATE ON SCHEMA public TO {attacker};"
    ))
    .unwrap();
    let mut role = cluster.connect_user(&db, attacker, "sec3-attacker");
    plant_payload(&mut role, attacker);
    plant_on_table(&mut role, "_ps_catalog.migration", "name");

    read_everything(&mut su);
    assert!(!is_superuser(&mut su, attacker));
    assert_eq!(ran_as_others(&mut su, attacker), Vec::<String>::new(), "the guard ran the table owner's code");
    // Read all the same (a table it did not read, it would name).
    let detail: String = su
        .query_one("SELECT detail FROM promscale_upgrade_checks() WHERE check_name = 'lock_capacity'", &[])
        .unwrap()
        .get(0);
    assert!(!detail.contains("Not read"), "{detail}");
}

/// One session holds ACCESS SHARE on a relation (LOCK TABLE, which SELECT
/// on it allows), and a second queues ACCESS EXCLUSIVE behind it with
/// CREATE RULE, which waits for its lock before it checks ownership (it
/// fails with "must be owner" once it gets it). Ended by `release`.
struct LockQueue {
    holder: Client,
    pids: (i32, i32),
    queued: Option<std::thread::JoinHandle<()>>,
}

impl LockQueue {
    fn on(cluster: &Cluster, db: &str, role: &str, relation: &str) -> LockQueue {
        let mut holder = cluster.connect_user(db, role, "sec3-holder");
        holder.batch_execute(&format!("BEGIN; LOCK TABLE {relation} IN ACCESS SHARE MODE")).unwrap();
        let mut queued = cluster.connect_user(db, role, "sec3-queued");
        let queued_pid = backend_pid(&mut queued);
        let rule = format!("CREATE RULE sec3_rule AS ON INSERT TO {relation} DO INSTEAD NOTHING");
        let handle = std::thread::spawn(move || {
            let _ = queued.batch_execute(&rule);
        });
        // Through the function behind pg_stat_activity: the queue may be on
        // the view itself.
        let mut watcher = cluster.connect(db);
        let deadline = Instant::now() + Duration::from_secs(30);
        while watcher
            .query_one(
                "SELECT count(*) FROM pg_catalog.pg_stat_get_activity($1) WHERE wait_event_type = 'Lock'",
                &[&queued_pid],
            )
            .unwrap()
            .get::<_, i64>(0)
            == 0
        {
            assert!(Instant::now() < deadline, "the CREATE RULE of pid {queued_pid} never queued");
            std::thread::sleep(Duration::from_millis(50));
        }
        LockQueue { pids: (backend_pid(&mut holder), queued_pid), holder, queued: Some(handle) }
    }

    fn release(mut self) {
        self.holder.batch_execute("ROLLBACK").unwrap();
        self.queued.take().unwrap().join().unwrap();
    }
}

/// Runs `sql` on `client` in a thread and gives its outcome and how long
/// it took, or None when it is still running after `limit` (the thread is
/// then left to finish once the queue is released).
/// What `timed`'s thread sends: the outcome, how long it took, the client.
type TimedOutcome = (Result<(), postgres::Error>, Duration, Client);

fn timed(mut client: Client, sql: &str, limit: Duration) -> (std::sync::mpsc::Receiver<TimedOutcome>, Duration) {
    let (tx, rx) = std::sync::mpsc::channel();
    let sql = sql.to_string();
    std::thread::spawn(move || {
        let start = Instant::now();
        let r = client.batch_execute(&sql);
        let _ = tx.send((r, start.elapsed(), client));
    });
    (rx, limit)
}

/// Finding 2 (high): a pg_monitor member queues a lock on the guard's
/// upgrade log. The connector's update must not wait for it at COMMIT
/// (where it would hold every lock of the upgrade, and readers of
/// prom_info.metric with it): it is refused at once with 55P03, naming the
/// sessions, and nothing changed; once they are gone it goes through.
#[test]
fn a_lock_queued_on_the_upgrade_log_does_not_hold_the_connector_at_commit() {
    let cluster = server();
    let watcher = "sec3_log_watcher";
    create_role(cluster, watcher);
    cluster.connect("postgres").batch_execute(&format!("GRANT pg_monitor TO {watcher}")).unwrap();
    let db = promscale_at(cluster, "sec3_log_queue", "0.7.0");
    let queue = LockQueue::on(cluster, &db, watcher, "promscale_upgrade_guard.upgrade_log");

    let mut lease = cluster.connect_as(&db, "promscale@0.17.0");
    lease.batch_execute("SELECT pg_advisory_lock(5585198506344173278)").unwrap();
    let (rx, limit) = timed(lease, "ALTER EXTENSION promscale UPDATE TO '0.8.0'", Duration::from_secs(10));
    let outcome = rx.recv_timeout(limit);
    let (holder, queued) = queue.pids;
    queue.release();
    let (result, took, mut lease) = outcome.expect("the connector's update waited behind the lock queued on the log");
    let e = db_error(result);
    assert_eq!(e.code().code(), "55P03", "{e:?}");
    assert!(e.message().contains("promscale_upgrade_guard.upgrade_log"), "{}", e.message());
    let detail = e.detail().unwrap_or_default();
    assert!(
        detail.contains(&format!("pid {holder} holds")) && detail.contains(&format!("pid {queued} waits")),
        "{detail}"
    );
    assert!(took < Duration::from_secs(5), "refused after {took:?}");
    assert_eq!(installed(&mut cluster.connect(&db)).as_deref(), Some("0.7.0"), "nothing changed");

    lease.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap();
    assert_eq!(installed(&mut cluster.connect(&db)).as_deref(), Some("0.8.0"));
    let logged = count(
        &mut cluster.connect(&db),
        "SELECT count(*) FROM promscale_upgrade_guard.upgrade_log WHERE kind = 'update' AND to_version = '0.8.0'",
    );
    assert_eq!(logged, 1);
}

/// The role that installed promscale (trusted) without the connector's
/// lease, in a database where it has CREATE.
fn promscale_by(cluster: &Cluster, db: &str, role: &str, guard_first: bool) -> String {
    let db = if guard_first {
        guarded_db(cluster, db)
    } else {
        let mut admin = cluster.connect("postgres");
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {db} TEMPLATE template0")).unwrap();
        cluster.connect(db).batch_execute("CREATE EXTENSION timescaledb").unwrap();
        db.to_string()
    };
    cluster.connect(&db).batch_execute(&format!("GRANT CREATE ON DATABASE {db} TO {role}")).unwrap();
    cluster
        .connect_user(&db, role, "sec3-install")
        .batch_execute("CREATE EXTENSION promscale VERSION '0.7.0'")
        .unwrap();
    if !guard_first {
        cluster.connect(&db).batch_execute("CREATE EXTENSION promscale_upgrade_guard").unwrap();
    }
    db
}

const REINSTALL: &str = "BEGIN; DROP EXTENSION promscale CASCADE; CREATE EXTENSION promscale VERSION '0.8.0'; COMMIT";

/// Finding 2, the reinstall rule: while a lock is queued on the log, the
/// log "cannot be read". The connector's role without the lease then drops
/// promscale (CASCADE drops the metric tables) and creates it at a newer
/// version: that is an update, and must be refused, naming the sessions in
/// the way, not pass for a fresh install.
#[test]
fn a_log_that_cannot_be_read_does_not_pass_a_reinstall_for_a_fresh_install() {
    let cluster = server();
    let (role, watcher) = ("sec3_reinstaller", "sec3_reinstall_watcher");
    create_role(cluster, role);
    create_role(cluster, watcher);
    cluster.connect("postgres").batch_execute(&format!("GRANT pg_monitor TO {watcher}")).unwrap();
    let db = promscale_by(cluster, "sec3_reinstall_busy", role, true);
    let queue = LockQueue::on(cluster, &db, watcher, "promscale_upgrade_guard.upgrade_log");

    let (rx, limit) = timed(cluster.connect_user(&db, role, "sec3-reinstall"), REINSTALL, Duration::from_secs(10));
    let outcome = rx.recv_timeout(limit);
    let (holder, _) = queue.pids;
    queue.release();
    let (result, _, _) = outcome.expect("the reinstall waited behind the lock queued on the log");
    let e = db_error(result);
    assert_eq!(e.code().code(), "55000", "{e:?}");
    let detail = e.detail().unwrap_or_default();
    assert!(detail.contains("could not be read") && detail.contains(&format!("pid {holder}")), "{detail}");
    assert_eq!(installed(&mut cluster.connect(&db)).as_deref(), Some("0.7.0"), "promscale is still there, at 0.7.0");
}

/// Finding 3: the usual order is promscale first and the guard added
/// later, which left the log empty; an empty log read as "never installed".
/// The guard now records the version it finds (a baseline row), so the
/// same DROP ... CASCADE + CREATE ... VERSION by the role without the lease
/// is an update, refused.
#[test]
fn with_promscale_installed_before_the_guard_a_reinstall_is_refused() {
    let cluster = server();
    let role = "sec3_early_installer";
    create_role(cluster, role);
    let db = promscale_by(cluster, "sec3_reinstall_baseline", role, false);
    let mut su = cluster.connect(&db);
    let baseline: (String, String) = {
        let r = su.query_one("SELECT kind, to_version FROM promscale_upgrade_guard.upgrade_log", &[]).unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(baseline, ("baseline".to_string(), "0.7.0".to_string()));

    let e = db_error(cluster.connect_user(&db, role, "sec3-reinstall").batch_execute(REINSTALL));
    assert_eq!(e.code().code(), "55000", "{e:?}");
    assert!(e.detail().unwrap_or_default().contains("at version 0.7.0"), "{:?}", e.detail());
    assert_eq!(installed(&mut su).as_deref(), Some("0.7.0"));
}

/// Finding 6: the trigger reads the guard's logs as their owner, so a
/// connector whose role is not a superuser gets the same estimate as the
/// operator sees (here raised by a rehearsal's measurement), and the log
/// row records it.
#[test]
fn a_non_superuser_connector_is_estimated_from_the_logs_like_the_operator() {
    let cluster = server();
    let role = "sec3_plain_connector";
    create_role(cluster, role);
    let db = promscale_by(cluster, "sec3_estimate_as_owner", role, true);
    let mut su = cluster.connect(&db);
    // A rehearsal of this very path that held far more than the model says.
    su.batch_execute(
        "INSERT INTO promscale_upgrade_guard.rehearsal_log
             (measured_at, path, from_version, to_version, succeeded, locks_estimated, locks_counted, locks_held,
              role_name, duration, origin)
         VALUES (now(), 'update', '0.7.0', '0.8.0', true, 400, 400, 3000, 'postgres', '2 min', 'local')",
    )
    .unwrap();
    let operator = lock_estimate(&mut su).locks_needed;
    assert!(operator > 1000, "the operator's estimate learned from the rehearsal: {operator}");

    let mut connector = connector_as(cluster, &db, role);
    connector.lease.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap();
    connector.finish();
    let logged: i64 = su
        .query_one(
            "SELECT locks_estimated FROM promscale_upgrade_guard.upgrade_log WHERE kind = 'update' AND role_name = $1",
            &[&role],
        )
        .unwrap()
        .get(0);
    assert_eq!(logged, operator, "the connector's update was estimated without the logs");
}

/// Finding 11: a plain role queues a lock on pg_auth_members. With
/// `connector_roles` naming a group the connector's role belongs to, the
/// guard must load the role's memberships, which PostgreSQL itself does not
/// need for the update: it must not wait for them (holding the connector's
/// session in the trigger for as long as the queue lasts). Who may update
/// is decided on what it could read, so it fails closed at once with 55P03
/// naming the sessions in the way; once they are gone the update goes
/// through.
#[test]
fn a_lock_queued_on_pg_auth_members_does_not_stall_the_connector() {
    let cluster = server();
    let (role, group, attacker) = ("sec3_members_connector", "sec3_connectors", "sec3_members_attacker");
    create_role(cluster, role);
    create_role(cluster, attacker);
    let mut admin = cluster.connect("postgres");
    admin
        .batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {group}; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
             GRANT {group} TO {role};
             ALTER ROLE {role} SET promscale_upgrade_guard.connector_roles = '{group}'"
        ))
        .unwrap();
    let db = promscale_by(cluster, "sec3_auth_members", role, true);
    let mut connector = connector_as(cluster, &db, role);
    let queue = LockQueue::on(cluster, &db, attacker, "pg_catalog.pg_auth_members");

    connector.lease.batch_execute("SET statement_timeout = '20s'").unwrap();
    let (rx, limit) = timed(connector.lease, "ALTER EXTENSION promscale UPDATE TO '0.8.0'", Duration::from_secs(10));
    let outcome = rx.recv_timeout(limit);
    let (holder, queued) = queue.pids;
    queue.release();
    admin.batch_execute(&format!("ALTER ROLE {role} RESET promscale_upgrade_guard.connector_roles")).unwrap();
    let (result, took, mut lease) =
        outcome.expect("the connector's update waited behind the lock queued on pg_auth_members");
    let e = db_error(result);
    assert_eq!(e.code().code(), "55P03", "{e:?}");
    let detail = e.detail().unwrap_or_default();
    assert!(
        detail.contains(&format!("pid {holder} holds")) && detail.contains(&format!("pid {queued} waits")),
        "{detail}"
    );
    assert!(took < Duration::from_secs(5), "refused after {took:?}");
    lease.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap();
    assert_eq!(installed(&mut cluster.connect(&db)).as_deref(), Some("0.8.0"));
}

/// Finding 11, pg_depend: a plain role queues a lock on pg_depend. The
/// guard's estimate needs it, but only for fail-fast: the update goes on
/// with a WARNING that names the sessions (before, it failed at once with
/// 55P03, whose detail blamed VACUUM FULL), and it waits for pg_depend as
/// PostgreSQL itself makes it wait, then goes through.
#[test]
fn a_lock_queued_on_pg_depend_only_skips_the_estimate() {
    let cluster = server();
    let attacker = "sec3_depend_attacker";
    create_role(cluster, attacker);
    let db = promscale_at(cluster, "sec3_depend", "0.7.0");
    let (mut lease, notices) = cluster.connect_user_with_notices(&db, "postgres", "promscale@0.17.0");
    lease.batch_execute("SELECT pg_advisory_lock(5585198506344173278)").unwrap();
    let queue = LockQueue::on(cluster, &db, attacker, "pg_catalog.pg_depend");
    let (holder, _) = queue.pids;

    let (rx, _) = timed(lease, "ALTER EXTENSION promscale UPDATE TO '0.8.0'", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(1));
    queue.release();
    let (result, _, _) = rx.recv_timeout(Duration::from_secs(30)).expect("the update finished");
    result.unwrap_or_else(|e| panic!("the update failed: {e:?}"));
    assert_eq!(installed(&mut cluster.connect(&db)).as_deref(), Some("0.8.0"));
    let notices = notices.lock().unwrap().clone();
    let warning = notices
        .iter()
        .find(|n| n.message().contains("lock estimate of this promscale upgrade was not made"))
        .unwrap_or_else(|| panic!("no warning among {notices:?}"));
    let warning = format!("{} {}", warning.message(), warning.detail().unwrap_or_default());
    assert!(warning.contains("pg_depend") && warning.contains(&format!("pid {holder}")), "{warning}");
}

/// Finding 10: a PostgreSQL error that passes through the guard's Rust code
/// (here a statement timeout firing inside a report) came back with a Rust
/// backtrace in its DETAIL, dozens of lines of frames. On a server whose
/// environment asks for backtraces (RUST_BACKTRACE=1, as a developer's
/// shell has it), every function is cancelled at many points: each error
/// must carry PostgreSQL's message only.
#[test]
fn no_rust_backtrace_in_any_message() {
    let cluster = Cluster::start_with_env("sec3_backtrace", port(28), &[], "RUST_BACKTRACE=1");
    let db = cluster.fresh_db("sec3_backtrace");
    cluster
        .connect(&db)
        .batch_execute("CREATE EXTENSION timescaledb; CREATE EXTENSION promscale VERSION '0.7.0'")
        .unwrap();
    let mut c = cluster.connect(&db);
    let mut timeouts = 0;
    for ms in 1..=25 {
        for sql in [
            "SELECT * FROM promscale_upgrade_state()",
            "SELECT promscale_upgrade_report()",
            "SELECT * FROM promscale_upgrade_checks('0.17.0')",
            "SELECT * FROM promscale_upgrade_lock_estimate()",
            "SELECT * FROM promscale_upgrade_metrics",
            "SELECT * FROM promscale_upgrade_progress()",
            "SELECT promscale_upgrade_rehearsal_export()",
        ] {
            c.batch_execute(&format!("SET statement_timeout = '{ms}ms'")).unwrap();
            if let Err(e) = c.batch_execute(sql) {
                let e = e.as_db_error().unwrap_or_else(|| panic!("{sql}: {e}")).clone();
                if e.code().code() == "57014" {
                    timeouts += 1;
                }
                let said =
                    format!("{} {} {}", e.message(), e.detail().unwrap_or_default(), e.hint().unwrap_or_default());
                assert!(
                    !said.contains("backtrace") && !said.contains("::") && !said.contains(".rs:"),
                    "{sql} at {ms} ms: {said}"
                );
            }
            c.batch_execute("RESET statement_timeout").unwrap();
        }
    }
    assert!(timeouts > 0, "no call was cancelled: the test did not test anything");
    cluster.stop();
}

/// `text` with every run of digits as one `#`.
fn without_numbers(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if !c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('#') {
            out.push('#');
        }
    }
    out
}

/// What the functions return, in forms that no output setting of the
/// reading session changes (binary values, and the text the guard itself
/// writes), to compare two sessions.
fn outputs(c: &mut Client) -> (Vec<String>, Vec<String>, serde_json::Value, String, f64) {
    let checks = c
        .query("SELECT check_name || ' ' || status || ' ' || detail || ' ' || coalesce(hint, '') FROM promscale_upgrade_checks('0.17.0')", &[])
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        // What other sessions (the tests running beside this one) hold of
        // the lock table changes between two calls: those numbers masked.
        .map(|c| if c.starts_with("lock_capacity") { without_numbers(&c) } else { c })
        .collect();
    let r = c
        .query_one(
            "SELECT phase, next_step, last_upgrade_to, extract(epoch FROM last_upgrade_finished_at)::float8
             FROM promscale_upgrade_state()",
            &[],
        )
        .unwrap();
    let state = vec![
        r.get::<_, String>(0),
        r.get::<_, String>(1),
        r.get::<_, Option<String>>(2).unwrap_or_default(),
        format!("{:.6}", r.get::<_, f64>(3)),
    ];
    let export: serde_json::Value = serde_json::from_str(
        &c.query_one("SELECT promscale_upgrade_rehearsal_export('0.17.0')::text", &[]).unwrap().get::<_, String>(0),
    )
    .unwrap();
    // Binary values, formatted here: the session's own float output would
    // follow its extra_float_digits (extract() gives float8 on 13).
    let r = c
        .query_one(
            "SELECT locks_needed, recommended_max_locks_per_transaction, fit,
                    extract(epoch FROM expected_duration)::float8
             FROM promscale_upgrade_lock_estimate('0.17.0')",
            &[],
        )
        .unwrap();
    let e = format!(
        "{} {} {} {:?}",
        r.get::<_, i64>(0),
        r.get::<_, i32>(1),
        r.get::<_, String>(2),
        r.get::<_, Option<f64>>(3)
    );
    let since: f64 =
        c.query_one("SELECT seconds_since_last_upgrade FROM promscale_upgrade_metrics", &[]).unwrap().get(0);
    (checks, state, export, e, since)
}

/// Finding 7: the database owner sets output settings for every later
/// session (ALTER DATABASE ... SET): the float digits, the date, interval
/// and bytea styles, the time zone. The guard read float8 values back from
/// JSON text: the last upgrade showed as 2033, seconds_since_last_upgrade
/// went negative, a 149 s rehearsal exported as 100 s. Every function must
/// answer the same as under the defaults.
#[test]
fn output_settings_of_the_database_owner_change_nothing_the_guard_says() {
    let cluster = server();
    let owner = "sec3_settings_owner";
    create_role(cluster, owner);
    let mut admin = cluster.connect("postgres");
    let db = "sec3_settings";
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {db} TEMPLATE template0 OWNER {owner}")).unwrap();
    let mut su = cluster.connect(db);
    su.batch_execute(
        "CREATE EXTENSION promscale_upgrade_guard; CREATE EXTENSION timescaledb;
         CREATE EXTENSION promscale VERSION '0.6.0'",
    )
    .unwrap();
    // A logged update (a last upgrade with its time) and a rehearsal of the
    // next one (a duration), measured here.
    su.batch_execute(
        "SELECT pg_advisory_lock(5585198506344173278); ALTER EXTENSION promscale UPDATE TO '0.7.0';
                      SELECT pg_advisory_unlock(5585198506344173278)",
    )
    .unwrap();
    su.batch_execute("SELECT * FROM promscale_upgrade_rehearse('0.17.0')").unwrap();
    let before = outputs(&mut su);

    cluster
        .connect_user(db, owner, "sec3-owner")
        .batch_execute(&format!(
            "ALTER DATABASE {db} SET extra_float_digits = -15;
             ALTER DATABASE {db} SET DateStyle = 'SQL, DMY';
             ALTER DATABASE {db} SET IntervalStyle = 'sql_standard';
             ALTER DATABASE {db} SET TimeZone = 'Pacific/Chatham';
             ALTER DATABASE {db} SET bytea_output = 'escape';"
        ))
        .unwrap();
    let mut later = cluster.connect(db);
    let digits: String = later.query_one("SHOW extra_float_digits", &[]).unwrap().get(0);
    assert_eq!(digits, "-15", "the database's settings apply to the new session");
    let after = outputs(&mut later);
    let differing: Vec<(&String, &String)> = after.0.iter().zip(&before.0).filter(|(a, b)| a != b).collect();
    assert!(differing.is_empty() && after.0.len() == before.0.len(), "promscale_upgrade_checks(): {differing:#?}");
    assert_eq!(after.1, before.1, "promscale_upgrade_state()");
    assert_eq!(after.2, before.2, "promscale_upgrade_rehearsal_export()");
    assert_eq!(after.3, before.3, "promscale_upgrade_lock_estimate()");
    assert!(
        after.4 >= before.4 && after.4 < before.4 + 60.0,
        "seconds_since_last_upgrade {} then {}",
        before.4,
        after.4
    );
}

/// Runs the connector's update (superuser, holding the lease) in a database
/// of its own while a plain role keeps a lock queued on the view
/// `relation`: formed before the ALTER, or between the ALTER and the COMMIT
/// (then the commit-time log write must not wait for it). How long the
/// ALTER and the COMMIT took, together.
fn update_beside_a_queue_on(relation: &str, before_commit: bool) -> Duration {
    let cluster = server();
    let attacker = "sec3_view_queuer";
    create_role(cluster, attacker);
    let db =
        promscale_at(cluster, &format!("sec3_view_{}_{}", relation.replace("pg_catalog.", ""), before_commit), "0.7.0");
    let mut lease = cluster.connect_as(&db, "promscale@0.17.0");
    lease.batch_execute("SELECT pg_advisory_lock(5585198506344173278)").unwrap();
    let (queue, statements) = if before_commit {
        lease.batch_execute("BEGIN; ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap();
        (LockQueue::on(cluster, &db, attacker, relation), "COMMIT")
    } else {
        (LockQueue::on(cluster, &db, attacker, relation), "BEGIN; ALTER EXTENSION promscale UPDATE TO '0.8.0'; COMMIT")
    };
    let (rx, limit) = timed(lease, statements, Duration::from_secs(10));
    let outcome = rx.recv_timeout(limit);
    queue.release();
    let (result, took, _) =
        outcome.unwrap_or_else(|_| panic!("the connector's update waited behind a lock queued on {relation}"));
    result.unwrap_or_else(|e| panic!("the update failed beside a queue on {relation}: {e:?}"));
    assert_eq!(installed(&mut cluster.connect(&db)).as_deref(), Some("0.8.0"));
    took
}

/// Found by the fresh attack pass: any login role may lock the views the
/// guard reads (pg_locks, pg_stat_activity, pg_prepared_xacts, pg_settings:
/// SELECT on them is PUBLIC's) and queue an ACCESS EXCLUSIVE request behind
/// that with CREATE RULE. The guard read them in the trigger and at commit,
/// waiting behind the queue: the connector's update stalled in the trigger,
/// or at COMMIT holding every lock of the upgrade. The guard now reads the
/// functions behind the views, which take no lock: the update goes through
/// at once, as it does without the guard.
#[test]
fn locks_queued_on_the_system_views_do_not_stall_the_connector() {
    for relation in
        ["pg_catalog.pg_locks", "pg_catalog.pg_stat_activity", "pg_catalog.pg_prepared_xacts", "pg_catalog.pg_settings"]
    {
        let took = update_beside_a_queue_on(relation, false);
        assert!(took < Duration::from_secs(5), "{relation}: the update took {took:?}");
    }
    for relation in ["pg_catalog.pg_locks", "pg_catalog.pg_stat_activity"] {
        let took = update_beside_a_queue_on(relation, true);
        assert!(took < Duration::from_secs(5), "{relation}: the commit took {took:?}");
    }
}

/// Found by the fresh attack pass: the guard's hints spelled its calls
/// unqualified. A role with CREATE on the database makes a schema named
/// after the superuser's role, with functions of the guard's names that
/// make it a superuser when a superuser calls them; the superuser pastes
/// what the `rehearsed` check's hint says to run. The hint's calls are
/// qualified now: nothing of the role's runs.
#[test]
fn the_guards_hints_call_it_qualified() {
    let cluster = server();
    let planter = "sec3_hint_planter";
    create_role(cluster, planter);
    let db = promscale_at(cluster, "sec3_hints", "0.7.0");
    let mut su = cluster.connect(&db);
    su.batch_execute(&format!("GRANT CREATE ON DATABASE {db} TO {planter}")).unwrap();
    let mut role = cluster.connect_user(&db, planter, "sec3-planter");
    role.batch_execute(&format!(
        "CREATE SCHEMA postgres; GRANT USAGE ON SCHEMA postgres TO PUBLIC;
         CREATE FUNCTION postgres.promscale_upgrade_rehearse(target text DEFAULT NULL) RETURNS TABLE (x int)
             LANGUAGE plpgsql AS $f$
         BEGIN
             IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                 EXECUTE 'ALTER ROLE {planter} SUPERUSER';
             END IF;
             RETURN QUERY SELECT 1;
         END $f$;"
    ))
    .unwrap();
    let hint: String = su
        .query_one("SELECT hint FROM promscale_upgrade_checks('0.17.0') WHERE check_name = 'rehearsed'", &[])
        .unwrap()
        .get(0);
    let call = hint
        .split("run ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no statement in the hint: {hint}"));
    assert!(call.starts_with("SELECT * FROM public.promscale_upgrade_rehearse("), "{call}");
    // As the superuser would paste it, with the default search_path.
    let _ = su.batch_execute(call);
    assert!(!is_superuser(&mut su, planter), "the hint's call ran the role's function as the superuser");
}
