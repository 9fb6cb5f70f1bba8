//! How many lock-table entries the upgrade needs, derived, not fitted:
//!
//! - COUNTED: objects that exist now, by class, from the catalog, times what
//!   the path does to each class (`model.json`, `paths.*.factors`);
//! - SCRIPTED: objects the path's scripts on disk create that do not exist
//!   yet (`script_scan` counts them by kind; `created_object_locks` says how
//!   many entries each takes);
//! - CATALOGS: the system catalogs the path opens, with their indexes and
//!   toast tables as the running server has them;
//! - SLACK on top; and LEARNED: never below what a rehearsal or a logged
//!   upgrade of the same path held, scaled to today's catalog counts; an
//!   imported record may raise it, never lower it below what this database
//!   measured, and nothing raises it above what `pg_locks` can ever show
//!   (`MAX_LOCK_ENTRIES`).
//!
//! The arithmetic saturates: no count, however absurd, wraps around.
//!
//! All of an upgrade's locks are held until its single transaction commits,
//! one entry per distinct object, so the sum is the requirement.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::catalog::classes::ObjectClass;
use crate::catalog::lock_table::MAX_LOCK_ENTRIES;
use crate::catalog::measurement::LockMeasurement;
use crate::catalog::model::{Model, PathModel};
use crate::catalog::script_scan::{Creations, ObjectKind, ScriptScan};
use crate::plan::{Installed, PathKind, Plan};
use crate::version::ExtVersion;

/// Which statements the connector will run, as far as locks go.
#[derive(Debug, Clone, PartialEq)]
pub enum LockPath {
    /// CREATE EXTENSION ... VERSION '0.0.0' + ALTER EXTENSION ... UPDATE on a pre-0.11 schema.
    Takeover { target: Option<ExtVersion> },
    /// ALTER EXTENSION promscale UPDATE TO target.
    Update { from: ExtVersion, target: Option<ExtVersion> },
    /// CREATE EXTENSION promscale VERSION target on a database without Promscale.
    Fresh { target: Option<ExtVersion> },
    /// Nothing to run (up to date, or a downgrade that cannot run).
    Nothing,
}

impl LockPath {
    /// The path of a plan. Without an available target version the estimate
    /// is for the oldest version the target release accepts.
    pub fn of(plan: &Plan) -> LockPath {
        let target = plan.target_extension.clone().or_else(|| Some(plan.target_release.extension.range.min.clone()));
        match (&plan.kind, &plan.installed) {
            (PathKind::UpToDate | PathKind::Downgrade, _) => LockPath::Nothing,
            (_, Installed::Nothing) => LockPath::Fresh { target },
            (_, Installed::Legacy { .. }) => LockPath::Takeover { target },
            (_, Installed::Extension(from)) if target.as_ref().is_some_and(|t| t <= from) => LockPath::Nothing,
            (_, Installed::Extension(from)) => LockPath::Update { from: from.clone(), target },
        }
    }

    /// The key of the path in `model.json` and in the measurements.
    pub fn key(&self) -> Option<&'static str> {
        match self {
            LockPath::Takeover { .. } => Some("takeover"),
            LockPath::Update { .. } => Some("update"),
            LockPath::Fresh { .. } => Some("fresh"),
            LockPath::Nothing => None,
        }
    }

    pub fn target(&self) -> Option<&ExtVersion> {
        match self {
            LockPath::Takeover { target } | LockPath::Update { target, .. } | LockPath::Fresh { target } => {
                target.as_ref()
            }
            LockPath::Nothing => None,
        }
    }

    pub fn from(&self) -> Option<&ExtVersion> {
        match self {
            LockPath::Update { from, .. } => Some(from),
            _ => None,
        }
    }

    /// For people: what will run.
    pub fn describe(&self) -> String {
        let t = |t: Option<&ExtVersion>| t.map(|v| v.text.clone()).unwrap_or_else(|| "the target".into());
        match self {
            LockPath::Takeover { target } => {
                format!("takeover of the pre-0.11 schema: CREATE EXTENSION promscale VERSION '0.0.0', then ALTER EXTENSION promscale UPDATE TO '{}'", t(target.as_ref()))
            }
            LockPath::Update { from, target } => {
                format!("ALTER EXTENSION promscale UPDATE TO '{}' from {from}", t(target.as_ref()))
            }
            LockPath::Fresh { target } => format!("CREATE EXTENSION promscale VERSION '{}'", t(target.as_ref())),
            LockPath::Nothing => "nothing to run".to_string(),
        }
    }
}

/// The scripts a path runs, scanned, and the migrations already applied:
/// what `read` found on disk and in the catalog for this path.
#[derive(Debug, Clone, Default)]
pub struct PathScripts {
    /// Scans of the script files the path runs, in order (for a takeover,
    /// the 0.0.0 script first). Empty when none was found on disk.
    pub scans: Vec<Arc<ScriptScan>>,
    /// Incremental migrations that will be skipped because they are applied
    /// already (recorded in `_ps_catalog.migration`, or marked applied by the
    /// takeover script).
    pub applied_migrations: BTreeSet<String>,
    /// The script files, for the breakdown.
    pub files: Vec<String>,
}

/// Locks attributed to one part of the estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassLocks {
    pub class: String,
    pub label: String,
    /// `counted` (catalog), `scripted` (script files), `catalogs`.
    pub source: &'static str,
    pub objects: i64,
    pub locks: i64,
}

/// A measurement that raised the estimate, and how it was scaled.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub measurement: LockMeasurement,
    /// The measurement scaled to today's catalog counts.
    pub scaled_locks: i64,
    /// What the model alone says today (before slack).
    pub model_locks: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LockEstimate {
    pub path: LockPath,
    /// Classes the path touches, largest first; classes with no locks omitted.
    pub by_class: Vec<ClassLocks>,
    /// COUNTED: sum of the catalog classes.
    pub counted: i64,
    /// SCRIPTED: sum of the script-derived classes.
    pub scripted: i64,
    /// CATALOGS.
    pub catalogs: i64,
    /// LEARNED: what a measurement adds above the model.
    pub learned: i64,
    pub calibrated_from: Option<Calibration>,
    /// Statements the scan could not count (loops over query results,
    /// EXECUTE of a variable): the scripted part is a lower bound for them.
    pub unscanned_statements: i64,
    /// The script files the scripted part was read from.
    pub script_files: Vec<String>,
    pub slack: i64,
    pub locks_needed: i64,
}

/// The catalog facts the estimate is made from.
#[derive(Debug, Clone, Copy)]
pub struct CatalogCounts<'a> {
    /// Objects by class.
    pub objects: &'a BTreeMap<ObjectClass, i64>,
    /// Relations each system catalog or view stands for when opened: itself,
    /// its indexes, its toast table and toast index.
    pub catalog_relations: &'a BTreeMap<String, i64>,
}

pub fn estimate(
    counts: CatalogCounts,
    scripts: &PathScripts,
    measurements: &[LockMeasurement],
    path: &LockPath,
    model: &Model,
) -> LockEstimate {
    let empty = LockEstimate {
        path: path.clone(),
        by_class: vec![],
        counted: 0,
        scripted: 0,
        catalogs: 0,
        learned: 0,
        calibrated_from: None,
        unscanned_statements: 0,
        script_files: vec![],
        slack: 0,
        locks_needed: 0,
    };
    let Some(path_model) = path.key().and_then(|k| model.paths.get(k)) else {
        return empty;
    };
    let mut by_class: Vec<ClassLocks> = ObjectClass::ALL
        .iter()
        .filter_map(|class| {
            let factor = *path_model.factors.get(class)?;
            let count = counts.objects.get(class).copied().unwrap_or(0);
            Some(ClassLocks {
                class: class.name().to_string(),
                label: class.label().to_string(),
                source: "counted",
                objects: count,
                locks: count.saturating_mul(factor),
            })
        })
        .collect();
    let counted = sum(by_class.iter().map(|c| c.locks));

    let created = new_objects(scripts, path_model, counts.objects);
    let mut scripted = 0;
    for (kind, n) in &created.counts {
        let locks = n.saturating_mul(model.created_locks(*kind).unwrap_or(1));
        scripted = locks.saturating_add(scripted);
        by_class.push(ClassLocks {
            class: format!("created_{}", kind.plural()),
            label: format!("{} the scripts create that do not exist yet", kind.plural().replace('_', " ")),
            source: "scripted",
            objects: *n,
            locks,
        });
    }

    let catalogs = sum(path_model.catalogs.iter().map(|c| counts.catalog_relations.get(c).copied().unwrap_or(1)));
    by_class.push(ClassLocks {
        class: "system_catalogs".into(),
        label: format!(
            "system catalogs and views the statements open ({}), with their indexes and toast",
            path_model.catalogs.len()
        ),
        source: "catalogs",
        objects: i64::try_from(path_model.catalogs.len()).unwrap_or(i64::MAX),
        locks: catalogs,
    });
    by_class.retain(|c| c.locks > 0);
    by_class.sort_by(|a, b| b.locks.cmp(&a.locks).then(a.class.cmp(&b.class)));

    let model_locks = sum([counted, scripted, catalogs]);
    let calibrated_from = calibration(measurements, path, counted, model_locks);
    let learned = calibrated_from.as_ref().map_or(0, |c| c.scaled_locks.saturating_sub(model_locks));
    let base = model_locks.saturating_add(learned);
    let mut locks_needed = base.saturating_add(model.slack(base));
    if learned > 0 {
        // What was learned raises the estimate at most to what pg_locks can
        // show (slack included), unless the model alone says more.
        let model_needed = model_locks.saturating_add(model.slack(model_locks));
        locks_needed = locks_needed.min(MAX_LOCK_ENTRIES.max(model_needed));
    }
    let slack = locks_needed.saturating_sub(base);
    LockEstimate {
        path: path.clone(),
        by_class,
        counted,
        scripted,
        catalogs,
        learned,
        calibrated_from,
        unscanned_statements: sum(scripts
            .scans
            .iter()
            .map(|s| s.unbounded_loops.saturating_add(s.dynamic_statements_unscanned))),
        script_files: scripts.files.clone(),
        slack,
        locks_needed,
    }
}

/// A sum that saturates instead of wrapping.
fn sum(values: impl IntoIterator<Item = i64>) -> i64 {
    values.into_iter().fold(0, i64::saturating_add)
}

/// Objects the path's scripts create that do not exist yet, by kind:
/// every object of a migration that will run is new (a migration runs once
/// and creates what was not there); what the always-run part creates
/// re-creates the existing objects of its kind first, and only the excess is
/// new, unless a migration that runs dropped them first (then the
/// re-creation makes new objects). A migration that appears in several
/// scripts of the path runs once.
pub fn new_objects(scripts: &PathScripts, path_model: &PathModel, objects: &BTreeMap<ObjectClass, i64>) -> Creations {
    let mut migrations = Creations::default();
    let mut always = Creations::default();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for scan in &scripts.scans {
        for unit in &scan.units {
            match unit.migration.as_deref() {
                Some(name) if scripts.applied_migrations.contains(name) || !seen.insert(name) => {}
                Some(_) => migrations.merge(&unit.creations),
                None => always.merge(&unit.creations),
            }
        }
    }
    let mut new = Creations { counts: migrations.counts.clone(), ..Creations::default() };
    // Kinds that share one existing class (tables, views and sequences are
    // all relations) are compared with it together.
    let mut by_class: BTreeMap<ObjectClass, Vec<ObjectKind>> = BTreeMap::new();
    for kind in always.counts.keys() {
        match path_model.existing.get(kind.name()) {
            Some(class) => by_class.entry(*class).or_default().push(*kind),
            None => new.add(*kind, always.counts[kind]),
        }
    }
    for (class, kinds) in by_class {
        let dropped = sum(kinds.iter().map(|k| migrations.dropped.get(k).copied().unwrap_or(0)));
        let mut existing = objects.get(&class).copied().unwrap_or(0).saturating_sub(dropped).max(0);
        for kind in kinds {
            let made = always.counts[&kind];
            let replaced = made.min(existing);
            existing = existing.saturating_sub(replaced);
            new.add(kind, made.saturating_sub(replaced));
        }
    }
    new.counts.retain(|_, n| *n > 0);
    new
}

/// A measurement scaled to today's counts, two ways, the larger kept: by
/// the ratio of the counted objects (a class the model under-counts grows
/// with them) and by their difference (a fixed block the model misses
/// stays); never above `MAX_LOCK_ENTRIES`. Checked arithmetic: the counts
/// may come from a record someone else wrote.
pub fn scaled_locks(m: &LockMeasurement, counted_now: i64) -> i64 {
    let held = m.locks_held.clamp(0, MAX_LOCK_ENTRIES);
    let counted_now = counted_now.max(0);
    let scaled = match m.locks_counted {
        Some(then) if then > 0 => {
            let (held_wide, now_wide, then_wide) = (i128::from(held), i128::from(counted_now), i128::from(then));
            let by_ratio = (held_wide * now_wide + then_wide - 1) / then_wide;
            let by_ratio = i64::try_from(by_ratio).unwrap_or(i64::MAX);
            by_ratio.max(held.saturating_add(counted_now).saturating_sub(then))
        }
        _ => held,
    };
    scaled.clamp(0, MAX_LOCK_ENTRIES)
}

/// What a measurement of the same path and target that held more than
/// the model said teaches, scaled to today's counts (`scaled_locks`), when
/// it is above what the model says today. Of this database's own
/// measurements (local rehearsals, logged upgrades) the newest stored
/// decides, and so of the imported ones; then the larger of the two: an
/// imported record may raise the estimate, never lower it below what this
/// database measured.
pub fn calibration(
    measurements: &[LockMeasurement],
    path: &LockPath,
    counted_now: i64,
    model_locks: i64,
) -> Option<Calibration> {
    let key = path.key()?;
    let target = path.target().map(|t| t.text.as_str());
    let from = path.from().map(|f| f.text.as_str());
    let newest = |imported: bool| {
        measurements
            .iter()
            .filter(|m| m.path == key && m.to_version.as_deref() == target)
            .filter(|m| from.is_none() || m.from_version.as_deref() == from)
            .filter(|m| m.is_imported() == imported)
            .filter(|m| m.locks_estimated.is_none_or(|e| m.locks_held > e))
            .max_by(|a, b| a.stored_order().cmp(b.stored_order()))
    };
    // On a tie the local one is kept (max_by keeps the last of equals).
    [newest(true), newest(false)]
        .into_iter()
        .flatten()
        .map(|m| Calibration { measurement: m.clone(), scaled_locks: scaled_locks(m, counted_now), model_locks })
        .max_by_key(|c| c.scaled_locks)
        .filter(|c| c.scaled_locks > model_locks)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::catalog::script_scan::scan_script;
    use crate::plan::{plan, tests::snapshot_with};
    use crate::rules::Rules;

    fn v(s: &str) -> ExtVersion {
        ExtVersion::parse(s).unwrap()
    }

    fn counts(pairs: &[(&str, i64)]) -> BTreeMap<ObjectClass, i64> {
        pairs.iter().map(|(k, n)| (ObjectClass::from_name(k).unwrap_or_else(|| panic!("class {k}")), *n)).collect()
    }

    /// Every catalog the model names, standing for no relations: the tests
    /// of the other parts leave the catalogs out.
    fn no_catalogs() -> BTreeMap<String, i64> {
        Model::get().catalog_names().into_iter().map(|c| (c, 0)).collect()
    }

    fn est(
        objects: &BTreeMap<ObjectClass, i64>,
        scripts: &PathScripts,
        m: &[LockMeasurement],
        path: &LockPath,
    ) -> LockEstimate {
        let cat = no_catalogs();
        estimate(CatalogCounts { objects, catalog_relations: &cat }, scripts, m, path, Model::get())
    }

    #[test]
    fn update_counts_every_member_class_and_what_they_reference() {
        // The real promscale 0.8.0's members (lock-footprint-facts.md): a
        // model of routines and views only missed the operators, schemas
        // and operator classes, a tenth of the real update.
        let members = counts(&[
            ("extension_routines", 252),
            ("extension_relations", 45),
            ("extension_operators", 38),
            ("extension_types", 25),
            ("extension_schemas", 13),
            ("extension_casts", 8),
            ("extension_operator_classes", 3),
            ("extension_operator_families", 3),
            ("referenced_types", 12),
            ("referenced_roles", 5),
            ("referenced_languages", 1),
            ("extension_itself", 1),
            ("metric_tables", 10_000),
        ]);
        let update = LockPath::Update { from: v("0.8.0"), target: Some(v("0.8.1")) };
        let e = est(&members, &PathScripts::default(), &[], &update);
        assert_eq!(e.counted, 252 + 45 + 38 + 25 + 13 + 8 + 3 + 3 + 12 + 5 + 1 + 1);
        let routines_and_views_only = 252 + 45;
        assert!(e.locks_needed as f64 >= routines_and_views_only as f64 / 0.9 * 1.1, "{e:?}");
        // Nothing per metric.
        assert!(!e.by_class.iter().any(|c| c.class == "metric_tables"));
    }

    #[test]
    fn takeover_grows_with_metrics_and_update_does_not() {
        let model = Model::get();
        let small = counts(&[("metric_tables", 10), ("chunks", 20), ("series_toast", 10), ("routines", 200)]);
        let large = counts(&[("metric_tables", 1000), ("chunks", 2000), ("series_toast", 1000), ("routines", 200)]);
        let takeover = LockPath::Takeover { target: Some(v("0.8.0")) };
        let s = est(&small, &PathScripts::default(), &[], &takeover);
        // toast counts twice: the toast table and its index.
        let counted_small = 10 + 20 + 2 * 10 + 200;
        assert_eq!(s.counted, counted_small);
        assert_eq!(s.locks_needed, counted_small + model.slack(counted_small));
        let l = est(&large, &PathScripts::default(), &[], &takeover);
        assert!(l.locks_needed > s.locks_needed + 3900);

        let update = LockPath::Update { from: v("0.7.0"), target: Some(v("0.8.0")) };
        let with_members = |n: i64| {
            let mut c = large.clone();
            c.insert(ObjectClass::ExtensionRoutines, 240);
            c.insert(ObjectClass::MetricTables, n);
            est(&c, &PathScripts::default(), &[], &update).locks_needed
        };
        assert_eq!(with_members(10), with_members(10_000));
        assert!(with_members(10) >= 240);
    }

    const SCRIPT: &str = r#"
CREATE OR REPLACE FUNCTION a() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE OR REPLACE FUNCTION b() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;
DO $outer_migration_block$
DECLARE
    _name text := '001-old.sql';
    _body text := $migrationbody$CREATE TABLE x.old (id int);$migrationbody$;
BEGIN
DO $inner_migration_block$
BEGIN
CREATE TABLE x.old (id int);
END;
$inner_migration_block$;
END;
$outer_migration_block$;
DO $outer_migration_block$
DECLARE
    _name text := '002-new.sql';
    _body text := $migrationbody$CREATE TABLE x.new (id int); CREATE TYPE x.t AS (a int);$migrationbody$;
BEGIN
DO $inner_migration_block$
BEGIN
CREATE TABLE x.new (id int);
CREATE TYPE x.t AS (a int);
END;
$inner_migration_block$;
END;
$outer_migration_block$;
"#;

    fn scripts(applied: &[&str]) -> PathScripts {
        PathScripts {
            scans: vec![Arc::new(scan_script(SCRIPT))],
            applied_migrations: applied.iter().map(|s| s.to_string()).collect(),
            files: vec!["promscale--1.0.0.sql".into()],
        }
    }

    #[test]
    fn scripts_add_the_migrations_that_run_and_what_exceeds_the_existing_objects() {
        let path_model = &Model::get().paths["update"];
        // One routine exists: the always-run part re-creates it and makes one more.
        let members = counts(&[("extension_routines", 1)]);
        let created = new_objects(&scripts(&["001-old.sql"]), path_model, &members);
        assert_eq!(created.counts.get(&ObjectKind::Routine), Some(&1));
        assert_eq!(created.counts.get(&ObjectKind::Table), Some(&1), "only 002 runs: {created:?}");
        assert_eq!(created.counts.get(&ObjectKind::Type), Some(&1));
        // Nothing applied: both migrations run.
        let created = new_objects(&scripts(&[]), path_model, &members);
        assert_eq!(created.counts.get(&ObjectKind::Table), Some(&2));
        // Both routines exist: none is new.
        let created = new_objects(&scripts(&["001-old.sql"]), path_model, &counts(&[("extension_routines", 5)]));
        assert_eq!(created.counts.get(&ObjectKind::Routine), None);
        // Unless a migration that runs dropped them: then they are made anew.
        let mut dropping = scripts(&["001-old.sql"]);
        dropping.scans.push(Arc::new(scan_script(
            "DO $m$ DECLARE _name text := '003-drop.sql'; BEGIN DROP FUNCTION a(), b(); END $m$;",
        )));
        let created = new_objects(&dropping, path_model, &counts(&[("extension_routines", 5)]));
        assert_eq!(created.counts.get(&ObjectKind::Routine), None, "5 - 2 existing still cover the 2");
        let created = new_objects(&dropping, path_model, &counts(&[("extension_routines", 2)]));
        assert_eq!(created.counts.get(&ObjectKind::Routine), Some(&2));
    }

    #[test]
    fn a_fresh_install_is_all_scripted() {
        let fresh = LockPath::Fresh { target: Some(v("1.0.0")) };
        let e = est(&BTreeMap::new(), &scripts(&[]), &[], &fresh);
        let locks = |k: &str| Model::get().created_locks(ObjectKind::from_name(k).unwrap()).unwrap();
        assert_eq!(e.scripted, 2 * locks("routine") + 2 * locks("table") + locks("type"));
        assert_eq!(e.counted, 0);
        assert!(e.by_class.iter().all(|c| c.source != "counted"));
    }

    fn measurement(held: i64, estimated: i64, counted: i64) -> LockMeasurement {
        LockMeasurement {
            source: "rehearsal".into(),
            path: "update".into(),
            from_version: Some("0.7.0".into()),
            to_version: Some("0.8.0".into()),
            measured_at: "2026-11-28 10:00:00+00".into(),
            stored_at: None,
            origin: "local".into(),
            locks_held: held,
            locks_estimated: Some(estimated),
            locks_counted: Some(counted),
        }
    }

    #[test]
    fn a_measurement_above_the_model_raises_the_estimate_of_the_same_path() {
        let members = counts(&[("extension_routines", 300)]);
        let update = LockPath::Update { from: v("0.7.0"), target: Some(v("0.8.0")) };
        let plain = est(&members, &PathScripts::default(), &[], &update);
        assert_eq!(plain.learned, 0);
        // The model said 309 with slack, 300 counted; the rehearsal held 400.
        let m = [measurement(400, 309, 300)];
        let e = est(&members, &PathScripts::default(), &m, &update);
        assert_eq!(e.learned, 100, "{e:?}");
        assert_eq!(e.locks_needed, 400 + Model::get().slack(400));
        assert_eq!(e.calibrated_from.as_ref().unwrap().measurement, m[0]);
        // Scaled to today's counts: 10% more members, at least 10% more locks.
        let grown = counts(&[("extension_routines", 330)]);
        let e = est(&grown, &PathScripts::default(), &m, &update);
        assert_eq!(e.calibrated_from.as_ref().unwrap().scaled_locks, 440);
        // Fewer members: the missed part stays (400 - 30), not 400 * 270/300 = 360.
        let shrunk = counts(&[("extension_routines", 270)]);
        let e = est(&shrunk, &PathScripts::default(), &m, &update);
        assert_eq!(e.calibrated_from.as_ref().unwrap().scaled_locks, 370);
        // Another target or another starting version: not the same path.
        let other = LockPath::Update { from: v("0.6.0"), target: Some(v("0.8.0")) };
        assert_eq!(est(&members, &PathScripts::default(), &m, &other).learned, 0);
        let takeover = LockPath::Takeover { target: Some(v("0.8.0")) };
        assert_eq!(est(&members, &PathScripts::default(), &m, &takeover).learned, 0);
        // A measurement the model covered teaches nothing.
        let covered = [measurement(305, 309, 300)];
        assert_eq!(est(&members, &PathScripts::default(), &covered, &update).learned, 0);
    }

    #[test]
    fn the_newest_measurement_counts() {
        let members = counts(&[("extension_routines", 300)]);
        let update = LockPath::Update { from: v("0.7.0"), target: Some(v("0.8.0")) };
        let old = measurement(500, 309, 300);
        let mut new = measurement(400, 309, 300);
        new.measured_at = "2026-11-28 11:00:00+00".into();
        let e = est(&members, &PathScripts::default(), &[old, new.clone()], &update);
        assert_eq!(e.calibrated_from.unwrap().measurement, new);
    }

    /// A record brought from a copy, stored after this database's own
    /// measurement, claiming less: the estimate stays at what this
    /// database measured. One claiming more raises it.
    #[test]
    fn an_imported_measurement_never_lowers_the_estimate_below_a_local_one() {
        let members = counts(&[("extension_routines", 300)]);
        let update = LockPath::Update { from: v("0.7.0"), target: Some(v("0.8.0")) };
        let local = measurement(500, 309, 300);
        let mut imported = measurement(320, 309, 300);
        imported.origin = "imported".into();
        imported.measured_at = "9999-12-31 23:59:59+00".into();
        imported.stored_at = Some("2026-12-07 10:00:00.000000".into());
        let e = est(&members, &PathScripts::default(), &[local.clone(), imported.clone()], &update);
        assert_eq!(e.calibrated_from.as_ref().unwrap().measurement, local);
        assert_eq!(e.locks_needed, 500 + Model::get().slack(500));
        imported.locks_held = 800;
        let e = est(&members, &PathScripts::default(), &[local, imported.clone()], &update);
        assert_eq!(e.calibrated_from.as_ref().unwrap().measurement, imported, "a bigger import raises it");
        assert_eq!(e.locks_needed, 800 + Model::get().slack(800));
    }

    /// Absurd counts (a record, a corrupted log row) saturate at what
    /// pg_locks can show; nothing wraps.
    #[test]
    fn absurd_measurements_are_capped_and_never_wrap() {
        let members = counts(&[("extension_routines", 300)]);
        let update = LockPath::Update { from: v("0.7.0"), target: Some(v("0.8.0")) };
        for (held, estimated, counted) in
            [(i64::MAX, 309, 300), (1_000_000_000_000, 0, 1), (400, 0, 1), (i64::MAX, 0, i64::MAX)]
        {
            let e = est(&members, &PathScripts::default(), &[measurement(held, estimated, counted)], &update);
            assert!(e.locks_needed <= MAX_LOCK_ENTRIES && e.locks_needed >= 300, "{held}/{counted}: {e:?}");
            let sum: i64 = e.by_class.iter().map(|c| c.locks).sum();
            assert_eq!(sum + e.learned + e.slack, e.locks_needed);
        }
        let m = measurement(i64::MAX, 0, 1);
        assert_eq!(scaled_locks(&m, i64::MAX), MAX_LOCK_ENTRIES);
        assert_eq!(scaled_locks(&measurement(-5, 0, 0), 10), 0);
        // Objects counted in absurd numbers saturate too.
        let huge = counts(&[("extension_routines", i64::MAX), ("extension_relations", i64::MAX)]);
        let e = est(&huge, &PathScripts::default(), &[], &update);
        assert_eq!(e.locks_needed, i64::MAX);
    }

    #[test]
    fn breakdown_is_sorted_and_sums_up() {
        let c = counts(&[("metric_tables", 5), ("chunks", 50), ("routines", 20)]);
        let e = est(&c, &scripts(&[]), &[], &LockPath::Takeover { target: Some(v("0.8.0")) });
        assert_eq!(e.by_class[0].class, "chunks");
        let sum: i64 = e.by_class.iter().map(|c| c.locks).sum();
        assert_eq!(sum + e.learned + e.slack, e.locks_needed);
        assert_eq!(e.counted + e.scripted + e.catalogs, sum);
    }

    #[test]
    fn catalogs_are_counted_with_what_the_server_has() {
        let cat: BTreeMap<String, i64> = [("pg_proc".to_string(), 5), ("pg_class".to_string(), 4)].into();
        let update = LockPath::Update { from: v("0.7.0"), target: Some(v("0.8.0")) };
        let objects = BTreeMap::new();
        let e = estimate(
            CatalogCounts { objects: &objects, catalog_relations: &cat },
            &PathScripts::default(),
            &[],
            &update,
            Model::get(),
        );
        let listed = Model::get().paths["update"].catalogs.len() as i64;
        // pg_proc and pg_class as the server has them, every other one at least itself.
        assert_eq!(e.catalogs, 5 + 4 + (listed - 2));
    }

    #[test]
    fn path_follows_the_plan() {
        let rules = Rules::get();
        let s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.8.0");
        let p = plan(&s, None, rules).unwrap();
        assert_eq!(LockPath::of(&p), LockPath::Update { from: v("0.7.0"), target: Some(v("0.8.0")) });
        let p = plan(&s, Some("0.16.0"), rules).unwrap();
        assert_eq!(LockPath::of(&p), LockPath::Nothing);

        let mut legacy = snapshot_with(None, &["0.0.0", "0.8.0"], "0.8.0");
        legacy.legacy_schema = Some("public".into());
        let p = plan(&legacy, None, rules).unwrap();
        assert_eq!(LockPath::of(&p), LockPath::Takeover { target: Some(v("0.8.0")) });

        // No version on disk yet: estimate for the oldest one the release accepts.
        let missing = snapshot_with(Some("0.7.0"), &["0.7.0"], "0.7.0");
        let p = plan(&missing, Some("0.17.0"), rules).unwrap();
        assert_eq!(LockPath::of(&p), LockPath::Update { from: v("0.7.0"), target: Some(v("0.8.0")) });

        let fresh = snapshot_with(None, &["0.8.0"], "0.8.0");
        assert!(matches!(LockPath::of(&plan(&fresh, None, rules).unwrap()), LockPath::Fresh { .. }));
    }

    #[test]
    fn nothing_to_run_needs_no_locks() {
        let e = est(&counts(&[("routines", 100)]), &scripts(&[]), &[], &LockPath::Nothing);
        assert_eq!(e.locks_needed, 0);
        assert!(e.by_class.is_empty());
    }
}
