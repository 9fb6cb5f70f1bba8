//! The allowed extension commands of the current transaction, waiting to be
//! written to the upgrade log when the transaction commits. Pure
//! bookkeeping: the glue (`upgrade_log.rs`) feeds it transaction events.
//!
//! One transaction is one upgrade: the 0.15+ connector's takeover (CREATE
//! 0.0.0, then UPDATE, in one transaction) is one log row, from the state
//! before its first command to the version at commit, with every lock the
//! transaction held at the end. Commands of a rolled-back subtransaction
//! are forgotten with it.

use super::decision::{Allowed, AllowedBy, Who};
use crate::plan::UpgradeKind;

/// PostgreSQL's `SubTransactionId`.
pub type SubXactId = u32;
/// PostgreSQL's `TimestampTz`: microseconds since 2000-01-01.
pub type Timestamp = i64;

#[derive(Debug, Clone, PartialEq)]
pub struct PendingCommand {
    pub subxact: SubXactId,
    pub statement: String,
    pub allowed: Allowed,
    pub started_at: Timestamp,
    pub who: Who,
    /// The lock tags this backend held before the command (taken for the
    /// transaction's first allowed command only): what the log must not
    /// count as the upgrade's.
    pub locks_before: Option<Vec<String>>,
}

/// What the upgrade log records for one transaction (the version at commit,
/// the end time and the locks held are added at commit).
#[derive(Debug, Clone, PartialEq)]
pub struct LogRow {
    pub kind: UpgradeKind,
    pub from_version: Option<String>,
    pub started_at: Timestamp,
    pub allowed_by: AllowedBy,
    pub locks_estimated: Option<i64>,
    pub locks_counted: Option<i64>,
    pub commands: Vec<String>,
    pub who: Who,
    /// Lock tags held before the transaction's first allowed command.
    pub locks_before: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Pending {
    commands: Vec<PendingCommand>,
    /// Held before the transaction's first allowed command; kept when that
    /// command's subtransaction rolls back (still held, still not the
    /// upgrade's).
    locks_before: Option<Vec<String>>,
}

impl Pending {
    pub fn record(&mut self, mut command: PendingCommand) {
        if self.locks_before.is_none() {
            self.locks_before = command.locks_before.take();
        }
        self.commands.push(command);
    }

    /// Whether the locks held before this transaction's upgrade are known.
    pub fn has_locks_before(&self) -> bool {
        self.locks_before.is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// Whether any command was allowed for this reason.
    pub fn contains(&self, by: AllowedBy) -> bool {
        self.commands.iter().any(|c| c.allowed.by == by)
    }

    pub fn has_estimate(&self) -> bool {
        self.commands.iter().any(|c| c.allowed.locks_estimated.is_some())
    }

    /// A subtransaction committed into its parent.
    pub fn subxact_committed(&mut self, subxact: SubXactId, parent: SubXactId) {
        for c in self.commands.iter_mut().filter(|c| c.subxact == subxact) {
            c.subxact = parent;
        }
    }

    /// A subtransaction rolled back: its commands never happened.
    pub fn subxact_aborted(&mut self, subxact: SubXactId) {
        self.commands.retain(|c| c.subxact != subxact);
    }

    pub fn clear(&mut self) {
        self.commands.clear();
        self.locks_before = None;
    }

    /// The log row for the transaction's commands, and forget them.
    pub fn take_row(&mut self) -> Option<LogRow> {
        let commands = std::mem::take(&mut self.commands);
        let locks_before = self.locks_before.take().unwrap_or_default();
        let first = commands.first()?;
        Some(LogRow {
            // A transaction that takes a schema over is a takeover, whatever
            // else it does; one that updates is an update.
            kind: commands.iter().map(|c| c.allowed.kind).max().unwrap_or(UpgradeKind::Install),
            from_version: first.allowed.from.clone(),
            started_at: first.started_at,
            // The most notable permission: break-glass over rehearsal over
            // the connector's lock over none needed.
            allowed_by: commands.iter().map(|c| c.allowed.by).max().unwrap_or(AllowedBy::NotRequired),
            locks_estimated: commands.iter().find_map(|c| c.allowed.locks_estimated),
            locks_counted: commands.iter().find_map(|c| c.allowed.locks_counted),
            commands: commands.iter().map(|c| c.statement.clone()).collect(),
            who: first.who.clone(),
            locks_before,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(
        subxact: SubXactId,
        statement: &str,
        kind: UpgradeKind,
        by: AllowedBy,
        from: Option<&str>,
        at: Timestamp,
    ) -> PendingCommand {
        PendingCommand {
            subxact,
            statement: statement.into(),
            allowed: Allowed {
                by,
                kind,
                from: from.map(str::to_string),
                to: None,
                locks_estimated: None,
                locks_counted: None,
                warnings: Vec::new(),
            },
            started_at: at,
            locks_before: (subxact == 1).then(|| vec![format!("held before {statement}")]),
            who: Who {
                pid: 1,
                role: "promscale".into(),
                application_name: "promscale@0.17.0".into(),
                client_addr: None,
            },
        }
    }

    #[test]
    fn one_transaction_is_one_row() {
        let mut p = Pending::default();
        assert!(p.take_row().is_none());
        p.record(cmd(
            1,
            "CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'",
            UpgradeKind::Takeover,
            AllowedBy::ConnectorLock,
            None,
            10,
        ));
        p.record(cmd(
            1,
            "ALTER EXTENSION promscale UPDATE TO '0.8.0'",
            UpgradeKind::Update,
            AllowedBy::ConnectorLock,
            Some("0.0.0"),
            20,
        ));
        assert!(!p.has_estimate());
        let row = p.take_row().unwrap();
        assert_eq!(row.kind, UpgradeKind::Takeover);
        assert_eq!(row.from_version, None);
        assert_eq!(row.started_at, 10);
        assert_eq!(row.allowed_by, AllowedBy::ConnectorLock);
        assert_eq!(row.commands.len(), 2);
        assert_eq!(row.locks_before, vec!["held before CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'"]);
        assert!(p.is_empty() && !p.has_locks_before());
    }

    #[test]
    fn rolled_back_subtransactions_are_forgotten() {
        let mut p = Pending::default();
        p.record(cmd(1, "a", UpgradeKind::Update, AllowedBy::ConnectorLock, Some("0.7.0"), 1));
        p.record(cmd(3, "b", UpgradeKind::Update, AllowedBy::BreakGlass, Some("0.7.0"), 2));
        p.record(cmd(4, "c", UpgradeKind::Update, AllowedBy::Rehearsal, Some("0.7.0"), 3));
        // 4 commits into 3, then 3 rolls back: b and c never happened.
        p.subxact_committed(4, 3);
        assert!(p.contains(AllowedBy::Rehearsal));
        p.subxact_aborted(3);
        assert!(!p.contains(AllowedBy::Rehearsal));
        let row = p.take_row().unwrap();
        assert_eq!(row.commands, vec!["a".to_string()]);
        assert_eq!(row.allowed_by, AllowedBy::ConnectorLock);
    }

    #[test]
    fn break_glass_is_what_the_row_says_when_any_command_needed_it() {
        let mut p = Pending::default();
        p.record(cmd(1, "a", UpgradeKind::Update, AllowedBy::ConnectorLock, Some("0.6.0"), 1));
        p.record(cmd(1, "b", UpgradeKind::Update, AllowedBy::BreakGlass, Some("0.7.0"), 2));
        let row = p.take_row().unwrap();
        assert_eq!((row.allowed_by, row.from_version.as_deref()), (AllowedBy::BreakGlass, Some("0.6.0")));
    }
}
