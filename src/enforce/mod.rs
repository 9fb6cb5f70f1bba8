//! Enforcement of the connector path: the Promscale extension is updated only
//! by the Promscale Connector (README, "Enforcing the connector path").
//!
//! - `command`: the promscale command a statement is, as plain data.
//! - `parse_tree`: reads that command off the event trigger's parse tree.
//! - `decision`: the rule and the messages, pure (unit-tested), one module
//!   per decision: the upgrade kind, who may update, the connector lock,
//!   fail-fast.
//! - `lock_path`: which lock path a command takes, for its estimate.
//! - `privileges`: would PostgreSQL itself let this role run the command?
//! - `audit`: the server-log line for each command decided on.
//! - `pending`: the transaction's allowed commands waiting for the upgrade
//!   log, pure bookkeeping.
//! - `session_lock`: does this backend hold the connector's lease, at
//!   session level? (the backend's local lock table)
//! - `trigger`: the `ddl_command_start` event trigger function (thin glue).
//! - `upgrade_log`: transaction callbacks that write the log row at commit,
//!   and the counter of refused manual updates.
//! - `upgrade_mark`: the lock that shows an allowed upgrade to every session
//!   until its transaction ends.
//!
//! The settings it obeys are in `crate::settings`; the rehearsal, which runs
//! the connector's statements under this guard, in `crate::rehearsal`.

pub mod audit;
pub mod command;
pub mod decision;
mod lock_path;
mod parse_tree;
pub mod pending;
pub mod privileges;
pub mod session_lock;
mod trigger;
pub mod upgrade_log;
pub mod upgrade_mark;
