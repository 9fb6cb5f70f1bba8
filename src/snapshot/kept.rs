//! Facts a backend keeps between calls, because they change only when files
//! or the promscale extension change: the versions on disk and their update
//! paths, the scans of the scripts, and the extension's members with what
//! they reference (issue 19: on a small database these reads were most of
//! what a call cost, bench/results/performance.md).
//!
//! Each kept value carries the key it was read under and is read again as
//! soon as the key differs. The keys:
//! - files: each file's or directory's own `Stamp` (device, inode, size,
//!   modification and change times with their nanoseconds), checked at
//!   every use: the extension directory and the control files for the
//!   versions on disk (a new script changes the directory's, an edited
//!   control file its own), any other script directory a control file
//!   names, and every script file a path runs for its scan (a script
//!   copied over in place, `cp`, keeps the inode and the directory's stamp
//!   but not its change time). A stamp is trusted only once it is older
//!   than `SETTLE_NS` at the read (`Stamp::settled`): a file written twice
//!   within one tick of the file system's clock keeps its times, so a fact
//!   read from a file changed that recently is used once and not kept;
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
//! invalidation came before. "Not for long" is not enough for the event
//! trigger, which refuses or allows a command on what it reads: a commit is
//! visible to others a moment before its invalidation is sent. So the
//! trigger reads every kept catalog fact afresh (`reading_fresh`), and the
//! file facts it uses are checked against their stamps at the command.

use std::cell::{Cell, RefCell};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::thread::LocalKey;

use pgrx::pg_sys;
use pgrx::prelude::*;

/// What identifies a file's or directory's content for the cache: which
/// file (device and inode: a file replaced by `mv` or a symlink pointed
/// elsewhere is another one), its size, and its modification and change
/// times with their nanoseconds. Writing in place (`cp` over it) keeps the
/// inode and can keep the size; `touch -d` or `cp -p` can set the
/// modification time back; the change time no one can set, and any write,
/// `chmod` or `touch` moves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    pub device: u64,
    pub inode: u64,
    pub len: u64,
    pub modified_ns: i128,
    pub changed_ns: i128,
}

/// How old a stamp must be at a read for what was read to be kept: more
/// than the coarsest clock a file system stamps times with (a kernel tick
/// on ext4, xfs, btrfs, tmpfs and overlayfs; a second on ext3 and HFS+;
/// two seconds for FAT's modification time).
pub const SETTLE_NS: i128 = 2_100_000_000;

impl Stamp {
    fn of(m: &std::fs::Metadata) -> Stamp {
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        Stamp {
            device: m.dev(),
            inode: m.ino(),
            len: m.len(),
            modified_ns: ns(m.mtime(), m.mtime_nsec()),
            changed_ns: ns(m.ctime(), m.ctime_nsec()),
        }
    }

    /// Whether a read that began at `read_at_ns` (wall clock, ns since the
    /// Unix epoch) may be kept under this stamp: the file's last change is
    /// older than `SETTLE_NS`, so any later write gets other times. A file
    /// changed within that time (or stamped in the future: a skewed clock)
    /// may be written again within the same tick of its clock without its
    /// stamp changing ("racy" files, as git calls them): what was read is
    /// used for this call only.
    pub fn settled(&self, read_at_ns: i128) -> bool {
        self.changed_ns.max(self.modified_ns) <= read_at_ns - SETTLE_NS
    }
}

/// The stamp of `path` (following symlinks), None when it cannot be read.
pub fn stamp(path: &Path) -> Option<Stamp> {
    std::fs::metadata(path).ok().map(|m| Stamp::of(&m))
}

/// The stamp of an open file: of exactly what is read through it.
pub fn stamp_of_open(file: &std::fs::File) -> Option<Stamp> {
    file.metadata().ok().map(|m| Stamp::of(&m))
}

/// The wall clock in ns since the Unix epoch: the time a read began, which
/// `Stamp::settled` compares with.
pub fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX))
}

/// Stamps of a list of paths: the key of facts read from those files.
pub type Stamps = Vec<(PathBuf, Option<Stamp>)>;

pub fn stamps<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Stamps {
    paths.into_iter().map(|p| (p.to_path_buf(), stamp(p))).collect()
}

/// Whether facts read from the files of `stamps`, in a read that began at
/// `read_at_ns`, may be kept: every stamp settled (a missing file is
/// settled: its creation changes its directory's stamp).
pub fn all_settled(stamps: &Stamps, read_at_ns: i128) -> bool {
    stamps.iter().all(|(_, s)| s.is_none_or(|s| s.settled(read_at_ns)))
}

/// A slot holding one value and the key it was read under.
pub type Slot<K, V> = RefCell<Option<(K, V)>>;

thread_local! {
    /// Set while the trigger reads: nothing kept is used, all is read.
    static FRESH: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with every kept catalog fact read afresh (and kept again, for
/// later calls): the event trigger's reads, whose decisions must rest on
/// facts as new as the command's own snapshot. Kept file facts are checked
/// against their stamps at every use anyway.
pub fn reading_fresh<T>(f: impl FnOnce() -> T) -> T {
    /// Puts the flag back, also when `f` raises an ERROR (which unwinds).
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            FRESH.with(|fresh| fresh.set(self.0));
        }
    }
    let _restore = Restore(FRESH.with(|fresh| fresh.replace(true)));
    f()
}

/// Whether kept facts must be read afresh now (`reading_fresh`).
pub fn must_read_fresh() -> bool {
    FRESH.with(Cell::get)
}

/// The value kept in `slot` when its key is `key` (and not
/// `reading_fresh`); otherwise `read()`, kept under `key`.
pub fn kept_or_read<K: PartialEq, V: Clone>(
    slot: &'static LocalKey<Slot<K, V>>,
    key: K,
    read: impl FnOnce() -> V,
) -> V {
    if !must_read_fresh() {
        if let Some(v) = slot.with(|s| s.borrow().as_ref().filter(|(k, _)| *k == key).map(|(_, v)| v.clone())) {
            return v;
        }
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

    /// A script copied over in place with its size kept and its
    /// modification time set back (`cp` then `touch -d`, or `cp -p`): the
    /// inode, the size and the modification time are as they were, the
    /// change time is not.
    #[test]
    fn a_file_rewritten_in_place_with_its_size_and_modification_time_kept_has_another_stamp() {
        let dir = std::env::temp_dir().join(format!("guard-kept-inplace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("promscale--9.9.8--9.9.9.sql");
        std::fs::write(&file, "CREATE TABLE a (x int);").unwrap();
        let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
        let before = stamp(&file).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&file, "-- not a table here....").unwrap();
        std::fs::File::options().write(true).open(&file).unwrap().set_modified(modified).unwrap();
        let after = stamp(&file).unwrap();
        assert_eq!(
            (after.device, after.inode, after.len, after.modified_ns),
            (before.device, before.inode, before.len, before.modified_ns)
        );
        assert_ne!(after, before, "the change time tells");
        assert_ne!(stamp_of_open(&std::fs::File::open(&file).unwrap()), Some(before));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_a_stamp_older_than_the_file_systems_clock_tick_is_settled() {
        let at = |changed_ns: i128, modified_ns: i128| Stamp { device: 1, inode: 2, len: 3, modified_ns, changed_ns };
        let now = 1_700_000_000_000_000_000_i128;
        assert!(at(now - SETTLE_NS, now - SETTLE_NS).settled(now));
        assert!(!at(now - SETTLE_NS + 1, now - 10 * SETTLE_NS).settled(now), "changed just now");
        assert!(!at(now - 10 * SETTLE_NS, now - 1).settled(now), "a modification time set ahead of the change time");
        assert!(!at(now + SETTLE_NS, now + SETTLE_NS).settled(now), "stamped in the future: a skewed clock");
        let stamps: Stamps = vec![(PathBuf::from("/a"), Some(at(0, 0))), (PathBuf::from("/b"), None)];
        assert!(all_settled(&stamps, now), "a missing file is settled");
        let racy: Stamps = vec![(PathBuf::from("/a"), Some(at(0, 0))), (PathBuf::from("/c"), Some(at(now, now)))];
        assert!(!all_settled(&racy, now));
    }

    #[test]
    fn reading_fresh_skips_what_is_kept_and_ends_with_its_call() {
        thread_local! {
            static SLOT: Slot<u32, u32> = const { RefCell::new(None) };
        }
        assert_eq!(kept_or_read(&SLOT, 1, || 10), 10);
        assert_eq!(kept_or_read(&SLOT, 1, || 11), 10, "kept");
        assert_eq!(reading_fresh(|| kept_or_read(&SLOT, 1, || 12)), 12, "read afresh, and kept");
        assert!(!must_read_fresh());
        assert_eq!(kept_or_read(&SLOT, 1, || 13), 12);
        let unwound = std::panic::catch_unwind(|| reading_fresh(|| panic!("an ERROR unwinds")));
        assert!(unwound.is_err());
        assert!(!must_read_fresh(), "put back when the read raised an ERROR");
    }
}
