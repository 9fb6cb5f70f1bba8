//! Issue 26, finding 8: temporary tables are no part of the database's
//! catalog. A plain role (TEMP is PUBLIC's by default) that keeps a session
//! open with thousands of temporary tables must not change the catalog
//! size the guard compares and scales rehearsals by: before the fix, 6,000
//! of them made `expected_duration` grow 27-fold, turned `rehearsed` into a
//! warning ("only on a much smaller catalog") and flagged a genuine import
//! as "from a smaller catalog". The caller's own temporary tables do not
//! count either: a report must not depend on who asks.

use postgres::Client;

use crate::harness::{check, Cluster};
use crate::rehearsal_carry::copy_of;

/// What the catalog's size feeds, as a session sees it: the published
/// formula's lock count (400 plus the relations), the expected duration
/// (scaled by the relations), and the `rehearsed` check.
fn sized(c: &mut Client) -> (i64, Option<f64>, String, String) {
    let row = c
        .query_one(
            "SELECT published_formula_locks, EXTRACT(epoch FROM expected_duration)::float8
             FROM promscale_upgrade_lock_estimate()",
            &[],
        )
        .unwrap();
    let rehearsed = check(c, None, "rehearsed");
    (row.get(0), row.get(1), rehearsed.status, rehearsed.detail)
}

/// `tables` temporary tables in the session of `c`, in batches of 500
/// (each batch's transaction holds one lock per table it creates).
fn create_temp_tables(c: &mut Client, prefix: &str, tables: u32) {
    for start in (1..=tables).step_by(500) {
        let end = (start + 499).min(tables);
        c.batch_execute(&format!(
            "DO $$ BEGIN FOR i IN {start}..{end} LOOP
                 EXECUTE pg_catalog.format('CREATE TEMP TABLE {prefix}_%s (id int)', i);
             END LOOP; END $$"
        ))
        .unwrap();
    }
}

#[test]
fn other_sessions_temporary_tables_do_not_change_the_catalog_size() {
    let cluster = Cluster::shared();
    let db = cluster.promscale_db("sec_temp", "--version 0.7.0 --metrics 5 --chunks 1 --spans 10");
    let copy = copy_of(cluster, &db, "sec_temp_copy");
    let record: String = {
        let mut c = cluster.connect(&copy);
        let ok: bool = c.query_one("SELECT succeeded FROM promscale_upgrade_rehearse()", &[]).unwrap().get(0);
        assert!(ok, "the copy's rehearsal succeeds");
        c.query_one("SELECT promscale_upgrade_rehearsal_export()::text", &[]).unwrap().get(0)
    };
    let mut admin = cluster.connect(&db);
    let ok: bool = admin.query_one("SELECT succeeded FROM promscale_upgrade_rehearse()", &[]).unwrap().get(0);
    assert!(ok, "the rehearsal succeeds");

    let mut warm = cluster.connect(&db);
    let before = sized(&mut warm);
    assert_eq!(before.2, "ok", "rehearsed here: {before:?}");
    assert!(before.1.is_some(), "an expected duration: {before:?}");
    assert_eq!(before, sized(&mut cluster.connect(&db)));

    // The attack: a plain role keeps 3,000 temporary tables open (the
    // database has about 200 relations of its own).
    admin
        .batch_execute(
            "DO $$ BEGIN CREATE ROLE sec_temp_tables LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
             ALTER ROLE sec_temp_tables NOSUPERUSER NOCREATEDB NOCREATEROLE",
        )
        .unwrap();
    let mut attacker = cluster.connect_user(&db, "sec_temp_tables", "guard-test");
    create_temp_tables(&mut attacker, "sec_temp", 3000);
    let temporary: i64 =
        admin.query_one("SELECT count(*) FROM pg_catalog.pg_class WHERE relpersistence = 't'", &[]).unwrap().get(0);
    assert!(temporary >= 3000, "{temporary} temporary relations");

    assert_eq!(sized(&mut warm), before, "a session that asked before sees the same catalog");
    assert_eq!(sized(&mut cluster.connect(&db)), before, "a new session sees the same catalog");
    // The caller's own temporary tables do not count either.
    create_temp_tables(&mut admin, "sec_temp_own", 500);
    assert_eq!(sized(&mut admin), before, "nor does the caller's own");

    // A genuine rehearsal of a copy of this database is imported as one of
    // a comparable catalog.
    let (stored, flagged): (bool, bool) = admin
        .query_one(
            "SELECT stored, from_smaller_catalog FROM promscale_upgrade_rehearsal_import($1::text::jsonb)",
            &[&record],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert!(stored && !flagged, "stored {stored}, from a smaller catalog {flagged}");
    drop(attacker);
}
