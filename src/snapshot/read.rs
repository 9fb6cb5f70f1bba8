//! Fills a `Snapshot` from the catalog: the only module that queries it.
//!
//! Each query in `sql/` returns one JSON object, deserialized into its own
//! row struct below; a key missing from it is reported as an error naming
//! the query, not a panic. A handful of set-based queries per call, none of
//! which opens a Promscale table.

use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiResult};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::thread::LocalKey;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::extension_files::{available_versions, ControlFile, ControlFlags};
use super::pg_class_scan::{newest_chunk_rows_inserted, scan_relations};
use super::script_files::{scan_files, step_files};
use super::{
    Activity, ConnectorSession, DependentObject, LoggedUpgrade, MaxLocksSetting, PromscaleCommandFacts, Rehearsal,
    RunningUpgradeRow, Snapshot, TracingData, UpdatePath,
};
use crate::catalog::classes::ObjectClass;
use crate::catalog::lock_table::LockTableSize;
use crate::catalog::measurement::LockMeasurement;
use crate::catalog::model::Model;
use crate::pg_glue::{raise, LossyText};
use crate::rules::Rules;

/// One of the guard's catalog queries: its text and, in each backend, its
/// plan, prepared at the first call and kept for the backend's life. The
/// monitoring functions run every few seconds, and planning their dozen
/// queries again on each call is measurable (bench/performance.sh). Kept
/// plans live in PostgreSQL's plan cache, which replans them when an object
/// they use changes, or the search_path does.
pub(crate) struct CatalogQuery {
    name: &'static str,
    sql: &'static str,
    plan: &'static LocalKey<RefCell<Option<OwnedPreparedStatement>>>,
}

/// `catalog_query!(NAME = sql)`: a `static NAME: CatalogQuery` owning the
/// slot for its plan.
macro_rules! catalog_query {
    ($(#[$doc:meta])* $vis:vis $name:ident = $sql:expr) => {
        $(#[$doc])*
        $vis static $name: CatalogQuery = {
            thread_local! {
                static PLAN: RefCell<Option<OwnedPreparedStatement>> = const { RefCell::new(None) };
            }
            CatalogQuery { name: stringify!($name), sql: $sql, plan: &PLAN }
        };
    };
}

catalog_query!(SERVER = include_str!("sql/server.sql"));
catalog_query!(UPDATE_PATHS = include_str!("sql/update_paths.sql"));
catalog_query!(CONNECTOR_SESSIONS = include_str!("sql/connector_sessions.sql"));
catalog_query!(HAZARDS = include_str!("sql/hazards.sql"));
catalog_query!(MAX_LOCKS_CONFIGURED = include_str!("sql/max_locks_configured.sql"));
catalog_query!(ENFORCE_FACTS = include_str!("sql/enforce_facts.sql"));
catalog_query!(OBJECT_COUNTS = include_str!("sql/object_counts.sql"));
catalog_query!(NON_METRIC_TABLES = include_str!("sql/non_metric_tables.sql"));
catalog_query!(LOCK_TABLE = include_str!("sql/lock_table.sql"));
catalog_query!(UPGRADE_ACTIVITY = include_str!("sql/upgrade_activity.sql"));
catalog_query!(UPGRADE_PROGRESS = include_str!("sql/upgrade_progress.sql"));
catalog_query!(LAST_UPGRADE = include_str!("sql/last_upgrade.sql"));
catalog_query!(LOCK_MEASUREMENTS = include_str!("sql/lock_measurements.sql"));
catalog_query!(REHEARSALS = include_str!("sql/rehearsals.sql"));
catalog_query!(CAN_READ_FILE_SETTINGS = include_str!("sql/can_read_file_settings.sql"));
catalog_query!(APPLIED_MIGRATIONS = include_str!("sql/applied_migrations.sql"));
catalog_query!(READABLE_RELATION = include_str!("sql/readable_relation.sql"));
catalog_query!(METADATA_LAST_SEEN = include_str!("sql/metadata_last_seen.sql"));
catalog_query!(ROLE_FACTS = include_str!("sql/role_facts.sql"));
catalog_query!(HELD_LOCKS = include_str!("sql/held_locks.sql"));
catalog_query!(LOCK_HOLDERS = include_str!("sql/lock_holders.sql"));
catalog_query!(LAST_LOGGED_VERSION = include_str!("sql/last_logged_version.sql"));
catalog_query!(REFUSED_MANUAL_UPDATES = include_str!("sql/refused_manual_updates.sql"));
catalog_query!(REFUSED_SINCE_START = include_str!("sql/refused_since_start.sql"));
catalog_query!(pub(crate) CLOCK = include_str!("sql/clock.sql"));

// The row of each JSON query. A field without a default is required: its
// absence is an error naming the query.

#[derive(Deserialize)]
struct ServerRow {
    server_version_num: i32,
    in_recovery: bool,
    promscale: InstalledRow,
    timescaledb: InstalledRow,
    legacy_schema: Option<String>,
    max_locks: MaxLocksSetting,
}

#[derive(Deserialize)]
struct InstalledRow {
    installed: Option<String>,
}

#[derive(Deserialize)]
struct ConnectorSessionsRow {
    connector_sessions: Vec<ConnectorSession>,
}

#[derive(Deserialize)]
struct HazardsRow {
    tracing: TracingData,
    prom_info_metric_dependents: Vec<DependentObject>,
    other_sessions_temp_dependents: i64,
}

#[derive(Deserialize)]
struct ObjectCountsRow {
    objects: BTreeMap<ObjectClass, i64>,
    catalog_relations: BTreeMap<String, i64>,
    database_rows_inserted: i64,
}

#[derive(Deserialize)]
struct NonMetricTablesRow {
    non_metric_tables_in_prom_data: Vec<String>,
}

#[derive(Deserialize)]
struct LockTableRow {
    locks_in_use: i64,
    streaming_standbys: i64,
    max_connections: i64,
    max_prepared_transactions: i64,
}

#[derive(Deserialize)]
struct UpdatePathsRow {
    promscale_update_paths: Vec<UpdatePath>,
}

#[derive(Deserialize)]
struct MaxLocksConfiguredRow {
    configured: Option<String>,
}

#[derive(Deserialize)]
struct LockMeasurementsRow {
    lock_measurements: Option<Vec<LockMeasurement>>,
}

#[derive(Deserialize)]
struct RehearsalsRow {
    rehearsals: Option<Vec<Rehearsal>>,
}

#[derive(Deserialize)]
struct UpgradeActivityRow {
    running_upgrade: Option<RunningUpgradeRow>,
    connectors_running: i64,
    connector_versions: Option<Vec<String>>,
    connector_since: Option<f64>,
}

#[derive(Deserialize)]
struct LastUpgradeRow {
    last_upgrade: Option<LoggedUpgrade>,
}

#[derive(Deserialize)]
struct EnforceFactsRow {
    installed: Option<String>,
    legacy_tables: Vec<String>,
}

#[derive(Deserialize)]
struct RoleFactsRow {
    owns_promscale: bool,
    create_on_database: bool,
    in_connector_roles: bool,
    client_addr: Option<String>,
}

#[derive(Deserialize)]
struct LockHoldersRow {
    lock_holders: Vec<super::LockHolder>,
}

#[derive(Deserialize)]
struct ReadableRelationRow {
    oid: Option<u32>,
    ignored: Option<String>,
}

/// The first column of the first row of a read-only query, with its kept
/// plan. Read-only execution: a writing statement would be assigned a
/// transaction id, an error on a hot standby and needless on a primary.
fn first_value<T: pgrx::FromDatum + pgrx::IntoDatum>(
    query: &CatalogQuery,
    args: &[DatumWithOid],
) -> SpiResult<Option<T>> {
    Spi::connect(|client| {
        query.plan.with(|slot| {
            let mut slot = slot.borrow_mut();
            if slot.is_none() {
                let types: Vec<PgOid> = args.iter().map(|a| PgOid::from(a.oid())).collect();
                *slot = Some(client.prepare(query.sql, &types)?.keep());
            }
            let plan = slot.as_ref().expect("prepared above");
            client.select(plan, Some(1), args)?.first().get_one::<T>()
        })
    })
}

/// The first column of the first row of a read-only query; None also when
/// it fails.
pub(crate) fn select_one<T: pgrx::FromDatum + pgrx::IntoDatum>(
    query: &CatalogQuery,
    args: &[DatumWithOid],
) -> Option<T> {
    first_value(query, args).ok().flatten()
}

/// Runs a query that returns one JSON object as text, as its row struct.
fn json_row<T: DeserializeOwned>(query: &CatalogQuery, args: &[DatumWithOid]) -> T {
    let hint = || {
        Some("This is a bug in promscale_upgrade_guard, or its library and its SQL objects do not match: after a package upgrade, run ALTER EXTENSION promscale_upgrade_guard UPDATE.".to_string())
    };
    // Lossy: a name with invalid UTF-8 (a SQL_ASCII database) is shown with
    // U+FFFD, not turned into a panic.
    let text: Option<LossyText> = first_value(query, args).unwrap_or_else(|e| {
        raise(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("catalog query \"{}\" of promscale_upgrade_guard failed", query.name),
            Some(format!("SPI reported: {e}.")),
            hint(),
        )
    });
    let text = text.map_or_else(|| "null".to_string(), |t| t.0);
    serde_json::from_str(&text).unwrap_or_else(|e| {
        raise(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("unexpected result from catalog query \"{}\" of promscale_upgrade_guard", query.name),
            Some(format!("The result does not have the shape the guard reads: {e}.")),
            hint(),
        )
    })
}

/// The arguments of the queries about connector sessions.
fn connector_args(rules: &Rules) -> [DatumWithOid<'_>; 3] {
    let (classid, objid) = rules.connector_lock_ids();
    [
        DatumWithOid::from(i64::from(classid)),
        DatumWithOid::from(i64::from(objid)),
        DatumWithOid::from(rules.connector_application_name_prefix.as_str()),
    ]
}

/// Whether the current role may read `pg_file_settings` (superuser only by default).
fn can_read_file_settings() -> bool {
    select_one::<bool>(&CAN_READ_FILE_SETTINGS, &[]).unwrap_or(false)
}

/// Other sessions of this database that hold or wait for the connector's
/// advisory lock, or are named like a connector.
pub fn connector_sessions(rules: &Rules) -> Vec<ConnectorSession> {
    json_row::<ConnectorSessionsRow>(&CONNECTOR_SESSIONS, &connector_args(rules)).connector_sessions
}

/// What the enforcement trigger needs about promscale and the current role
/// (two queries); `connector_roles` is `promscale_upgrade_guard.connector_roles`.
pub fn promscale_command_facts(connector_roles: &[String]) -> PromscaleCommandFacts {
    let row: EnforceFactsRow = json_row(&ENFORCE_FACTS, &[]);
    let role: RoleFactsRow = json_row(&ROLE_FACTS, &[DatumWithOid::from(connector_roles.to_vec())]);
    PromscaleCommandFacts {
        installed: row.installed,
        legacy_tables: row.legacy_tables,
        default_version: extension_on_disk(&share_directory(), "promscale", &mut HashMap::new()).default_version,
        owns_promscale: role.owns_promscale,
        create_on_database: role.create_on_database,
        in_connector_roles: role.in_connector_roles,
        client_addr: role.client_addr,
    }
}

/// The promscale control file's `superuser` and `trusted` for installing or
/// updating to `version`: the primary control file, overridden by the
/// version's secondary one (`promscale--<version>.control`) as PostgreSQL
/// reads them.
pub fn promscale_control_flags(version: Option<&str>) -> ControlFlags {
    let share = share_directory();
    let extension_dir = share.join("extension");
    let read = |path: PathBuf| std::fs::read_to_string(path).ok().map(|t| ControlFile::parse(&t));
    let Some(primary) = read(extension_dir.join("promscale.control")) else { return ControlFlags::default() };
    let mut flags = ControlFlags::default();
    let mut apply = |c: &ControlFile| {
        flags.superuser = c.superuser.unwrap_or(flags.superuser);
        flags.trusted = c.trusted.unwrap_or(flags.trusted);
    };
    apply(&primary);
    // PostgreSQL refuses such version names; never build a path from one.
    let safe = |v: &&str| !v.is_empty() && !v.contains(['/', '\\', '\0']) && !v.contains("..");
    if let Some(v) = version.filter(safe) {
        let script_dir = primary.directory.as_ref().map_or(extension_dir, |d| share.join(d));
        if let Some(secondary) = read(script_dir.join(format!("promscale--{v}.control"))) {
            apply(&secondary);
        }
    }
    flags
}

/// The promscale version the newest row of the guard's upgrade log left;
/// None without a readable log or a row.
pub fn last_logged_version() -> Option<String> {
    if readable(&GUARD_UPGRADE_LOG) != Readable::Yes {
        return None;
    }
    select_one::<LossyText>(&LAST_LOGGED_VERSION, &[]).map(|v| v.0)
}

/// The Promscale upgrade another backend runs now (`upgrade_progress.sql`);
/// None when none runs.
pub fn upgrade_progress() -> Option<super::RunningUpgrade> {
    use crate::catalog::upgrade_mark::{ESTIMATE_OBJSUBID, EXPECTED_OBJSUBID, MARK_OBJSUBID};
    json_row(
        &UPGRADE_PROGRESS,
        &[
            DatumWithOid::from(i32::from(MARK_OBJSUBID)),
            DatumWithOid::from(i32::from(ESTIMATE_OBJSUBID)),
            DatumWithOid::from(i32::from(EXPECTED_OBJSUBID)),
        ],
    )
}

/// The lock tags this backend holds now (`held_locks.sql`).
pub fn held_lock_tags() -> Vec<String> {
    json_row(&HELD_LOCKS, &[])
}

/// PostgreSQL's share directory (`pg_config --sharedir` of the running server).
fn share_directory() -> PathBuf {
    let mut buf = [0 as std::ffi::c_char; pg_sys::MAXPGPATH as usize];
    // SAFETY: my_exec_path is the server binary's path, set at start;
    // get_share_path writes at most MAXPGPATH bytes, NUL-terminated.
    unsafe {
        pg_sys::get_share_path(std::ptr::addr_of!(pg_sys::my_exec_path).cast(), buf.as_mut_ptr());
        PathBuf::from(crate::pg_glue::c_string(buf.as_ptr()))
    }
}

/// What an extension's files on disk say.
struct OnDisk {
    /// The versions installable from its files.
    available: Vec<String>,
    /// The control file's default version.
    default_version: Option<String>,
    /// Where its scripts are.
    script_dir: PathBuf,
}

/// The versions of `extname` installable from its files, its control
/// file's default version and its script directory; nothing when it has no
/// control file. Directory listings are shared between extensions through
/// `listings`.
fn extension_on_disk(share: &Path, extname: &str, listings: &mut HashMap<PathBuf, Vec<String>>) -> OnDisk {
    let extension_dir = share.join("extension");
    let Ok(text) = std::fs::read_to_string(extension_dir.join(format!("{extname}.control"))) else {
        return OnDisk { available: Vec::new(), default_version: None, script_dir: extension_dir };
    };
    let control = ControlFile::parse(&text);
    // As PostgreSQL resolves `directory`: absolute, or under the share directory.
    let script_dir = control.directory.as_ref().map_or(extension_dir, |d| share.join(d));
    let names = listings.entry(script_dir.clone()).or_insert_with(|| match std::fs::read_dir(&script_dir) {
        Ok(entries) => entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect(),
        Err(e) => raise(
            PgSqlErrorCode::ERRCODE_UNDEFINED_FILE,
            format!("could not open directory \"{}\": {e}", script_dir.display()),
            Some(format!("The control file of extension \"{extname}\" names it as the directory of its scripts.")),
            Some("Check the extension's installation: its scripts must be readable by the server.".into()),
        ),
    });
    OnDisk {
        available: available_versions(extname, names.iter().map(String::as_str)),
        default_version: control.default_version,
        script_dir,
    }
}

/// The lock table's size inputs. MaxBackends is not visible in SQL; the
/// server's own globals give the exact size on every PostgreSQL version
/// (but for max_prepared_transactions, which they do not export: the
/// caller reads the setting).
pub(crate) fn lock_table_size(max_prepared_transactions: i64) -> LockTableSize {
    // SAFETY: plain integers set at postmaster start, read in a backend.
    let (max_backends, max_locks) = unsafe { (pg_sys::MaxBackends, pg_sys::max_locks_per_xact) };
    LockTableSize {
        max_backends: i64::from(max_backends),
        max_locks_per_transaction: i64::from(max_locks),
        max_prepared_transactions,
    }
}

/// The snapshot every decision is made from.
pub fn read(rules: &Rules) -> Snapshot {
    read_with(rules, true)
}

/// The snapshot the trigger estimates an update's locks from: without the
/// hazards (user objects in the way, tracing data), which it does not need,
/// and with who holds the lock table's entries, which fail-fast names.
pub fn read_for_estimate(rules: &Rules) -> Snapshot {
    let mut snapshot = read_with(rules, false);
    snapshot.lock_holders = json_row::<LockHoldersRow>(&LOCK_HOLDERS, &[]).lock_holders;
    snapshot
}

fn read_with(rules: &Rules, hazards: bool) -> Snapshot {
    let server: ServerRow = json_row(&SERVER, &[]);
    let share = share_directory();
    let mut listings = HashMap::new();
    let promscale_disk = extension_on_disk(&share, "promscale", &mut listings);
    let timescaledb_disk = extension_on_disk(&share, "timescaledb", &mut listings);
    let hazards: HazardsRow = if hazards {
        json_row(&HAZARDS, &[])
    } else {
        HazardsRow {
            tracing: TracingData::default(),
            prom_info_metric_dependents: Vec::new(),
            other_sessions_temp_dependents: 0,
        }
    };
    let relations = scan_relations();
    let counts: ObjectCountsRow = json_row(
        &OBJECT_COUNTS,
        &[
            DatumWithOid::from(relations.fixed_relations.clone()),
            DatumWithOid::from(relations.fixed_schemas.clone()),
            DatumWithOid::from(Model::get().catalog_names()),
        ],
    );
    // Each source counts its own part of a class (the row types of the
    // fixed relations come from the pass, the other types from SQL).
    let mut objects = relations.tally.objects();
    for (class, n) in counts.objects {
        *objects.entry(class).or_insert(0) += n;
    }
    let non_metric_tables_in_prom_data = if relations.tally.prom_data_matches_prom_metric() {
        Vec::new()
    } else {
        json_row::<NonMetricTablesRow>(&NON_METRIC_TABLES, &[]).non_metric_tables_in_prom_data
    };
    let lock_table: LockTableRow = json_row(&LOCK_TABLE, &[]);
    let mut snapshot = Snapshot {
        server_version_num: server.server_version_num,
        in_recovery: server.in_recovery,
        promscale: super::ExtensionState {
            installed: server.promscale.installed,
            available: promscale_disk.available,
            default_version: promscale_disk.default_version,
        },
        timescaledb: super::ExtensionState {
            installed: server.timescaledb.installed,
            available: timescaledb_disk.available,
            default_version: timescaledb_disk.default_version,
        },
        legacy_schema: server.legacy_schema,
        max_locks: server.max_locks,
        connector_sessions: connector_sessions(rules),
        tracing: hazards.tracing,
        prom_info_metric_dependents: hazards.prom_info_metric_dependents,
        other_sessions_temp_dependents: hazards.other_sessions_temp_dependents,
        non_metric_tables_in_prom_data,
        objects,
        relations_outside_system_schemas: relations.tally.outside_system_schemas(),
        catalog_relations: counts.catalog_relations,
        database_rows_inserted: counts.database_rows_inserted,
        lock_table: lock_table_size(lock_table.max_prepared_transactions),
        locks_in_use: lock_table.locks_in_use,
        streaming_standbys: lock_table.streaming_standbys,
        max_connections: lock_table.max_connections,
        lock_margin_percent: crate::settings::lock_margin_percent(),
        metric_tables: relations.metric_tables,
        ..Snapshot::default()
    };

    if !snapshot.promscale.available.is_empty() {
        let installed = snapshot.promscale.installed.clone().unwrap_or_default();
        snapshot.promscale_update_paths =
            json_row::<UpdatePathsRow>(&UPDATE_PATHS, &[DatumWithOid::from(installed.as_str())]).promscale_update_paths;
    }
    read_lock_history(&mut snapshot, &promscale_disk.script_dir);
    if snapshot.max_locks.pending_restart && can_read_file_settings() {
        snapshot.max_locks.configured = json_row::<MaxLocksConfiguredRow>(&MAX_LOCKS_CONFIGURED, &[]).configured;
    }
    snapshot
}

/// What the lock estimate needs beyond the catalog counts: the scripts the
/// possible paths run (scanned), the migrations already applied, and what
/// rehearsals and logged upgrades measured.
fn read_lock_history(snapshot: &mut Snapshot, promscale_dir: &Path) {
    if !snapshot.promscale.available.is_empty() {
        let mut files = step_files("promscale", snapshot.promscale_update_paths.iter().map(|p| p.path.as_str()));
        if snapshot.legacy_schema.is_some() {
            files.push("promscale--0.0.0.sql".into());
        }
        match &snapshot.promscale.installed {
            // Its migrations are the applied ones when the catalog cannot tell.
            Some(v) => files.push(format!("promscale--{v}.sql")),
            None => files.extend(snapshot.promscale.available.iter().map(|v| format!("promscale--{v}.sql"))),
        }
        snapshot.promscale_scripts = scan_files(promscale_dir, files.iter().map(String::as_str));
    }
    if snapshot.promscale.installed.is_some() {
        match readable(&MIGRATION_TABLE) {
            Readable::Yes => {
                let names: Vec<String> = json_row(&APPLIED_MIGRATIONS, &[]);
                snapshot.applied_migrations = Some(names.into_iter().collect());
            }
            Readable::Ignored(why) => snapshot.ignored_relations.push(why),
            Readable::No => {}
        }
    }
    if readable(&GUARD_UPGRADE_LOG) == Readable::Yes && readable(&GUARD_REHEARSAL_LOG) == Readable::Yes {
        snapshot.lock_measurements =
            json_row::<LockMeasurementsRow>(&LOCK_MEASUREMENTS, &[]).lock_measurements.unwrap_or_default();
    }
    if readable(&GUARD_REHEARSAL_LOG) == Readable::Yes {
        snapshot.rehearsals = json_row::<RehearsalsRow>(&REHEARSALS, &[]).rehearsals.unwrap_or_default();
    }
}

/// A relation the guard reads, and what it must be to be read: the guard
/// reads nothing that could run another role's code as the caller (a
/// superuser calling the state, the exporter's pg_monitor role).
struct ReadSpec {
    schema: &'static str,
    relation: &'static str,
    /// `pg_class.relkind`: 'r' or 'S'.
    relkind: &'static str,
    /// It must be a member of this extension, when that one is installed.
    member_of: &'static str,
    /// The column the guard reads, and its type.
    column: Option<(&'static str, &'static str)>,
}

const METADATA_TABLE: ReadSpec = ReadSpec {
    schema: "_prom_catalog",
    relation: "metadata",
    relkind: "r",
    member_of: "promscale",
    column: Some(("last_seen", "pg_catalog.timestamptz")),
};
const MIGRATION_TABLE: ReadSpec = ReadSpec {
    schema: "_ps_catalog",
    relation: "migration",
    relkind: "r",
    member_of: "promscale",
    column: Some(("name", "pg_catalog.text")),
};
const GUARD_UPGRADE_LOG: ReadSpec = ReadSpec {
    schema: "promscale_upgrade_guard",
    relation: "upgrade_log",
    relkind: "r",
    member_of: "promscale_upgrade_guard",
    column: None,
};
const GUARD_REHEARSAL_LOG: ReadSpec = ReadSpec { relation: "rehearsal_log", ..GUARD_UPGRADE_LOG };
const GUARD_REFUSALS: ReadSpec = ReadSpec { relation: "refused_manual_updates", relkind: "S", ..GUARD_UPGRADE_LOG };

#[derive(Debug, PartialEq, Eq)]
enum Readable {
    /// Locked (ACCESS SHARE, granted at once): read it.
    Yes,
    /// Absent, not readable by the caller, or locked by someone else.
    No,
    /// Present but not what it must be: not read, and named (why).
    Ignored(String),
}

/// Whether `spec` may be read now (`readable_relation.sql`), and if so
/// locks it (ACCESS SHARE) only if that is granted at once: the state reads
/// Promscale's metadata and the guard's log and must never wait behind an
/// upgrade holding them.
fn readable(spec: &ReadSpec) -> Readable {
    let args = [
        DatumWithOid::from(spec.schema),
        DatumWithOid::from(spec.relation),
        DatumWithOid::from(spec.relkind),
        DatumWithOid::from(spec.member_of),
        DatumWithOid::from(spec.column.map(|c| c.0)),
        DatumWithOid::from(spec.column.map(|c| c.1)),
    ];
    let Some(row) = json_row::<Option<ReadableRelationRow>>(&READABLE_RELATION, &args) else {
        return Readable::No;
    };
    if let Some(why) = row.ignored {
        return Readable::Ignored(format!("{}.{} ({why})", spec.schema, spec.relation));
    }
    let locked = |oid: u32| {
        // SAFETY: a lock request on an existing relation that does not wait;
        // a granted lock is released with the transaction, like any other.
        unsafe {
            pg_sys::ConditionalLockRelationOid(pg_sys::Oid::from(oid), pg_sys::AccessShareLock as pg_sys::LOCKMODE)
        }
    };
    if row.oid.is_some_and(locked) {
        Readable::Yes
    } else {
        Readable::No
    }
}

/// The newest `last_seen` of `_prom_catalog.metadata`, which the connector
/// sets on every metadata batch it ingests; None when unknown (or when the
/// relation is not one the guard may read: then `ignored` names it).
fn metadata_last_seen(ignored: &mut Vec<String>) -> Option<f64> {
    match readable(&METADATA_TABLE) {
        Readable::Yes => select_one::<f64>(&METADATA_LAST_SEEN, &[]),
        Readable::Ignored(why) => {
            ignored.push(why);
            None
        }
        Readable::No => None,
    }
}

pub fn activity(rules: &Rules, snapshot: &Snapshot) -> Activity {
    let [classid, objid, prefix] = connector_args(rules);
    let mark = DatumWithOid::from(i32::from(crate::catalog::upgrade_mark::MARK_OBJSUBID));
    let row: UpgradeActivityRow = json_row(&UPGRADE_ACTIVITY, &[classid, objid, prefix, mark]);
    let mut activity = Activity {
        running_upgrade: row.running_upgrade,
        connectors_running: row.connectors_running,
        connector_versions: row.connector_versions.unwrap_or_default(),
        connector_since: row.connector_since,
        newest_chunk_rows_inserted: newest_chunk_rows_inserted(&snapshot.metric_tables),
        ..Activity::default()
    };
    activity.metadata_last_seen = metadata_last_seen(&mut activity.ignored_relations);
    if readable(&GUARD_REFUSALS) == Readable::Yes {
        activity.refused_manual_updates = select_one::<i64>(&REFUSED_MANUAL_UPDATES, &[]).unwrap_or(0);
        activity.refused_manual_updates_since_start = select_one::<i64>(&REFUSED_SINCE_START, &[]).unwrap_or(0);
    }
    if readable(&GUARD_UPGRADE_LOG) == Readable::Yes {
        activity.last_upgrade = json_row::<LastUpgradeRow>(&LAST_UPGRADE, &[]).last_upgrade;
    }
    activity
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use super::*;

    #[test]
    fn a_row_missing_a_key_is_an_error_not_a_default() {
        let partial = r#"{"locks_in_use": 3, "streaming_standbys": 0, "max_connections": 100}"#;
        let e = serde_json::from_str::<LockTableRow>(partial).err().expect("max_prepared_transactions is required");
        assert!(e.to_string().contains("max_prepared_transactions"), "{e}");
        let full =
            r#"{"locks_in_use": 3, "streaming_standbys": 0, "max_connections": 100, "max_prepared_transactions": 0}"#;
        assert_eq!(serde_json::from_str::<LockTableRow>(full).unwrap().locks_in_use, 3);
    }

    catalog_query!(INCOMPLETE = "SELECT '{\"locks_in_use\": 1}'::text");

    #[pgrx::pg_test(error = "unexpected result from catalog query \"INCOMPLETE\" of promscale_upgrade_guard")]
    fn a_query_missing_a_key_raises_a_named_error() {
        let _: LockTableRow = json_row(&INCOMPLETE, &[]);
    }

    #[pgrx::pg_test]
    fn each_query_keeps_its_own_plan() {
        assert_eq!(select_one::<i64>(&REFUSED_MANUAL_UPDATES, &[]), Some(0));
        assert!(REFUSED_MANUAL_UPDATES.plan.with(|p| p.borrow().is_some()));
        assert!(REFUSED_SINCE_START.plan.with(|p| p.borrow().is_none()), "another query's slot stays empty");
    }
}
