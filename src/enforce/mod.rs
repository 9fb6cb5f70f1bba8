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

pub mod decision;
pub mod pending;
pub mod session_lock;
pub mod settings;
mod trigger;
pub mod upgrade_log;

use std::cell::Cell;

thread_local! {
    static REHEARSAL: Cell<bool> = const { Cell::new(false) };
}

/// Called from `_PG_init`: settings and transaction callbacks.
pub fn init() {
    settings::define();
    upgrade_log::register_callbacks();
}

/// While a `Rehearsal` value lives, extension commands of this backend are
/// allowed as a rehearsal (issue 3's `promscale_upgrade_rehearse()`, which
/// runs the connector's statements in a subtransaction and rolls back).
/// Only Rust code of the guard can create one; the flag is also cleared when
/// the transaction ends.
#[must_use = "the rehearsal ends when this value is dropped"]
pub struct Rehearsal(());

impl Rehearsal {
    pub fn begin() -> Rehearsal {
        REHEARSAL.with(|r| r.set(true));
        Rehearsal(())
    }
}

impl Drop for Rehearsal {
    fn drop(&mut self) {
        REHEARSAL.with(|r| r.set(false));
    }
}

pub(crate) fn rehearsal_active() -> bool {
    REHEARSAL.with(Cell::get)
}

pub(crate) fn end_rehearsal() {
    REHEARSAL.with(|r| r.set(false));
}
