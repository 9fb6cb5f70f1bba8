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

use super::command::Command;
use super::privileges::{postgres_would_allow, Privileges};
use crate::checks::{list_some, plural};
use crate::plan::UpgradeKind;
use crate::quote::for_message as escape;
use crate::settings::{ALLOW_MANUAL_UPDATE, CONNECTOR_ROLES, FAIL_FAST};
use crate::snapshot::extension_files::ControlFlags;
use crate::snapshot::{ConnectorSession, LockHolder};

/// How this backend holds the connector's advisory lock key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectorLock {
    NotHeld,
    /// ShareLock only: what every running connector's pool connection holds.
    SharedOnly,
    /// ExclusiveLock, but only at transaction level (`pg_advisory_xact_lock`).
    TransactionLevel,
    /// ExclusiveLock at session level (`pg_try_advisory_lock`): the
    /// connector's migration lease.
    Session,
}

/// Whether the update about to run fits the lock table: its estimate
/// (`locks::estimate::LockEstimate`) beside the table's size and use, as
/// fail-fast and the upgrade log need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockFit {
    pub locks_needed: i64,
    /// The part of `locks_needed` counted in the catalog.
    pub locks_counted: i64,
    pub lock_capacity: i64,
    pub locks_in_use: i64,
    pub recommended_max_locks_per_transaction: i64,
    /// The other backends holding the most lock entries now.
    pub holders: Vec<LockHolder>,
}

impl LockFit {
    pub fn locks_free(&self) -> i64 {
        self.lock_capacity - self.locks_in_use
    }
    pub fn fits(&self) -> bool {
        self.locks_needed <= self.locks_free()
    }
    /// Whether the update alone fits the lock table's nominal size. What
    /// other sessions hold comes and goes (and the table borrows spare
    /// shared memory when full), so only an update that cannot fit even an
    /// empty table is sure to fail.
    pub fn fits_an_empty_table(&self) -> bool {
        self.locks_needed <= self.lock_capacity
    }
}

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
    /// lock in any mode, or are named `promscale@...`.
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
    /// The promscale version the newest row of the upgrade log left, read
    /// for a CREATE when promscale is not installed.
    pub last_logged_version: Option<String>,
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
            last_logged_version: None,
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
    /// A WARNING to raise (break-glass).
    pub warning: Option<Message>,
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
    match command {
        Command::Update { to } => {
            let Some(installed) = facts.installed.as_deref() else {
                return Verdict::Pass; // PostgreSQL reports that it does not exist
            };
            let target = to.clone().or_else(|| facts.default_version.clone());
            if target.as_deref() == Some(installed) {
                return Verdict::Pass; // PostgreSQL's "version ... already installed"
            }
            guarded(command, facts, UpgradeKind::Update, Some(installed.to_string()), target)
        }
        Command::Create { version, .. } => {
            if facts.installed.is_some() {
                return Verdict::Pass; // PostgreSQL skips (IF NOT EXISTS) or refuses it
            }
            let target = version.clone().or_else(|| facts.default_version.clone());
            if !facts.legacy_tables.is_empty() {
                // The takeover, whatever was dropped before it (the connector
                // drops an old extension below 0.5.0 first).
                return guarded(command, facts, UpgradeKind::Takeover, None, target);
            }
            if let Some(dropped) = facts.last_logged_version.as_deref().filter(|d| target.as_deref() != Some(*d)) {
                return guarded(command, facts, UpgradeKind::Update, Some(dropped.to_string()), target);
            }
            let by = if facts.connector_lock == ConnectorLock::Session {
                AllowedBy::ConnectorLock
            } else {
                AllowedBy::NotRequired
            };
            Verdict::Allow(Allowed {
                by,
                kind: UpgradeKind::Install,
                from: None,
                to: target,
                locks_estimated: facts.lock_fit.as_ref().map(|e| e.locks_needed),
                locks_counted: facts.lock_fit.as_ref().map(|e| e.locks_counted),
                warning: None,
            })
        }
    }
}

fn guarded(command: &Command, facts: &Facts, kind: UpgradeKind, from: Option<String>, to: Option<String>) -> Verdict {
    let allowed = |by, warning| {
        Verdict::Allow(Allowed {
            by,
            kind,
            from: from.clone(),
            to: to.clone(),
            locks_estimated: facts.lock_fit.as_ref().map(|e| e.locks_needed),
            locks_counted: facts.lock_fit.as_ref().map(|e| e.locks_counted),
            warning,
        })
    };
    if facts.connector_lock == ConnectorLock::Session && facts.in_connector_roles {
        if facts.fail_fast {
            if let Some(refusal) = fail_fast(kind, facts) {
                return Verdict::Refuse(refusal);
            }
        }
        return allowed(AllowedBy::ConnectorLock, facts.lock_fit.as_ref().and_then(|f| crowded_warning(kind, f)));
    }
    if facts.rehearsal {
        return allowed(AllowedBy::Rehearsal, None);
    }
    if facts.allow_manual_update {
        return allowed(AllowedBy::BreakGlass, Some(break_glass_warning(command, kind, facts, &from, &to)));
    }
    Verdict::Refuse(Refusal {
        reason: RefusalReason::NotTheConnector,
        message: not_the_connector(command, kind, facts, &from, &to),
    })
}

fn verb(kind: UpgradeKind) -> &'static str {
    match kind {
        UpgradeKind::Update => "updated",
        UpgradeKind::Takeover | UpgradeKind::Install => "created",
    }
}

fn noun(kind: UpgradeKind) -> &'static str {
    match kind {
        UpgradeKind::Update => "update",
        UpgradeKind::Takeover => "takeover",
        UpgradeKind::Install => "installation",
    }
}

fn version_change(kind: UpgradeKind, from: &Option<String>, to: &Option<String>) -> String {
    // The user's strings: escaped and capped, so a message stays one line.
    let (from, to) = (from.as_deref().map(escape), to.as_deref().map(escape));
    match (kind, &from, &to) {
        (UpgradeKind::Takeover | UpgradeKind::Install, _, Some(t)) => format!("installing extension version {t}"),
        (UpgradeKind::Takeover | UpgradeKind::Install, _, None) => {
            "installing the default extension version".to_string()
        }
        (UpgradeKind::Update, Some(f), Some(t)) => format!("from version {f} to {t}"),
        (UpgradeKind::Update, Some(f), None) => format!("from version {f} to the default version"),
        (UpgradeKind::Update, None, _) => "to the default version".to_string(),
    }
}

/// "..., but <this>": how this session falls short of the connector's lease.
fn lock_clause(facts: &Facts) -> String {
    let key = facts.connector_lock_key;
    if facts.connector_lock == ConnectorLock::Session && !facts.in_connector_roles {
        return format!(
            "role \"{}\" is not a member of any role in {CONNECTOR_ROLES} ({}), the roles that may update with the Promscale Connector's migration lock",
            facts.role,
            facts.connector_roles.join(", ")
        );
    }
    match facts.connector_lock {
        ConnectorLock::SharedOnly => format!(
            "this session holds the advisory lock on key {key} only in shared mode, as running connectors do, not the Promscale Connector's migration lock (the same key, exclusive, at session level)"
        ),
        ConnectorLock::TransactionLevel => format!(
            "this session holds the advisory lock on key {key} only at transaction level (pg_advisory_xact_lock), not the Promscale Connector's migration lock (the same key at session level, as pg_try_advisory_lock takes it)"
        ),
        ConnectorLock::NotHeld | ConnectorLock::Session => format!(
            "this session does not hold the Promscale Connector's migration lock (a session-level exclusive advisory lock on key {key})"
        ),
    }
}

/// "Session N holds that lock now ..." when another session has the lease.
fn holder_note(facts: &Facts) -> String {
    let holder = facts
        .other_connector_sessions
        .iter()
        .find(|s| s.lock_mode.as_deref().is_some_and(|m| m.split(", ").any(|m| m == "ExclusiveLock")));
    match holder {
        Some(h) => {
            let name = if h.application_name.is_empty() {
                "no application_name".to_string()
            } else {
                format!("application_name {}", h.application_name)
            };
            format!("Session {} ({name}) holds that lock now: if it is a connector, let it finish. ", h.pid)
        }
        None => String::new(),
    }
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
        (Command::Create { .. }, Some(v)) => format!(
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
            "Start a Promscale Connector release that supports extension version {version} (SELECT * FROM promscale_upgrade_requirements() lists them), and turn the setting off with RESET {ALLOW_MANUAL_UPDATE}."
        ),
    }
}

/// The connector's own update: refuse at once what would fail or do harm
/// later. None when it may go ahead.
fn fail_fast(kind: UpgradeKind, facts: &Facts) -> Option<Refusal> {
    let off = format!(
        "To skip this check, a superuser can set {FAIL_FAST} = off for the connector's role or database (ALTER ROLE ... SET or ALTER DATABASE ... SET)."
    );
    let sessions = &facts.other_connector_sessions;
    if !sessions.is_empty() {
        let described: Vec<String> = sessions.iter().map(crate::checks::describe_connector_session).collect();
        return Some(Refusal {
            reason: RefusalReason::ConnectorsConnected,
            message: Message {
                message: format!(
                    "extension \"promscale\" cannot be {} while other Promscale Connector sessions are connected",
                    verb(kind)
                ),
                detail: format!(
                    "{} connected: {}. They would keep running against an extension version they do not support.",
                    plural(sessions.len(), "other connector session is", "other connector sessions are"),
                    list_some(&described, 10)
                ),
                hint: format!(
                    "Stop every other Promscale Connector instance, then start this connector again.{} {off}",
                    crate::checks::end_connector_sessions(sessions)
                ),
            },
        });
    }
    if let Some(estimate) = facts.lock_fit.as_ref().filter(|e| !e.fits_an_empty_table()) {
        return Some(Refusal {
            reason: RefusalReason::LockTableTooSmall,
            message: Message {
                message: format!(
                    "extension \"promscale\" cannot be {}: the {} needs more lock table entries than are free",
                    verb(kind),
                    noun(kind)
                ),
                detail: format!(
                    "The {} takes about {} locks in one transaction; the lock table holds {} entries even when no other session uses any. It would fail with \"out of shared memory\" after running for a long time, with ingestion stopped.",
                    noun(kind),
                    estimate.locks_needed,
                    estimate.lock_capacity,
                ),
                hint: format!(
                    "Run ALTER SYSTEM SET max_locks_per_transaction = {}; restart PostgreSQL, then start the connector again. {off}",
                    estimate.recommended_max_locks_per_transaction
                ),
            },
        });
    }
    None
}

/// The update fits an empty lock table but not what other sessions leave
/// of it: a WARNING naming who holds the entries, and the update goes on
/// (the table borrows spare shared memory, and those sessions may end).
fn crowded_warning(kind: UpgradeKind, fit: &LockFit) -> Option<Message> {
    if fit.fits() {
        return None;
    }
    let holders: Vec<String> = fit
        .holders
        .iter()
        .map(|h| {
            format!(
                "pid {} (role {}, application_name {}) holds {}",
                h.pid,
                h.role.as_deref().unwrap_or("unknown"),
                if h.application_name.is_empty() { "empty" } else { &h.application_name },
                h.locks
            )
        })
        .collect();
    Some(Message {
        message: format!("the promscale {} may not fit in what other sessions leave of the lock table", noun(kind)),
        detail: format!(
            "The {} takes about {} locks; the lock table holds {} entries and other sessions use {} ({}). It fits the table alone, so it goes ahead, but it fails with \"out of shared memory\" if those sessions keep their locks and spare shared memory runs out.",
            noun(kind),
            fit.locks_needed,
            fit.lock_capacity,
            fit.locks_in_use,
            if holders.is_empty() { "no single backend stands out".to_string() } else { list_some(&holders, 5) }
        ),
        hint: format!(
            "If the update fails, end the transactions of those sessions (SELECT pg_terminate_backend(pid)) or raise max_locks_per_transaction to {} and restart PostgreSQL.",
            fit.recommended_max_locks_per_transaction
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: i64 = 5585198506344173278;

    fn update(to: Option<&str>) -> Command {
        Command::Update { to: to.map(str::to_string) }
    }

    fn create(version: Option<&str>) -> Command {
        Command::Create { version: version.map(str::to_string), schema: None, if_not_exists: false, cascade: false }
    }

    fn installed(v: &str) -> Facts {
        Facts { installed: Some(v.into()), default_version: Some("0.8.0".into()), ..Facts::plain(KEY) }
    }

    fn legacy() -> Facts {
        Facts {
            legacy_tables: vec!["public.prom_schema_migrations".into()],
            default_version: Some("0.8.0".into()),
            ..Facts::plain(KEY)
        }
    }

    fn session(pid: i32, name: &str, mode: Option<&str>) -> ConnectorSession {
        ConnectorSession {
            pid,
            application_name: name.into(),
            client_addr: None,
            usename: Some("promscale".into()),
            lock_mode: mode.map(str::to_string),
            prepared_transaction: None,
        }
    }

    fn refusal(v: Verdict) -> Refusal {
        match v {
            Verdict::Refuse(r) => r,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn allowed(v: Verdict) -> Allowed {
        match v {
            Verdict::Allow(a) => a,
            other => panic!("expected allowed, got {other:?}"),
        }
    }

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
    fn update_without_to_names_the_default_version() {
        let r = refusal(decide(&update(None), &installed("0.7.0")));
        assert!(r.message.detail.starts_with("ALTER EXTENSION promscale UPDATE would update extension \"promscale\" from version 0.7.0 to 0.8.0, but "), "{}", r.message.detail);
        let mut unknown_default = installed("0.7.0");
        unknown_default.default_version = None;
        let r = refusal(decide(&update(None), &unknown_default));
        assert!(r.message.detail.contains("from version 0.7.0 to the default version"), "{}", r.message.detail);
    }

    #[test]
    fn connector_lease_allows_the_update() {
        let facts = Facts { connector_lock: ConnectorLock::Session, ..installed("0.7.0") };
        let a = allowed(decide(&update(Some("0.8.0")), &facts));
        assert_eq!(a.by, AllowedBy::ConnectorLock);
        assert_eq!(a.kind, UpgradeKind::Update);
        assert_eq!((a.from.as_deref(), a.to.as_deref()), (Some("0.7.0"), Some("0.8.0")));
        assert!(a.warning.is_none());
        assert_eq!(a.locks_estimated, None);
    }

    #[test]
    fn shared_or_transaction_level_lock_is_not_the_lease() {
        for (lock, words) in [
            (ConnectorLock::SharedOnly, "only in shared mode"),
            (ConnectorLock::TransactionLevel, "only at transaction level (pg_advisory_xact_lock)"),
            (ConnectorLock::NotHeld, "does not hold"),
        ] {
            let facts = Facts { connector_lock: lock, ..installed("0.7.0") };
            let r = refusal(decide(&update(Some("0.8.0")), &facts));
            assert!(r.message.detail.contains(words), "{lock:?}: {}", r.message.detail);
        }
    }

    #[test]
    fn lease_held_by_another_session_is_named() {
        let facts = Facts {
            other_connector_sessions: vec![session(77, "promscale@0.17.0", Some("ExclusiveLock"))],
            ..installed("0.7.0")
        };
        let r = refusal(decide(&update(Some("0.8.0")), &facts));
        assert_eq!(r.reason, RefusalReason::NotTheConnector);
        assert!(
            r.message.detail.contains("Session 77 (application_name promscale@0.17.0) holds that lock now"),
            "{}",
            r.message.detail
        );
    }

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
    fn extension_scripts_pass() {
        let facts = Facts { in_extension_script: true, ..installed("0.7.0") };
        assert_eq!(decide(&update(Some("0.8.0")), &facts), Verdict::Pass);
        let facts = Facts { in_extension_script: true, ..legacy() };
        assert_eq!(decide(&create(Some("0.0.0")), &facts), Verdict::Pass);
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
        let w = a.warning.unwrap();
        assert_eq!(w.message, "extension \"promscale\" is being updated by hand");
        assert!(w.detail.contains("promscale_upgrade_guard.allow_manual_update is on"), "{}", w.detail);
        assert!(w.detail.contains("from version 0.7.0 to 0.8.0"), "{}", w.detail);
        assert!(w.hint.contains("RESET promscale_upgrade_guard.allow_manual_update"), "{}", w.hint);
        // The lease wins over break-glass: the log says who really did it.
        let facts = Facts { connector_lock: ConnectorLock::Session, allow_manual_update: true, ..installed("0.7.0") };
        let a = allowed(decide(&update(Some("0.8.0")), &facts));
        assert_eq!(a.by, AllowedBy::ConnectorLock);
        assert!(a.warning.is_none());
    }

    #[test]
    fn rehearsal_is_allowed_without_fail_fast() {
        let facts = Facts {
            rehearsal: true,
            other_connector_sessions: vec![session(9, "promscale@0.16.0", Some("ShareLock"))],
            ..installed("0.7.0")
        };
        assert_eq!(allowed(decide(&update(Some("0.8.0")), &facts)).by, AllowedBy::Rehearsal);
    }

    #[test]
    fn fail_fast_refuses_the_lease_holder_while_connectors_run() {
        let facts = Facts {
            connector_lock: ConnectorLock::Session,
            other_connector_sessions: vec![
                session(41, "promscale@0.16.0", None),
                session(42, "", Some("ShareLock (waiting)")),
            ],
            ..installed("0.7.0")
        };
        let r = refusal(decide(&update(Some("0.8.0")), &facts));
        assert_eq!((r.reason, r.reason.sqlstate()), (RefusalReason::ConnectorsConnected, "55006"));
        assert_eq!(
            r.message.message,
            "extension \"promscale\" cannot be updated while other Promscale Connector sessions are connected"
        );
        assert!(
            r.message
                .detail
                .starts_with("2 other connector sessions are connected: pid 41 (application_name promscale@0.16.0"),
            "{}",
            r.message.detail
        );
        assert!(r.message.hint.contains("ARRAY[41, 42]"), "{}", r.message.hint);
        assert!(r.message.hint.contains("promscale_upgrade_guard.fail_fast = off"), "{}", r.message.hint);
        let off = Facts { fail_fast: false, ..facts };
        assert_eq!(allowed(decide(&update(Some("0.8.0")), &off)).by, AllowedBy::ConnectorLock);
    }

    #[test]
    fn fail_fast_refuses_an_update_that_will_not_fit_the_lock_table() {
        let estimate = LockFit {
            locks_needed: 12_000,
            locks_counted: 11_000,
            lock_capacity: 7_808,
            locks_in_use: 300,
            recommended_max_locks_per_transaction: 256,
            holders: Vec::new(),
        };
        let facts = Facts { connector_lock: ConnectorLock::Session, lock_fit: Some(estimate.clone()), ..legacy() };
        let r = refusal(decide(&create(Some("0.0.0")), &facts));
        assert_eq!((r.reason, r.reason.sqlstate()), (RefusalReason::LockTableTooSmall, "53400"));
        assert!(r.message.message.starts_with("extension \"promscale\" cannot be created: "), "{}", r.message.message);
        assert!(
            r.message.detail.contains("about 12000 locks") && r.message.detail.contains("holds 7808 entries"),
            "{}",
            r.message.detail
        );
        assert!(r.message.hint.contains("ALTER SYSTEM SET max_locks_per_transaction = 256;"), "{}", r.message.hint);
        // Break-glass is the superuser's call: recorded, not refused.
        let glass = Facts { connector_lock: ConnectorLock::NotHeld, allow_manual_update: true, ..facts.clone() };
        assert_eq!(allowed(decide(&create(Some("0.0.0")), &glass)).locks_estimated, Some(12_000));
        // So is fail-fast off.
        let off = Facts { fail_fast: false, ..facts.clone() };
        assert_eq!(allowed(decide(&create(Some("0.0.0")), &off)).by, AllowedBy::ConnectorLock);
        // A fitting estimate passes and is carried into the log.
        let fits = LockFit { locks_needed: 5_000, ..estimate };
        let facts = Facts { lock_fit: Some(fits), ..facts };
        let a = allowed(decide(&create(Some("0.0.0")), &facts));
        assert_eq!((a.locks_estimated, a.warning), (Some(5_000), None));
    }

    /// Other sessions' locks (a plain role can take thousands of advisory
    /// locks) never make fail-fast refuse an update that fits the table
    /// alone: it goes ahead with a WARNING naming who holds the entries.
    #[test]
    fn other_sessions_locks_warn_but_do_not_refuse() {
        let crowded = LockFit {
            locks_needed: 2_000,
            locks_counted: 1_800,
            lock_capacity: 7_808,
            locks_in_use: 7_700,
            recommended_max_locks_per_transaction: 192,
            holders: vec![LockHolder {
                pid: 4242,
                role: Some("mallory".into()),
                application_name: "psql".into(),
                locks: 7_650,
            }],
        };
        let facts = Facts { connector_lock: ConnectorLock::Session, lock_fit: Some(crowded), ..installed("0.7.0") };
        let a = allowed(decide(&update(Some("0.8.0")), &facts));
        assert_eq!(a.by, AllowedBy::ConnectorLock);
        let w = a.warning.expect("a warning naming the holders");
        assert!(w.message.starts_with("the promscale update may not fit"), "{}", w.message);
        assert!(w.detail.contains("pid 4242 (role mallory, application_name psql) holds 7650"), "{}", w.detail);
        assert!(w.hint.contains("max_locks_per_transaction to 192"), "{}", w.hint);
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

    /// The connector drops an old extension (below 0.5.0) before it takes a
    /// pre-0.11 schema over: that CREATE is the takeover, not a reinstall.
    #[test]
    fn the_takeover_wins_over_a_reinstall() {
        let facts = Facts { last_logged_version: Some("0.3.2".into()), ..legacy() };
        let r = refusal(decide(&create(Some("0.0.0")), &facts));
        assert!(r.message.message.contains("can only be created by the Promscale Connector"), "{}", r.message.message);
        let lease = Facts { connector_lock: ConnectorLock::Session, ..facts };
        assert_eq!(allowed(decide(&create(Some("0.0.0")), &lease)).kind, UpgradeKind::Takeover);
    }

    #[test]
    fn a_reinstall_at_another_version_is_an_update() {
        let dropped = Facts {
            last_logged_version: Some("0.7.0".into()),
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

    #[test]
    fn statements_render_canonically() {
        assert_eq!(update(Some("0.8.0")).statement(), "ALTER EXTENSION promscale UPDATE TO '0.8.0'");
        assert_eq!(
            Command::Create {
                version: Some("0.0.0".into()),
                schema: Some("public".into()),
                if_not_exists: true,
                cascade: true
            }
            .statement(),
            "CREATE EXTENSION IF NOT EXISTS promscale SCHEMA public VERSION '0.0.0' CASCADE"
        );
        assert_eq!(update(Some("it's")).statement(), "ALTER EXTENSION promscale UPDATE TO 'it''s'");
    }
}
