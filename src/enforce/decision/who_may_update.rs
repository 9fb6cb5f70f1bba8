//! Who may run a guarded command: the connector holding its lease (and,
//! when `connector_roles` is set, in one of those roles), a rehearsal, or a
//! superuser's break-glass, with a WARNING; everyone else is refused, with
//! what they asked, why not, and what to do instead.

use super::connector_lock::{holder_note, lock_clause, ConnectorLock};
use super::fail_fast::{crowded_warning, fail_fast, unlocked_warning};
use super::kind::version_change;
use super::{Allowed, AllowedBy, Facts, Message, Refusal, RefusalReason, Verdict};
use crate::checks::list_some;
use crate::enforce::command::Command;
use crate::plan::UpgradeKind;
use crate::quote::for_message as escape;
use crate::settings::ALLOW_MANUAL_UPDATE;
use crate::snapshot::LoggedVersion;

/// The verdict on a guarded command (a takeover or an update).
pub(super) fn guarded(
    command: &Command,
    facts: &Facts,
    kind: UpgradeKind,
    from: Option<String>,
    to: Option<String>,
) -> Verdict {
    let allowed = |by, warnings| {
        Verdict::Allow(Allowed {
            by,
            kind,
            from: from.clone(),
            to: to.clone(),
            locks_estimated: facts.lock_fit.as_ref().map(|e| e.locks_needed),
            locks_counted: facts.lock_fit.as_ref().map(|e| e.locks_counted),
            warnings,
        })
    };
    if facts.connector_lock == ConnectorLock::Session && facts.in_connector_roles {
        let mut warnings = Vec::new();
        if facts.fail_fast {
            if let Some(refusal) = fail_fast(kind, facts) {
                return Verdict::Refuse(refusal);
            }
            warnings.extend(unlocked_warning(kind, facts));
        }
        warnings.extend(facts.lock_fit.as_ref().and_then(|f| crowded_warning(kind, f)));
        return allowed(AllowedBy::ConnectorLock, warnings);
    }
    if facts.rehearsal {
        return allowed(AllowedBy::Rehearsal, Vec::new());
    }
    if facts.allow_manual_update {
        return allowed(AllowedBy::BreakGlass, vec![break_glass_warning(command, kind, facts, &from, &to)]);
    }
    Verdict::Refuse(Refusal {
        reason: RefusalReason::NotTheConnector,
        message: not_the_connector(command, kind, facts, &from, &to),
    })
}

fn not_the_connector(
    command: &Command,
    kind: UpgradeKind,
    facts: &Facts,
    from: &Option<String>,
    to: &Option<String>,
) -> Message {
    let statement = command.statement();
    let break_glass = format!("To do it by hand anyway, a superuser can first run SET {ALLOW_MANUAL_UPDATE} = on.");
    let change = version_change(kind, from, to);
    let (lock, holder) = (lock_clause(facts), holder_note(facts));
    match kind {
        UpgradeKind::Takeover | UpgradeKind::Install => Message {
            message: "extension \"promscale\" can only be created by the Promscale Connector in this database".to_string(),
            detail: format!(
                "This database holds the schema of a Promscale Connector older than 0.11 ({}): {statement} would take it over, {change}, but {lock}. {holder}Only the connector may take the schema over: it runs its own migrations first and installs an extension version it supports.",
                legacy_list(facts)
            ),
            hint: format!(
                "Stop all Promscale Connectors, then start one connector of the new release and let it take over the schema. {break_glass}"
            ),
        },
        UpgradeKind::Update => Message {
            message: "extension \"promscale\" can only be updated by the Promscale Connector".to_string(),
            detail: format!(
                "{statement} would update extension \"promscale\" {change}{}, but {lock}. {holder}The connector updates the extension only to a version it supports; an update run by hand can leave the connector unable to start, or without an update path to the version it needs.",
                reinstall_note(command, facts)
            ),
            hint: format!(
                "Stop all Promscale Connectors, then start one connector of the new release and let it update the extension; after pg_upgrade, skip the promscale line of update_extensions.sql for the same reason. {break_glass}"
            ),
        },
    }
}

/// " (the upgrade log last recorded promscale at 0.7.0 ...)" for a CREATE
/// that reinstalls at another version.
fn reinstall_note(command: &Command, facts: &Facts) -> String {
    match (command, &facts.last_logged_version) {
        (Command::Create { .. }, LoggedVersion::Unread(why)) => format!(
            " (extension \"promscale\" is not installed, and promscale_upgrade_guard.upgrade_log, which tells a fresh install from a reinstall at another version, could not be read: {why}; so this CREATE is judged as an update)"
        ),
        (Command::Create { .. }, LoggedVersion::Read(Some(v))) => format!(
            " (promscale_upgrade_guard.upgrade_log last recorded extension \"promscale\" at version {}, and it has been dropped since: a reinstall at another version is an update)",
            escape(v)
        ),
        _ => String::new(),
    }
}

fn legacy_list(facts: &Facts) -> String {
    format!(
        "{} {}",
        if facts.legacy_tables.len() == 1 { "table" } else { "tables" },
        list_some(&facts.legacy_tables, 3)
    )
}

fn break_glass_warning(
    command: &Command,
    kind: UpgradeKind,
    facts: &Facts,
    from: &Option<String>,
    to: &Option<String>,
) -> Message {
    let what = match kind {
        UpgradeKind::Takeover => format!(
            "extension \"promscale\" is being created by hand over the schema of a Promscale Connector older than 0.11 ({})",
            legacy_list(facts)
        ),
        _ => "extension \"promscale\" is being updated by hand".to_string(),
    };
    let version = to.as_deref().map_or_else(|| "the default version".to_string(), escape);
    Message {
        message: what,
        detail: format!(
            "{ALLOW_MANUAL_UPDATE} is on, so {} runs without the Promscale Connector's migration lock, {}. A connector that does not support extension version {version} will refuse to start.",
            command.statement(),
            version_change(kind, from, to)
        ),
        hint: format!(
            "Start a Promscale Connector release that supports extension version {version} (SELECT * FROM {}() lists them), and turn the setting off with RESET {ALLOW_MANUAL_UPDATE}.",
            crate::quote::guard_call("promscale_upgrade_requirements")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn manual_update_is_refused_with_versions_why_and_what_to_do() {
        let r = refusal(decide(&update(Some("0.8.0")), &installed("0.7.0")));
        assert_eq!(r.reason, RefusalReason::NotTheConnector);
        assert_eq!(r.reason.sqlstate(), "55000");
        let m = &r.message;
        assert_eq!(m.message, "extension \"promscale\" can only be updated by the Promscale Connector");
        assert!(m.detail.starts_with("ALTER EXTENSION promscale UPDATE TO '0.8.0' would update extension \"promscale\" from version 0.7.0 to 0.8.0, but this session does not hold the Promscale Connector's migration lock"), "{}", m.detail);
        assert!(m.detail.contains("key 5585198506344173278"), "{}", m.detail);
        assert!(m.detail.contains("unable to start"), "{}", m.detail);
        assert!(
            m.hint.contains("start one connector of the new release and let it update the extension"),
            "{}",
            m.hint
        );
        assert!(m.hint.contains("update_extensions.sql"), "{}", m.hint);
        assert!(m.hint.contains("SET promscale_upgrade_guard.allow_manual_update = on"), "{}", m.hint);
        // Style: lower-case message without a period; sentences in detail and hint.
        assert!(m.message.chars().next().unwrap().is_lowercase() && !m.message.ends_with('.'));
        assert!(m.detail.ends_with('.') && m.hint.ends_with('.'));
    }

    #[test]
    fn connector_lease_allows_the_update() {
        let facts = Facts { connector_lock: ConnectorLock::Session, ..installed("0.7.0") };
        let a = allowed(decide(&update(Some("0.8.0")), &facts));
        assert_eq!(a.by, AllowedBy::ConnectorLock);
        assert_eq!(a.kind, UpgradeKind::Update);
        assert_eq!((a.from.as_deref(), a.to.as_deref()), (Some("0.7.0"), Some("0.8.0")));
        assert!(a.warnings.is_empty());
        assert_eq!(a.locks_estimated, None);
    }

    #[test]
    fn connector_roles_limit_who_may_update_with_the_lock() {
        let facts = Facts {
            connector_lock: ConnectorLock::Session,
            connector_roles: vec!["promscale".into(), "prom_conn".into()],
            in_connector_roles: false,
            role: "mallory".into(),
            ..installed("0.7.0")
        };
        let r = refusal(decide(&update(Some("0.8.0")), &facts));
        assert_eq!(r.reason, RefusalReason::NotTheConnector);
        assert!(
            r.message.detail.contains(
                "role \"mallory\" is not a member of any role in promscale_upgrade_guard.connector_roles (promscale, prom_conn)"
            ),
            "{}",
            r.message.detail
        );
        let member = Facts { in_connector_roles: true, ..facts };
        assert_eq!(allowed(decide(&update(Some("0.8.0")), &member)).by, AllowedBy::ConnectorLock);
    }

    #[test]
    fn every_create_over_a_legacy_schema_is_the_takeover() {
        for command in [
            create(Some("0.0.0")),
            create(Some("0.8.0")),
            create(None),
            Command::Create { version: None, schema: Some("public".into()), if_not_exists: true, cascade: true },
        ] {
            let r = refusal(decide(&command, &legacy()));
            assert_eq!(r.reason, RefusalReason::NotTheConnector, "{command:?}");
            assert_eq!(
                r.message.message,
                "extension \"promscale\" can only be created by the Promscale Connector in this database"
            );
            assert!(
                r.message.detail.contains("older than 0.11 (table public.prom_schema_migrations)"),
                "{}",
                r.message.detail
            );
            assert!(
                r.message.detail.contains(&format!("{} would take it over, installing", command.statement())),
                "{}",
                r.message.detail
            );
            assert!(r.message.hint.contains("let it take over the schema"), "{}", r.message.hint);
        }
        let facts = Facts { connector_lock: ConnectorLock::Session, ..legacy() };
        let a = allowed(decide(&create(Some("0.0.0")), &facts));
        assert_eq!(
            (a.by, a.kind, a.from, a.to.as_deref()),
            (AllowedBy::ConnectorLock, UpgradeKind::Takeover, None, Some("0.0.0"))
        );
    }

    #[test]
    fn break_glass_allows_with_a_warning() {
        let facts = Facts { allow_manual_update: true, ..installed("0.7.0") };
        let a = allowed(decide(&update(Some("0.8.0")), &facts));
        assert_eq!(a.by, AllowedBy::BreakGlass);
        let w = a.warnings.into_iter().next().unwrap();
        assert_eq!(w.message, "extension \"promscale\" is being updated by hand");
        assert!(w.detail.contains("promscale_upgrade_guard.allow_manual_update is on"), "{}", w.detail);
        assert!(w.detail.contains("from version 0.7.0 to 0.8.0"), "{}", w.detail);
        assert!(w.hint.contains("RESET promscale_upgrade_guard.allow_manual_update"), "{}", w.hint);
        // The lease wins over break-glass: the log says who really did it.
        let facts = Facts { connector_lock: ConnectorLock::Session, allow_manual_update: true, ..installed("0.7.0") };
        let a = allowed(decide(&update(Some("0.8.0")), &facts));
        assert_eq!(a.by, AllowedBy::ConnectorLock);
        assert!(a.warnings.is_empty());
    }
}
