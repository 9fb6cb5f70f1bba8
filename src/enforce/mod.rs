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
//! - `begin_rehearsal()` (in `trigger`): lets `promscale_upgrade_rehearse()` run the
//!   connector's statements inside its always-rolled-back block.

pub mod decision;
pub mod pending;
pub mod session_lock;
pub mod settings;
mod trigger;
pub mod upgrade_log;

use std::cell::Cell;

thread_local! {
    /// The subtransaction a rehearsal runs in, while it runs.
    static REHEARSAL: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Called from `_PG_init`: settings and transaction callbacks.
pub fn init() {
    settings::define();
    upgrade_log::register_callbacks();
}

/// Marks subtransaction `subxact` as a rehearsal (see `begin_rehearsal()`).
pub(crate) fn mark_rehearsal(subxact: u32) {
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

/// A rehearsal's block never commits; if its subtransaction does (someone
/// called `begin_rehearsal()` by hand and released the savepoint), the
/// rehearsal is over. Its commands cannot commit either (see `upgrade_log`).
pub(crate) fn rehearsal_subxact_committed(subxact: u32) {
    REHEARSAL.with(|r| {
        if r.get() == Some(subxact) {
            r.set(None);
        }
    });
}

pub(crate) fn end_rehearsal() {
    REHEARSAL.with(|r| r.set(None));
}
