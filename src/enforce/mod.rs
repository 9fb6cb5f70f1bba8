//! Enforcement of the connector path: the Promscale extension is updated only
//! by the Promscale Connector (README, "Enforcing the connector path").
//!
//! - `decision`: the rule and the messages, pure (unit-tested).
//! - `pending`: the transaction's allowed commands waiting for the upgrade
//!   log, pure bookkeeping.
//! - `session_lock`: does this backend hold the connector's lease, at
//!   session level? (the backend's local lock table)
//! - `settings`: `promscale_upgrade_guard.allow_manual_update`, `.fail_fast`.
//! - `trigger`: the `ddl_command_start` event trigger function (thin glue).
//! - `upgrade_log`: transaction callbacks that write the log row at commit.
//! - `begin_rehearsal()` (here): lets `promscale_upgrade_rehearse()` run the
//!   connector's statements inside its always-rolled-back block.

pub mod decision;
pub mod pending;
pub mod session_lock;
pub mod settings;
mod trigger;
pub mod upgrade_log;

use std::cell::Cell;

use pgrx::prelude::*;

thread_local! {
    /// The subtransaction a rehearsal runs in, while it runs.
    static REHEARSAL: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Called from `_PG_init`: settings and transaction callbacks.
pub fn init() {
    settings::define();
    upgrade_log::register_callbacks();
}

/// Marks the current subtransaction as a rehearsal (issue 3's
/// `promscale_upgrade_rehearse()` runs the connector's statements in an
/// exception block that always rolls back): extension commands run in it, or
/// in subtransactions below it, are allowed with `allowed_by = rehearsal`.
/// The mark ends with that subtransaction (and with the transaction), so it
/// can never cover a command that commits. Superuser only.
#[pg_extern(volatile, schema = "promscale_upgrade_guard", requires = ["guard_schema"])]
#[search_path(pg_catalog, pg_temp)]
fn begin_rehearsal() {
    if !unsafe { pg_sys::superuser() } {
        pgrx::pg_sys::panic::ErrorReport::new(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "permission denied to begin a Promscale upgrade rehearsal",
            function_name!(),
        )
        .set_detail("Only promscale_upgrade_rehearse(), run by a superuser, rehearses the connector's statements.")
        .set_hint("Run SELECT * FROM promscale_upgrade_rehearse(); as a superuser.")
        .report(PgLogLevel::ERROR);
    }
    let subxact = unsafe { pg_sys::GetCurrentSubTransactionId() };
    REHEARSAL.with(|r| r.set(Some(subxact)));
}

pub(crate) fn rehearsal_active() -> bool {
    REHEARSAL.with(Cell::get).is_some()
}

/// Transaction and subtransaction ends (`upgrade_log`'s callbacks).
pub(crate) fn rehearsal_subxact_aborted(subxact: u32) {
    REHEARSAL.with(|r| {
        if r.get() == Some(subxact) {
            r.set(None);
        }
    });
}

pub(crate) fn rehearsal_subxact_committed(subxact: u32, parent: u32) {
    REHEARSAL.with(|r| {
        if r.get() == Some(subxact) {
            r.set(Some(parent));
        }
    });
}

pub(crate) fn end_rehearsal() {
    REHEARSAL.with(|r| r.set(None));
}
