//! What a backend keeps between calls (src/snapshot/kept.rs) is read again
//! whenever it changes: a session that has answered before gives, after each
//! change, the same answers as a session that never did, and the answers
//! show the change. Each way the kept facts must refresh is one change here:
//! a new script in the extension directory, a new default_version in the
//! control file, ALTER EXTENSION promscale UPDATE in another session, a
//! member dropped from and added back to the extension, a GRANT that only
//! PostgreSQL's invalidation messages tell about, a user view on
//! prom_info.metric made, made a member, and dropped, and a new script in
//! the script directory a control file names.
//!
//! A test binary of its own: it adds a stand-in script to the private
//! prefix and edits the promscale control file there, so no other test may
//! run meanwhile (cargo runs test binaries one after another). Run by
//! `scripts/test.sh`:
//!     cargo test --features integration --test kept_facts

#[path = "harness.rs"]
#[allow(dead_code)]
mod harness;

use harness::{bash, port, Cluster};
use postgres::Client;

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
