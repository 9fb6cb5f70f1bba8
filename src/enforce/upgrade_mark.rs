//! The mark of a Promscale upgrade in progress: when the trigger allows a
//! promscale CREATE or UPDATE, its transaction takes a lock that no SQL
//! statement can take, an ACCESS SHARE object lock on the guard's own
//! extension with a sub-id PostgreSQL never uses (`MARK_OBJSUBID`). Every
//! session sees it in `pg_locks` (`locktype = 'object'`, `classid =
//! 'pg_extension'::regclass`, `objid` = the guard's extension, `objsubid =
//! 21831`) for as long as the upgrade's transaction lasts, whatever
//! statement it runs meanwhile, and it goes with the transaction (or the
//! subtransaction that rolled the upgrade back), with nothing to clean up
//! after a crash. Advisory locks would not do: any role can take them, and
//! so fake an upgrade; query text would not either: a comment fakes it,
//! another spelling hides it.
//!
//! ACCESS SHARE conflicts with nothing PostgreSQL takes on the extension
//! (DROP EXTENSION locks sub-id 0), and the request never waits.
//!
//! Beside the mark, the same transaction publishes the lock estimate made
//! for it (what `promscale_upgrade_progress()` measures the locks held
//! against): one more such lock, sub-id `ESTIMATE_OBJSUBID`, whose `objid`
//! is the number of entries estimated (`classid` pg_extension, as above),
//! and, when a rehearsal of the same path says how long it takes, a third,
//! sub-id `EXPECTED_OBJSUBID`, whose `objid` is that duration in
//! milliseconds (scaled to this catalog: `rehearsal_history`).

use pgrx::pg_sys;

use crate::catalog::upgrade_mark::{ESTIMATE_OBJSUBID, EXPECTED_OBJSUBID, MARK_OBJSUBID};

/// Marks the current transaction as a Promscale upgrade, with its lock
/// estimate when one was made and the duration a rehearsal expects (a
/// no-op for what is held already, or while the guard is being created or
/// dropped).
pub fn take(locks_estimated: Option<i64>, expected_seconds: Option<f64>) {
    // SAFETY: a catalog lookup by name that returns InvalidOid when missing.
    let guard = unsafe { pg_sys::get_extension_oid(c"promscale_upgrade_guard".as_ptr(), true) };
    if guard == pg_sys::InvalidOid {
        return;
    }
    acquire(guard.to_u32(), MARK_OBJSUBID);
    if let Some(estimate) = locks_estimated {
        acquire(u32::try_from(estimate.max(0)).unwrap_or(u32::MAX), ESTIMATE_OBJSUBID);
    }
    if let Some(seconds) = expected_seconds.filter(|s| s.is_finite() && *s >= 0.0) {
        // In milliseconds, within what an objid holds (49 days).
        acquire((seconds * 1000.0).round().clamp(1.0, f64::from(u32::MAX)) as u32, EXPECTED_OBJSUBID);
    }
}

fn acquire(objid: u32, objsubid: u16) {
    let tag = pg_sys::LOCKTAG {
        // SAFETY: MyDatabaseId is set when the backend connects to its database.
        locktag_field1: unsafe { pg_sys::MyDatabaseId }.to_u32(),
        locktag_field2: pg_sys::ExtensionRelationId.to_u32(),
        locktag_field3: objid,
        locktag_field4: objsubid,
        locktag_type: pg_sys::LockTagType::LOCKTAG_OBJECT as u8,
        locktag_lockmethodid: pg_sys::DEFAULT_LOCKMETHOD as u8,
    };
    // SAFETY: a transaction-level lock request that does not wait (dontWait);
    // it is released by PostgreSQL at the end of the (sub)transaction.
    unsafe {
        pg_sys::LockAcquire(&tag, pg_sys::AccessShareLock as pg_sys::LOCKMODE, false, true);
    }
}
