//! What the command does: an update, a takeover of a pre-0.11 schema, a
//! reinstall at another version (the update it amounts to), or a fresh
//! install; and the words the messages use for each.

use super::Facts;
use crate::enforce::command::Command;
use crate::plan::UpgradeKind;
use crate::quote::for_message as escape;
use crate::snapshot::LoggedVersion;

/// The change a guarded command makes, as the verdict and its messages
/// name it.
pub(super) struct Change {
    pub kind: UpgradeKind,
    pub from: Option<String>,
    /// The version asked for (explicitly or the default), if known.
    pub to: Option<String>,
}

/// What `command` does here; None when PostgreSQL itself makes it a no-op
/// or an error (UPDATE of a missing extension or to the installed version,
/// CREATE of an installed one).
pub(super) fn change_of(command: &Command, facts: &Facts) -> Option<Change> {
    match command {
        Command::Update { to } => {
            // PostgreSQL reports that it does not exist.
            let installed = facts.installed.as_deref()?;
            let target = to.clone().or_else(|| facts.default_version.clone());
            if target.as_deref() == Some(installed) {
                return None; // PostgreSQL's "version ... already installed"
            }
            Some(Change { kind: UpgradeKind::Update, from: Some(installed.to_string()), to: target })
        }
        Command::Create { version, .. } => {
            if facts.installed.is_some() {
                return None; // PostgreSQL skips (IF NOT EXISTS) or refuses it
            }
            let target = version.clone().or_else(|| facts.default_version.clone());
            if !facts.legacy_tables.is_empty() {
                // The takeover, whatever was dropped before it (the connector
                // drops an old extension below 0.5.0 first).
                return Some(Change { kind: UpgradeKind::Takeover, from: None, to: target });
            }
            match &facts.last_logged_version {
                LoggedVersion::Read(Some(dropped)) if target.as_deref() != Some(dropped.as_str()) => {
                    Some(Change { kind: UpgradeKind::Update, from: Some(dropped.clone()), to: target })
                }
                // Fail closed: a log that could not be read may hold the
                // version promscale was dropped at. Judged as an update from
                // an unknown version, which only the connector may make.
                LoggedVersion::Unread(_) => Some(Change { kind: UpgradeKind::Update, from: None, to: target }),
                LoggedVersion::Read(_) => Some(Change { kind: UpgradeKind::Install, from: None, to: target }),
            }
        }
    }
}

pub(super) fn verb(kind: UpgradeKind) -> &'static str {
    match kind {
        UpgradeKind::Update => "updated",
        UpgradeKind::Takeover | UpgradeKind::Install => "created",
    }
}

pub(super) fn noun(kind: UpgradeKind) -> &'static str {
    match kind {
        UpgradeKind::Update => "update",
        UpgradeKind::Takeover => "takeover",
        UpgradeKind::Install => "installation",
    }
}

pub(super) fn version_change(kind: UpgradeKind, from: &Option<String>, to: &Option<String>) -> String {
    // The user's strings: escaped and capped, so a message stays one line.
    let (from, to) = (from.as_deref().map(escape), to.as_deref().map(escape));
    match (kind, &from, &to) {
        (UpgradeKind::Takeover | UpgradeKind::Install, _, Some(t)) => format!("installing extension version {t}"),
        (UpgradeKind::Takeover | UpgradeKind::Install, _, None) => {
            "installing the default extension version".to_string()
        }
        (UpgradeKind::Update, Some(f), Some(t)) => format!("from version {f} to {t}"),
        (UpgradeKind::Update, Some(f), None) => format!("from version {f} to the default version"),
        (UpgradeKind::Update, None, Some(t)) => format!("from an unknown version to {t}"),
        (UpgradeKind::Update, None, None) => "to the default version".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn no_ops_and_missing_extension_pass() {
        assert_eq!(decide(&update(Some("0.7.0")), &installed("0.7.0")), Verdict::Pass);
        let mut at_default = installed("0.8.0");
        at_default.default_version = Some("0.8.0".into());
        assert_eq!(decide(&update(None), &at_default), Verdict::Pass);
        assert_eq!(decide(&update(Some("0.8.0")), &Facts::plain(KEY)), Verdict::Pass);
        assert_eq!(decide(&create(Some("0.8.0")), &installed("0.7.0")), Verdict::Pass);
    }

    #[test]
    fn update_without_to_names_the_default_version() {
        let r = refusal(decide(&update(None), &installed("0.7.0")));
        assert!(r.message.detail.starts_with("ALTER EXTENSION promscale UPDATE would update extension \"promscale\" from version 0.7.0 to 0.8.0, but "), "{}", r.message.detail);
        let mut unknown_default = installed("0.7.0");
        unknown_default.default_version = None;
        let r = refusal(decide(&update(None), &unknown_default));
        assert!(r.message.detail.contains("from version 0.7.0 to the default version"), "{}", r.message.detail);
    }

    #[test]
    fn fresh_install_needs_no_permission_but_is_logged() {
        let a = allowed(decide(&create(Some("0.8.0")), &Facts::plain(KEY)));
        assert_eq!((a.by, a.kind, a.to.as_deref()), (AllowedBy::NotRequired, UpgradeKind::Install, Some("0.8.0")));
        let facts = Facts { connector_lock: ConnectorLock::Session, ..Facts::plain(KEY) };
        assert_eq!(allowed(decide(&create(Some("0.8.0")), &facts)).by, AllowedBy::ConnectorLock);
        // Its estimate is recorded, and fail-fast does not apply to it.
        let tiny = LockFit {
            locks_needed: 900,
            locks_counted: 800,
            lock_capacity: 100,
            locks_in_use: 0,
            recommended_max_locks_per_transaction: 64,
            holders: Vec::new(),
        };
        let facts = Facts { connector_lock: ConnectorLock::Session, lock_fit: Some(tiny), ..Facts::plain(KEY) };
        assert_eq!(allowed(decide(&create(Some("0.8.0")), &facts)).locks_estimated, Some(900));
    }

    /// The connector drops an old extension (below 0.5.0) before it takes a
    /// pre-0.11 schema over: that CREATE is the takeover, not a reinstall.
    #[test]
    fn the_takeover_wins_over_a_reinstall() {
        let facts = Facts { last_logged_version: LoggedVersion::Read(Some("0.3.2".into())), ..legacy() };
        let r = refusal(decide(&create(Some("0.0.0")), &facts));
        assert!(r.message.message.contains("can only be created by the Promscale Connector"), "{}", r.message.message);
        let lease = Facts { connector_lock: ConnectorLock::Session, ..facts };
        assert_eq!(allowed(decide(&create(Some("0.0.0")), &lease)).kind, UpgradeKind::Takeover);
    }

    #[test]
    fn a_reinstall_at_another_version_is_an_update() {
        let dropped = Facts {
            last_logged_version: LoggedVersion::Read(Some("0.7.0".into())),
            default_version: Some("0.8.0".into()),
            ..Facts::plain(KEY)
        };
        let r = refusal(decide(&create(Some("0.8.0")), &dropped));
        assert_eq!(r.reason, RefusalReason::NotTheConnector);
        assert!(r.message.detail.contains("from version 0.7.0 to 0.8.0"), "{}", r.message.detail);
        assert!(
            r.message.detail.contains("last recorded extension \"promscale\" at version 0.7.0"),
            "{}",
            r.message.detail
        );
        // Without VERSION, the default version is the target.
        assert_eq!(refusal(decide(&create(None), &dropped)).reason, RefusalReason::NotTheConnector);
        // The same version again is a plain reinstall (a restore).
        assert_eq!(allowed(decide(&create(Some("0.7.0")), &dropped)).kind, UpgradeKind::Install);
        // The connector may do it; the log calls it an update from 0.7.0.
        let lease = Facts { connector_lock: ConnectorLock::Session, ..dropped };
        let a = allowed(decide(&create(Some("0.8.0")), &lease));
        assert_eq!((a.kind, a.from.as_deref()), (UpgradeKind::Update, Some("0.7.0")));
    }

    /// A log that could not be read is never "nothing logged": a CREATE
    /// with promscale gone is then an update from an unknown version, which
    /// only the connector holding its lease may make.
    #[test]
    fn an_unread_log_makes_a_create_an_update() {
        let unread = Facts {
            last_logged_version: LoggedVersion::Unread(
                "promscale_upgrade_guard.upgrade_log (busy: pid 7 waits for AccessExclusiveLock)".into(),
            ),
            default_version: Some("0.8.0".into()),
            ..Facts::plain(KEY)
        };
        let r = refusal(decide(&create(Some("0.8.0")), &unread));
        assert_eq!(r.reason, RefusalReason::NotTheConnector);
        assert!(
            r.message.detail.contains("could not be read") && r.message.detail.contains("pid 7"),
            "{}",
            r.message.detail
        );
        // The same version too: the log might say another one.
        assert_eq!(refusal(decide(&create(None), &unread)).reason, RefusalReason::NotTheConnector);
        let lease = Facts { connector_lock: ConnectorLock::Session, ..unread };
        let a = allowed(decide(&create(Some("0.8.0")), &lease));
        assert_eq!((a.kind, a.from), (UpgradeKind::Update, None));
    }
}
