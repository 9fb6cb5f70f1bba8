//! The facts about the database that every decision is made from.
//!
//! `Snapshot` is plain data: `read` fills it from the catalog in a few
//! set-based queries, unit tests build it by hand. Nothing in here opens a
//! Promscale table, so gathering it never waits on another session's locks.

pub mod extension_files;
mod heap_read;
pub mod kept;
mod pg_class_scan;
pub mod read;
pub mod relation_tally;
pub mod script_files;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Deserialize;

use crate::catalog::classes::ObjectClass;
use crate::catalog::lock_table::LockTableSize;
use crate::catalog::measurement::LockMeasurement;
use crate::catalog::script_scan::ScriptScan;

/// What PostgreSQL knows about one extension in this database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtensionState {
    /// `pg_extension.extversion`, when installed.
    pub installed: Option<String>,
    /// Every version with an install or update script on disk.
    pub available: Vec<String>,
    /// The control file's `default_version`: what a package made "current".
    pub default_version: Option<String>,
}

/// One row of `pg_extension_update_paths()` that has a path.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UpdatePath {
    pub source: String,
    pub target: String,
    pub path: String,
}

/// A session that holds, waits for, or is named like the Promscale
/// Connector's advisory lock. Only what it holds counts (`standing`): any
/// login role can set `application_name` or queue for the key.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ConnectorSession {
    pub pid: i32,
    /// Session input: printed only through `quote::for_message`.
    pub application_name: String,
    pub client_addr: Option<String>,
    pub usename: Option<String>,
    /// Its entries on the connector's advisory key (none: only the name).
    #[serde(default)]
    pub locks: Vec<KeyLock>,
    /// The gid of a prepared transaction holding the key (then `pid` is 0:
    /// it holds the lock, across restarts, until COMMIT/ROLLBACK PREPARED).
    #[serde(default)]
    pub prepared_transaction: Option<String>,
}

/// One `pg_locks` entry of a session on the connector's key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KeyLock {
    /// `ShareLock` or `ExclusiveLock` (advisory locks have no other modes).
    pub mode: String,
    pub granted: bool,
}

/// What a connector-looking session is, by what it holds on the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Holds the key exclusively (granted): a connector migrating, or
    /// whoever has the lease.
    Migrating,
    /// Holds the key in share mode (granted): a running connector.
    Running,
    /// Only waits for the key: any role can queue behind the lease.
    Waiting,
    /// Only carries a `promscale@...` name: any role can.
    NameOnly,
}

impl ConnectorSession {
    pub fn standing(&self) -> Standing {
        let held = |mode: &str| self.locks.iter().any(|l| l.granted && l.mode == mode);
        if held("ExclusiveLock") {
            Standing::Migrating
        } else if self.locks.iter().any(|l| l.granted) {
            Standing::Running
        } else if !self.locks.is_empty() {
            Standing::Waiting
        } else {
            Standing::NameOnly
        }
    }

    /// Whether it counts as a connector: it holds the key, granted.
    pub fn holds_the_key(&self) -> bool {
        matches!(self.standing(), Standing::Migrating | Standing::Running)
    }

    /// The modes it holds (`granted`) or waits for, joined: "ShareLock".
    pub fn modes(&self, granted: bool) -> Option<String> {
        let modes: Vec<&str> = self.locks.iter().filter(|l| l.granted == granted).map(|l| l.mode.as_str()).collect();
        (!modes.is_empty()).then(|| modes.join(", "))
    }
}

/// A backend holding lock-table entries, as fail-fast's warning names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LockHolder {
    pub pid: i32,
    pub role: Option<String>,
    pub application_name: String,
    /// Distinct lock-table entries it holds.
    pub locks: i64,
}

/// What an `ALTER/CREATE EXTENSION promscale` needs to be judged: a much
/// smaller read than `Snapshot`, made only for promscale commands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromscaleCommandFacts {
    pub installed: Option<String>,
    pub default_version: Option<String>,
    /// `prom_schema_migrations` tables, schema-qualified and quoted.
    pub legacy_tables: Vec<String>,
    /// The current role has the privileges of promscale's owner.
    pub owns_promscale: bool,
    /// The current role has CREATE on the database.
    pub create_on_database: bool,
    /// The current role is a member of one of the connector roles (true
    /// when that setting is empty).
    pub in_connector_roles: bool,
    /// The client's address; None over a Unix socket.
    pub client_addr: Option<String>,
}

/// An object as `pg_identify_object()` names it: `kind` "view",
/// "materialized view", "function", ...; `identity` schema-qualified.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DependentObject {
    pub kind: String,
    pub identity: String,
}

impl DependentObject {
    pub fn new(kind: &str, identity: &str) -> DependentObject {
        DependentObject { kind: kind.to_string(), identity: identity.to_string() }
    }

    /// The statement that prints its definition, so it can be recreated;
    /// None for kinds that only pg_dump can save. `identity` is quoted as
    /// identifiers already; inside the literal it is quoted again.
    pub fn definition_sql(&self) -> Option<String> {
        let name = crate::quote::quote_literal(&self.identity);
        match self.kind.as_str() {
            "view" | "materialized view" => {
                Some(format!("SELECT pg_catalog.pg_get_viewdef({name}::pg_catalog.regclass);"))
            }
            "function" | "procedure" => {
                Some(format!("SELECT pg_catalog.pg_get_functiondef({name}::pg_catalog.regprocedure);"))
            }
            _ => None,
        }
    }

    /// The statement that drops it (`identity` is quoted as identifiers).
    pub fn drop_sql(&self) -> String {
        format!("DROP {} {};", self.kind.to_uppercase(), self.identity)
    }
}

/// Size of the tracing data as catalog statistics tell it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct TracingData {
    /// Tracing tables present (`_ps_trace.span`, `.event`, `.link`, `.tag`...).
    pub tables: i64,
    /// Estimated rows: the larger of `reltuples` and the statistics
    /// collector's live tuples, summed over tables and their chunks.
    pub rows_estimate: i64,
    /// On-disk size from `relpages`, including chunks, toast and indexes.
    pub bytes: i64,
}

/// `max_locks_per_transaction` as the server runs it and as configured.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct MaxLocksSetting {
    pub current: i64,
    pub pending_restart: bool,
    /// The value waiting in the configuration files, when one is pending
    /// (read by a query of its own).
    #[serde(default)]
    pub configured: Option<String>,
}

/// Everything the checks, the plan and the lock estimate decide from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub server_version_num: i32,
    pub in_recovery: bool,
    pub promscale: ExtensionState,
    pub timescaledb: ExtensionState,
    /// Paths from the installed version, or from 0.0.0 for a takeover.
    pub promscale_update_paths: Vec<UpdatePath>,
    /// Schema holding `prom_schema_migrations`: a pre-0.11 connector schema.
    pub legacy_schema: Option<String>,
    /// Other sessions holding or waiting for the connector's advisory lock,
    /// or named `promscale@...` (only holders count: `ConnectorSession::standing`).
    pub connector_sessions: Vec<ConnectorSession>,
    /// Who upgrades or runs a connector now (for the state's activity).
    pub upgrade_activity: UpgradeActivity,
    pub tracing: TracingData,
    /// User objects (not extension members) that depend on `prom_info.metric`.
    pub prom_info_metric_dependents: Vec<DependentObject>,
    /// Temporary objects of other sessions that depend on it too (not
    /// named: they are not the caller's, and go with their sessions).
    pub other_sessions_temp_dependents: i64,
    /// Relations the guard would read but did not, each with why (a view
    /// where a plain table belongs, a table that is not the extension's,
    /// one another session holds or queues a conflicting lock on).
    pub ignored_relations: Vec<String>,
    /// Why the guard's rehearsal log was not read (busy, not what it must
    /// be); None when it was read or is absent.
    pub rehearsal_log_unread: Option<String>,
    /// The other backends holding the most lock-table entries (read for
    /// the trigger's lock estimate only).
    pub lock_holders: Vec<LockHolder>,
    /// Tables in `prom_data` that no `prom_metric` view reads.
    pub non_metric_tables_in_prom_data: Vec<String>,
    pub max_locks: MaxLocksSetting,
    /// Promscale objects by class.
    pub objects: BTreeMap<ObjectClass, i64>,
    /// Relations outside the system schemas (the published formula's count).
    pub relations_outside_system_schemas: i64,
    /// Rows inserted into this database since the statistics were reset
    /// (`pg_stat_database.tup_inserted`): grows while connectors ingest.
    pub database_rows_inserted: i64,
    /// The lock table's size inputs, from the server's own globals.
    pub lock_table: LockTableSize,
    /// Shared lock-table entries other sessions hold now.
    pub locks_in_use: i64,
    pub streaming_standbys: i64,
    pub max_connections: i64,
    /// `promscale_upgrade_guard.lock_margin_percent`.
    pub lock_margin_percent: i64,
    /// Relations each system catalog or view the lock model names stands
    /// for when opened: itself, its indexes, its toast table and index.
    pub catalog_relations: BTreeMap<String, i64>,
    /// Scans of the promscale script files the possible paths run, by file
    /// name (`promscale--0.7.0--0.8.0.sql`).
    pub promscale_scripts: BTreeMap<String, Arc<ScriptScan>>,
    /// Incremental migrations recorded in `_ps_catalog.migration`; None when
    /// it could not be read at once (no privilege, or locked by an upgrade).
    pub applied_migrations: Option<BTreeSet<String>>,
    /// What rehearsals and logged upgrades measured (the guard's logs).
    pub lock_measurements: Vec<LockMeasurement>,
    /// The rehearsals in the guard's log: the newest of each path,
    /// versions, outcome and origin (local or imported from a copy).
    pub rehearsals: Vec<Rehearsal>,
    /// OIDs of the metric tables (`prom_data`), from the relation pass: the
    /// activity read looks up their newest chunks. Not a fact checks use.
    pub metric_tables: Vec<u32>,
}

/// One rehearsal of `promscale_upgrade_rehearse()`, run here or on a
/// restored copy and imported (a row of `rehearsal_log`). The fields after
/// `locks_held` came with guard 0.4.0: None in older rows.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Rehearsal {
    /// `takeover`, `update` or `fresh`.
    pub path: String,
    pub from_version: Option<String>,
    pub to_version: Option<String>,
    /// UTC, `YYYY-MM-DD HH:MM:SS.ffffff`: sorts as it reads. For an
    /// imported row, what the record claims.
    pub measured_at: String,
    /// When this database stored the row (UTC, as `measured_at`): an
    /// import's `imported_at`, a local rehearsal's `measured_at`.
    #[serde(default)]
    pub stored_at: Option<String>,
    pub succeeded: bool,
    pub locks_estimated: Option<i64>,
    pub locks_counted: Option<i64>,
    pub locks_held: Option<i64>,
    pub duration_seconds: Option<f64>,
    /// SQLSTATE, message, detail and hint of a failed rehearsal.
    pub error: Option<String>,
    pub server_version_num: Option<i32>,
    /// Relations outside the system schemas then (`relations_outside_system_schemas`).
    pub relations: Option<i64>,
    /// Promscale metric tables then.
    pub metrics: Option<i64>,
    pub guard_version: Option<String>,
    pub database_name: Option<String>,
    /// The role that ran the rehearsal (on the copy, for an imported row).
    pub role_name: Option<String>,
    /// `local` or `imported`.
    #[serde(default = "local")]
    pub origin: String,
    /// An imported row from a much smaller catalog than this one.
    pub from_smaller_catalog: Option<bool>,
}

fn local() -> String {
    "local".into()
}

impl Rehearsal {
    /// The key "newest" is ordered by: when this database stored the row,
    /// never the time an imported record claims.
    pub fn stored_order(&self) -> &str {
        self.stored_at.as_deref().unwrap_or(&self.measured_at)
    }

    pub fn is_imported(&self) -> bool {
        self.origin == "imported"
    }
}

impl Snapshot {
    /// Metric tables: the catalog size a rehearsal is compared by, with
    /// the relations.
    pub fn metrics(&self) -> i64 {
        self.metric_tables.len() as i64
    }

    pub fn has_update_path(&self, from: &str, to: &str) -> Option<&UpdatePath> {
        self.promscale_update_paths.iter().find(|p| p.source == from && p.target == to)
    }
}

/// What is happening now, for the upgrade state: read only by
/// `promscale_upgrade_state()` and the monitoring view, not by the checks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Activity {
    pub running_upgrade: Option<RunningUpgradeRow>,
    /// Sessions holding the connector's shared lock (granted).
    pub connectors_running: i64,
    /// Versions from the `promscale@<version>` application names of those sessions.
    pub connector_versions: Vec<String>,
    /// When the oldest running connector session started (epoch seconds).
    pub connector_since: Option<f64>,
    /// Rows inserted into the newest chunk of each metric table (the chunks
    /// being written): insert activity on prom_data's chunks.
    pub newest_chunk_rows_inserted: i64,
    /// Newest `_prom_catalog.metadata.last_seen` (epoch seconds); None when
    /// unknown (no table, no privilege, or the table is locked right now).
    pub metadata_last_seen: Option<f64>,
    /// The newest update in the guard's upgrade log.
    pub last_upgrade: Option<LoggedUpgrade>,
    /// Manual updates the event trigger refused (a counter since install).
    pub refused_manual_updates: i64,
    /// The same, since the server started.
    pub refused_manual_updates_since_start: i64,
    /// Relations the guard would read but did not, each with why.
    pub ignored_relations: Vec<String>,
}

/// Who upgrades or runs a connector now, read with the snapshot in the same
/// read of pg_locks and pg_stat_activity (`live.sql`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct UpgradeActivity {
    pub running_upgrade: Option<RunningUpgradeRow>,
    /// Sessions holding the connector's lock in share mode (granted).
    pub connectors_running: i64,
    /// Versions from the `promscale@<version>` application names of those
    /// sessions (a name alone is no connector).
    #[serde(default)]
    pub connector_versions: Option<Vec<String>>,
    /// When the oldest running connector session started (epoch seconds).
    #[serde(default)]
    pub connector_since: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LoggedUpgrade {
    pub from_version: Option<String>,
    pub to_version: Option<String>,
    /// Epoch seconds.
    pub finished_at: f64,
    pub duration_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RunningUpgradeRow {
    pub pid: i32,
    pub seconds: Option<f64>,
    pub wait_event: Option<String>,
}

/// What the catalog and the lock views show of the running upgrade.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct RunningUpgrade {
    pub pid: i32,
    pub role_name: Option<String>,
    pub application_name: String,
    pub client_addr: Option<String>,
    /// Its current statement, cut to 200 characters (NULL without the
    /// privilege to see other roles' queries).
    pub command: Option<String>,
    /// When its transaction started (epoch seconds).
    pub started_at: Option<f64>,
    pub elapsed_seconds: f64,
    /// Since its current statement started (how long it has waited, when
    /// it waits).
    pub statement_seconds: f64,
    /// Distinct lock entries the backend holds now.
    pub locks_held: i64,
    /// Those of them in the shared lock table (not fast-path).
    pub locks_held_shared: i64,
    /// The estimate the trigger published (None when none was made:
    /// fail_fast off).
    pub locks_estimated: Option<i64>,
    /// How long a rehearsal of the same path says the upgrade takes here
    /// (published by the trigger beside the estimate); None without one.
    #[serde(default)]
    pub expected_seconds: Option<f64>,
    /// The lock it waits for: type, mode and object.
    pub waiting_on: Option<String>,
    pub blocked_by: Vec<i32>,
    /// The sessions it waits for (pid, role, application_name, state,
    /// transaction age, the lock each holds, its query cut short).
    pub blockers: serde_json::Value,
    /// Entries of the shared lock table in use now, by every session.
    pub lock_table_used: i64,
    /// A term of the lock table's size not in the server's exported globals.
    pub max_prepared_transactions: i64,
}

/// What the guard's upgrade log says promscale was at when it last saw it
/// change (or when the guard was installed beside it: the baseline row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggedVersion {
    /// The newest row's version; None when the log has no row.
    Read(Option<String>),
    /// The log could not be read now: why, naming the sessions in the way.
    /// The reinstall rule then refuses (it never takes "could not read"
    /// for "nothing logged").
    Unread(String),
}

impl Default for LoggedVersion {
    fn default() -> Self {
        LoggedVersion::Read(None)
    }
}

#[cfg(test)]
mod tests {
    use super::{ConnectorSession, KeyLock, Standing};

    fn with(locks: &[(&str, bool)]) -> ConnectorSession {
        ConnectorSession {
            pid: 7,
            application_name: "promscale@0.17.0".into(),
            client_addr: None,
            usename: None,
            locks: locks.iter().map(|(m, g)| KeyLock { mode: m.to_string(), granted: *g }).collect(),
            prepared_transaction: None,
        }
    }

    /// Only a granted entry on the key makes a connector; the name, or a
    /// place in the key's queue, does not (any role has both).
    #[test]
    fn standing_comes_from_what_is_granted() {
        assert_eq!(with(&[("ExclusiveLock", true)]).standing(), Standing::Migrating);
        assert_eq!(with(&[("ShareLock", true), ("ExclusiveLock", true)]).standing(), Standing::Migrating);
        assert_eq!(with(&[("ShareLock", true)]).standing(), Standing::Running);
        assert_eq!(with(&[("ShareLock", true), ("ExclusiveLock", false)]).standing(), Standing::Running);
        assert_eq!(with(&[("ShareLock", false)]).standing(), Standing::Waiting);
        assert_eq!(with(&[("ExclusiveLock", false)]).standing(), Standing::Waiting);
        assert_eq!(with(&[]).standing(), Standing::NameOnly);
        assert!(with(&[("ShareLock", true)]).holds_the_key());
        assert!(!with(&[("ShareLock", false)]).holds_the_key());
        assert!(!with(&[]).holds_the_key());
        let mixed = with(&[("ShareLock", true), ("ExclusiveLock", false)]);
        assert_eq!(
            (mixed.modes(true).as_deref(), mixed.modes(false).as_deref()),
            (Some("ShareLock"), Some("ExclusiveLock"))
        );
    }

    /// The row live.sql writes: `locks` as (mode, granted) entries.
    #[test]
    fn a_live_row_reads_into_its_standing() {
        let rows: Vec<ConnectorSession> = serde_json::from_str(
            r#"[{"pid": 1, "application_name": "promscale@0.17.0", "client_addr": null, "usename": "x",
                 "locks": [], "prepared_transaction": null},
                {"pid": 2, "application_name": "", "client_addr": null, "usename": "y",
                 "locks": [{"mode": "ShareLock", "granted": false}], "prepared_transaction": null}]"#,
        )
        .unwrap();
        assert_eq!(
            rows.iter().map(ConnectorSession::standing).collect::<Vec<_>>(),
            [Standing::NameOnly, Standing::Waiting]
        );
    }
}
