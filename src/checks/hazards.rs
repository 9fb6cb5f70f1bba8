//! Known ways a Promscale release damages data or fails half-way, each
//! checked only when the upgrade path meets the release that carries it
//! (see `rules/releases.json`).

use super::{list_some, plural, Check, CheckName};
use crate::plan::{Installed, PathKind, Plan};
use crate::rules::{HazardKind, HazardScope, Release};
use crate::snapshot::Snapshot;

/// The release on this path that carries the hazard, if the path meets it.
fn hazard_release<'r>(plan: &Plan<'r>, kind: HazardKind) -> Option<(&'r Release, &'r str)> {
    // A fresh install has no data to lose and no user objects in the way.
    if plan.installed == Installed::Nothing
        || !matches!(plan.kind, PathKind::Update | PathKind::Takeover | PathKind::NoTarget)
    {
        return None;
    }
    plan.crossed.iter().copied().find_map(|r| {
        r.hazards
            .iter()
            .find(|h| {
                h.kind == kind
                    && match h.when {
                        HazardScope::Crossed => true,
                        HazardScope::Target => r.version == plan.target_release.version,
                    }
            })
            .map(|h| (r, h.summary.as_str()))
    })
}

/// Which hazards' facts `plan` needs read: (the tracing data's size, the
/// objects depending on prom_info.metric). The others' checks say "not
/// applicable" without them, so the catalog reads are skipped.
pub fn facts_needed(plan: &Plan) -> (bool, bool) {
    (
        hazard_release(plan, HazardKind::TracingDataDropped).is_some(),
        hazard_release(plan, HazardKind::PromInfoMetricDependents).is_some(),
    )
}

fn not_applicable(name: CheckName, what: &str) -> Check {
    Check::ok(name, format!("Not applicable: this upgrade does not {what}."))
}

fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

pub fn tracing_data_dropped(s: &Snapshot, plan: &Plan) -> Check {
    const NAME: CheckName = CheckName::TracingDataDropped;
    let Some((release, summary)) = hazard_release(plan, HazardKind::TracingDataDropped) else {
        return not_applicable(NAME, "cross the Promscale release that drops tracing data");
    };
    let t = &s.tracing;
    if t.rows_estimate <= 0 {
        return Check::ok(
            NAME,
            format!(
                "The upgrade crosses Promscale {}, which drops all tracing data; catalog statistics show no rows in {}.",
                release.version,
                plural(t.tables as usize, "tracing table", "tracing tables")
            ),
        );
    }
    Check::warning(
        NAME,
        format!(
            "The upgrade crosses Promscale {}: {summary}. About {} rows ({}) in {} will be lost.",
            release.version,
            t.rows_estimate,
            human_bytes(t.bytes),
            plural(t.tables as usize, "tracing table", "tracing tables")
        ),
        "Back up the tracing data before the upgrade, for example: pg_dump --schema=_ps_trace --format=custom --file=promscale_traces.dump <database>; and rehearse the upgrade on a copy.",
    )
}

pub fn prom_info_metric_dependents(s: &Snapshot, plan: &Plan) -> Check {
    const NAME: CheckName = CheckName::PromInfoMetricDependents;
    let Some((release, summary)) = hazard_release(plan, HazardKind::PromInfoMetricDependents) else {
        return not_applicable(NAME, "recreate the view prom_info.metric");
    };
    let deps = &s.prom_info_metric_dependents;
    let temp = s.other_sessions_temp_dependents;
    if deps.is_empty() && temp == 0 {
        return Check::ok(
            NAME,
            format!("No user object depends on prom_info.metric, which Promscale {} recreates.", release.version),
        );
    }
    // Names another role chose: shown escaped (a newline or a terminal
    // escape in a view's name must not reach the reader as one).
    let named: Vec<String> =
        deps.iter().map(|d| format!("{} {}", d.kind, crate::quote::text_for_message(&d.identity, 200))).collect();
    let mut found = Vec::new();
    if !deps.is_empty() {
        found.push(format!(
            "{} on the view prom_info.metric: {}",
            plural(deps.len(), "user object depends", "user objects depend"),
            list_some(&named, 10)
        ));
    }
    if temp > 0 {
        found.push(format!(
            "{} of other sessions {} on it, until those sessions end",
            plural(temp as usize, "temporary object", "temporary objects"),
            if temp == 1 { "depends" } else { "depend" }
        ));
    }
    // One statement a line, definitions first, each quoted the PostgreSQL
    // way: what a person pastes runs exactly what the hint says.
    // Statements only for names that print as they are (the others need
    // pg_dump; their escaped names are in the detail).
    let shown = || deps.iter().filter(|d| crate::quote::prints_plainly(&d.identity)).take(5);
    let statements: Vec<String> =
        shown().filter_map(|d| d.definition_sql()).chain(shown().map(|d| d.drop_sql())).collect();
    let mut hint = String::from(
        "Before the upgrade, save the definitions of the objects that depend on prom_info.metric and drop them; recreate them after the upgrade.",
    );
    if shown().any(|d| d.definition_sql().is_none()) || deps.iter().any(|d| !crate::quote::prints_plainly(&d.identity))
    {
        hint.push_str(" Save the others with pg_dump --schema-only first.");
    }
    if temp > 0 {
        hint.push_str(" Temporary objects of other sessions go when those sessions end (pg_terminate_backend).");
    }
    if !statements.is_empty() {
        hint.push_str(&format!(" Statements to run:\n{}", statements.join("\n")));
    }
    Check::fail(
        NAME,
        format!(
            "{}. In Promscale {}, {summary}, so the update would fail with dependent_objects_still_exist.",
            found.join("; "),
            release.version
        ),
        hint,
    )
}

pub fn non_metric_tables_in_prom_data(s: &Snapshot, plan: &Plan) -> Check {
    const NAME: CheckName = CheckName::NonMetricTablesInPromData;
    let Some((release, summary)) = hazard_release(plan, HazardKind::NonMetricTablesInPromData) else {
        return not_applicable(NAME, "install a promscale extension version that rejects foreign tables in prom_data");
    };
    let tables = &s.non_metric_tables_in_prom_data;
    if tables.is_empty() {
        return Check::ok(
            NAME,
            format!("Schema prom_data holds only metric tables, as Promscale {} requires.", release.version),
        );
    }
    Check::fail(
        NAME,
        format!(
            "Schema prom_data holds {}: {}. For Promscale {}: {summary}.",
            plural(tables.len(), "table that is not a metric table", "tables that are not metric tables"),
            list_some(tables, 10),
            release.version
        ),
        format!(
            "Move {} to another schema before the upgrade, for example: ALTER TABLE {} SET SCHEMA public;",
            if tables.len() == 1 { "it" } else { "them" },
            tables[0]
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::human_bytes;
    use crate::checks::testing::run_named;
    use crate::checks::Status;
    use crate::plan::tests::snapshot_with;
    use crate::snapshot::{DependentObject, UpdatePath};

    #[test]
    fn tracing_loss_warns_only_when_crossing_0_11_with_data() {
        let mut s = snapshot_with(None, &["0.0.0", "0.5.4", "0.8.0"], "0.8.0");
        s.legacy_schema = Some("public".into());
        s.tracing.tables = 8;
        assert_eq!(run_named(&s, None, "tracing_data_dropped").status, Status::Ok);
        s.tracing.rows_estimate = 12345;
        s.tracing.bytes = 3 * 1024 * 1024;
        let c = run_named(&s, None, "tracing_data_dropped");
        assert_eq!(c.status, Status::Warning);
        assert!(c.detail.contains("About 12345 rows (3.0 MB) in 8 tracing tables"), "{}", c.detail);
        assert!(c.detail.contains("0.11.0"));

        // Already past 0.11: the same data is safe.
        let mut s = snapshot_with(Some("0.5.4"), &["0.5.4", "0.8.0"], "0.8.0");
        s.tracing.rows_estimate = 12345;
        assert_eq!(run_named(&s, None, "tracing_data_dropped").status, Status::Ok);
        assert!(run_named(&s, None, "tracing_data_dropped").detail.starts_with("Not applicable"));
    }

    #[test]
    fn prom_info_dependents_fail_when_crossing_0_17() {
        let mut s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.8.0");
        s.promscale_update_paths.push(UpdatePath {
            source: "0.7.0".into(),
            target: "0.8.0".into(),
            path: "0.7.0--0.8.0".into(),
        });
        s.prom_info_metric_dependents = vec![
            DependentObject::new("view", "public.my_metrics"),
            DependentObject::new("function", "public.f(integer)"),
        ];
        let c = run_named(&s, None, "prom_info_metric_dependents");
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.contains("view public.my_metrics, function public.f(integer)"), "{}", c.detail);
        let hint = c.hint.unwrap();
        let (_, statements) = hint.split_once("Statements to run:\n").expect("statements on lines of their own");
        assert_eq!(
            statements.lines().collect::<Vec<_>>(),
            [
                "SELECT pg_catalog.pg_get_viewdef('public.my_metrics'::pg_catalog.regclass);",
                "SELECT pg_catalog.pg_get_functiondef('public.f(integer)'::pg_catalog.regprocedure);",
                "DROP VIEW public.my_metrics;",
                "DROP FUNCTION public.f(integer);",
            ]
        );
        // Other sessions' temporary objects are counted, never named.
        s.other_sessions_temp_dependents = 2;
        let c = run_named(&s, None, "prom_info_metric_dependents");
        assert!(c.detail.contains("; 2 temporary objects of other sessions depend on it"), "{}", c.detail);
        s.prom_info_metric_dependents.clear();
        assert_eq!(run_named(&s, None, "prom_info_metric_dependents").status, Status::Fail);
        // Staying on 0.16 never touches the view.
        assert_eq!(run_named(&s, Some("0.16.0"), "prom_info_metric_dependents").status, Status::Ok);
    }

    #[test]
    fn foreign_tables_in_prom_data_matter_only_below_0_7() {
        let mut s = snapshot_with(Some("0.5.4"), &["0.5.4", "0.6.0", "0.7.0"], "0.7.0");
        s.non_metric_tables_in_prom_data = vec!["prom_data.my_table".into()];
        let c = run_named(&s, Some("0.14.0"), "non_metric_tables_in_prom_data");
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.contains("holds 1 table that is not a metric table: prom_data.my_table"), "{}", c.detail);
        assert!(c.hint.unwrap().contains("Move it to another schema before the upgrade, for example: ALTER TABLE prom_data.my_table SET SCHEMA public;"));
        assert_eq!(run_named(&s, Some("0.16.0"), "non_metric_tables_in_prom_data").status, Status::Ok);
    }

    #[test]
    fn a_fresh_install_has_no_hazards() {
        let mut s = snapshot_with(None, &["0.8.0"], "0.8.0");
        s.tracing.rows_estimate = 10;
        s.prom_info_metric_dependents = vec![DependentObject::new("view", "public.v")];
        for name in ["tracing_data_dropped", "prom_info_metric_dependents", "non_metric_tables_in_prom_data"] {
            let c = run_named(&s, None, name);
            assert_eq!(c.status, Status::Ok, "{c:?}");
            assert!(c.detail.starts_with("Not applicable"), "{c:?}");
        }
    }

    #[test]
    fn bytes_are_human_readable() {
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(1536), "1.5 kB");
        assert_eq!(human_bytes(5 * 1024 * 1024 * 1024), "5.0 GB");
    }

    /// A view's name holding a newline and a terminal escape (found by the
    /// fresh attack pass): shown escaped in the detail, and, for the escape,
    /// left out of the statements to run: never printed raw.
    #[test]
    fn dependents_with_control_characters_in_their_names_are_shown_escaped() {
        let mut s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.8.0");
        s.prom_info_metric_dependents = vec![DependentObject::new("view", "public.\"a\nLOG:  fake\u{1b}[2J\"")];
        let c = run_named(&s, None, "prom_info_metric_dependents");
        assert_eq!(c.status, Status::Fail);
        let hint = c.hint.unwrap_or_default();
        for text in [&c.detail, &hint] {
            assert!(!text.contains('\u{1b}'), "{text}");
        }
        assert!(!c.detail.contains("\nLOG:"), "{}", c.detail);
        assert!(c.detail.contains("\\nLOG:  fake\\x1b[2J"), "{}", c.detail);
        assert!(hint.contains("pg_dump --schema-only"), "{hint}");
    }
}
