//! What happens when the guard's shared library is missing (a package
//! removed, a half-finished upgrade of the guard): the event trigger's
//! function cannot be loaded, so every command its WHEN TAG filter matches
//! (ALTER EXTENSION, CREATE EXTENSION) fails in the databases that have the
//! guard. Everything else must keep working, and the documented ways out
//! must work without the library: DROP EXTENSION promscale_upgrade_guard,
//! or ALTER EVENT TRIGGER ... DISABLE, then restoring the library.
//!
//! A test binary of its own: it moves the .so of the private prefix away
//! and back, so no other test may run meanwhile (cargo runs test binaries
//! one after another). Run by `scripts/test.sh`:
//!     cargo test --features integration --test missing_library

#[path = "harness.rs"]
#[allow(dead_code)]
mod harness;

use std::path::PathBuf;

use harness::{bash, port, Cluster};
use postgres::error::DbError;

/// Moves the library away; puts it back when dropped, even on panic.
struct MovedLibrary {
    path: PathBuf,
    away: PathBuf,
}

impl MovedLibrary {
    fn move_away() -> MovedLibrary {
        let dir = bash("source scripts/env.sh && \"$PG_CONFIG\" --pkglibdir").trim().to_string();
        let path = PathBuf::from(dir).join("promscale_upgrade_guard.so");
        assert!(path.starts_with(harness::project_root().join("target")), "only the private prefix: {path:?}");
        let away = path.with_extension("so.moved-by-test");
        std::fs::rename(&path, &away).expect("move the library away");
        MovedLibrary { path, away }
    }
}

impl Drop for MovedLibrary {
    fn drop(&mut self) {
        std::fs::rename(&self.away, &self.path).expect("restore the library");
    }
}

fn db_error(result: Result<impl std::fmt::Debug, postgres::Error>) -> DbError {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.as_db_error().unwrap_or_else(|| panic!("not a server error: {e}")).clone(),
    }
}

fn assert_library_missing(result: Result<impl std::fmt::Debug, postgres::Error>) {
    let e = db_error(result);
    assert_eq!(e.code().code(), "58P01", "{e:?}");
    assert!(e.message().contains("could not access file \"$libdir/promscale_upgrade_guard\""), "{e:?}");
}

fn assert_guard_refuses(client: &mut postgres::Client) {
    let e = db_error(client.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'"));
    assert_eq!(e.code().code(), "55000", "{e:?}");
}

const ORDINARY_DDL: &str = "
    CREATE SCHEMA nolib;
    CREATE TABLE nolib.t (x int);
    ALTER TABLE nolib.t ADD COLUMN y int;
    CREATE INDEX ON nolib.t (x);
    CREATE VIEW nolib.v AS SELECT * FROM nolib.t;
    CREATE FUNCTION nolib.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
    COMMENT ON TABLE nolib.t IS 'still works';
    GRANT SELECT ON nolib.t TO pg_monitor;
    DROP SCHEMA nolib CASCADE;";

#[test]
fn ddl_is_not_bricked_when_the_library_is_missing() {
    let cluster = Cluster::start("it_nolib", port(6), &[]);
    let mut dbs = Vec::new();
    for db in ["nolib_drop", "nolib_disable"] {
        cluster.fresh_db(db);
        cluster
            .connect(db)
            .batch_execute("CREATE EXTENSION timescaledb; CREATE EXTENSION promscale VERSION '0.7.0'")
            .unwrap();
        dbs.push(db);
    }

    let moved = MovedLibrary::move_away();
    let mut a = cluster.connect("nolib_drop");
    // Ordinary DDL never calls the trigger (WHEN TAG filter), nor does DML.
    a.batch_execute(ORDINARY_DDL).unwrap();
    a.batch_execute("CREATE TEMP TABLE x AS SELECT 1 AS one; DROP TABLE x").unwrap();
    // Extension commands fail: the trigger's function cannot be loaded.
    assert_library_missing(a.batch_execute("ALTER EXTENSION promscale UPDATE TO '0.8.0'"));
    assert_library_missing(a.batch_execute("CREATE EXTENSION IF NOT EXISTS plpgsql"));
    assert_library_missing(a.query("SELECT promscale_upgrade_ready()", &[]));
    assert_eq!(
        a.query_one("SELECT extversion FROM pg_extension WHERE extname = 'promscale'", &[])
            .unwrap()
            .get::<_, String>(0),
        "0.7.0"
    );

    // Way out 1: DROP EXTENSION needs no library (DROP EXTENSION is not in
    // the trigger's tags, and dropping a C function does not load it).
    a.batch_execute("DROP EXTENSION promscale_upgrade_guard").unwrap();
    a.batch_execute("CREATE EXTENSION IF NOT EXISTS plpgsql").unwrap();
    // Installing the guard again needs the library.
    assert_library_missing(a.batch_execute("CREATE EXTENSION promscale_upgrade_guard"));

    // Way out 2: disable the trigger (ALTER EVENT TRIGGER fires no trigger).
    let mut b = cluster.connect("nolib_disable");
    b.batch_execute(ORDINARY_DDL).unwrap();
    b.batch_execute("ALTER EVENT TRIGGER promscale_upgrade_guard_connector_path DISABLE").unwrap();
    b.batch_execute("CREATE EXTENSION IF NOT EXISTS plpgsql").unwrap();

    // The library is back: new sessions are guarded again once the operator
    // re-creates or re-enables the guard.
    drop(moved);
    let mut a = cluster.connect("nolib_drop");
    a.batch_execute("CREATE EXTENSION promscale_upgrade_guard").unwrap();
    assert_guard_refuses(&mut a);
    let mut b = cluster.connect("nolib_disable");
    b.batch_execute("ALTER EVENT TRIGGER promscale_upgrade_guard_connector_path ENABLE ALWAYS").unwrap();
    assert_guard_refuses(&mut b);
    b.batch_execute("SELECT promscale_upgrade_ready()").unwrap();
    cluster.stop();
}
