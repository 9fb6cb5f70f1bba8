//! Fills a `Snapshot` from the catalog: the only module that queries it.
//!
//! Each query in `sql/` returns one JSON object, deserialized into its own
//! row struct below; a key missing from it is reported as an error naming
//! the query, not a panic. A handful of set-based queries per call, none of
//! which opens a Promscale table.

use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::SpiResult;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::ffi::CStr;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::thread::LocalKey;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::extension_files::{available_versions, ControlFile, ControlFlags};
use super::kept::{all_settled, kept_or_read, now_ns, reading_fresh, stamps, with_latest_snapshot, Slot, Stamps};
use super::pg_class_scan::{dependents_signature, newest_chunk_rows_inserted, scan_relations, RelationScan};
use super::script_files::{scan_files, step_files};
use super::{
    Activity, ConnectorSession, DependentObject, LoggedUpgrade, LoggedVersion, MaxLocksSetting, PromscaleCommandFacts,
    Rehearsal, Snapshot, TracingData, UpdatePath, UpgradeActivity,
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
/// they use changes, or the search_path does. They are generic plans
/// (CURSOR_OPT_GENERIC_PLAN): with parameters, the plan cache would
/// otherwise plan some of them again at every call (an array's length is
/// unknown to a generic plan, so its estimate never beats a custom one),
/// which was a quarter of a call's cost on a small database.
pub(crate) struct CatalogQuery {
    name: &'static str,
    sql: &'static std::ffi::CStr,
    plan: &'static LocalKey<Cell<Option<NonNull<pg_sys::_SPI_plan>>>>,
}

/// `catalog_query!(NAME = sql)`: a `static NAME: CatalogQuery` owning the
/// slot for its plan.
macro_rules! catalog_query {
    ($(#[$doc:meta])* $vis:vis $name:ident = $sql:expr) => {
        $(#[$doc])*
        $vis static $name: CatalogQuery = {
            thread_local! {
                static PLAN: Cell<Option<NonNull<pg_sys::_SPI_plan>>> = const { Cell::new(None) };
            }
            const SQL: &str = concat!($sql, "\0");
            CatalogQuery {
                name: stringify!($name),
                sql: match std::ffi::CStr::from_bytes_with_nul(SQL.as_bytes()) {
                    Ok(c) => c,
                    Err(_) => panic!("a catalog query holds a NUL byte"),
                },
                plan: &PLAN,
            }
        };
    };
}

catalog_query!(SERVER = include_str!("sql/server.sql"));
catalog_query!(UPDATE_PATHS = include_str!("sql/update_paths.sql"));
catalog_query!(TRACING = include_str!("sql/tracing.sql"));
catalog_query!(PROM_INFO_METRIC_DEPENDENTS = include_str!("sql/prom_info_metric_dependents.sql"));
catalog_query!(MAX_LOCKS_CONFIGURED = include_str!("sql/max_locks_configured.sql"));
catalog_query!(MAX_LOCKS_PENDING = include_str!("sql/max_locks_pending.sql"));
catalog_query!(ENFORCE_FACTS = include_str!("sql/enforce_facts.sql"));
catalog_query!(OBJECT_COUNTS = include_str!("sql/object_counts.sql"));
catalog_query!(NON_METRIC_TABLES = include_str!("sql/non_metric_tables.sql"));
catalog_query!(LIVE = include_str!("sql/live.sql"));
catalog_query!(UPGRADE_PROGRESS = include_str!("sql/upgrade_progress.sql"));
catalog_query!(LAST_UPGRADE = include_str!("sql/last_upgrade.sql"));
catalog_query!(LOCK_MEASUREMENTS = include_str!("sql/lock_measurements.sql"));
catalog_query!(REHEARSALS = include_str!("sql/rehearsals.sql"));
catalog_query!(CAN_READ_FILE_SETTINGS = include_str!("sql/can_read_file_settings.sql"));
catalog_query!(LOCK_BLOCKERS = include_str!("sql/lock_blockers.sql"));
catalog_query!(GUARD_SCHEMA = include_str!("sql/guard_schema.sql"));
catalog_query!(ROLE_FACTS = include_str!("sql/role_facts.sql"));
catalog_query!(HELD_LOCKS = include_str!("sql/held_locks.sql"));
catalog_query!(LOCK_HOLDERS = include_str!("sql/lock_holders.sql"));
catalog_query!(LAST_LOGGED_VERSION = include_str!("sql/last_logged_version.sql"));
catalog_query!(REFUSED_MANUAL_UPDATES = include_str!("sql/refused_manual_updates.sql"));
catalog_query!(REFUSED_SINCE_START = include_str!("sql/refused_since_start.sql"));

// The row of each JSON query. A field without a default is required: its
// absence is an error naming the query.

#[derive(Deserialize)]
struct ServerRow {
    server_version_num: i32,
    in_recovery: bool,
    /// None when promscale is not installed.
    promscale: Option<PromscaleRow>,
    timescaledb: InstalledRow,
    legacy_schema: Option<String>,
    max_locks_per_transaction: i64,
    database_rows_inserted: i64,
}

#[derive(Deserialize)]
struct PromscaleRow {
    installed: String,
    oid: u32,
}

#[derive(Deserialize)]
struct InstalledRow {
    installed: Option<String>,
}

#[derive(Deserialize)]
struct TracingRow {
    tracing: TracingData,
}

#[derive(Clone, Deserialize)]
struct DependentsRow {
    prom_info_metric_dependents: Vec<DependentObject>,
    other_sessions_temp_dependents: i64,
}

#[derive(Deserialize, Clone)]
struct ObjectCountsRow {
    objects: BTreeMap<ObjectClass, i64>,
    catalog_relations: BTreeMap<String, i64>,
}

#[derive(Deserialize)]
struct NonMetricTablesRow {
    non_metric_tables_in_prom_data: Vec<String>,
}

#[derive(Deserialize)]
struct LiveRow {
    locks_in_use: i64,
    streaming_standbys: i64,
    max_connections: i64,
    max_prepared_transactions: i64,
    connector_sessions: Vec<ConnectorSession>,
    #[serde(flatten)]
    upgrade: UpgradeActivity,
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

/// The first column of the first row of a read-only query, with its kept
/// plan, under `pg_glue::PINNED_SETTINGS`. Read-only execution: a writing statement would be assigned a
/// transaction id, an error on a hot standby and needless on a primary.
fn first_value<T: pgrx::FromDatum + pgrx::IntoDatum>(
    query: &CatalogQuery,
    args: &[DatumWithOid],
) -> SpiResult<Option<T>> {
    // Under pinned settings: the JSON rows are text, and how a float8 or
    // an interval is written depends on them (a database owner's ALTER
    // DATABASE ... SET extra_float_digits = -15 once falsified every time).
    crate::pg_glue::with_pinned_settings(|| first_value_as_is(query, args))
}

fn first_value_as_is<T: pgrx::FromDatum + pgrx::IntoDatum>(
    query: &CatalogQuery,
    args: &[DatumWithOid],
) -> SpiResult<Option<T>> {
    Spi::connect(|_client| {
        let plan = match query.plan.get() {
            Some(plan) => plan,
            None => {
                let mut types: Vec<pg_sys::Oid> = args.iter().map(|a| a.oid()).collect();
                // SAFETY: a NUL-terminated query text and its argument
                // types; the plan is kept (moved out of SPI's memory) for
                // the backend's life, as pgrx's keep() does.
                let plan = unsafe {
                    let plan = pg_sys::SPI_prepare_cursor(
                        query.sql.as_ptr(),
                        types.len() as i32,
                        types.as_mut_ptr(),
                        pg_sys::CURSOR_OPT_GENERIC_PLAN as i32,
                    );
                    let Some(plan) = NonNull::new(plan) else {
                        return Err(Spi::check_status(pg_sys::SPI_result)
                            .err()
                            .unwrap_or(pgrx::spi::SpiError::SpiError(pgrx::spi::SpiErrorCodes::Argument)));
                    };
                    pg_sys::SPI_keepplan(plan.as_ptr());
                    plan
                };
                query.plan.set(Some(plan));
                plan
            }
        };
        let mut values: Vec<pg_sys::Datum> = Vec::with_capacity(args.len());
        let mut nulls: Vec<std::ffi::c_char> = Vec::with_capacity(args.len());
        for arg in args {
            let (datum, null) = match arg.datum() {
                Some(d) => (d.sans_lifetime(), b' '),
                None => (pg_sys::Datum::from(0), b'n'),
            };
            values.push(datum);
            nulls.push(null as std::ffi::c_char);
        }
        // SAFETY: a kept plan with as many arguments as it was prepared
        // with; read-only (the active snapshot, no command counter bump),
        // at most one row. The first column is converted (copied out) before
        // SPI_finish frees the tuple table.
        unsafe {
            let status = pg_sys::SPI_execute_plan(plan.as_ptr(), values.as_mut_ptr(), nulls.as_ptr(), true, 1);
            Spi::check_status(status)?;
            let table = pg_sys::SPI_tuptable;
            if table.is_null() || pg_sys::SPI_processed == 0 {
                return Ok(None);
            }
            let tupdesc = (*table).tupdesc;
            let mut is_null = false;
            let datum = pg_sys::SPI_getbinval(*(*table).vals, tupdesc, 1, &mut is_null);
            Ok(T::from_polymorphic_datum(datum, is_null, pg_sys::SPI_gettypeid(tupdesc, 1)))
        }
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

/// What is happening now (`live.sql`): the lock table in use, the connector
/// sessions, a running upgrade.
fn live(rules: &Rules) -> LiveRow {
    let (classid, objid) = rules.connector_lock_ids();
    json_row(
        &LIVE,
        &[
            DatumWithOid::from(i64::from(classid)),
            DatumWithOid::from(i64::from(objid)),
            DatumWithOid::from(rules.connector_application_name_prefix.as_str()),
            DatumWithOid::from(i32::from(crate::catalog::upgrade_mark::MARK_OBJSUBID)),
        ],
    )
}

/// Whether the current role may read `pg_file_settings` (superuser only by default).
fn can_read_file_settings() -> bool {
    select_one::<bool>(&CAN_READ_FILE_SETTINGS, &[]).unwrap_or(false)
}

/// Other sessions of this database that hold or wait for the connector's
/// advisory lock, or are named like a connector.
pub fn connector_sessions(rules: &Rules) -> Vec<ConnectorSession> {
    live(rules).connector_sessions
}

/// What the enforcement trigger needs about promscale and the current role
/// (two queries); `connector_roles` is `promscale_upgrade_guard.connector_roles`.
pub fn promscale_command_facts(connector_roles: &[String]) -> PromscaleCommandFacts {
    memberships_readable_for(connector_roles);
    let row: EnforceFactsRow = json_row(&ENFORCE_FACTS, &[]);
    let role: RoleFactsRow = json_row(&ROLE_FACTS, &[DatumWithOid::from(connector_roles.to_vec())]);
    PromscaleCommandFacts {
        installed: row.installed,
        legacy_tables: row.legacy_tables,
        default_version: disk_facts(&share_directory()).promscale.default_version,
        owns_promscale: role.owns_promscale,
        create_on_database: role.create_on_database,
        in_connector_roles: role.in_connector_roles,
        client_addr: role.client_addr,
    }
}

/// Whether the current role is in `connector_roles` decides who may update
/// promscale, and checking it through another role loads the current
/// role's memberships from `pg_auth_members`, behind any lock another
/// session holds or queues there (a plain role can: LOCK TABLE, then CREATE
/// RULE, which waits for its lock before it checks ownership). The trigger
/// never waits for that: it fails closed at once, naming the sessions in
/// the way. Nothing to check for a superuser, an empty list, or a role the
/// list names itself.
fn memberships_readable_for(connector_roles: &[String]) {
    let role = crate::pg_glue::current_role_name();
    // SAFETY: the superuser flag from the catalog cache; a conditional lock
    // request, which never waits (held to the end of the transaction, like
    // any catalog read's).
    let readable = connector_roles.is_empty()
        || connector_roles.contains(&role)
        || unsafe { pg_sys::superuser() }
        || unsafe {
            pg_sys::ConditionalLockRelationOid(AUTH_MEMBERS_RELATION, pg_sys::AccessShareLock as pg_sys::LOCKMODE)
        };
    if !readable {
        raise(
            PgSqlErrorCode::ERRCODE_LOCK_NOT_AVAILABLE,
            format!(
                "could not check whether role {} is one of promscale_upgrade_guard.connector_roles",
                crate::quote::for_message(&role)
            ),
            Some(format!(
                "Its role memberships are read from pg_catalog.pg_auth_members, which another session holds or waits for a lock on: {}. The guard decides who may update promscale only on what it could read, and never waits for a catalog lock there.",
                lock_blockers(AUTH_MEMBERS_RELATION)
            )),
            Some("Let those sessions finish, or end them with SELECT pg_terminate_backend(pid), then try again. Locking pg_auth_members is needed by no tool: check what the role of those sessions is doing.".into()),
        );
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

/// The promscale version the newest row of the guard's upgrade log left.
/// The log is gone only when the guard is being dropped or created in this
/// transaction: then nothing was logged.
pub fn last_logged_version() -> LoggedVersion {
    match readable([&GUARD_UPGRADE_LOG]) {
        [Readable::Yes(_)] => match first_value::<LossyText>(&LAST_LOGGED_VERSION, &[]) {
            Ok(v) => LoggedVersion::Read(v.map(|v| v.0)),
            Err(e) => LoggedVersion::Unread(format!("promscale_upgrade_guard.upgrade_log could not be read: {e}")),
        },
        [Readable::No] if guard_log_exists() => LoggedVersion::Unread(
            "promscale_upgrade_guard.upgrade_log is not readable by the role reading it".to_string(),
        ),
        [Readable::No] => LoggedVersion::Read(None),
        [Readable::Busy(why) | Readable::Ignored(why)] => LoggedVersion::Unread(why),
    }
}

/// Whether the guard's upgrade log exists (in its own schema).
fn guard_log_exists() -> bool {
    // SAFETY: catalog-cache lookups by name.
    unsafe {
        let namespace = pg_sys::get_namespace_oid(GUARD_UPGRADE_LOG.schema.as_ptr(), true);
        namespace != pg_sys::InvalidOid
            && pg_sys::get_relname_relid(GUARD_UPGRADE_LOG.relation.as_ptr(), namespace) != pg_sys::InvalidOid
    }
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
#[derive(Clone)]
struct OnDisk {
    /// The versions installable from its files.
    available: Vec<String>,
    /// The control file's default version.
    default_version: Option<String>,
    /// Where its scripts are.
    script_dir: PathBuf,
}

/// What the files of promscale and timescaledb say, kept until their stamps
/// change; `epoch` counts the reads, the key of what is derived from them.
#[derive(Clone)]
struct DiskFacts {
    promscale: OnDisk,
    timescaledb: OnDisk,
    epoch: u64,
    /// The stamps of the script directories the control files name, when
    /// not the extension directory: checked before the facts are used.
    script_dirs: Stamps,
}

thread_local! {
    static DISK: Slot<Stamps, DiskFacts> = const { RefCell::new(None) };
    static DISK_EPOCH: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    static UPDATE_PATHS_KEPT: Slot<(u64, String), Vec<UpdatePath>> = const { RefCell::new(None) };
    static OBJECT_COUNTS_KEPT: Slot<CatalogKey, ObjectCountsRow> = const { RefCell::new(None) };
    static MAX_LOCKS_PENDING_KEPT: Slot<i64, bool> = const { RefCell::new(None) };
}

/// The files of promscale and timescaledb, read again only when the
/// extension directory, a control file or a named script directory changed
/// (their stamps, `kept::Stamp`), and kept only when none of them changed
/// within `kept::SETTLE_NS` of the read.
fn disk_facts(share: &Path) -> DiskFacts {
    let extension_dir = share.join("extension");
    let read_at = now_ns();
    let key = stamps([
        extension_dir.as_path(),
        &extension_dir.join("promscale.control"),
        &extension_dir.join("timescaledb.control"),
    ]);
    // The kept facts serve while the directory, the control files and the
    // script directories those name are as they were read.
    let unchanged = |(k, facts): &(Stamps, DiskFacts)| {
        *k == key && facts.script_dirs.iter().all(|(dir, stamp)| super::kept::stamp(dir) == *stamp)
    };
    if let Some(facts) = DISK.with(|d| d.borrow().as_ref().filter(|kept| unchanged(kept)).map(|(_, f)| f.clone())) {
        return facts;
    }
    let mut listings = HashMap::new();
    let promscale = extension_on_disk(share, "promscale", &mut listings);
    let timescaledb = extension_on_disk(share, "timescaledb", &mut listings);
    // Each stamped before it was listed, so never newer than its listing.
    let script_dirs: Stamps =
        listings.into_iter().filter(|(dir, _)| *dir != extension_dir).map(|(dir, (stamp, _))| (dir, stamp)).collect();
    let epoch = DISK_EPOCH.with(|e| {
        e.set(e.get() + 1);
        e.get()
    });
    let settled = all_settled(&key, read_at) && all_settled(&script_dirs, read_at);
    let facts = DiskFacts { promscale, timescaledb, epoch, script_dirs };
    DISK.with(|d| *d.borrow_mut() = if settled { Some((key, facts.clone())) } else { None });
    facts
}

/// The versions of `extname` installable from its files, its control
/// file's default version and its script directory; nothing when it has no
/// control file. Directory listings are shared between extensions through
/// `listings`, each with the directory's stamp taken before it was listed.
fn extension_on_disk(
    share: &Path,
    extname: &str,
    listings: &mut HashMap<PathBuf, (Option<super::kept::Stamp>, Vec<String>)>,
) -> OnDisk {
    let extension_dir = share.join("extension");
    let Ok(text) = std::fs::read_to_string(extension_dir.join(format!("{extname}.control"))) else {
        return OnDisk { available: Vec::new(), default_version: None, script_dir: extension_dir };
    };
    let control = ControlFile::parse(&text);
    // As PostgreSQL resolves `directory`: absolute, or under the share directory.
    let script_dir = control.directory.as_ref().map_or(extension_dir, |d| share.join(d));
    let (_, names) = listings.entry(script_dir.clone()).or_insert_with(|| {
        let stamp = super::kept::stamp(&script_dir);
        match std::fs::read_dir(&script_dir) {
            Ok(entries) => (stamp, entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect()),
            Err(e) => raise(
                PgSqlErrorCode::ERRCODE_UNDEFINED_FILE,
                format!("could not open directory \"{}\": {e}", script_dir.display()),
                Some(format!("The control file of extension \"{extname}\" names it as the directory of its scripts.")),
                Some("Check the extension's installation: its scripts must be readable by the server.".into()),
            ),
        }
    });
    OnDisk {
        available: available_versions(extname, names.iter().map(String::as_str)),
        default_version: control.default_version,
        script_dir,
    }
}

/// What the catalog facts kept by `object_counts` were read under.
#[derive(Clone, PartialEq)]
struct CatalogKey {
    generation: u64,
    /// promscale's oid and version, when installed.
    promscale: Option<(u32, String)>,
    /// `dependents_signature` of promscale.
    members: (i64, u64),
    /// The fixed schemas and their relations, from the relation pass.
    fixed: (Vec<pg_sys::Oid>, Vec<pg_sys::Oid>),
}

/// The Promscale objects that are not relations, by class, and the
/// relations each system catalog the model names stands for: kept until
/// promscale, its members, its fixed schemas' relations or an invalidation
/// of the catalogs counted says they changed.
fn object_counts(promscale: Option<&PromscaleRow>, relations: &RelationScan) -> ObjectCountsRow {
    let generation = super::kept::catalog_generation();
    let key = CatalogKey {
        generation,
        promscale: promscale.map(|p| (p.oid, p.installed.clone())),
        members: promscale.map_or((0, 0), |p| dependents_signature(pg_sys::Oid::from(p.oid))),
        fixed: (relations.fixed_schemas.clone(), relations.fixed_relations.clone()),
    };
    kept_or_read(&OBJECT_COUNTS_KEPT, key, || {
        // Counted under a snapshot that sees every change whose
        // invalidation this backend processed before `generation` was read.
        with_latest_snapshot(|| {
            json_row::<ObjectCountsRow>(
                &OBJECT_COUNTS,
                &[
                    DatumWithOid::from(relations.fixed_relations.clone()),
                    DatumWithOid::from(relations.fixed_schemas.clone()),
                    DatumWithOid::from(Model::get().catalog_names()),
                ],
            )
        })
    })
}

/// Whether a new max_locks_per_transaction waits for a restart: read again
/// only after this backend reloaded its configuration, which is when
/// PostgreSQL sets it.
fn max_locks_pending_restart() -> bool {
    // SAFETY: a timestamp this backend sets when it loads its configuration.
    let reloaded_at = unsafe { pg_sys::PgReloadTime };
    kept_or_read(&MAX_LOCKS_PENDING_KEPT, reloaded_at, || select_one::<bool>(&MAX_LOCKS_PENDING, &[]).unwrap_or(false))
}

/// The wall clock now, in epoch seconds: clock_timestamp() without a query.
pub(crate) fn clock_epoch() -> f64 {
    /// Seconds from the Unix epoch to PostgreSQL's (2000-01-01).
    const POSTGRES_EPOCH: f64 = 946_684_800.0;
    // SAFETY: reads the system clock, as clock_timestamp() does.
    let microseconds = unsafe { pg_sys::GetCurrentTimestamp() };
    microseconds as f64 / 1e6 + POSTGRES_EPOCH
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

/// The snapshot every decision is made from, but for the hazards, which
/// only matter to some upgrades: `read_hazards` adds them once the plan
/// says they apply.
pub fn read(rules: &Rules) -> Snapshot {
    refresh_guard_schema();
    let server: ServerRow = json_row(&SERVER, &[]);
    let disk = disk_facts(&share_directory());
    let relations = scan_relations();
    let counts = object_counts(server.promscale.as_ref(), &relations);
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
    let live = live(rules);
    let mut snapshot = Snapshot {
        server_version_num: server.server_version_num,
        in_recovery: server.in_recovery,
        promscale: super::ExtensionState {
            installed: server.promscale.as_ref().map(|p| p.installed.clone()),
            available: disk.promscale.available.clone(),
            default_version: disk.promscale.default_version.clone(),
        },
        timescaledb: super::ExtensionState {
            installed: server.timescaledb.installed,
            available: disk.timescaledb.available.clone(),
            default_version: disk.timescaledb.default_version.clone(),
        },
        legacy_schema: server.legacy_schema,
        max_locks: MaxLocksSetting {
            current: server.max_locks_per_transaction,
            pending_restart: max_locks_pending_restart(),
            configured: None,
        },
        connector_sessions: live.connector_sessions,
        upgrade_activity: live.upgrade,
        non_metric_tables_in_prom_data,
        objects,
        relations_outside_system_schemas: relations.tally.outside_system_schemas(),
        catalog_relations: counts.catalog_relations,
        database_rows_inserted: server.database_rows_inserted,
        lock_table: lock_table_size(live.max_prepared_transactions),
        locks_in_use: live.locks_in_use,
        streaming_standbys: live.streaming_standbys,
        max_connections: live.max_connections,
        lock_margin_percent: crate::settings::lock_margin_percent(),
        metric_tables: relations.metric_tables,
        ..Snapshot::default()
    };

    if !snapshot.promscale.available.is_empty() {
        let installed = snapshot.promscale.installed.clone().unwrap_or_default();
        snapshot.promscale_update_paths = kept_or_read(&UPDATE_PATHS_KEPT, (disk.epoch, installed.clone()), || {
            let paths = json_row::<UpdatePathsRow>(&UPDATE_PATHS, &[DatumWithOid::from(installed.as_str())]);
            paths.promscale_update_paths
        });
    }
    read_lock_history(&mut snapshot, &disk);
    if snapshot.max_locks.pending_restart && can_read_file_settings() {
        snapshot.max_locks.configured = json_row::<MaxLocksConfiguredRow>(&MAX_LOCKS_CONFIGURED, &[]).configured;
    }
    snapshot
}

/// Adds what the hazard checks need to `snapshot`: the tracing data's size
/// (`tracing`), and the user objects that depend on prom_info.metric
/// (`dependents`). Left at their defaults otherwise.
pub fn read_hazards(snapshot: &mut Snapshot, tracing: bool, dependents: bool) {
    if tracing {
        snapshot.tracing = json_row::<TracingRow>(&TRACING, &[]).tracing;
    }
    if dependents {
        // Read on every call, in the call's own snapshot, never kept (issue
        // 26): what makes a dependent count is also whether it is a member
        // of any extension, and `ALTER EXTENSION <any> ADD/DROP` changes
        // only pg_depend, which sends no invalidation. A key that saw every
        // such change would need the membership rows of each object on
        // prom_info.metric besides the rows that reference it; the query
        // itself reads no more (a few index lookups on pg_depend, pg_rewrite
        // and pg_class, whatever the number of metrics: about 0.05 ms with
        // its kept plan at 1,000 metrics), and it runs only for upgrades
        // that install 0.8.0.
        let row = json_row::<DependentsRow>(&PROM_INFO_METRIC_DEPENDENTS, &[]);
        snapshot.prom_info_metric_dependents = row.prom_info_metric_dependents;
        snapshot.other_sessions_temp_dependents = row.other_sessions_temp_dependents;
    }
}

/// The snapshot the trigger estimates an update's locks from: with who
/// holds the lock table's entries, which fail-fast names. Nothing kept is
/// used (`kept::reading_fresh`): the catalog facts are read again, the file
/// facts checked against each file's stamp, so the trigger refuses or
/// allows on facts as new as the command's own snapshot.
pub fn read_for_estimate(rules: &Rules) -> Snapshot {
    let mut snapshot = reading_fresh(|| read(rules));
    snapshot.lock_holders = json_row::<LockHoldersRow>(&LOCK_HOLDERS, &[]).lock_holders;
    snapshot
}

/// What the lock estimate needs beyond the catalog counts: the scripts the
/// possible paths run (scanned), the migrations already applied, and what
/// rehearsals and logged upgrades measured.
fn read_lock_history(snapshot: &mut Snapshot, disk: &DiskFacts) {
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
        // Each file's own stamp is looked at on every call (issue 26): a
        // script copied over in place changes neither the directory's nor
        // a control file's stamp.
        snapshot.promscale_scripts = scan_files(&disk.promscale.script_dir, files.iter().map(String::as_str));
    }
    // _ps_catalog.migration only when promscale is installed: otherwise it
    // is not Promscale's, and not locked.
    let (migration, upgrade_log, rehearsal_log) = if snapshot.promscale.installed.is_some() {
        let [m, u, r] = readable([&MIGRATION_TABLE, &GUARD_UPGRADE_LOG, &GUARD_REHEARSAL_LOG]);
        (m, u, r)
    } else {
        let [u, r] = readable([&GUARD_UPGRADE_LOG, &GUARD_REHEARSAL_LOG]);
        (Readable::No, u, r)
    };
    match migration {
        // From the heap: the table may belong to a role that is not a superuser.
        Readable::Yes(at) => {
            snapshot.applied_migrations = Some(super::heap_read::texts(at.relid, at.attnum).into_iter().collect())
        }
        Readable::Ignored(why) | Readable::Busy(why) => snapshot.ignored_relations.push(why),
        Readable::No => {}
    }
    for log in [&upgrade_log, &rehearsal_log] {
        if let Readable::Busy(why) | Readable::Ignored(why) = log {
            snapshot.ignored_relations.push(why.clone());
        }
    }
    if upgrade_log.is_yes() && rehearsal_log.is_yes() {
        snapshot.lock_measurements =
            json_row::<LockMeasurementsRow>(&LOCK_MEASUREMENTS, &[]).lock_measurements.unwrap_or_default();
    }
    if let Readable::Busy(why) | Readable::Ignored(why) = &rehearsal_log {
        snapshot.rehearsal_log_unread = Some(why.clone());
    }
    if rehearsal_log.is_yes() {
        snapshot.rehearsals = json_row::<RehearsalsRow>(&REHEARSALS, &[]).rehearsals.unwrap_or_default();
    }
}

/// A relation the guard reads, and what it must be to be read: the guard
/// reads nothing that could run another role's code as the caller (a
/// superuser calling the state, the exporter's pg_monitor role).
struct ReadSpec {
    schema: &'static CStr,
    relation: &'static CStr,
    /// `pg_class.relkind`: 'r' or 'S'.
    relkind: u8,
    /// It must be a member of this extension, when that one is installed.
    member_of: &'static CStr,
    /// The column the guard reads, its type, and the type's name.
    column: Option<(&'static CStr, pg_sys::Oid, &'static str)>,
}

const METADATA_TABLE: ReadSpec = ReadSpec {
    schema: c"_prom_catalog",
    relation: c"metadata",
    relkind: b'r',
    member_of: c"promscale",
    column: Some((c"last_seen", pg_sys::TIMESTAMPTZOID, "pg_catalog.timestamptz")),
};
const MIGRATION_TABLE: ReadSpec = ReadSpec {
    schema: c"_ps_catalog",
    relation: c"migration",
    relkind: b'r',
    member_of: c"promscale",
    column: Some((c"name", pg_sys::TEXTOID, "pg_catalog.text")),
};
const GUARD_UPGRADE_LOG: ReadSpec = ReadSpec {
    schema: c"promscale_upgrade_guard",
    relation: c"upgrade_log",
    relkind: b'r',
    member_of: c"promscale_upgrade_guard",
    column: None,
};
const GUARD_REHEARSAL_LOG: ReadSpec = ReadSpec { relation: c"rehearsal_log", ..GUARD_UPGRADE_LOG };
const GUARD_REFUSALS: ReadSpec = ReadSpec { relation: c"refused_manual_updates", relkind: b'S', ..GUARD_UPGRADE_LOG };
const GUARD_REFUSALS_START: ReadSpec = ReadSpec { relation: c"refusals_server_start", ..GUARD_REFUSALS };
const GUARD_REFUSALS_BEFORE: ReadSpec = ReadSpec { relation: c"refused_before_server_start", ..GUARD_REFUSALS };

/// Where a vetted relation's column is, for a read without the planner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Located {
    relid: pg_sys::Oid,
    /// The column `ReadSpec::column` names; 0 when it names none.
    attnum: i16,
}

#[derive(Debug, PartialEq, Eq)]
enum Readable {
    /// Locked (ACCESS SHARE, granted at once): read it.
    Yes(Located),
    /// Absent, or not readable by the caller.
    No,
    /// Present, but another session holds or waits for a lock that reading
    /// it (or checking the caller's right to) would wait behind:
    /// "schema.relation (busy: pid N holds ..., pid M waits for ...)".
    Busy(String),
    /// Present but not what it must be: not read, and named (why).
    Ignored(String),
}

impl Readable {
    fn is_yes(&self) -> bool {
        matches!(self, Readable::Yes(_))
    }
}

/// Whether each of `specs` may be read now, and if so locks it (ACCESS
/// SHARE) only if that is granted at once: the state reads Promscale's
/// metadata and the guard's log and must never wait behind an upgrade
/// holding them.
fn readable<const N: usize>(specs: [&ReadSpec; N]) -> [Readable; N] {
    specs.map(readable_one)
}

/// The relation `spec` names may be read when it is of relkind
/// `spec.relkind` in exactly that schema (never found through the
/// search_path, never a temporary one), without row-level security, a member
/// of extension `spec.member_of` when that extension is installed, its
/// column (if any) of the given type, and the caller may read it. A view, a
/// foreign table or a policy would run the code of whoever made it as the
/// caller; a column of another type could bring a cast of its owner's.
/// What passes is still read without the planner (`heap_read`) when
/// another role may own it. Looked up in the catalog caches by name:
/// to_regclass() would need USAGE on the schema, which pg_monitor lacks.
/// Once per call for a handful of relations: a query here cost more than
/// all of them (issue 19).
///
/// Nothing here waits for a lock: the relation's own lock is asked for only
/// if granted at once, and the caller's right to read it is checked only
/// when that cannot load role memberships behind a lock another session
/// holds or queues on `pg_auth_members` (a plain role can queue one: LOCK
/// TABLE, then CREATE RULE, which waits before it checks ownership).
fn readable_one(spec: &ReadSpec) -> Readable {
    let name = || format!("{}.{}", spec.schema.to_string_lossy(), spec.relation.to_string_lossy());
    let ignored = |why: String| Readable::Ignored(format!("{} ({why})", name()));
    // SAFETY: lookups by name and OID in the catalog caches; the pg_class
    // tuple is read while it is pinned and released before returning.
    unsafe {
        let namespace = pg_sys::get_namespace_oid(spec.schema.as_ptr(), true);
        if namespace == pg_sys::InvalidOid {
            return Readable::No;
        }
        let relid = pg_sys::get_relname_relid(spec.relation.as_ptr(), namespace);
        if relid == pg_sys::InvalidOid {
            return Readable::No;
        }
        let tuple = pg_sys::SearchSysCache1(pg_sys::SysCacheIdentifier::RELOID as i32, pg_sys::Datum::from(relid));
        if tuple.is_null() {
            return Readable::No;
        }
        let class = &*pg_sys::heap_tuple_get_struct::<pg_sys::FormData_pg_class>(tuple);
        let (relkind, persistence, row_security, owner) =
            (class.relkind as u8, class.relpersistence as u8, class.relrowsecurity, class.relowner);
        pg_sys::ReleaseSysCache(tuple);
        if persistence == b't' {
            return Readable::No;
        }
        if relkind != spec.relkind {
            return ignored(format!("it is not a {}", if spec.relkind == b'S' { "sequence" } else { "plain table" }));
        }
        if row_security {
            return ignored("it has row-level security".into());
        }
        let extension = pg_sys::get_extension_oid(spec.member_of.as_ptr(), true);
        if extension != pg_sys::InvalidOid
            && pg_sys::getExtensionOfObject(pg_sys::RelationRelationId, relid) != extension
        {
            return ignored(format!("it is not a member of extension {}", spec.member_of.to_string_lossy()));
        }
        let mut attnum = 0;
        if let Some((column, type_oid, type_name)) = spec.column {
            attnum = pg_sys::get_attnum(relid, column.as_ptr());
            // get_attnum does not find a dropped column.
            if attnum == pg_sys::InvalidAttrNumber as i16 || pg_sys::get_atttype(relid, attnum) != type_oid {
                return ignored(format!("its column {} is not of type {type_name}", column.to_string_lossy()));
            }
        }
        let user = pg_sys::GetUserId();
        // A superuser or the owner is judged without role memberships;
        // anyone else only when they can be loaded without waiting.
        if !pg_sys::superuser_arg(user)
            && user != owner
            && !pg_sys::ConditionalLockRelationOid(AUTH_MEMBERS_RELATION, pg_sys::AccessShareLock as pg_sys::LOCKMODE)
        {
            return Readable::Busy(format!(
                "{} (busy: checking the caller's role memberships waits behind a lock on pg_catalog.pg_auth_members: {})",
                name(),
                lock_blockers(AUTH_MEMBERS_RELATION)
            ));
        }
        let may_read = pg_sys::pg_namespace_aclcheck(namespace, user, pg_sys::ACL_USAGE as pg_sys::AclMode)
            == pg_sys::AclResult::ACLCHECK_OK
            && pg_sys::pg_class_aclcheck(relid, user, pg_sys::ACL_SELECT as pg_sys::AclMode)
                == pg_sys::AclResult::ACLCHECK_OK;
        if !may_read {
            return Readable::No;
        }
        // A lock request that does not wait; a granted lock is released
        // with the transaction, like any other. A sequence is read with
        // pg_sequence_last_value(), which takes ROW EXCLUSIVE: ask for that
        // one, or the read would queue behind a waiting request after all.
        let mode = if spec.relkind == b'S' { pg_sys::RowExclusiveLock } else { pg_sys::AccessShareLock };
        if pg_sys::ConditionalLockRelationOid(relid, mode as pg_sys::LOCKMODE) {
            Readable::Yes(Located { relid, attnum })
        } else {
            Readable::Busy(format!("{} (busy: {})", name(), lock_blockers(relid)))
        }
    }
}

/// Tells `quote::guard_call` where the guard's SQL functions are (the schema
/// CREATE EXTENSION put them in), for the SQL its messages ask a person to
/// run. Called where a call of the guard begins: each snapshot read, the
/// trigger. Left as it was when the guard is not installed.
pub fn refresh_guard_schema() {
    if let Some(schema) = select_one::<LossyText>(&GUARD_SCHEMA, &[]) {
        crate::quote::set_guard_schema(schema.0);
    }
}

/// `pg_catalog.pg_auth_members` (a fixed OID, catalog/pg_auth_members.h;
/// pgrx does not bind its constant).
const AUTH_MEMBERS_RELATION: pg_sys::Oid = pg_sys::Oid::from_u32(1261);

/// Who holds or waits for a lock on relation `relid`, other than this
/// session: "pid 12 holds AccessShareLock, pid 34 waits for
/// AccessExclusiveLock" (at most ten), for messages that must name the
/// real cause of a lock not granted at once.
pub(crate) fn lock_blockers(relid: pg_sys::Oid) -> String {
    select_one::<LossyText>(&LOCK_BLOCKERS, &[DatumWithOid::from(relid)])
        .map(|t| t.0)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "the session has ended since".to_string())
}

/// The newest `last_seen` of `_prom_catalog.metadata`, which the connector
/// sets on every metadata batch it ingests; None when unknown (or when the
/// relation is not one the guard may read: then `ignored` names it). Read
/// from the heap: the table may belong to the old connector's role.
fn metadata_last_seen(metadata: Readable, ignored: &mut Vec<String>) -> Option<f64> {
    match metadata {
        Readable::Yes(at) => super::heap_read::newest_timestamp(at.relid, at.attnum),
        Readable::Ignored(why) | Readable::Busy(why) => {
            ignored.push(why);
            None
        }
        Readable::No => None,
    }
}

/// What is happening now beyond the snapshot: the running upgrade and the
/// connectors (read with the snapshot, `live.sql`), ingest, the guard's
/// counters and log.
pub fn activity(snapshot: &Snapshot) -> Activity {
    let row = snapshot.upgrade_activity.clone();
    let mut activity = Activity {
        running_upgrade: row.running_upgrade,
        connectors_running: row.connectors_running,
        connector_versions: row.connector_versions.unwrap_or_default(),
        connector_since: row.connector_since,
        newest_chunk_rows_inserted: newest_chunk_rows_inserted(&snapshot.metric_tables),
        ..Activity::default()
    };
    let [metadata, refusals, upgrade_log, since_start, before_start] =
        readable([&METADATA_TABLE, &GUARD_REFUSALS, &GUARD_UPGRADE_LOG, &GUARD_REFUSALS_START, &GUARD_REFUSALS_BEFORE]);
    activity.metadata_last_seen = metadata_last_seen(metadata, &mut activity.ignored_relations);
    for log in [&refusals, &upgrade_log, &since_start, &before_start] {
        if let Readable::Busy(why) | Readable::Ignored(why) = log {
            activity.ignored_relations.push(why.clone());
        }
    }
    if refusals.is_yes() {
        activity.refused_manual_updates = select_one::<i64>(&REFUSED_MANUAL_UPDATES, &[]).unwrap_or(0);
        if since_start.is_yes() && before_start.is_yes() {
            activity.refused_manual_updates_since_start = select_one::<i64>(&REFUSED_SINCE_START, &[]).unwrap_or(0);
        }
    }
    if upgrade_log.is_yes() {
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
        let partial = r#"{"locks_in_use": 3, "streaming_standbys": 0, "max_connections": 100,
                          "connector_sessions": [], "connectors_running": 0}"#;
        let e = serde_json::from_str::<LiveRow>(partial).err().expect("max_prepared_transactions is required");
        assert!(e.to_string().contains("max_prepared_transactions"), "{e}");
        let full = r#"{"locks_in_use": 3, "streaming_standbys": 0, "max_connections": 100,
                       "max_prepared_transactions": 0, "connector_sessions": [], "connectors_running": 0}"#;
        assert_eq!(serde_json::from_str::<LiveRow>(full).unwrap().locks_in_use, 3);
    }

    catalog_query!(INCOMPLETE = "SELECT '{\"locks_in_use\": 1}'::text");

    #[pgrx::pg_test(error = "unexpected result from catalog query \"INCOMPLETE\" of promscale_upgrade_guard")]
    fn a_query_missing_a_key_raises_a_named_error() {
        let _: LiveRow = json_row(&INCOMPLETE, &[]);
    }

    #[pgrx::pg_test]
    fn each_query_keeps_its_own_plan() {
        assert_eq!(select_one::<i64>(&REFUSED_MANUAL_UPDATES, &[]), Some(0));
        assert!(REFUSED_MANUAL_UPDATES.plan.get().is_some());
        assert!(REFUSED_SINCE_START.plan.get().is_none(), "another query's slot stays empty");
    }
}
