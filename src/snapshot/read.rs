//! Fills a `Snapshot` from the catalog: the only module that queries it.
//!
//! Each query in `sql/` returns one JSON object whose keys are `Snapshot`
//! fields; the objects are merged and deserialized. A handful of set-based
//! queries per call, none of which opens a Promscale table.

use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiResult};
use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::extension_files::{available_versions, ControlFile};
use super::pg_class_scan::{newest_chunk_rows_inserted, scan_relations};
use super::script_files::{scan_files, step_files};
use super::{Activity, ConnectorSession, PromscaleCommandFacts, Snapshot};
use crate::locks::estimate::{LockMeasurement, Model};
use crate::rules::Rules;

const SERVER: &str = include_str!("sql/server.sql");
const UPDATE_PATHS: &str = include_str!("sql/update_paths.sql");
const CONNECTOR_SESSIONS: &str = include_str!("sql/connector_sessions.sql");
const HAZARDS: &str = include_str!("sql/hazards.sql");
const MAX_LOCKS_CONFIGURED: &str = include_str!("sql/max_locks_configured.sql");
const ENFORCE_FACTS: &str = include_str!("sql/enforce_facts.sql");
const OBJECT_COUNTS: &str = include_str!("sql/object_counts.sql");
const NON_METRIC_TABLES: &str = include_str!("sql/non_metric_tables.sql");
const LOCK_TABLE: &str = include_str!("sql/lock_table.sql");
const UPGRADE_ACTIVITY: &str = include_str!("sql/upgrade_activity.sql");
const LAST_UPGRADE: &str = include_str!("sql/last_upgrade.sql");
const LOCK_MEASUREMENTS: &str = include_str!("sql/lock_measurements.sql");

thread_local! {
    /// The plans of the guard's queries, kept for the backend's life (keyed
    /// by the address and length of their `'static` text): the monitoring functions run
    /// every few seconds, and planning their dozen queries again on each call
    /// cost about 2 ms. They live in PostgreSQL's plan cache, which replans
    /// them when an object they use changes, or the search_path does.
    static PLANS: RefCell<HashMap<(usize, usize), OwnedPreparedStatement>> = RefCell::new(HashMap::new());
}

/// The first column of the first row of a read-only query, planned once per
/// backend. Read-only execution: a writing statement would be assigned a
/// transaction id, an error on a hot standby and needless on a primary.
fn first_value<T: pgrx::FromDatum + pgrx::IntoDatum>(sql: &'static str, args: &[DatumWithOid]) -> SpiResult<Option<T>> {
    Spi::connect(|client| {
        PLANS.with(|plans| {
            let mut plans = plans.borrow_mut();
            let plan = match plans.entry((sql.as_ptr() as usize, sql.len())) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let types: Vec<PgOid> = args.iter().map(|a| PgOid::from(a.oid())).collect();
                    e.insert(client.prepare(sql, &types)?.keep())
                }
            };
            client.select(&*plan, Some(1), args)?.first().get_one::<T>()
        })
    })
}

/// The first column of the first row of a read-only query; None also when
/// it fails.
pub(crate) fn select_one<T: pgrx::FromDatum + pgrx::IntoDatum>(sql: &'static str, args: &[DatumWithOid]) -> Option<T> {
    first_value(sql, args).ok().flatten()
}

/// Runs a query that returns one JSON object as text.
fn json_object(sql: &'static str, args: &[DatumWithOid]) -> Map<String, Value> {
    let text: Option<String> =
        first_value(sql, args).unwrap_or_else(|e| error!("promscale_upgrade_guard: catalog query failed: {e}"));
    match text.map(|t| serde_json::from_str::<Value>(&t)) {
        Some(Ok(Value::Object(map))) => map,
        other => error!("promscale_upgrade_guard: catalog query returned {other:?}"),
    }
}

/// Whether the current role may read `pg_file_settings` (superuser only by default).
fn can_read_file_settings() -> bool {
    select_one::<bool>("SELECT pg_catalog.has_table_privilege('pg_catalog.pg_file_settings', 'SELECT')", &[])
        .unwrap_or(false)
}

/// Other sessions of this database that hold or wait for the connector's
/// advisory lock, or are named like a connector.
pub fn connector_sessions(rules: &Rules) -> Vec<ConnectorSession> {
    let (classid, objid) = rules.connector_lock_ids();
    let mut facts = json_object(
        CONNECTOR_SESSIONS,
        &[
            DatumWithOid::from(i64::from(classid)),
            DatumWithOid::from(i64::from(objid)),
            DatumWithOid::from(rules.connector_application_name_prefix.as_str()),
        ],
    );
    serde_json::from_value(facts.remove("connector_sessions").unwrap_or(Value::Null))
        .unwrap_or_else(|e| error!("promscale_upgrade_guard: unexpected connector sessions: {e}"))
}

/// What the enforcement trigger needs about promscale (one query).
pub fn promscale_command_facts() -> PromscaleCommandFacts {
    let mut facts: PromscaleCommandFacts = serde_json::from_value(Value::Object(json_object(ENFORCE_FACTS, &[])))
        .unwrap_or_else(|e| error!("promscale_upgrade_guard: unexpected extension facts: {e}"));
    facts.default_version = extension_on_disk(&share_directory(), "promscale", &mut HashMap::new()).default_version;
    facts
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
        Err(e) => error!("could not open directory \"{}\": {e}", script_dir.display()),
    });
    OnDisk {
        available: available_versions(extname, names.iter().map(String::as_str)),
        default_version: control.default_version,
        script_dir,
    }
}

/// The snapshot every decision is made from.
pub fn read(rules: &Rules) -> Snapshot {
    let mut facts = json_object(SERVER, &[]);
    let share = share_directory();
    let mut listings = HashMap::new();
    let mut promscale_dir = share.join("extension");
    for extname in ["promscale", "timescaledb"] {
        let on_disk = extension_on_disk(&share, extname, &mut listings);
        if let Some(Value::Object(state)) = facts.get_mut(extname) {
            state.insert("available".into(), on_disk.available.into());
            state.insert("default_version".into(), on_disk.default_version.into());
        }
        if extname == "promscale" {
            promscale_dir = on_disk.script_dir;
        }
    }

    let (classid, objid) = rules.connector_lock_ids();
    facts.extend(json_object(
        CONNECTOR_SESSIONS,
        &[
            DatumWithOid::from(i64::from(classid)),
            DatumWithOid::from(i64::from(objid)),
            DatumWithOid::from(rules.connector_application_name_prefix.as_str()),
        ],
    ));
    facts.extend(json_object(HAZARDS, &[]));
    let relations = scan_relations();
    let mut counts = json_object(
        OBJECT_COUNTS,
        &[
            DatumWithOid::from(relations.fixed_relations.clone()),
            DatumWithOid::from(relations.fixed_schemas.clone()),
            DatumWithOid::from(Model::get().catalog_names()),
        ],
    );
    // Each source counts its own part of a class (the row types of the
    // fixed relations come from the pass, the other types from SQL).
    let mut objects = relations.tally.objects();
    if let Some(Value::Object(more)) = counts.remove("objects") {
        for (class, n) in more {
            *objects.entry(class).or_insert(0) += n.as_i64().unwrap_or(0);
        }
    }
    facts.extend(counts);
    facts.insert("objects".into(), serde_json::json!(objects));
    if !relations.tally.prom_data_matches_prom_metric() {
        facts.extend(json_object(NON_METRIC_TABLES, &[]));
    }
    let lock_table = json_object(LOCK_TABLE, &[]);
    for key in ["locks_in_use", "streaming_standbys", "max_connections"] {
        facts.insert(key.into(), lock_table[key].clone());
    }
    // MaxBackends is not visible in SQL; the server's own globals give the
    // exact lock-table size on every PostgreSQL version.
    // SAFETY: plain integers set at postmaster start, read in a backend.
    let (max_backends, max_locks) = unsafe { (pg_sys::MaxBackends, pg_sys::max_locks_per_xact) };
    facts.insert(
        "lock_table".into(),
        serde_json::json!({
            "max_backends": max_backends,
            "max_locks_per_transaction": max_locks,
            "max_prepared_transactions": lock_table["max_prepared_transactions"],
        }),
    );
    facts.insert("lock_margin_percent".into(), crate::settings::lock_margin_percent().into());

    let mut snapshot: Snapshot = serde_json::from_value(Value::Object(facts))
        .unwrap_or_else(|e| error!("promscale_upgrade_guard: unexpected catalog facts: {e}"));
    snapshot.metric_tables = relations.metric_tables;

    if !snapshot.promscale.available.is_empty() {
        let installed = snapshot.promscale.installed.clone().unwrap_or_default();
        let paths = json_object(UPDATE_PATHS, &[DatumWithOid::from(installed.as_str())]);
        snapshot.promscale_update_paths = serde_json::from_value(paths["promscale_update_paths"].clone())
            .unwrap_or_else(|e| error!("promscale_upgrade_guard: unexpected update paths: {e}"));
    }
    read_lock_history(&mut snapshot, &promscale_dir);
    if snapshot.max_locks.pending_restart && can_read_file_settings() {
        let configured = json_object(MAX_LOCKS_CONFIGURED, &[]);
        snapshot.max_locks.configured = configured.get("configured").and_then(Value::as_str).map(str::to_string);
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
    if snapshot.promscale.installed.is_some() && lock_if_free("_ps_catalog", "migration") {
        let names: Option<Vec<String>> =
            select_one("SELECT pg_catalog.array_agg(m.name::text) FROM _ps_catalog.migration m", &[]);
        snapshot.applied_migrations = Some(names.unwrap_or_default().into_iter().collect());
    }
    if lock_if_free("promscale_upgrade_guard", "upgrade_log")
        && lock_if_free("promscale_upgrade_guard", "rehearsal_log")
    {
        let rows = json_object(LOCK_MEASUREMENTS, &[]);
        snapshot.lock_measurements = serde_json::from_value::<Option<Vec<LockMeasurement>>>(
            rows.get("lock_measurements").cloned().unwrap_or(Value::Null),
        )
        .unwrap_or_else(|e| error!("promscale_upgrade_guard: unexpected lock measurements: {e}"))
        .unwrap_or_default();
    }
}

/// Locks `relation` (ACCESS SHARE) only if that is granted at once and the
/// caller may read it: the state reads two tables (Promscale's metadata and
/// the guard's log) and must never wait behind an upgrade holding them.
fn lock_if_free(schema: &str, relation: &str) -> bool {
    // By name in the catalog: to_regclass() needs USAGE on the schema.
    let oid = select_one::<pg_sys::Oid>(
        "SELECT c.oid FROM pg_catalog.pg_class c
         WHERE c.relnamespace = pg_catalog.to_regnamespace($1) AND c.relname = $2
           AND pg_catalog.has_schema_privilege(c.relnamespace, 'USAGE')
           AND pg_catalog.has_table_privilege(c.oid, 'SELECT')",
        &[DatumWithOid::from(schema), DatumWithOid::from(relation)],
    );
    // SAFETY: a lock request on an existing relation that does not wait; a
    // granted lock is released with the transaction, like any other.
    oid.is_some_and(|oid| unsafe {
        pg_sys::ConditionalLockRelationOid(oid, pg_sys::AccessShareLock as pg_sys::LOCKMODE)
    })
}

/// The newest `last_seen` of `_prom_catalog.metadata`, which the connector
/// sets on every metadata batch it ingests; None when unknown.
fn metadata_last_seen() -> Option<f64> {
    if !lock_if_free("_prom_catalog", "metadata") {
        return None;
    }
    select_one::<f64>("SELECT extract(epoch FROM max(m.last_seen))::float8 FROM _prom_catalog.metadata m", &[])
}

pub fn activity(rules: &Rules, snapshot: &Snapshot) -> Activity {
    let (classid, objid) = rules.connector_lock_ids();
    let facts = json_object(
        UPGRADE_ACTIVITY,
        &[
            DatumWithOid::from(i64::from(classid)),
            DatumWithOid::from(i64::from(objid)),
            DatumWithOid::from(rules.connector_application_name_prefix.as_str()),
        ],
    );
    let mut activity: Activity = serde_json::from_value(Value::Object(facts))
        .unwrap_or_else(|e| error!("promscale_upgrade_guard: unexpected activity facts: {e}"));
    activity.newest_chunk_rows_inserted = newest_chunk_rows_inserted(&snapshot.metric_tables);
    activity.metadata_last_seen = metadata_last_seen();
    if lock_if_free("promscale_upgrade_guard", "refused_manual_updates") {
        activity.refused_manual_updates = select_one::<i64>(
            "SELECT coalesce(pg_catalog.pg_sequence_last_value('promscale_upgrade_guard.refused_manual_updates'), 0)",
            &[],
        )
        .unwrap_or(0);
        activity.refused_manual_updates_since_start = select_one::<i64>(
            "SELECT CASE WHEN pg_catalog.pg_sequence_last_value('promscale_upgrade_guard.refusals_server_start')
                              = extract(epoch FROM pg_catalog.pg_postmaster_start_time())::bigint
                         THEN coalesce(pg_catalog.pg_sequence_last_value('promscale_upgrade_guard.refused_manual_updates'), 0)
                              - coalesce(pg_catalog.pg_sequence_last_value('promscale_upgrade_guard.refused_before_server_start'), 0)
                         ELSE 0 END",
            &[],
        )
        .unwrap_or(0);
    }
    if lock_if_free("promscale_upgrade_guard", "upgrade_log") {
        let last = json_object(LAST_UPGRADE, &[]);
        activity.last_upgrade = serde_json::from_value(last["last_upgrade"].clone())
            .unwrap_or_else(|e| error!("promscale_upgrade_guard: unexpected upgrade log row: {e}"));
    }
    activity
}
