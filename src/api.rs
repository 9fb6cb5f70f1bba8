//! The SQL surface: thin wrappers that take a snapshot, call a decision and
//! turn the result into rows, NOTICEs or an ERROR. No decisions are made here.

use pgrx::prelude::*;

use crate::checks::{self, Check, Status};
use crate::locks;
use crate::pg_glue::{report, LossyText};
use crate::plan::{plan_or_error, Plan};
use crate::rules::Rules;
use crate::snapshot::read::{read, read_hazards};
use crate::snapshot::Snapshot;
use crate::views::{CheckView, LockEstimateView};

/// The snapshot and the plan the checks run on: the hazards' facts are read
/// only when the plan crosses a release that has them.
pub(crate) fn read_for_checks<'r>(target: Option<&str>, rules: &'r Rules) -> (Snapshot, Plan<'r>) {
    let mut snapshot = read(rules);
    let plan = plan_or_error(&snapshot, target, rules);
    let (tracing, dependents) = checks::hazards::facts_needed(&plan);
    read_hazards(&mut snapshot, tracing, dependents);
    (snapshot, plan)
}

fn run_checks(target: Option<&str>) -> Vec<Check> {
    let rules = Rules::get();
    let (snapshot, plan) = read_for_checks(target, rules);
    checks::run(&snapshot, &plan, rules)
}

// pgrx needs each result column spelled out (name!) in the signature.
#[allow(clippy::type_complexity)]
#[pg_extern(stable)]
#[search_path(pg_catalog, pg_temp)]
fn promscale_upgrade_lock_estimate(
    target: default!(Option<LossyText>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(target_release, String),
        name!(path, String),
        name!(locks_needed, i64),
        name!(lock_capacity, i64),
        name!(locks_in_use, i64),
        name!(locks_available, i64),
        name!(fits, bool),
        name!(fit, String),
        name!(margin_percent, i32),
        name!(recommended_max_locks_per_transaction, i32),
        name!(current_max_locks_per_transaction, i32),
        name!(alter_system, Option<String>),
        name!(restart_note, String),
        name!(capacity_formula, String),
        name!(breakdown, pgrx::JsonB),
        name!(published_formula_max_locks_per_transaction, i32),
        name!(published_formula_locks, i64),
        name!(streaming_standbys, i32),
        name!(expected_duration, Option<Interval>),
    ),
> {
    let rules = Rules::get();
    let snapshot = read(rules);
    let plan = plan_or_error(&snapshot, target.as_ref().map(LossyText::as_str), rules);
    let LockEstimateView {
        target_release,
        path,
        locks_needed,
        lock_capacity,
        locks_in_use,
        locks_available,
        fits,
        fit,
        margin_percent,
        recommended_max_locks_per_transaction,
        current_max_locks_per_transaction,
        alter_system,
        restart_note,
        capacity_formula,
        breakdown,
        published_formula_max_locks_per_transaction,
        published_formula_locks,
        streaming_standbys,
        expected_duration,
    } = LockEstimateView::new(&plan, &snapshot, &locks::assess(&snapshot, &plan));
    TableIterator::once((
        target_release,
        path,
        locks_needed,
        lock_capacity,
        locks_in_use,
        locks_available,
        fits,
        fit,
        margin_percent,
        recommended_max_locks_per_transaction,
        current_max_locks_per_transaction,
        alter_system,
        restart_note,
        capacity_formula,
        pgrx::JsonB(breakdown),
        published_formula_max_locks_per_transaction,
        published_formula_locks,
        streaming_standbys,
        expected_duration.map(|s| Interval::from_micros((s * 1e6) as i64)),
    ))
}

#[pg_extern(stable)]
#[search_path(pg_catalog, pg_temp)]
fn promscale_upgrade_checks(
    target: default!(Option<LossyText>, "NULL"),
) -> TableIterator<
    'static,
    (name!(check_name, String), name!(status, String), name!(detail, String), name!(hint, Option<String>)),
> {
    TableIterator::new(run_checks(target.as_ref().map(LossyText::as_str)).into_iter().map(|c| {
        let CheckView { check_name, status, detail, hint } = CheckView::from(c);
        (check_name, status, detail, hint)
    }))
}

#[pg_extern(stable)]
#[search_path(pg_catalog, pg_temp)]
fn promscale_upgrade_ready(target: default!(Option<LossyText>, "NULL")) -> bool {
    let mut ready = true;
    for check in run_checks(target.as_ref().map(LossyText::as_str)).into_iter().filter(|c| c.status == Status::Fail) {
        ready = false;
        report(
            PgLogLevel::NOTICE,
            PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
            format!("promscale upgrade check \"{}\" failed", check.name),
            Some(check.detail),
            check.hint,
        );
    }
    ready
}

// pgrx needs each result column spelled out (name!) in the signature.
#[allow(clippy::type_complexity)]
#[pg_extern(immutable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn promscale_upgrade_requirements() -> TableIterator<
    'static,
    (
        name!(release, String),
        name!(postgresql_min, i32),
        name!(postgresql_max, i32),
        name!(timescaledb_min, String),
        name!(timescaledb_below, String),
        name!(timescaledb_recommended_min, Option<String>),
        name!(timescaledb_mandatory, bool),
        name!(extension_min, String),
        name!(extension_below, String),
        name!(extension_mandatory, bool),
        name!(hazards, Vec<String>),
    ),
> {
    TableIterator::new(Rules::get().releases.iter().map(|r| {
        (
            r.version.text.clone(),
            r.postgresql.min_major,
            r.postgresql.max_major,
            r.timescaledb.range.min.text.clone(),
            r.timescaledb.range.below.text.clone(),
            r.timescaledb.recommended_min.as_ref().map(|v| v.text.clone()),
            r.timescaledb.mandatory,
            r.extension.range.min.text.clone(),
            r.extension.range.below.text.clone(),
            r.extension.mandatory,
            r.hazards.iter().map(|h| h.summary.clone()).collect(),
        )
    }))
}

pgrx::extension_sql_file!("../sql/finalize.sql", name = "finalize", finalize);

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn requirements_list_every_release_in_order() {
        let releases: Vec<String> = Spi::connect(|c| {
            c.select("SELECT release FROM promscale_upgrade_requirements()", None, &[])
                .unwrap()
                .map(|row| row.get::<String>(1).unwrap().unwrap())
                .collect()
        });
        assert_eq!(releases.first().map(String::as_str), Some("0.10.0"));
        assert_eq!(releases.last().map(String::as_str), Some("0.17.0"));
        assert_eq!(releases.len(), crate::rules::Rules::get().releases.len());
    }

    #[pg_test]
    fn checks_use_the_fixed_status_vocabulary() {
        let bad = Spi::get_one::<i64>(
            "SELECT count(*) FROM promscale_upgrade_checks() WHERE status NOT IN ('ok', 'warning', 'fail')",
        );
        assert_eq!(bad, Ok(Some(0)));
        let rows = Spi::get_one::<i64>("SELECT count(*) FROM promscale_upgrade_checks('0.17.0')");
        assert_eq!(rows, Ok(Some(14)));
    }

    #[pg_test]
    fn ready_agrees_with_checks() {
        let ready = Spi::get_one::<bool>("SELECT promscale_upgrade_ready()").unwrap().unwrap();
        let failing = Spi::get_one::<i64>("SELECT count(*) FROM promscale_upgrade_checks() WHERE status = 'fail'")
            .unwrap()
            .unwrap();
        assert_eq!(ready, failing == 0);
    }

    /// The report's sections are the functions' rows, key for column.
    #[pg_test]
    fn report_sections_have_the_functions_columns() {
        let same = |section: &str, row: &str| {
            Spi::get_one::<bool>(&format!(
                "SELECT (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys({section}) k)
                      = (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(to_jsonb(({row}))) k)"
            ))
            .unwrap()
            .unwrap()
        };
        assert!(same(
            "promscale_upgrade_report()->'lock_estimate'",
            "SELECT e FROM promscale_upgrade_lock_estimate() e"
        ));
        assert!(same("promscale_upgrade_report()->'checks'->0", "SELECT c FROM promscale_upgrade_checks() c LIMIT 1"));
        // The state section has every column of the state function, and
        // the nested objects of its format 1 besides.
        let missing = Spi::get_one::<i64>(
            "SELECT count(*) FROM jsonb_object_keys(to_jsonb((SELECT s FROM promscale_upgrade_state() s))) k
             WHERE NOT promscale_upgrade_report()->'state' ? k",
        );
        assert_eq!(missing, Ok(Some(0)));
    }

    #[pg_test(error = "unknown Promscale release \"0.9.0\"")]
    fn unknown_target_is_an_error() {
        Spi::run("SELECT promscale_upgrade_ready('0.9.0')").unwrap();
    }

    #[pg_test(error = "invalid Promscale release \"latest\"")]
    fn malformed_target_is_an_error() {
        Spi::run("SELECT * FROM promscale_upgrade_checks('latest')").unwrap();
    }
}
