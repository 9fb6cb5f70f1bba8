//! Does this backend hold the connector's advisory lock, and how?
//!
//! `pg_locks` cannot tell a session-level advisory lock (`pg_advisory_lock`,
//! `pg_try_advisory_lock`: what the connector's lease connection holds) from
//! a transaction-level one (`pg_advisory_xact_lock`): both are the same
//! shared-memory PROCLOCK with the same mode bit. The difference lives only
//! in the backend's local lock table (LOCALLOCK), where each holder of a
//! lock has an owner: a resource owner for transaction-level locks, NULL
//! for session locks. That table is private to lock.c, but
//! `LockAcquireExtended` hands back the LOCALLOCK of a lock:
//!
//! 1. `LockHeldByMe(tag, ExclusiveLock)` looks the tag up in the local table
//!    only; when false, the exclusive lock is not held here in any way.
//! 2. Otherwise `LockAcquireExtended(tag, ExclusiveLock, sessionLock = true,
//!    dontWait = true)` returns LOCKACQUIRE_ALREADY_HELD (or _CLEAR) and the
//!    LOCALLOCK, and only bumps local counters: a lock already held is
//!    re-granted locally without touching shared memory. The NULL-owner
//!    entry's count minus this one extra is the number of session-level
//!    holds.
//! 3. `LockRelease(tag, ExclusiveLock, sessionLock = true)` takes the extra
//!    count back; since the lock is still held, it returns before reaching
//!    shared memory.
//!
//! So the check neither waits nor changes what other sessions see.

use pgrx::pg_sys;

use super::decision::connector_lock::ConnectorLock;

/// The advisory lock tag of a bigint key, as `pg_advisory_lock(bigint)`
/// builds it (SET_LOCKTAG_INT64): this database, high and low 32 bits,
/// field4 = 1 (the `objsubid` of `pg_locks`).
fn advisory_tag(key: i64) -> pg_sys::LOCKTAG {
    let key = key as u64;
    pg_sys::LOCKTAG {
        // SAFETY: MyDatabaseId is set when the backend connects to its database.
        locktag_field1: unsafe { pg_sys::MyDatabaseId }.to_u32(),
        locktag_field2: (key >> 32) as u32,
        locktag_field3: key as u32,
        locktag_field4: 1,
        locktag_type: pg_sys::LockTagType::LOCKTAG_ADVISORY as u8,
        locktag_lockmethodid: pg_sys::USER_LOCKMETHOD as u8,
    }
}

/// `LockHeldByMe` for exactly `mode` (PostgreSQL 17 added `orstronger`).
unsafe fn held_by_me(tag: &pg_sys::LOCKTAG, mode: pg_sys::LOCKMODE) -> bool {
    #[cfg(any(feature = "pg17", feature = "pg18"))]
    unsafe {
        pg_sys::LockHeldByMe(tag, mode, false)
    }
    #[cfg(not(any(feature = "pg17", feature = "pg18")))]
    // SAFETY: tag is a valid LOCKTAG built by advisory_tag; LockHeldByMe only reads this backend's lock table.
    unsafe {
        pg_sys::LockHeldByMe(tag, mode)
    }
}

/// How many times this backend holds `mode` on `tag` at session level and at
/// transaction level. Precondition: `held_by_me(tag, mode)`.
unsafe fn holds_by_owner(tag: &pg_sys::LOCKTAG, mode: pg_sys::LOCKMODE) -> (i64, i64) {
    // SAFETY: the caller holds the lock (precondition), so its LOCALLOCK exists; its owners array is
    // read within numLockOwners.
    unsafe {
        let mut locallock: *mut pg_sys::LOCALLOCK = std::ptr::null_mut();
        let result = pg_sys::LockAcquireExtended(tag, mode, true, true, true, &mut locallock);
        if result != pg_sys::LockAcquireResult::LOCKACQUIRE_ALREADY_HELD
            && result != pg_sys::LockAcquireResult::LOCKACQUIRE_ALREADY_CLEAR
        {
            // Cannot happen after LockHeldByMe; undo whatever was done and
            // count nothing rather than guess.
            if result == pg_sys::LockAcquireResult::LOCKACQUIRE_OK {
                pg_sys::LockRelease(tag, mode, true);
            }
            return (0, 0);
        }
        let mut session = 0;
        let mut transaction = 0;
        if !locallock.is_null() && !(*locallock).lockOwners.is_null() {
            let owners =
                std::slice::from_raw_parts((*locallock).lockOwners, (*locallock).numLockOwners.max(0) as usize);
            for owner in owners {
                if owner.owner.is_null() {
                    session += owner.nLocks;
                } else {
                    transaction += owner.nLocks;
                }
            }
        }
        pg_sys::LockRelease(tag, mode, true);
        // Our own extra session-level hold is not the caller's.
        (session - 1, transaction)
    }
}

/// How this backend holds the advisory lock on `key` in this database.
pub fn connector_lock(key: i64) -> ConnectorLock {
    let tag = advisory_tag(key);
    let exclusive = pg_sys::ExclusiveLock as pg_sys::LOCKMODE;
    // SAFETY: tag is a valid LOCKTAG; both calls only read this backend's local lock table.
    unsafe {
        if held_by_me(&tag, exclusive) {
            let (session, _transaction) = holds_by_owner(&tag, exclusive);
            return if session > 0 { ConnectorLock::Session } else { ConnectorLock::TransactionLevel };
        }
        if held_by_me(&tag, pg_sys::ShareLock as pg_sys::LOCKMODE) {
            return ConnectorLock::SharedOnly;
        }
    }
    ConnectorLock::NotHeld
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    use super::connector_lock;
    use crate::enforce::decision::connector_lock::ConnectorLock;

    const KEY: i64 = 5585198506344173278;

    fn state() -> ConnectorLock {
        connector_lock(KEY)
    }

    fn run(sql: &str) {
        Spi::run(sql).unwrap();
    }

    #[pg_test]
    fn session_and_transaction_level_locks_are_told_apart() {
        assert_eq!(state(), ConnectorLock::NotHeld);

        run("SELECT pg_advisory_xact_lock(5585198506344173278)");
        assert_eq!(state(), ConnectorLock::TransactionLevel);
        // Asking does not change anything: still only transaction level.
        assert_eq!(state(), ConnectorLock::TransactionLevel);

        run("SELECT pg_advisory_lock(5585198506344173278)");
        assert_eq!(state(), ConnectorLock::Session);
        run("SELECT pg_advisory_unlock(5585198506344173278)");
        assert_eq!(state(), ConnectorLock::TransactionLevel);

        // Twice at session level, released once: still held.
        run("SELECT pg_try_advisory_lock(5585198506344173278)");
        run("SELECT pg_try_advisory_lock(5585198506344173278)");
        run("SELECT pg_advisory_unlock(5585198506344173278)");
        assert_eq!(state(), ConnectorLock::Session);
        run("SELECT pg_advisory_unlock(5585198506344173278)");
        assert_eq!(state(), ConnectorLock::TransactionLevel);

        // The check leaves the lock exactly as it was: one unlock releases
        // a single session-level hold completely.
        run("SELECT pg_advisory_lock(5585198506344173278)");
        assert_eq!(state(), ConnectorLock::Session);
        let released = Spi::get_one::<bool>("SELECT pg_advisory_unlock(5585198506344173278)").unwrap();
        assert_eq!(released, Some(true));
        let again = Spi::get_one::<bool>("SELECT pg_advisory_unlock(5585198506344173278)").unwrap();
        assert_eq!(again, Some(false));
    }

    #[pg_test]
    fn shared_and_other_keys_are_not_the_lease() {
        run("SELECT pg_advisory_lock_shared(5585198506344173278)");
        assert_eq!(state(), ConnectorLock::SharedOnly);
        run("SELECT pg_advisory_unlock_shared(5585198506344173278)");
        run("SELECT pg_advisory_lock(5585198506344173277)");
        run("SELECT pg_advisory_lock(1300405363, 716164830)"); // int4 pair: objsubid 2
        assert_eq!(state(), ConnectorLock::NotHeld);
        run("SELECT pg_advisory_unlock_all()");
    }
}
