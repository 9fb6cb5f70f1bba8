//! What PostgreSQL locks when the connector's statements run, per path
//! (`model.json`): knowledge, like the release rules, read once and checked
//! when loaded; `locks::estimate` multiplies it by the catalog's counts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;

use super::classes::ObjectClass;
use super::script_scan::ObjectKind;

const MODEL_JSON: &str = include_str!("model.json");

#[derive(Debug, Deserialize)]
pub struct PathModel {
    pub factors: BTreeMap<ObjectClass, i64>,
    /// Which counted class holds the existing objects of each created kind:
    /// a script's CREATE of such a kind re-creates them, up to their number.
    pub existing: BTreeMap<String, ObjectClass>,
    /// System catalogs and views the path opens (with those of
    /// `catalogs_include` once loaded).
    pub catalogs: Vec<String>,
    /// Another path whose catalogs this one opens too, listed first.
    #[serde(default)]
    catalogs_include: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Model {
    pub slack_percent: i64,
    pub paths: BTreeMap<String, PathModel>,
    /// Entries per created object, by `ObjectKind::name()`; keys starting with
    /// `_` are comments.
    created_object_locks: BTreeMap<String, serde_json::Value>,
}

impl Model {
    pub fn from_json(json: &str) -> Result<Model, String> {
        let mut model: Model = serde_json::from_str(json).map_err(|e| e.to_string())?;
        model.include_catalogs()?;
        for (path, m) in &model.paths {
            if let Some(kind) = m.existing.keys().find(|kind| ObjectKind::from_name(kind).is_none()) {
                return Err(format!("path {path}: unknown object kind {kind:?}"));
            }
        }
        for (kind, value) in &model.created_object_locks {
            if kind.starts_with('_') {
                continue;
            }
            if ObjectKind::from_name(kind).is_none() || value.as_i64().is_none_or(|n| n < 0) {
                return Err(format!("created_object_locks: bad entry {kind:?}: {value}"));
            }
        }
        if let Some(missing) = ObjectKind::ALL.iter().find(|k| model.created_locks(**k).is_none()) {
            return Err(format!("created_object_locks: no entry for {:?}", missing.name()));
        }
        Ok(model)
    }

    /// Resolves `catalogs_include`: one level, no catalog listed twice.
    fn include_catalogs(&mut self) -> Result<(), String> {
        let mut resolved = BTreeMap::new();
        for (path, m) in &self.paths {
            let Some(included) = &m.catalogs_include else { continue };
            let base = self
                .paths
                .get(included)
                .filter(|b| b.catalogs_include.is_none())
                .ok_or_else(|| format!("path {path}: catalogs_include names no path without one: {included:?}"))?;
            let catalogs: Vec<String> = base.catalogs.iter().chain(&m.catalogs).cloned().collect();
            if let Some(twice) = catalogs.iter().find(|c| catalogs.iter().filter(|d| d == c).count() > 1) {
                return Err(format!("path {path}: catalog {twice} listed twice"));
            }
            resolved.insert(path.clone(), catalogs);
        }
        for (path, catalogs) in resolved {
            let m = self.paths.get_mut(&path).expect("resolved from paths");
            m.catalogs = catalogs;
            m.catalogs_include = None;
        }
        Ok(())
    }

    pub fn get() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::from_json(MODEL_JSON).expect("embedded model.json is valid"))
    }

    /// Every system catalog or view some path opens (the catalog read
    /// counts their relations once for all paths).
    pub fn catalog_names(&self) -> Vec<String> {
        let names: BTreeSet<&String> = self.paths.values().flat_map(|p| &p.catalogs).collect();
        names.into_iter().cloned().collect()
    }

    pub fn created_locks(&self, kind: ObjectKind) -> Option<i64> {
        self.created_object_locks.get(kind.name()).and_then(serde_json::Value::as_i64)
    }

    pub fn slack(&self, locks: i64) -> i64 {
        locks.max(0).saturating_mul(self.slack_percent.max(0)).saturating_add(99) / 100
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `created_object_locks` with an entry for every object kind.
    fn every_kind_json() -> String {
        let kinds: Vec<String> = ObjectKind::ALL.iter().map(|k| format!("\"{}\": 1", k.name())).collect();
        format!("{{{}}}", kinds.join(", "))
    }

    #[test]
    fn embedded_model_is_valid_and_covers_every_path() {
        let m = Model::get();
        for key in ["takeover", "update", "fresh"] {
            assert!(m.paths.contains_key(key), "{key}");
            assert!(!m.paths[key].catalogs.is_empty(), "{key}");
        }
    }

    /// The lists as model.json spelled them out before the takeover's
    /// included the fresh install's.
    #[test]
    fn included_catalogs_resolve_to_the_lists_written_out_before() {
        let resolved = |path: &str| {
            let mut v = Model::get().paths[path].catalogs.clone();
            v.sort();
            v.join(" ")
        };
        let takeover = "pg_am pg_attribute pg_auth_members pg_authid pg_class pg_database pg_db_role_setting \
                        pg_depend pg_description pg_extension pg_index pg_inherits pg_namespace pg_opclass \
                        pg_operator pg_opfamily pg_proc pg_rewrite pg_roles pg_settings pg_tables pg_tablespace \
                        pg_type";
        let fresh = "pg_am pg_attribute pg_auth_members pg_authid pg_class pg_db_role_setting pg_depend \
                     pg_description pg_extension pg_index pg_inherits pg_namespace pg_opclass pg_operator \
                     pg_opfamily pg_proc pg_rewrite pg_roles pg_settings";
        let update = "pg_am pg_authid pg_class pg_db_role_setting pg_depend pg_extension pg_index pg_inherits \
                      pg_namespace pg_opclass pg_operator pg_opfamily pg_proc pg_rewrite pg_roles";
        for (path, before) in [("takeover", takeover), ("fresh", fresh), ("update", update)] {
            let mut before: Vec<&str> = before.split_whitespace().collect();
            before.sort();
            assert_eq!(resolved(path), before.join(" "), "{path}");
        }
    }

    #[test]
    fn a_bad_include_is_rejected() {
        let with = |paths: &str| {
            Model::from_json(&format!(
                r#"{{"slack_percent": 0, "paths": {paths}, "created_object_locks": {}}}"#,
                every_kind_json()
            ))
        };
        let path = |include: &str, catalogs: &str| {
            format!(r#"{{"factors": {{}}, "existing": {{}}, "catalogs_include": {include}, "catalogs": {catalogs}}}"#)
        };
        let plain = r#"{"factors": {}, "existing": {}, "catalogs": ["pg_class"]}"#;
        let e = with(&format!(r#"{{"a": {}}}"#, path(r#""b""#, "[]"))).unwrap_err();
        assert!(e.contains("catalogs_include names no path"), "{e}");
        let e = with(&format!(r#"{{"a": {}, "b": {plain}}}"#, path(r#""b""#, r#"["pg_class"]"#))).unwrap_err();
        assert!(e.contains("catalog pg_class listed twice"), "{e}");
        let chained = format!(r#"{{"a": {}, "b": {}, "c": {plain}}}"#, path(r#""b""#, "[]"), path(r#""c""#, "[]"));
        assert!(with(&chained).unwrap_err().contains("catalogs_include names no path"));
        let ok = with(&format!(r#"{{"a": {}, "b": {plain}}}"#, path(r#""b""#, r#"["pg_type"]"#))).unwrap();
        assert_eq!(ok.paths["a"].catalogs, ["pg_class", "pg_type"]);
    }

    #[test]
    fn unknown_classes_and_kinds_in_the_model_are_rejected() {
        let base = |paths: &str, created: &str| {
            format!(r#"{{"slack_percent": 0, "paths": {paths}, "created_object_locks": {created}}}"#)
        };
        let all_kinds = every_kind_json();
        let bad = base(r#"{"update": {"factors": {"tables": 1}, "existing": {}, "catalogs": []}}"#, &all_kinds);
        let e = Model::from_json(&bad).unwrap_err();
        assert!(e.contains("unknown variant `tables`"), "{e}");
        let bad =
            base(r#"{"update": {"factors": {}, "existing": {"gadget": "routines"}, "catalogs": []}}"#, &all_kinds);
        assert!(Model::from_json(&bad).unwrap_err().contains("unknown object kind \"gadget\""));
        let bad = base(r#"{}"#, r#"{"routine": 1}"#);
        assert!(Model::from_json(&bad).unwrap_err().contains("no entry for"));
        let good = base(r#"{}"#, &all_kinds);
        assert!(Model::from_json(&good).is_ok());
    }
}
