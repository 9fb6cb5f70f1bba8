//! Writes `promscale_upgrade_guard.upgrade_log`: one row per transaction
//! that ran an allowed promscale extension command, inserted just before
//! that transaction commits, inside it (so a failed or rolled-back update
//! leaves no row, and the row commits with the update).
//!
//! Why transaction callbacks and not a `ddl_command_end` event trigger: any
//! `ddl_command_end` trigger, whatever its `WHEN TAG` filter, makes
//! PostgreSQL collect every DDL command and every dropped object of the
//! database (`trackDroppedObjectsNeeded()` looks only at whether such a
//! trigger exists), so all DDL would pay for it. The callbacks cost one
//! function call per transaction, and only in backends that loaded the
//! library. They also see the end that matters for the lock table: the
//! 0.15+ takeover runs CREATE and UPDATE in one transaction and holds every
//! lock until commit.

use std::cell::RefCell;
use std::ffi::CStr;

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::prelude::*;

use super::decision::AllowedBy;
use super::pending::{LogRow, Pending, PendingCommand};
use crate::pg_glue::{as_role, raise, report, with_pinned_settings, LossyText};
use crate::rehearsal;

const END_STATE: &str = include_str!("sql/end_state.sql");
const INSERT_LOG: &str = include_str!("sql/insert_log.sql");
const COUNT_REFUSAL: &str = include_str!("sql/count_refusal.sql");
/// The same for the log of version 0.1.0 (no `locks_counted`): between a
/// package upgrade, which replaces the library, and `ALTER EXTENSION
/// promscale_upgrade_guard UPDATE`, the new library writes the old table.
const INSERT_LOG_0_1: &str = include_str!("sql/insert_log_0_1.sql");

thread_local! {
    static PENDING: RefCell<Pending> = RefCell::new(Pending::default());
}

/// Whether the locks held before this transaction's upgrade are recorded.
pub fn has_locks_before() -> bool {
    PENDING.with(|p| p.borrow().has_locks_before())
}

pub fn register_callbacks() {
    // SAFETY: registers callbacks with static lifetime (functions of this library) and no argument.
    unsafe {
        pg_sys::RegisterXactCallback(Some(xact_callback), std::ptr::null_mut());
        pg_sys::RegisterSubXactCallback(Some(subxact_callback), std::ptr::null_mut());
    }
}

/// Remember an allowed command until its transaction commits.
pub fn record(command: PendingCommand) {
    PENDING.with(|p| p.borrow_mut().record(command));
}

/// Whether an allowed command of this transaction already carries a lock
/// estimate.
pub fn transaction_has_estimate() -> bool {
    PENDING.with(|p| p.borrow().has_estimate())
}

#[pg_guard]
unsafe extern "C-unwind" fn xact_callback(event: pg_sys::XactEvent::Type, _arg: *mut std::ffi::c_void) {
    use pg_sys::XactEvent::*;
    match event {
        XACT_EVENT_PRE_COMMIT | XACT_EVENT_PRE_PREPARE => {
            rehearsal::transaction_ended();
            if PENDING.with(|p| p.borrow().contains(AllowedBy::Rehearsal)) {
                PENDING.with(|p| p.borrow_mut().clear());
                rehearsal::refuse_commit();
            }
            if let Some(row) = PENDING.with(|p| p.borrow_mut().take_row()) {
                write(row);
            }
        }
        XACT_EVENT_COMMIT | XACT_EVENT_PREPARE => {
            rehearsal::transaction_ended();
            PENDING.with(|p| p.borrow_mut().clear());
        }
        XACT_EVENT_ABORT | XACT_EVENT_PARALLEL_ABORT => {
            rehearsal::transaction_ended();
            PENDING.with(|p| p.borrow_mut().clear());
        }
        _ => {}
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn subxact_callback(
    event: pg_sys::SubXactEvent::Type,
    subxact: pg_sys::SubTransactionId,
    parent: pg_sys::SubTransactionId,
    _arg: *mut std::ffi::c_void,
) {
    use pg_sys::SubXactEvent::*;
    match event {
        SUBXACT_EVENT_COMMIT_SUB => {
            rehearsal::subtransaction_ended(subxact);
            PENDING.with(|p| p.borrow_mut().subxact_committed(subxact, parent));
        }
        SUBXACT_EVENT_ABORT_SUB => {
            rehearsal::subtransaction_ended(subxact);
            PENDING.with(|p| p.borrow_mut().subxact_aborted(subxact));
        }
        _ => {}
    }
}

/// The log table: its owner, and whether it has the `locks_counted` column
/// (0.2.0 and later).
struct LogTable {
    owner: pg_sys::Oid,
    has_locks_counted: bool,
}

/// A relation of the guard's own schema and its owner, looked up by name in
/// the catalog caches; None when it does not exist (the guard was dropped
/// in this transaction, or is being created).
fn guard_relation(relname: &CStr) -> Option<(pg_sys::Oid, pg_sys::Oid)> {
    // SAFETY: catalog lookups by name in a transaction; the relation is
    // opened without a lock (its owner is read from the relcache entry) and
    // closed before returning.
    unsafe {
        let schema = pg_sys::get_namespace_oid(c"promscale_upgrade_guard".as_ptr(), true);
        if schema == pg_sys::InvalidOid {
            return None;
        }
        let relid = pg_sys::get_relname_relid(relname.as_ptr(), schema);
        if relid == pg_sys::InvalidOid {
            return None;
        }
        let rel = pg_sys::RelationIdGetRelation(relid);
        if rel.is_null() {
            return None;
        }
        let owner = (*(*rel).rd_rel).relowner;
        pg_sys::RelationClose(rel);
        Some((relid, owner))
    }
}

/// The log table, unless the guard was dropped in this transaction (then
/// there is nowhere to write, and the commit must not fail).
fn log_table() -> Option<LogTable> {
    let (relid, owner) = guard_relation(c"upgrade_log")?;
    // SAFETY: an attribute lookup by name in the catalog cache.
    let has_locks_counted = unsafe { pg_sys::get_attnum(relid, c"locks_counted".as_ptr()) } != 0;
    Some(LogTable { owner, has_locks_counted })
}

fn write(row: LogRow) {
    let Some(LogTable { owner, has_locks_counted }) = log_table() else {
        report(
            PgLogLevel::LOG_SERVER_ONLY,
            PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
            format!(
                "promscale_upgrade_guard: {} not recorded: table promscale_upgrade_guard.upgrade_log does not exist",
                row.commands.join("; ")
            ),
            None,
            None,
        );
        return;
    };
    let started_at = TimestampWithTimeZone::try_from(row.started_at).unwrap_or_else(|e| {
        raise(
            PgSqlErrorCode::ERRCODE_DATETIME_FIELD_OVERFLOW,
            "promscale_upgrade_guard: the update's start time is out of range",
            Some(format!("The start time {} gave {e:?}.", row.started_at)),
            None,
        )
    });
    // The updating role (the connector's, often not a superuser) need not be
    // able to write the log: write it as the table's owner, as a
    // security-restricted operation under a pinned search_path, so that
    // nothing the updating role controls (its search_path, a schema or a
    // type of its own) is used by what runs as the owner. At pre-commit no
    // portal provides a snapshot, so push one.
    // SAFETY: pushes a snapshot, popped below (an ERROR aborts the
    // transaction, which resets the snapshot stack).
    unsafe { pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot()) };
    let locks_before = row.locks_before.clone();
    with_pinned_settings(|| {
        as_role(owner, true, || {
            Spi::connect_mut(|client| {
            let end = client.select(END_STATE, Some(1), &[DatumWithOid::from(locks_before)])?;
            let end = end.first();
            let to_version: Option<String> = end.get::<LossyText>(1)?.map(|v| v.0);
            let held: i64 = end.get(2)?.unwrap_or(0);
            let fast_path: i64 = end.get(3)?.unwrap_or(0);
            let args = [
                DatumWithOid::from(row.kind.as_str()),
                DatumWithOid::from(row.from_version.as_deref()),
                DatumWithOid::from(to_version),
                DatumWithOid::from(started_at),
                DatumWithOid::from(row.who.pid),
                DatumWithOid::from(row.who.role.as_str()),
                DatumWithOid::from(row.who.application_name.as_str()),
                DatumWithOid::from(row.allowed_by.as_str()),
                DatumWithOid::from(row.locks_estimated),
                DatumWithOid::from(held),
                DatumWithOid::from(fast_path),
                DatumWithOid::from(row.commands.clone()),
                DatumWithOid::from(row.locks_counted),
            ];
            if has_locks_counted {
                client.update(INSERT_LOG, None, &args).map(|_| ())
            } else {
                client.update(INSERT_LOG_0_1, None, &args[..args.len() - 1]).map(|_| ())
            }
        })
        .unwrap_or_else(|e| {
            raise(
                PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
                "promscale_upgrade_guard: could not record the update in promscale_upgrade_guard.upgrade_log",
                Some(format!("SPI reported: {e}.")),
                Some("The update is rolled back with this error. After a package upgrade, run ALTER EXTENSION promscale_upgrade_guard UPDATE first.".into()),
            )
        })
        })
    });
    // SAFETY: pops the snapshot pushed above.
    unsafe { pg_sys::PopActiveSnapshot() };
}

/// How long the trigger waits, at most, for a lock the log row's INSERT will
/// need: long enough for a reader of the log to finish, short enough that a
/// connector retrying in a loop is not held up. The wait happens before the
/// update takes any lock of its own.
const LOG_LOCK_WAIT_MS: u64 = 2_000;

/// Takes now, before the update takes its thousands of Promscale locks, the
/// locks the log row's INSERT will need at commit (ROW EXCLUSIVE on the log,
/// its indexes and its TOAST table), so that the commit never waits for
/// them while holding every lock of the upgrade: any role allowed to read
/// the log can hold ACCESS SHARE on it, and any role can then queue an
/// ACCESS EXCLUSIVE request behind that (CREATE RULE waits for its lock
/// before it checks ownership), which the INSERT would queue behind in turn.
/// Locks already held by this transaction are granted at once. Err names
/// the sessions in the way when one was not granted within
/// `LOG_LOCK_WAIT_MS`.
pub fn lock_for_commit() -> Result<(), String> {
    let Some((relid, _)) = guard_relation(c"upgrade_log") else { return Ok(()) };
    let mut relations = vec![relid];
    // SAFETY: the relation is opened without a lock to read its index list
    // and TOAST table from the relcache entry (the list is copied), then
    // closed.
    unsafe {
        let rel = pg_sys::RelationIdGetRelation(relid);
        if !rel.is_null() {
            let indexes = pg_sys::RelationGetIndexList(rel);
            relations.extend(pgrx::PgList::<pg_sys::Oid>::from_pg(indexes).iter_oid());
            let toast = (*(*rel).rd_rel).reltoastrelid;
            pg_sys::RelationClose(rel);
            if toast != pg_sys::InvalidOid {
                relations.push(toast);
                let toast_rel = pg_sys::RelationIdGetRelation(toast);
                if !toast_rel.is_null() {
                    let indexes = pg_sys::RelationGetIndexList(toast_rel);
                    relations.extend(pgrx::PgList::<pg_sys::Oid>::from_pg(indexes).iter_oid());
                    pg_sys::RelationClose(toast_rel);
                }
            }
        }
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(LOG_LOCK_WAIT_MS);
    for relation in relations {
        // SAFETY: conditional lock requests, which never wait; the sleep
        // between them checks for interrupts (a cancel, statement_timeout).
        while !unsafe { pg_sys::ConditionalLockRelationOid(relation, pg_sys::RowExclusiveLock as pg_sys::LOCKMODE) } {
            if std::time::Instant::now() >= deadline {
                return Err(crate::snapshot::read::lock_blockers(relation));
            }
            pgrx::check_for_interrupts!();
            // SAFETY: sleeps this backend for 10 ms.
            unsafe { pg_sys::pg_usleep(10_000) };
        }
    }
    Ok(())
}

/// Advances `promscale_upgrade_guard.refused_manual_updates`, which
/// survives the refusal's rollback (sequences are not transactional), for
/// the monitoring view. The refused role need not be allowed to use the
/// guard's sequence: nextval runs as the sequence's owner (the superuser who
/// installed the guard), as a security-restricted operation under the
/// trigger's pinned search_path.
pub fn count_refusal() {
    let Some((sequence, owner)) = guard_relation(c"refused_manual_updates") else { return };
    // The refused command must not wait behind a lock queued on the
    // counter or the two sequences count_refusal.sql sets: it is refused
    // either way, and the server log has the line.
    let others = [c"refusals_server_start", c"refused_before_server_start"].map(|s| guard_relation(s).map(|r| r.0));
    let busy = [Some(sequence), others[0], others[1]].into_iter().flatten().find(|relid| {
        // SAFETY: a conditional lock request, which never waits.
        !unsafe { pg_sys::ConditionalLockRelationOid(*relid, pg_sys::RowExclusiveLock as pg_sys::LOCKMODE) }
    });
    if let Some(busy) = busy {
        report(
            PgLogLevel::LOG_SERVER_ONLY,
            PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
            format!(
                "promscale_upgrade_guard: refusal not counted: a sequence of the refusal counter is locked ({})",
                crate::snapshot::read::lock_blockers(busy)
            ),
            None,
            None,
        );
        return;
    }
    with_pinned_settings(|| {
        as_role(owner, true, || {
            let _ = Spi::run(COUNT_REFUSAL);
            let _ = Spi::get_one_with_args::<i64>("SELECT pg_catalog.nextval($1)", &[sequence.into()]);
        })
    });
}

/// Runs `read` as the upgrade log's owner, a security-restricted operation
/// under the trigger's pinned search_path: the log is readable by
/// pg_monitor and superusers only, and the trigger must read it whoever
/// runs the command (a non-superuser installing the trusted promscale).
/// The default without a log.
pub fn as_log_owner<R: Default>(read: impl FnOnce() -> R) -> R {
    match guard_relation(c"upgrade_log") {
        Some((_, owner)) => as_role(owner, true, read),
        None => R::default(),
    }
}

/// The current role's name, for messages and the log.
pub(crate) use crate::pg_glue::current_role_name;
