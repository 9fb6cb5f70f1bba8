//! What a backend keeps between calls (src/snapshot/kept.rs) is read again
//! whenever it changes: a session that has answered before gives, after each
//! change, the same answers as a session that never did, and the answers
//! show the change. Each way the kept facts must refresh is one change here:
//! a new script in the extension directory, a new default_version in the
//! control file, ALTER EXTENSION promscale UPDATE in another session, a
//! member dropped from and added back to the extension, a GRANT that only
//! PostgreSQL's invalidation messages tell about, a user view on
//! prom_info.metric made, made a member, and dropped, the same view made a
//! member of another extension and dropped from it (only pg_depend changes,
//! and not promscale's members), a new script in the script directory a
//! control file names, and an update script copied over in place (`cp`:
//! the same inode, the directory's stamp unchanged), where the connector's
//! own update, refused or allowed by fail-fast, must be decided as a new
//! session decides it.
//!
//! A test binary of its own: it adds a stand-in script to the private
//! prefix and edits the promscale control file there, so no other test may
//! run meanwhile (cargo runs test binaries one after another, and the tests
//! of this one take `one_at_a_time`). Run by `scripts/test.sh`:
//!     cargo test --features integration --test kept_facts

#[path = "harness.rs"]
#[allow(dead_code)]
mod harness;

use std::sync::{Mutex, MutexGuard};

use harness::{bash, port, Cluster, CONNECTOR_KEY};
use postgres::Client;

/// The tests of this binary change the same files of the private prefix.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static ONE: Mutex<()> = Mutex::new(());
    ONE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The private prefix's extension directory.
fn extension_dir() -> String {
    bash(r#"source scripts/env.sh && echo "$PG_EXTDIR""#).trim().to_string()
}

/// Adds `promscale--0.8.0--0.8.1.sql` (a copy of the 0.8.0 script, as real
/// update scripts are) to the private prefix; puts the stand-ins back when
/// dropped.
struct PrefixChanges;

impl PrefixChanges {
    fn guard() -> PrefixChanges {
        PrefixChanges
    }

    fn run(script: &str) {
        bash(&format!(
            r#"source scripts/env.sh
case "$PG_EXTDIR" in "$PROJECT_ROOT"/target/*) ;; *) echo "not the private prefix: $PG_EXTDIR"; exit 1;; esac
{script}"#
        ));
    }

    fn add_update_script() {
        Self::run(
            r#"{ echo '-- TEST DOUBLE (kept_facts test): a new release dropped into the directory.'; cat "$PG_EXTDIR/promscale--0.8.0.sql"; } > "$PG_EXTDIR/promscale--0.8.0--0.8.1.sql""#,
        );
    }

    /// Moves promscale's scripts to a directory of their own under the
    /// share directory, which the control file names (`directory`).
    fn use_script_directory() {
        Self::run(
            r#"rm -rf "$PG_SHAREDIR/kept_facts_scripts" && mkdir "$PG_SHAREDIR/kept_facts_scripts"
cp "$PG_EXTDIR"/promscale--*.sql "$PG_SHAREDIR/kept_facts_scripts/"
echo "directory = 'kept_facts_scripts'" >> "$PG_EXTDIR/promscale.control""#,
        );
    }

    /// A new release's update script in that directory only: neither the
    /// extension directory nor the control file changes.
    fn add_script_to_script_directory() {
        Self::run(
            r#"{ echo '-- TEST DOUBLE (kept_facts test): a new release in the script directory.'; cat "$PG_EXTDIR/promscale--0.8.0.sql"; } > "$PG_SHAREDIR/kept_facts_scripts/promscale--0.8.1--0.8.2.sql""#,
        );
    }

    /// Copies `content` over `file` of the extension directory the way
    /// `cp` does: written in place, so the inode stays and neither the
    /// directory's stamp nor a control file's changes. With `keep_mtime`,
    /// the modification time is then set back to what it was, to the
    /// nanosecond (`touch -d`), so that only the change time tells.
    fn copy_over(file: &str, content: &str, keep_mtime: bool) {
        let source = harness::project_root().join("target").join(format!("kept_facts_{}.sql", std::process::id()));
        std::fs::write(&source, content).unwrap();
        let keep = if keep_mtime { r#"touch -m -d "@$mtime" "$f""# } else { "" };
        Self::run(&format!(
            r#"f="$PG_EXTDIR/{file}"; mtime=$(stat -c %.9Y "$f"); cp '{}' "$f"; rm -f '{}'; {keep}"#,
            source.display(),
            source.display()
        ));
    }

    fn set_default_version(version: &str) {
        Self::run(&format!(
            r#"sed -i "s/^default_version = .*/default_version = '{version}'/" "$PG_EXTDIR/promscale.control""#
        ));
    }
}

impl Drop for PrefixChanges {
    fn drop(&mut self) {
        bash(
            r#"source scripts/env.sh && rm -rf "$PG_SHAREDIR/kept_facts_scripts" && pg_test/install-standins.sh >/dev/null"#,
        );
    }
}

/// Everything the guard answers that kept facts feed: versions on disk and
/// the default (state), update paths and members (lock estimate, checks).
fn answers(client: &mut Client) -> String {
    let state = client
        .query_one(
            "SELECT pg_catalog.concat_ws(' | ', installed_version, default_version, newest_available_version,
                                         target_release, target_version)
             FROM promscale_upgrade_state()",
            &[],
        )
        .unwrap()
        .get::<_, String>(0);
    let estimate = client
        .query_one(
            "SELECT path || ' | ' || locks_needed || ' | ' || breakdown::text FROM promscale_upgrade_lock_estimate()",
            &[],
        )
        .unwrap()
        .get::<_, String>(0);
    let checks: Vec<String> = client
        .query("SELECT check_name || ': ' || status || ': ' || detail FROM promscale_upgrade_checks()", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    format!("state: {state}\nestimate: {estimate}\nchecks:\n{}", checks.join("\n"))
}

/// The warm session's answers after a change: the same as a new session's,
/// and not what they were before it.
fn refreshed(cluster: &Cluster, db: &str, warm: &mut Client, before: &str, change: &str) -> String {
    let now = answers(warm);
    let fresh = answers(&mut cluster.connect(db));
    assert_eq!(now, fresh, "after {change}, the session that answered before answers as a new session does");
    assert_ne!(now, *before, "{change} changes the answers (else this case tests nothing)");
    now
}

#[test]
fn kept_facts_are_read_again_after_every_change() {
    let _one = one_at_a_time();
    let cluster = Cluster::start("kept", port(26), &["max_locks_per_transaction = 256"]);
    let _restore = PrefixChanges::guard();
    let db = cluster.promscale_db("kept", "--version 0.7.0 --metrics 5 --chunks 1 --spans 10");
    let mut warm = cluster.connect(&db);
    let mut before = answers(&mut warm);
    assert_eq!(before, answers(&mut warm), "answers are stable while nothing changes");
    assert!(before.contains("0.7.0 | 0.8.0 | 0.8.0"), "{before}");

    // A view on prom_info.metric, which the 0.8.0 update recreates, made in
    // another session; then made a member of promscale (no longer in the
    // way: only pg_depend changes); then dropped.
    let mut other = cluster.connect(&db);
    other.batch_execute("CREATE VIEW public.kept_probe AS SELECT * FROM prom_info.metric").unwrap();
    before = refreshed(&cluster, &db, &mut warm, &before, "a view on prom_info.metric");
    assert!(before.contains("view public.kept_probe"), "{before}");
    other.batch_execute("ALTER EXTENSION promscale ADD VIEW public.kept_probe").unwrap();
    before = refreshed(&cluster, &db, &mut warm, &before, "that view made a member of promscale");
    other.batch_execute("ALTER EXTENSION promscale DROP VIEW public.kept_probe; DROP VIEW public.kept_probe").unwrap();
    before = refreshed(&cluster, &db, &mut warm, &before, "that view dropped");

    // Issue 26, finding 13: the same through another extension, which a
    // role that is no superuser created (citext is trusted): a view on
    // prom_info.metric made a member of citext is not in the way; dropped
    // from citext (only pg_depend changes, not promscale's members, and no
    // invalidation is sent) it is in the way again, at once.
    other
        .batch_execute(
            "DROP ROLE IF EXISTS kept_facts_owner; CREATE ROLE kept_facts_owner LOGIN;
             GRANT CREATE ON DATABASE kept TO kept_facts_owner; GRANT CREATE ON SCHEMA public TO kept_facts_owner;
             GRANT USAGE ON SCHEMA prom_info TO kept_facts_owner; GRANT SELECT ON prom_info.metric TO kept_facts_owner",
        )
        .unwrap();
    let mut owner = cluster.connect_user(&db, "kept_facts_owner", "guard-test");
    owner
        .batch_execute(
            "CREATE EXTENSION citext; CREATE VIEW public.kept_citext_probe AS SELECT * FROM prom_info.metric",
        )
        .unwrap();
    let in_the_way = refreshed(&cluster, &db, &mut warm, &before, "a view on prom_info.metric (as another role)");
    assert!(in_the_way.contains("view public.kept_citext_probe"), "{in_the_way}");
    owner.batch_execute("ALTER EXTENSION citext ADD VIEW public.kept_citext_probe").unwrap();
    before = refreshed(&cluster, &db, &mut warm, &in_the_way, "that view made a member of citext");
    owner.batch_execute("ALTER EXTENSION citext DROP VIEW public.kept_citext_probe").unwrap();
    before = refreshed(&cluster, &db, &mut warm, &before, "that view dropped from citext");
    assert_eq!(before, in_the_way, "the view is in the way again");
    let dependents = harness::check(&mut warm, None, "prom_info_metric_dependents");
    assert_eq!(dependents.status, "fail", "{dependents:?}");
    let ready: bool = warm.query_one("SELECT promscale_upgrade_ready()", &[]).unwrap().get(0);
    assert!(!ready, "the warm session is not ready either");
    // (As the superuser: the stand-in TimescaleDB's sql_drop trigger reads
    // its catalog, which the owner may not.)
    other.batch_execute("DROP VIEW public.kept_citext_probe; DROP EXTENSION citext").unwrap();
    before = refreshed(&cluster, &db, &mut warm, &before, "that view dropped");

    // A new script in the extension directory: a new available version.
    PrefixChanges::add_update_script();
    before = refreshed(&cluster, &db, &mut warm, &before, "a new script in the extension directory");
    assert!(before.contains("| 0.8.1 |"), "0.8.1 is available now: {before}");

    // The control file's default_version.
    PrefixChanges::set_default_version("0.8.1");
    before = refreshed(&cluster, &db, &mut warm, &before, "a new default_version");
    assert!(before.contains("0.7.0 | 0.8.1 | 0.8.1"), "{before}");

    // ALTER EXTENSION promscale UPDATE in another session (break-glass: the
    // guard refuses it otherwise): installed version, members and paths.
    other
        .batch_execute(
            "SET promscale_upgrade_guard.allow_manual_update = on;
             ALTER EXTENSION promscale UPDATE TO '0.8.0';
             RESET promscale_upgrade_guard.allow_manual_update;",
        )
        .unwrap();
    before = refreshed(&cluster, &db, &mut warm, &before, "ALTER EXTENSION promscale UPDATE in another session");
    assert!(before.contains("UPDATE TO '0.8.1' from 0.8.0"), "{before}");

    // A member dropped from the extension, then added back: only pg_depend
    // changes, which sends no invalidation.
    let member: String = other
        .query_one(
            "SELECT p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_depend d
             JOIN pg_catalog.pg_proc p ON p.oid = d.objid
             WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.deptype = 'e'
               AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'promscale')
             ORDER BY p.oid LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    other.batch_execute(&format!("ALTER EXTENSION promscale DROP FUNCTION {member}")).unwrap();
    before = refreshed(&cluster, &db, &mut warm, &before, "ALTER EXTENSION promscale DROP FUNCTION");
    other.batch_execute(&format!("ALTER EXTENSION promscale ADD FUNCTION {member}")).unwrap();
    before = refreshed(&cluster, &db, &mut warm, &before, "ALTER EXTENSION promscale ADD FUNCTION");

    // A GRANT on a member routine to a role no Promscale object named yet:
    // the routines' referenced roles change, and only the invalidation of
    // the routine's catalog entry tells.
    other
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS kept_facts_reader; CREATE ROLE kept_facts_reader;
             GRANT EXECUTE ON FUNCTION {member} TO kept_facts_reader"
        ))
        .unwrap();
    before = refreshed(&cluster, &db, &mut warm, &before, "a GRANT on a member routine");

    // The same inside the warm session's own transaction, then rolled back.
    let mut tx = warm.transaction().unwrap();
    tx.batch_execute(&format!("REVOKE EXECUTE ON FUNCTION {member} FROM kept_facts_reader")).unwrap();
    let inside: String =
        tx.query_one("SELECT breakdown::text FROM promscale_upgrade_lock_estimate()", &[]).unwrap().get(0);
    tx.rollback().unwrap();
    assert!(!before.contains(&inside), "the REVOKE in the transaction is seen there");
    assert_eq!(answers(&mut warm), before, "and forgotten when it rolls back");
    assert_eq!(answers(&mut cluster.connect(&db)), before);

    // The scripts in a directory the control file names: a new script there
    // changes neither the extension directory nor the control file.
    PrefixChanges::use_script_directory();
    let moved = answers(&mut warm);
    assert_eq!(moved, answers(&mut cluster.connect(&db)), "after the scripts moved to their own directory");
    PrefixChanges::add_script_to_script_directory();
    before = refreshed(&cluster, &db, &mut warm, &moved, "a new script in the control file's script directory");
    assert!(before.contains("| 0.8.2 |"), "0.8.2 is available now: {before}");

    cluster.stop();
}

/// The connector's update as `c` (holding the migration lease for it)
/// sees it: the lock estimate, and whether the trigger lets the update run
/// (it is rolled back) or refuses it with which SQLSTATE.
fn update_decision(c: &mut Client) -> (i64, Result<(), String>) {
    let locks: i64 = c.query_one("SELECT locks_needed FROM promscale_upgrade_lock_estimate()", &[]).unwrap().get(0);
    c.execute("SELECT pg_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap();
    let mut tx = c.transaction().unwrap();
    let outcome = tx
        .batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'")
        .map_err(|e| e.code().map_or_else(|| e.to_string(), |code| code.code().to_string()));
    tx.rollback().unwrap();
    c.execute("SELECT pg_advisory_unlock($1)", &[&CONNECTOR_KEY]).unwrap();
    (locks, outcome)
}

/// A DO block in an update script that creates `bound` tables, which the
/// guard's scan counts (a literal loop); `bound` is padded so that
/// scripts with different bounds have the same size.
fn tables_loop(bound: &str) -> String {
    format!(
        "DO $$ BEGIN FOR i IN 1..{bound:<4} LOOP EXECUTE pg_catalog.format('CREATE TABLE public.kept_cp_%s (x int)', i); END LOOP; END $$;\n"
    )
}

/// Issue 26, finding 12: an update script copied over the old one in place
/// (`cp`: the same inode, the extension directory's stamp unchanged). The
/// connector's long-lived backend, which estimated the update before, must
/// decide its next try as a new backend does: refuse it at once (53400)
/// when the new script needs more lock entries than the table holds, and
/// let it run when a script of the same size and modification time (only
/// the change time differs) needs few again.
#[test]
fn a_script_copied_over_in_place_is_read_again() {
    let _one = one_at_a_time();
    // A small lock table: 64 x (20 connections + the server's own backends).
    let cluster = Cluster::start("kept_cp", port(27), &["max_locks_per_transaction = 64", "max_connections = 20"]);
    let _restore = PrefixChanges::guard();
    let db = cluster.promscale_db("kept_cp", "--version 0.7.0 --metrics 5 --chunks 1 --spans 10");
    let file = "promscale--0.7.0--0.8.0.sql";
    let path = format!("{}/{file}", extension_dir());
    let original = std::fs::read_to_string(&path).unwrap();
    let capacity: i64 = cluster
        .connect(&db)
        .query_one("SELECT lock_capacity FROM promscale_upgrade_lock_estimate()", &[])
        .unwrap()
        .get(0);

    let mut warm = cluster.connect(&db);
    let first = update_decision(&mut warm);
    assert_eq!(first, update_decision(&mut cluster.connect(&db)));
    assert!(first.0 < capacity && first.1.is_ok(), "the stand-in's update fits {capacity} entries: {first:?}");

    // Well after the warm backend's scan (its stamp settled, so kept),
    // a script that creates 1,000 more tables is copied over in place.
    let inode = |path: &str| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap());
    let before_copy = inode(&path);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    PrefixChanges::copy_over(file, &format!("{original}{}", tables_loop("1000")), false);
    assert_eq!(inode(&path), before_copy, "cp writes in place");
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let bigger = update_decision(&mut warm);
    assert_eq!(bigger, update_decision(&mut cluster.connect(&db)), "the warm backend decides as a new one");
    assert!(bigger.0 > capacity, "{bigger:?} against {capacity}");
    assert_eq!(bigger.1, Err("53400".to_string()), "refused at once by fail-fast: {bigger:?}");

    // The same size, the modification time set back to the nanosecond:
    // only the change time differs. One table again: it fits.
    let stamp = |path: &str| {
        let m = std::fs::metadata(path).unwrap();
        (m.len(), m.modified().unwrap())
    };
    let bigger_stamp = stamp(&path);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    PrefixChanges::copy_over(file, &format!("{original}{}", tables_loop("1")), true);
    assert_eq!((stamp(&path), inode(&path)), (bigger_stamp, before_copy), "size, mtime and inode as they were");
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let smaller = update_decision(&mut warm);
    assert_eq!(smaller, update_decision(&mut cluster.connect(&db)), "the warm backend decides as a new one");
    assert!(smaller.0 < capacity && smaller.1.is_ok(), "{smaller:?}");

    cluster.stop();
}
