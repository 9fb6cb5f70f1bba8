//! A lock count measured by a rehearsal or a logged upgrade, as the
//! snapshot reads it from the guard's logs; the estimate learns from it.

use serde::Deserialize;

/// What a rehearsal or a logged upgrade measured.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LockMeasurement {
    /// `rehearsal` or `upgrade`.
    pub source: String,
    /// `takeover`, `update` or `fresh` (the upgrade log's `install`).
    pub path: String,
    pub from_version: Option<String>,
    pub to_version: Option<String>,
    pub measured_at: String,
    /// When this database stored it (an upgrade's end, a local rehearsal's
    /// start, an import's time): the order that decides.
    #[serde(default)]
    pub stored_at: Option<String>,
    /// `local` (this database measured it) or `imported` (a record from a
    /// copy brought it: it may raise the estimate, never lower it).
    #[serde(default = "local")]
    pub origin: String,
    pub locks_held: i64,
    /// What the guard estimated beforehand.
    pub locks_estimated: Option<i64>,
    /// The COUNTED part of that estimate: the catalog counts of then.
    pub locks_counted: Option<i64>,
}

fn local() -> String {
    "local".into()
}

impl LockMeasurement {
    /// The key "newest" is ordered by (see `stored_at`).
    pub fn stored_order(&self) -> &str {
        self.stored_at.as_deref().unwrap_or(&self.measured_at)
    }

    pub fn is_imported(&self) -> bool {
        self.origin == "imported"
    }
}
