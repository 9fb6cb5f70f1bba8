//! Carrying a rehearsal from a restored copy to production:
//! `promscale_upgrade_rehearsal_export()` on the copy gives the newest
//! rehearsal of the upgrade as a record (`record.rs`), and
//! `promscale_upgrade_rehearsal_import()` on production checks it and
//! stores it in `rehearsal_log`, where the lock estimate, its
//! `expected_duration` and the `rehearsed` check read it like a local one.

use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;

use super::record::{Record, MAX_RECORD_BYTES};
use crate::locks::estimate::LockPath;
use crate::pg_glue::{raise, report, JsonbArg, LossyText};
use crate::plan::plan_or_error;
use crate::rehearsal_history::{self as history, CatalogSize};
use crate::rules::Rules;
use crate::snapshot::read::read;
use crate::snapshot::Snapshot;

fn how_to_rehearse() -> String {
    format!(
        "Run SELECT * FROM {}(); on the restored copy first, as a superuser.",
        crate::quote::guard_call("promscale_upgrade_rehearse")
    )
}

/// The upgrade this database will run, or 55000 saying there is none.
fn upgrade_path(snapshot: &Snapshot, target: Option<&str>, action: &str) -> LockPath {
    let plan = plan_or_error(snapshot, target, Rules::get());
    let path = LockPath::of(&plan);
    if path == LockPath::Nothing {
        raise(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!("there is no Promscale upgrade to {action}"),
            Some(format!(
                "For Promscale {} the connector would run no extension statement (installed: {}).",
                plan.target_release.version,
                snapshot.promscale.installed.as_deref().unwrap_or("none")
            )),
            Some(
                "Make the new promscale extension version available (install its package), or pass the target release."
                    .into(),
            ),
        );
    }
    path
}

/// The newest rehearsal of the upgrade this database will run, as a
/// record to store on production with `promscale_upgrade_rehearsal_import()`.
#[pg_extern(stable)]
#[search_path(pg_catalog, pg_temp)]
fn promscale_upgrade_rehearsal_export(target: default!(Option<LossyText>, "NULL")) -> pgrx::JsonB {
    export(target)
}

fn export(target: Option<LossyText>) -> pgrx::JsonB {
    let snapshot = read(Rules::get());
    let path = upgrade_path(&snapshot, target.as_ref().map(LossyText::as_str), "export a rehearsal of");
    let Some(newest) = history::newest(&snapshot.rehearsals, &path) else {
        raise(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "no rehearsal of this Promscale upgrade to export",
            Some(format!("promscale_upgrade_guard.rehearsal_log holds no rehearsal of the {}.", path.describe())),
            Some(how_to_rehearse()),
        );
    };
    match Record::of(newest) {
        Ok(record) => pgrx::JsonB(record.to_json()),
        Err(detail) => raise(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "the newest rehearsal of this Promscale upgrade cannot be exported",
            Some(detail),
            Some(format!("Rehearse again with this guard version. {}", how_to_rehearse())),
        ),
    }
}

fn invalid(detail: String, hint: &str) -> ! {
    raise(
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        "invalid Promscale upgrade rehearsal record",
        Some(detail),
        Some(hint.into()),
    )
}

/// The columns `promscale_upgrade_rehearsal_import()` returns.
type Imported = (bool, String, Option<String>, String, TimestampWithTimeZone, bool, String);

/// This server's clock, Unix seconds: how far in the future a record's
/// time may be.
fn unix_now() -> i64 {
    /// 2000-01-01, PostgreSQL's epoch, in Unix seconds.
    const POSTGRES_EPOCH: i64 = 946_684_800;
    // SAFETY: reads the system clock; no state.
    let micros = unsafe { pg_sys::GetCurrentTimestamp() };
    micros.div_euclid(1_000_000).saturating_add(POSTGRES_EPOCH)
}

/// Stores a record of `promscale_upgrade_rehearsal_export()` (run on a
/// restored copy) in `rehearsal_log`, with origin `imported`. Superuser
/// only. The record is untrusted input (`record.rs`): anything out of
/// bounds is refused (22023), and nothing is stored.
// pgrx needs each result column spelled out (name!) in the signature.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile)]
#[search_path(pg_catalog, pg_temp)]
fn promscale_upgrade_rehearsal_import(
    rehearsal: Option<JsonbArg>,
    target: default!(Option<LossyText>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(stored, bool),
        name!(path, String),
        name!(from_version, Option<String>),
        name!(to_version, String),
        name!(measured_at, TimestampWithTimeZone),
        name!(from_smaller_catalog, bool),
        name!(note, String),
    ),
> {
    TableIterator::once(import(rehearsal, target))
}

fn import(rehearsal: Option<JsonbArg>, target: Option<LossyText>) -> Imported {
    // SAFETY: reads the current role's superuser flag from the catalog cache.
    if !unsafe { pg_sys::superuser() } {
        raise(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "permission denied to import a Promscale upgrade rehearsal",
            Some("An imported rehearsal changes the lock estimate and the readiness of the upgrade.".into()),
            Some("Import as a superuser.".into()),
        );
    }
    let export_hint = &format!(
        "Pass the jsonb that SELECT {}(); returned on the restored copy, unchanged.",
        crate::quote::guard_call("promscale_upgrade_rehearsal_export")
    );
    let Some(argument) = rehearsal else { invalid("The record is null.".into(), export_hint) };
    let stored_bytes = argument.stored_bytes();
    if stored_bytes > MAX_RECORD_BYTES {
        invalid(
            format!("The record takes {stored_bytes} bytes; a record is at most {MAX_RECORD_BYTES} bytes."),
            export_hint,
        );
    }
    let record = Record::read(&argument.text(), unix_now()).unwrap_or_else(|detail| invalid(detail, export_hint));
    let snapshot = read(Rules::get());
    let path = upgrade_path(&snapshot, target.as_ref().map(LossyText::as_str), "import a rehearsal of");
    if let Err(detail) = record.matches(&path) {
        invalid(
            detail,
            "Rehearse on a copy the upgrade this database will run: the same installed version and the same target (pass the target release to both functions when it is not the newest).",
        );
    }
    let now = CatalogSize::now(&snapshot);
    let then = CatalogSize { relations: record.relations, metrics: record.metrics };
    let smaller = then.much_smaller_than(now);
    let json = record.to_json().to_string();
    let args = [DatumWithOid::from(json.as_str()), DatumWithOid::from(smaller)];
    let (measured_at, inserted) =
        Spi::get_two_with_args::<TimestampWithTimeZone, i64>(include_str!("sql/import.sql"), &args).unwrap_or_else(
            |e| {
                raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("could not store the rehearsal: {e}"), None, None)
            },
        );
    let Some(measured_at) = measured_at else {
        raise(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            "could not store the rehearsal",
            Some("The rehearsal log gave no time for the record.".into()),
            None,
        )
    };
    let stored = inserted == Some(1);
    let note = match (stored, smaller) {
        (false, _) => "Not stored again: the rehearsal log already holds this rehearsal.".to_string(),
        (true, false) => format!(
            "Stored: the lock estimate and the rehearsed check of the {} now use it.",
            record.describe()
        ),
        (true, true) => format!(
            "Stored, but flagged: the copy had {} relations and {} metrics, this database has {} and {}, so its duration and locks say little here.",
            then.relations, then.metrics, now.relations, now.metrics
        ),
    };
    if stored && smaller {
        report(
            PgLogLevel::WARNING,
            PgSqlErrorCode::ERRCODE_WARNING,
            "the imported rehearsal ran on a much smaller catalog than this database's",
            Some(format!(
                "The copy had {} relations and {} metrics; this database has {} relations and {} metrics.",
                then.relations, then.metrics, now.relations, now.metrics
            )),
            Some("Rehearse on a full, recent copy of this database, and import that rehearsal.".into()),
        );
    }
    (stored, record.path.clone(), record.from_version.clone(), record.to_version.clone(), measured_at, smaller, note)
}
