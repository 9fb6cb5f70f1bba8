//! `promscale_upgrade_rehearse()`: the connector's statements for this
//! database, run inside a subtransaction that is always rolled back, with
//! the distinct lock entries held at the end, the duration and the catalog
//! rows written. Everything about it is here:
//! - what to run, and what must not be run (`_promscale_upgrade_rehearsal_plan`);
//! - the mark that lets the event trigger allow those statements
//!   (`begin_rehearsal`, `active`), which ends with the rehearsal's
//!   subtransaction (the upgrade log's transaction callbacks call `ended`);
//! - the refusal to commit anything a rehearsal allowed (`refuse_commit`);
//! - the transactional part, in PL/pgSQL (`sql/rehearse.sql`: an exception
//!   block is a subtransaction), which also writes `rehearsal_log`.

mod carry;
pub mod record;

use std::cell::Cell;

use pgrx::prelude::*;

use crate::checks::{self, CheckName, Status};
use crate::locks;
use crate::pg_glue::{raise, LossyText};
use crate::plan::PathKind;
use crate::rules::Rules;
use crate::snapshot::read::{read, read_hazards};
use crate::snapshot::relation_tally::PROMSCALE_SCHEMAS;

thread_local! {
    /// The subtransaction a rehearsal runs in, while it runs.
    static REHEARSAL: Cell<Option<pg_sys::SubTransactionId>> = const { Cell::new(None) };
}

/// Whether a rehearsal is running in this backend.
pub(crate) fn active() -> bool {
    REHEARSAL.with(Cell::get).is_some()
}

/// Subtransaction `subxact` ended (committed or aborted): if the rehearsal
/// ran in it, the rehearsal is over. A rehearsal's block never commits; if
/// its subtransaction does (someone called `begin_rehearsal()` by hand and
/// released the savepoint), its commands still cannot commit
/// (`refuse_commit`).
pub(crate) fn subtransaction_ended(subxact: pg_sys::SubTransactionId) {
    REHEARSAL.with(|r| {
        if r.get() == Some(subxact) {
            r.set(None);
        }
    });
}

/// The transaction ended: so did any rehearsal.
pub(crate) fn transaction_ended() {
    REHEARSAL.with(|r| r.set(None));
}

/// Raised at pre-commit when the transaction holds a command a rehearsal
/// allowed.
pub(crate) fn refuse_commit() -> ! {
    raise(
        PgSqlErrorCode::ERRCODE_INVALID_TRANSACTION_TERMINATION,
        "cannot commit an extension command allowed as a rehearsal",
        Some(
            "A rehearsal runs the Promscale Connector's statements only to measure them and always rolls back.".into(),
        ),
        Some(format!(
            "Use SELECT * FROM {}(); it rolls back by itself.",
            crate::quote::guard_call("promscale_upgrade_rehearse")
        )),
    )
}

/// Marks the current subtransaction as a rehearsal
/// (`promscale_upgrade_rehearse()` runs the connector's statements in an
/// exception block that always rolls back): extension commands run in it, or
/// in subtransactions below it, are allowed with `allowed_by = rehearsal`.
/// The mark ends with that subtransaction (and with the transaction), so it
/// can never cover a command that commits. Superuser only.
#[pg_extern(
    requires = ["guard_schema"],
    sql = r#"
CREATE FUNCTION promscale_upgrade_guard.begin_rehearsal() RETURNS pg_catalog.void
    LANGUAGE c VOLATILE STRICT
    SET search_path TO pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
"#
)]
fn begin_rehearsal() {
    // SAFETY: reads the current role's superuser flag from the catalog cache.
    if !unsafe { pg_sys::superuser() } {
        raise(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "permission denied to begin a Promscale upgrade rehearsal",
            Some("Only promscale_upgrade_rehearse(), run by a superuser, rehearses the connector's statements.".into()),
            Some(format!(
                "Run SELECT * FROM {}(); as a superuser.",
                crate::quote::guard_call("promscale_upgrade_rehearse")
            )),
        );
    }
    // SAFETY: the current subtransaction's id; no pointers.
    let subxact = unsafe { pg_sys::GetCurrentSubTransactionId() };
    REHEARSAL.with(|r| r.set(Some(subxact)));
}

fn refuse(code: PgSqlErrorCode, message: &str, detail: String, hint: &str) -> ! {
    raise(code, message, Some(detail), Some(hint.to_string()))
}

/// What the rehearsal runs, after the refusals. Internal: called by
/// `promscale_upgrade_rehearse()` only; superusers only.
// pgrx needs each result column spelled out (name!) in the signature.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile)]
#[search_path(pg_catalog, pg_temp)]
fn _promscale_upgrade_rehearsal_plan(
    target: Option<LossyText>,
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
        name!(sequence_schemas, Vec<String>),
        name!(blocking_objects, Vec<String>),
        name!(relations, i64),
        name!(metrics, i64),
        name!(guard_version, String),
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
    let mut snapshot = read(rules);
    // The objects on prom_info.metric, whatever the path: a failure with
    // dependent_objects_still_exist names them.
    read_hazards(&mut snapshot, false, true);
    if snapshot.in_recovery {
        refuse(
            PgSqlErrorCode::ERRCODE_READ_ONLY_SQL_TRANSACTION,
            "cannot rehearse a Promscale upgrade on a standby",
            "This server is in recovery; extension updates run on the primary.".into(),
            "Rehearse on the primary of a restored copy or a staging server.",
        );
    }
    let plan = crate::plan::plan_or_error(&snapshot, target.as_ref().map(LossyText::as_str), rules);
    let connectors = checks::run(&snapshot, &plan, rules).into_iter().find(|c| c.name == CheckName::ConnectorsStopped);
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
            &format!(
                "Check SELECT * FROM {}(target) and make the target extension version available.",
                crate::quote::guard_call("promscale_upgrade_checks")
            ),
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
        PROMSCALE_SCHEMAS.iter().map(|s| s.to_string()).collect(),
        // What a failure with dependent_objects_still_exist is about: the
        // real migration replaces PostgreSQL's message, which named them.
        snapshot.prom_info_metric_dependents.iter().map(|d| format!("{} {}", d.kind, d.identity)).collect(),
        // The catalog the rehearsal runs on: what its duration is scaled by
        // and a copy's is compared with (rehearsal_history.rs).
        snapshot.relations_outside_system_schemas,
        snapshot.metrics(),
        env!("CARGO_PKG_VERSION").to_string(),
    ))
}

pgrx::extension_sql_file!("../../sql/rehearse.sql", name = "rehearse", requires = [_promscale_upgrade_rehearsal_plan]);
