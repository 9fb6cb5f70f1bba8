//! The guard's own upgrade: every released version (0.1.0 to 0.4.0), installed
//! from its committed install script (sql/released/) with the current
//! library, updated by `ALTER EXTENSION promscale_upgrade_guard UPDATE`
//! through the update scripts in sql/ (which cargo pgrx install ships), is
//! the same as a fresh install of
//! the current version, and keeps its log rows. The update passes the
//! guard's own event trigger.

use crate::harness::{bash, project_root, Cluster};

/// The 0.1.0 install script in the private prefix's extension directory
/// while the test runs (packages ship only the current one). One test at a
/// time has it (they run in parallel threads).
struct OldInstallScript(std::path::PathBuf, #[allow(dead_code)] std::sync::MutexGuard<'static, ()>);

impl OldInstallScript {
    fn install(version: &str) -> OldInstallScript {
        static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let dir = bash("source scripts/env.sh && echo \"$PG_EXTDIR\"").trim().to_string();
        let file = format!("promscale_upgrade_guard--{version}.sql");
        let target = std::path::PathBuf::from(dir).join(&file);
        assert!(target.starts_with(project_root().join("target")), "only the private prefix: {target:?}");
        std::fs::copy(project_root().join("sql/released").join(&file), &target).unwrap();
        OldInstallScript(target, guard)
    }
}

impl Drop for OldInstallScript {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The database's schema as `pg_dump --binary-upgrade -s` prints it: that
/// mode also prints an extension's member objects (a plain dump prints only
/// the CREATE EXTENSION). OIDs and transaction ids, which differ between two
/// databases, are left out.
fn schema(cluster: &Cluster, db: &str) -> String {
    bash(&format!(
        "source scripts/env.sh && \"$PG_BIN/pg_dump\" --binary-upgrade -s -h '{}' -p {} -U postgres {db}",
        cluster.socket_dir, cluster.port
    ))
    .lines()
    .filter(|l| {
        !l.contains("binary_upgrade_set_next_")
            && !l.contains("relfrozenxid")
            && !l.starts_with("WHERE oid = '")
            && !l.starts_with("\\restrict ")
            && !l.starts_with("\\unrestrict ")
    })
    .map(|l| {
        // The config tables of binary_upgrade_create_empty_extension are OIDs.
        if l.contains("binary_upgrade_create_empty_extension") {
            l.chars().filter(|c| !c.is_ascii_digit()).collect()
        } else {
            l.to_string()
        }
    })
    .collect::<Vec<_>>()
    .join("\n")
}

fn version(client: &mut postgres::Client) -> String {
    client
        .query_one("SELECT extversion FROM pg_extension WHERE extname = 'promscale_upgrade_guard'", &[])
        .unwrap()
        .get(0)
}

#[test]
fn version_0_1_0_updates_to_the_same_schema_as_a_fresh_install_and_keeps_its_log() {
    updates_to_the_same_schema_as_a_fresh_install_and_keeps_its_log("0.1.0");
}

#[test]
fn version_0_2_0_updates_to_the_same_schema_as_a_fresh_install_and_keeps_its_log() {
    updates_to_the_same_schema_as_a_fresh_install_and_keeps_its_log("0.2.0");
}

#[test]
fn version_0_3_0_updates_to_the_same_schema_as_a_fresh_install_and_keeps_its_log() {
    updates_to_the_same_schema_as_a_fresh_install_and_keeps_its_log("0.3.0");
}

#[test]
fn version_0_4_0_updates_to_the_same_schema_as_a_fresh_install_and_keeps_its_log() {
    updates_to_the_same_schema_as_a_fresh_install_and_keeps_its_log("0.4.0");
}

/// A guard of before 0.5.0 beside a promscale it never saw installed has an
/// empty log: its update records the version found (the baseline), so that
/// the reinstall rule knows promscale was there. A log that already has
/// rows gets none.
#[test]
fn the_update_to_0_5_0_records_the_promscale_it_finds() {
    let cluster = Cluster::shared();
    let _old = OldInstallScript::install("0.4.0");
    let db = "guard_baseline_update";
    let mut admin = cluster.connect("postgres");
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {db} TEMPLATE template0")).unwrap();
    let mut c = cluster.connect(db);
    c.batch_execute("CREATE EXTENSION timescaledb; CREATE EXTENSION promscale VERSION '0.7.0'").unwrap();
    c.batch_execute("CREATE EXTENSION promscale_upgrade_guard VERSION '0.4.0'").unwrap();
    let rows = |c: &mut postgres::Client| -> Vec<(String, Option<String>)> {
        c.query("SELECT kind, to_version FROM promscale_upgrade_guard.upgrade_log ORDER BY finished_at", &[])
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    };
    assert!(rows(&mut c).is_empty(), "0.4.0 records no baseline");
    c.batch_execute("ALTER EXTENSION promscale_upgrade_guard UPDATE").unwrap();
    assert_eq!(rows(&mut c), vec![("baseline".to_string(), Some("0.7.0".to_string()))]);
    // A fresh install beside promscale records its baseline too.
    c.batch_execute("DROP EXTENSION promscale_upgrade_guard; CREATE EXTENSION promscale_upgrade_guard").unwrap();
    assert_eq!(rows(&mut c), vec![("baseline".to_string(), Some("0.7.0".to_string()))]);
}

fn updates_to_the_same_schema_as_a_fresh_install_and_keeps_its_log(from: &str) {
    let cluster = Cluster::shared();
    let _old = OldInstallScript::install(from);
    let mut admin = cluster.connect("postgres");
    let (updated_db, fresh_db) =
        (format!("guard_updated_{}", from.replace('.', "_")), format!("guard_fresh_{}", from.replace('.', "_")));
    for db in [&updated_db, &fresh_db] {
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {db} TEMPLATE template0")).unwrap();
    }

    let mut old = cluster.connect(&updated_db);
    old.batch_execute(&format!("CREATE EXTENSION promscale_upgrade_guard VERSION '{from}'")).unwrap();
    assert_eq!(version(&mut old), from);
    // A row of 0.1.0's log (its columns), to survive the update.
    old.batch_execute(
        "INSERT INTO promscale_upgrade_guard.upgrade_log (kind, from_version, to_version, started_at, finished_at,
             duration, pid, role_name, application_name, allowed_by, locks_estimated, locks_held, locks_held_fast_path, commands)
         VALUES ('update', '0.7.0', '0.8.0', '2026-11-01 10:00+00', '2026-11-01 10:05+00', '5 min', 42, 'postgres',
                 'promscale@0.17.0', 'connector_lock', 459, 420, 16, '{\"ALTER EXTENSION promscale UPDATE TO ''0.8.0''\"}')",
    )
    .unwrap();
    // Through the guard's own event trigger, which lets it pass.
    old.batch_execute("ALTER EXTENSION promscale_upgrade_guard UPDATE").unwrap();
    assert_eq!(version(&mut old), env!("CARGO_PKG_VERSION"));
    let row = old
        .query_one(
            "SELECT pid, locks_held, commands[1], locks_counted IS NULL FROM promscale_upgrade_guard.upgrade_log",
            &[],
        )
        .unwrap();
    let (pid, held, command, no_count): (i32, i64, String, bool) = (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!((pid, held, command.as_str(), no_count), (42, 420, "ALTER EXTENSION promscale UPDATE TO '0.8.0'", true));
    // And it works: the functions of the new version answer.
    let checks: i64 = old.query_one("SELECT count(*) FROM promscale_upgrade_checks()", &[]).unwrap().get(0);
    assert_eq!(checks, 14);

    cluster.connect(&fresh_db).batch_execute("CREATE EXTENSION promscale_upgrade_guard").unwrap();
    let (updated, fresh) = (schema(cluster, &updated_db), schema(cluster, &fresh_db));
    assert!(updated.contains("CREATE TABLE promscale_upgrade_guard.rehearsal_log"), "{updated}");
    if updated != fresh {
        let diff: Vec<String> = updated
            .lines()
            .zip(fresh.lines())
            .filter(|(a, b)| a != b)
            .take(10)
            .map(|(a, b)| format!("updated: {a}\nfresh:   {b}"))
            .collect();
        panic!("{from} updated differs from a fresh install:\n{}", diff.join("\n"));
    }
}

/// Between a package upgrade (the new library) and `ALTER EXTENSION
/// promscale_upgrade_guard UPDATE` (the new SQL), the guard keeps working:
/// the connector's update is allowed and logged in the old log table, and
/// the estimate answers.
#[test]
fn the_new_library_works_with_the_0_1_0_schema_until_it_is_updated() {
    let cluster = Cluster::shared();
    let _old = OldInstallScript::install("0.1.0");
    let mut admin = cluster.connect("postgres");
    admin.batch_execute("DROP DATABASE IF EXISTS guard_mixed WITH (FORCE)").unwrap();
    admin.batch_execute("CREATE DATABASE guard_mixed TEMPLATE template0").unwrap();
    let mut c = cluster.connect("guard_mixed");
    c.batch_execute(
        "CREATE EXTENSION promscale_upgrade_guard VERSION '0.1.0';
         CREATE EXTENSION timescaledb;
         CREATE EXTENSION promscale VERSION '0.7.0';",
    )
    .unwrap();
    let needed: i64 = c.query_one("SELECT locks_needed FROM promscale_upgrade_lock_estimate()", &[]).unwrap().get(0);
    assert!(needed > 100, "{needed}");
    // As the connector: its migration lock, then the update.
    c.execute("SELECT pg_advisory_lock($1)", &[&crate::harness::CONNECTOR_KEY]).unwrap();
    c.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'").unwrap();
    let row = c
        .query_one(
            "SELECT kind, to_version, locks_held > 0 FROM promscale_upgrade_guard.upgrade_log WHERE kind = 'update'",
            &[],
        )
        .unwrap();
    let (kind, to, held): (String, String, bool) = (row.get(0), row.get(1), row.get(2));
    assert_eq!((kind.as_str(), to.as_str(), held), ("update", "0.8.0", true));
    c.batch_execute("ALTER EXTENSION promscale_upgrade_guard UPDATE").unwrap();
    // The install of promscale and its update, both kept.
    let logged: i64 = c.query_one("SELECT count(*) FROM promscale_upgrade_guard.upgrade_log", &[]).unwrap().get(0);
    assert_eq!(logged, 2);
}
