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
    /// System catalogs and views the path opens.
    pub catalogs: Vec<String>,
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
        let model: Model = serde_json::from_str(json).map_err(|e| e.to_string())?;
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
        (locks * self.slack_percent.max(0) + 99) / 100
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_is_valid_and_covers_every_path() {
        let m = Model::get();
        for key in ["takeover", "update", "fresh"] {
            assert!(m.paths.contains_key(key), "{key}");
            assert!(!m.paths[key].catalogs.is_empty(), "{key}");
        }
    }

    #[test]
    fn unknown_classes_and_kinds_in_the_model_are_rejected() {
        let base = |paths: &str, created: &str| {
            format!(r#"{{"slack_percent": 0, "paths": {paths}, "created_object_locks": {created}}}"#)
        };
        let all_kinds = format!(
            "{{{}}}",
            ObjectKind::ALL.iter().map(|k| format!("\"{}\": 1", k.name())).collect::<Vec<_>>().join(", ")
        );
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
