//! Facts a backend keeps between calls, because they change only when files
//! or the promscale extension change: the versions on disk and their update
//! paths, the scans of the scripts, and the extension's members with what
//! they reference (issue 19: on a small database these reads were most of
//! what a call cost, bench/results/performance.md).
//!
//! Each kept value carries the key it was read under and is read again as
//! soon as the key differs. The keys:
//! - files: the extension directory's and the control files' stamps
//!   (modification and change times, size, inode; a new script changes the
//!   directory's, an edited control file its own), and the stamp of any
//!   other script directory a control file names;
//! - the catalog: the promscale row of `pg_extension` (oid and version), a
//!   signature of its member list in `pg_depend` (which sends no
//!   invalidation: `ALTER EXTENSION ... ADD/DROP` changes only that), the
//!   fixed schemas' relations the relation pass found, and a generation
//!   counter that the invalidations PostgreSQL already sends bump (routines,
//!   types, operators, constraints, schemas, and any relation).
//!
//! A kept value is never wrong for long: an invalidation processed after the
//! generation was read bumps it again, and the catalog facts are read under
//! a snapshot taken after the generation, which sees every change whose
//! invalidation came before.

use std::cell::{Cell, RefCell};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::thread::LocalKey;

use pgrx::pg_sys;
use pgrx::prelude::*;

/// What identifies a file's or directory's content for the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    modified_ns: i128,
    changed_ns: i128,
    len: u64,
    inode: u64,
}

/// The stamp of `path`, None when it cannot be read.
pub fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
    Some(Stamp {
        modified_ns: ns(m.mtime(), m.mtime_nsec()),
        changed_ns: ns(m.ctime(), m.ctime_nsec()),
        len: m.len(),
        inode: m.ino(),
    })
}

/// Stamps of a list of paths: the key of facts read from those files.
pub type Stamps = Vec<(PathBuf, Option<Stamp>)>;

pub fn stamps<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Stamps {
    paths.into_iter().map(|p| (p.to_path_buf(), stamp(p))).collect()
}

/// A slot holding one value and the key it was read under.
pub type Slot<K, V> = RefCell<Option<(K, V)>>;

/// The value kept in `slot` when its key is `key`; otherwise `read()`,
/// kept under `key`.
pub fn kept_or_read<K: PartialEq, V: Clone>(
    slot: &'static LocalKey<Slot<K, V>>,
    key: K,
    read: impl FnOnce() -> V,
) -> V {
    if let Some(v) = slot.with(|s| s.borrow().as_ref().filter(|(k, _)| *k == key).map(|(_, v)| v.clone())) {
        return v;
    }
    let value = read();
    slot.with(|s| *s.borrow_mut() = Some((key, value.clone())));
    value
}

thread_local! {
    /// Bumped by every invalidation the catalog facts may depend on.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
}

/// The catalog generation: equal between two reads means no invalidation
/// of a routine, type, operator, constraint, schema or relation was
/// processed by this backend in between.
pub fn catalog_generation() -> u64 {
    GENERATION.with(Cell::get)
}

/// Marks every kept catalog fact as to be read again.
fn bump_generation() {
    GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
}

#[pg_guard]
unsafe extern "C-unwind" fn syscache_changed(_arg: pg_sys::Datum, _cacheid: std::ffi::c_int, _hash: u32) {
    bump_generation();
}

#[pg_guard]
unsafe extern "C-unwind" fn relcache_changed(_arg: pg_sys::Datum, _relid: pg_sys::Oid) {
    bump_generation();
}

/// Registers the invalidation callbacks; called once per backend, from
/// `_PG_init`. PostgreSQL calls them for every change of those catalogs
/// committed by any session (and for this session's own, at each command),
/// and for all of them after a cache reset.
pub fn register_invalidation_callbacks() {
    use pg_sys::SysCacheIdentifier::{CONSTROID, NAMESPACEOID, OPEROID, PROCOID, TYPEOID};
    // SAFETY: registers functions of this library (static lifetime) without
    // an argument; the callbacks only bump a counter, which is all an
    // invalidation callback may safely do.
    unsafe {
        for cache in [PROCOID, TYPEOID, OPEROID, CONSTROID, NAMESPACEOID] {
            pg_sys::CacheRegisterSyscacheCallback(
                cache as std::ffi::c_int,
                Some(syscache_changed),
                pg_sys::Datum::from(0),
            );
        }
        pg_sys::CacheRegisterRelcacheCallback(Some(relcache_changed), pg_sys::Datum::from(0));
    }
}

/// Runs `f` with a new snapshot, taken now, as the active one: the SPI
/// queries of a kept read (read-only, so they use the active snapshot) see
/// every change whose invalidation this backend has processed.
pub fn with_latest_snapshot<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: pushes a copy of the newest snapshot and pops it after; on an
    // ERROR, (sub)transaction abort pops what this level pushed.
    unsafe { pg_sys::PushActiveSnapshot(pg_sys::GetLatestSnapshot()) };
    let value = f();
    // SAFETY: the snapshot pushed above is the top of the stack: f returns
    // with what it pushed popped (SPI and our own code are balanced).
    unsafe { pg_sys::PopActiveSnapshot() };
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_changes_when_a_file_is_added_to_its_directory() {
        let dir = std::env::temp_dir().join(format!("guard-kept-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let before = stamp(&dir);
        assert!(before.is_some());
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.join("promscale--9.9.9.sql"), "-- new").unwrap();
        assert_ne!(stamp(&dir), before, "a new script changes the directory's stamp");
        let file = dir.join("promscale--9.9.9.sql");
        let written = stamp(&file);
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&file, "-- edited in place").unwrap();
        assert_ne!(stamp(&file), written, "an edit changes the file's stamp");
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(stamp(&dir), None);
    }
}
