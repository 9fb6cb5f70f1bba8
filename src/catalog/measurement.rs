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
    pub locks_held: i64,
    /// What the guard estimated beforehand.
    pub locks_estimated: Option<i64>,
    /// The COUNTED part of that estimate: the catalog counts of then.
    pub locks_counted: Option<i64>,
}
