//! The server-log line for every promscale command the guard decided on:
//! refused, or allowed and why. PostgreSQL cannot authenticate a connector
//! (its lock and application_name can be presented by any role with the
//! privileges to update), so every allowed update leaves a trace beside
//! the refusals: role, application_name, client address, pid, and the
//! evidence that allowed it. Pure (unit-tested).
//!
//! Role names and version strings are the user's: a newline in them would
//! start a line of its own in the server log, one that looks like the
//! server's. Each is escaped (control characters as `\n`, `\xNN`, quotes
//! and backslashes with a backslash) and cut to a sane length.

use super::command::Command;
use super::decision::{AllowedBy, Verdict, Who};
use crate::quote::for_message as escape;
use crate::settings::ALLOW_MANUAL_UPDATE;

/// One line for the server log; None for commands the guard let pass
/// untouched.
pub fn audit_line(command: &Command, verdict: &Verdict, who: &Who) -> Option<String> {
    let outcome = match verdict {
        Verdict::Pass => return None,
        Verdict::Refuse(r) => format!("refused (SQLSTATE {})", r.reason.sqlstate()),
        Verdict::Allow(a) => match a.by {
            AllowedBy::BreakGlass => format!("allowed by {ALLOW_MANUAL_UPDATE}"),
            AllowedBy::ConnectorLock => {
                "allowed by connector_lock (the session holds the Promscale Connector's migration lock)".to_string()
            }
            AllowedBy::Rehearsal => "allowed by rehearsal (promscale_upgrade_rehearse, rolled back)".to_string(),
            AllowedBy::NotRequired => "allowed: not_required (a fresh install)".to_string(),
        },
    };
    Some(format!(
        "promscale_upgrade_guard: \"{}\" by role \"{}\" (pid {}, application_name \"{}\", client {}) {outcome}",
        escape(&command.statement()),
        escape(&who.role),
        who.pid,
        escape(&who.application_name),
        who.client_addr.as_deref().map_or_else(|| "local".to_string(), escape),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enforce::decision::connector_lock::ConnectorLock;
    use crate::enforce::decision::{decide, Facts};

    const KEY: i64 = 5585198506344173278;

    fn update(to: &str) -> Command {
        Command::Update { to: Some(to.into()) }
    }

    fn installed(v: &str) -> Facts {
        Facts { installed: Some(v.into()), default_version: Some("0.8.0".into()), ..Facts::plain(KEY) }
    }

    fn who() -> Who {
        Who { pid: 7, role: "bob".into(), application_name: "psql".into(), client_addr: Some("10.0.0.5".into()) }
    }

    #[test]
    fn refusals_and_every_allowed_update_name_who_and_what() {
        let refused = decide(&update("0.8.0"), &installed("0.7.0"));
        assert_eq!(
            audit_line(&update("0.8.0"), &refused, &who()).unwrap(),
            "promscale_upgrade_guard: \"ALTER EXTENSION promscale UPDATE TO '0.8.0'\" by role \"bob\" (pid 7, application_name \"psql\", client 10.0.0.5) refused (SQLSTATE 55000)"
        );
        let glass = decide(&update("0.8.0"), &Facts { allow_manual_update: true, ..installed("0.7.0") });
        assert!(audit_line(&update("0.8.0"), &glass, &who())
            .unwrap()
            .ends_with("allowed by promscale_upgrade_guard.allow_manual_update"));
        let lease = decide(&update("0.8.0"), &Facts { connector_lock: ConnectorLock::Session, ..installed("0.7.0") });
        let line = audit_line(&update("0.8.0"), &lease, &Who { client_addr: None, ..who() }).unwrap();
        assert!(line.contains("(pid 7, application_name \"psql\", client local) allowed by connector_lock"), "{line}");
        assert_eq!(audit_line(&update("0.7.0"), &decide(&update("0.7.0"), &installed("0.7.0")), &who()), None);
    }

    #[test]
    fn user_strings_cannot_start_a_line_of_their_own() {
        let forged = update("0.8.0\n2026-12-04 LOG:  promscale_upgrade_guard: forged");
        let who = Who { role: "eve\"\r\n\u{7}".into(), ..who() };
        let line = audit_line(&forged, &decide(&forged, &installed("0.7.0")), &who).unwrap();
        assert!(!line.contains('\n') && !line.contains('\r') && !line.contains('\u{7}'), "{line}");
        // The statement quotes the version as E'...\n...' (one line), and
        // the log line escapes that backslash again.
        assert!(line.contains(r#"TO E'0.8.0\\n2026-12-04 LOG:  "#), "{line}");
        assert!(line.contains(r#"by role "eve\"\r\n\x07""#), "{line}");
    }
}
