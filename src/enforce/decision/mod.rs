//! May this extension command run? A pure function of the command and the
//! facts the event trigger gathered; no pgrx types, unit-tested without a
//! server. The messages a user reads are written here too, so the tests see
//! exactly what psql, the connector's log and the server log will show.
//!
//! The rule (README, "Enforcing the connector path"): the Promscale extension
//! is updated only by the Promscale Connector, which does it while holding
//! its migration lock, a session-level EXCLUSIVE advisory lock on
//! `connector_lock_key`. Guarded commands:
//! - `ALTER EXTENSION promscale UPDATE [TO 'v']` that changes the version;
//! - `CREATE EXTENSION promscale ...` on a database holding the schema of a
//!   connector older than 0.11 (a `prom_schema_migrations` table): the
//!   takeover. Every form counts, with or without `VERSION`: without it,
//!   PostgreSQL installs `default_version` (from its own script or from an
//!   older one plus update scripts), which on such a database adopts and
//!   migrates the old schema just the same. On any other database `CREATE`
//!   is a fresh install with nothing to protect and passes.
//!
//! - `CREATE EXTENSION promscale`, with promscale gone, at another version
//!   than the one the upgrade log last recorded (`DROP EXTENSION promscale`
//!   first, in this transaction, session or any other): a reinstall that
//!   changes the version is the update it amounts to.
//!
//! Everything else passes untouched: other extensions, `ALTER EXTENSION ...
//! ADD/DROP/SET SCHEMA` (other parse nodes, never seen here), commands run by
//! an extension's own script, commands PostgreSQL itself will turn into
//! a no-op or an error (`UPDATE` to the installed version, `CREATE` of an
//! installed extension, `UPDATE` of a missing one), and commands of roles
//! PostgreSQL will refuse anyway (`privileges`): they get PostgreSQL's own
//! error, are not counted and set off no alert.
//!
//! One module per decision: `kind` (what the command does), `who_may_update`
//! (the connector's lease, a rehearsal, break-glass, and the refusal),
//! `connector_lock` (how this session holds the lease), `fail_fast` (refuse
//! now what would fail later: connectors still running, a lock table too
//! small).

pub mod connector_lock;
pub mod fail_fast;
mod kind;
mod who_may_update;

use super::command::Command;
use super::privileges::{postgres_would_allow, Privileges};
use crate::plan::UpgradeKind;
use crate::snapshot::extension_files::ControlFlags;
use crate::snapshot::{ConnectorSession, LoggedVersion};
use connector_lock::ConnectorLock;
use fail_fast::LockFit;
use kind::{change_of, Change};
use who_may_update::guarded;

/// Everything `decide` needs to know, gathered by the trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// The command comes from an extension's script (`creating_extension`).
    pub in_extension_script: bool,
    /// `pg_extension.extversion` of promscale.
    pub installed: Option<String>,
    /// The control file's `default_version`.
    pub default_version: Option<String>,
    /// Tables named `prom_schema_migrations`, schema-qualified: the schema of
    /// a connector older than 0.11.
    pub legacy_tables: Vec<String>,
    pub connector_lock: ConnectorLock,
    pub connector_lock_key: i64,
    /// A rehearsal (promscale_upgrade_rehearse) is running these statements in this backend.
    pub rehearsal: bool,
    /// `promscale_upgrade_guard.allow_manual_update`.
    pub allow_manual_update: bool,
    /// `promscale_upgrade_guard.fail_fast`.
    pub fail_fast: bool,
    /// Other sessions of this database that hold or wait for the connector
    /// lock in any mode, or are named `promscale@...`; only holders count
    /// as connectors (`ConnectorSession::standing`).
    pub other_connector_sessions: Vec<ConnectorSession>,
    /// The lock estimate for this update, when one was made (the trigger
    /// makes it only for commands that will be allowed, once per transaction).
    pub lock_fit: Option<LockFit>,
    /// What the current role may do in PostgreSQL's own eyes.
    pub privileges: Privileges,
    /// The promscale control file's `superuser` and `trusted`.
    pub control: ControlFlags,
    /// `promscale_upgrade_guard.connector_roles`; empty: any role.
    pub connector_roles: Vec<String>,
    /// The current role is a member of one of `connector_roles` (true when
    /// the list is empty).
    pub in_connector_roles: bool,
    /// The role running the command.
    pub role: String,
    /// The promscale version the newest row of the upgrade log left (its
    /// baseline row when promscale predates the guard), read for a CREATE
    /// when promscale is not installed; or why the log could not be read.
    pub last_logged_version: LoggedVersion,
}

impl Facts {
    /// Facts for a database where nothing special holds; tests start here.
    pub fn plain(connector_lock_key: i64) -> Facts {
        Facts {
            in_extension_script: false,
            installed: None,
            default_version: None,
            legacy_tables: Vec::new(),
            connector_lock: ConnectorLock::NotHeld,
            connector_lock_key,
            rehearsal: false,
            allow_manual_update: false,
            fail_fast: true,
            other_connector_sessions: Vec::new(),
            lock_fit: None,
            privileges: Privileges::SUPERUSER,
            control: ControlFlags::default(),
            connector_roles: Vec::new(),
            in_connector_roles: true,
            role: "postgres".into(),
            last_logged_version: LoggedVersion::Read(None),
        }
    }
}

/// Why a guarded command was let through; stored in the upgrade log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AllowedBy {
    /// A fresh install on a database without Promscale objects: no
    /// permission needed.
    NotRequired,
    /// This session holds the connector's migration lock.
    ConnectorLock,
    /// A rehearsal of the connector's statements (promscale_upgrade_rehearse).
    Rehearsal,
    /// `promscale_upgrade_guard.allow_manual_update`, set by a superuser.
    BreakGlass,
}

impl AllowedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            AllowedBy::NotRequired => "not_required",
            AllowedBy::ConnectorLock => "connector_lock",
            AllowedBy::Rehearsal => "rehearsal",
            AllowedBy::BreakGlass => "break_glass",
        }
    }
}

/// A user-facing message in PostgreSQL style: lower-case message without a
/// period; detail and hint as full sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub message: String,
    pub detail: String,
    pub hint: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    pub by: AllowedBy,
    pub kind: UpgradeKind,
    pub from: Option<String>,
    /// The version asked for (explicitly or the default), if known.
    pub to: Option<String>,
    pub locks_estimated: Option<i64>,
    /// The part of that estimate counted in the catalog, which a later
    /// estimate scales by (`locks::estimate::calibration`).
    pub locks_counted: Option<i64>,
    /// WARNINGs to raise: break-glass; sessions that only look like
    /// connectors; a crowded lock table.
    pub warnings: Vec<Message>,
}

/// Why a command is refused; the glue maps it to a SQLSTATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalReason {
    /// Not run by the connector (55000 object_not_in_prerequisite_state).
    NotTheConnector,
    /// Fail-fast: other connector sessions are connected (55006 object_in_use).
    ConnectorsConnected,
    /// Fail-fast: the update will not fit in the lock table (53400
    /// configuration_limit_exceeded).
    LockTableTooSmall,
}

impl RefusalReason {
    pub fn sqlstate(self) -> &'static str {
        match self {
            RefusalReason::NotTheConnector => "55000",
            RefusalReason::ConnectorsConnected => "55006",
            RefusalReason::LockTableTooSmall => "53400",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: RefusalReason,
    pub message: Message,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not guarded: run it, log nothing.
    Pass,
    /// Guarded (or a fresh install) and allowed: run it and log it.
    Allow(Allowed),
    Refuse(Refusal),
}

pub fn decide(command: &Command, facts: &Facts) -> Verdict {
    if facts.in_extension_script || !postgres_would_allow(command, facts.privileges, facts.control) {
        return Verdict::Pass;
    }
    let Some(Change { kind, from, to }) = change_of(command, facts) else {
        return Verdict::Pass;
    };
    if kind != UpgradeKind::Install {
        return guarded(command, facts, kind, from, to);
    }
    let by =
        if facts.connector_lock == ConnectorLock::Session { AllowedBy::ConnectorLock } else { AllowedBy::NotRequired };
    Verdict::Allow(Allowed {
        by,
        kind: UpgradeKind::Install,
        from: None,
        to,
        locks_estimated: facts.lock_fit.as_ref().map(|e| e.locks_needed),
        locks_counted: facts.lock_fit.as_ref().map(|e| e.locks_counted),
        warnings: Vec::new(),
    })
}

/// The session running a command, for the server log and the upgrade log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub pid: i32,
    pub role: String,
    pub application_name: String,
    /// The client's address; None for a Unix-socket connection.
    pub client_addr: Option<String>,
}

/// What the decisions' tests start from.
#[cfg(test)]
mod testing {
    pub use super::*;
    pub use crate::snapshot::{KeyLock, LockHolder};

    pub const KEY: i64 = 5585198506344173278;

    pub fn update(to: Option<&str>) -> Command {
        Command::Update { to: to.map(str::to_string) }
    }

    pub fn create(version: Option<&str>) -> Command {
        Command::Create { version: version.map(str::to_string), schema: None, if_not_exists: false, cascade: false }
    }

    pub fn installed(v: &str) -> Facts {
        Facts { installed: Some(v.into()), default_version: Some("0.8.0".into()), ..Facts::plain(KEY) }
    }

    pub fn legacy() -> Facts {
        Facts {
            legacy_tables: vec!["public.prom_schema_migrations".into()],
            default_version: Some("0.8.0".into()),
            ..Facts::plain(KEY)
        }
    }

    /// A session with its entries on the key: (mode, granted).
    pub fn session(pid: i32, name: &str, locks: &[(&str, bool)]) -> ConnectorSession {
        ConnectorSession {
            pid,
            application_name: name.into(),
            client_addr: None,
            usename: Some("promscale".into()),
            locks: locks.iter().map(|(m, g)| KeyLock { mode: m.to_string(), granted: *g }).collect(),
            prepared_transaction: None,
        }
    }

    pub fn refusal(v: Verdict) -> Refusal {
        match v {
            Verdict::Refuse(r) => r,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    pub fn allowed(v: Verdict) -> Allowed {
        match v {
            Verdict::Allow(a) => a,
            other => panic!("expected allowed, got {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;

    #[test]
    fn extension_scripts_pass() {
        let facts = Facts { in_extension_script: true, ..installed("0.7.0") };
        assert_eq!(decide(&update(Some("0.8.0")), &facts), Verdict::Pass);
        let facts = Facts { in_extension_script: true, ..legacy() };
        assert_eq!(decide(&create(Some("0.0.0")), &facts), Verdict::Pass);
    }

    #[test]
    fn rehearsal_is_allowed_without_fail_fast() {
        let facts = Facts {
            rehearsal: true,
            other_connector_sessions: vec![session(9, "promscale@0.16.0", &[("ShareLock", true)])],
            ..installed("0.7.0")
        };
        assert_eq!(allowed(decide(&update(Some("0.8.0")), &facts)).by, AllowedBy::Rehearsal);
    }

    /// Roles PostgreSQL itself would refuse pass to PostgreSQL's own error.
    #[test]
    fn roles_postgresql_refuses_get_its_error_not_the_guards() {
        let plain = Privileges { superuser: false, owns_promscale: false, create_on_database: true };
        let trusted = ControlFlags { superuser: true, trusted: true };
        let facts = Facts { privileges: plain, control: trusted, ..installed("0.7.0") };
        assert_eq!(decide(&update(Some("0.8.0")), &facts), Verdict::Pass, "not the owner");
        let owner = Facts { privileges: Privileges { owns_promscale: true, ..plain }, ..facts.clone() };
        assert_eq!(refusal(decide(&update(Some("0.8.0")), &owner)).reason, RefusalReason::NotTheConnector);
        let no_create =
            Facts { privileges: Privileges { create_on_database: false, ..plain }, control: trusted, ..legacy() };
        assert_eq!(decide(&create(None), &no_create), Verdict::Pass, "no CREATE on the database");
    }
}
