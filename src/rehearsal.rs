//! `promscale_upgrade_rehearse()`: the connector's statements for this
//! database, run inside a subtransaction that is always rolled back, with
//! the distinct lock entries held at the end, the duration and the catalog
//! rows written. The transactional part is PL/pgSQL (`sql/rehearse.sql`, an
//! exception block is a subtransaction); this module decides what to run and
//! refuses what must not be run.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

use crate::checks::{self, Status};
use crate::locks;
use crate::plan::PathKind;
use crate::rules::Rules;
use crate::snapshot::read::read;

fn refuse(code: PgSqlErrorCode, message: &str, detail: String, hint: &str) -> ! {
    ErrorReport::new(code, message.to_string(), function_name!())
        .set_detail(detail)
        .set_hint(hint.to_string())
        .report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// What the rehearsal runs, after the refusals. Internal: called by
/// `promscale_upgrade_rehearse()` only; superusers only.
// pgrx needs each result column spelled out (name!) in the signature.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile)]
#[search_path(pg_catalog, pg_temp)]
fn _promscale_upgrade_rehearsal_plan(
    target: Option<&str>,
) -> TableIterator<
    'static,
    (
        name!(target_release, String),
        name!(statements, Vec<String>),
        name!(locks_estimated, i64),
        name!(path, String),
        name!(from_version, Option<String>),
        name!(to_version, Option<String>),
        name!(locks_counted, i64),
    ),
> {
    // SAFETY: reads the current role's superuser flag from the catalog cache.
    if !unsafe { pg_sys::superuser() } {
        refuse(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "permission denied to rehearse a Promscale upgrade",
            "The rehearsal runs the upgrade's own statements, which need a superuser.".into(),
            "Rehearse as a superuser, on a restored copy of the database or on a staging server.",
        );
    }
    let rules = Rules::get();
    let snapshot = read(rules);
    if snapshot.in_recovery {
        refuse(
            PgSqlErrorCode::ERRCODE_READ_ONLY_SQL_TRANSACTION,
            "cannot rehearse a Promscale upgrade on a standby",
            "This server is in recovery; extension updates run on the primary.".into(),
            "Rehearse on the primary of a restored copy or a staging server.",
        );
    }
    let plan = crate::api::plan_or_error(&snapshot, target, rules);
    let connectors = checks::run(&snapshot, &plan, rules).into_iter().find(|c| c.name == "connectors_stopped");
    if let Some(c) = connectors.filter(|c| c.status == Status::Fail) {
        refuse(
            PgSqlErrorCode::ERRCODE_OBJECT_IN_USE,
            "cannot rehearse a Promscale upgrade while Promscale Connectors are connected",
            c.detail,
            "Stop every Promscale Connector first. The rehearsal takes the upgrade's locks and would stop their ingest; run it on a restored copy or a staging server.",
        );
    }
    let statements = plan.connector_statements();
    if statements.is_empty() {
        let why = match plan.kind {
            PathKind::NoTarget => format!(
                "No promscale extension version for Promscale {} is available to update to.",
                plan.target_release.version
            ),
            _ => format!(
                "For Promscale {} the connector would run no extension statement (installed: {}).",
                plan.target_release.version,
                snapshot.promscale.installed.as_deref().unwrap_or("none")
            ),
        };
        refuse(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "there is no Promscale upgrade to rehearse",
            why,
            "Check SELECT * FROM promscale_upgrade_checks(target) and make the target extension version available.",
        );
    }
    let estimate = locks::assess(&snapshot, &plan).estimate;
    let path = estimate.path.key().unwrap_or("update").to_string();
    TableIterator::once((
        plan.target_release.version.text.clone(),
        statements,
        estimate.locks_needed,
        path,
        estimate.path.from().map(|v| v.text.clone()),
        estimate.path.target().map(|v| v.text.clone()),
        estimate.counted,
    ))
}

pgrx::extension_sql_file!("../sql/rehearse.sql", name = "rehearse", requires = [_promscale_upgrade_rehearsal_plan]);
