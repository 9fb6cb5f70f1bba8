//! The Promscale release rules, loaded from `releases.json`.
//!
//! Knowledge about Promscale releases is data, not code: the file is embedded
//! at build time and parsed once. Everything that needs a version range or a
//! hazard asks this module, so the SQL function `promscale_upgrade_requirements()`,
//! the readiness checks and the README table cannot drift apart.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::version::{ExtVersion, VersionRange};

const RULES_JSON: &str = include_str!("releases.json");

#[derive(Debug, Deserialize)]
struct RawRules {
    connector_lock_key: i64,
    connector_application_name_prefix: String,
    withdrawn_extension_versions: Vec<Withdrawn>,
    releases: Vec<RawRelease>,
}

#[derive(Debug, Deserialize)]
struct RawRelease {
    release: String,
    postgresql: PostgresRange,
    timescaledb: RawTimescaleRule,
    extension: RawExtensionRule,
    hazards: Vec<Hazard>,
}

#[derive(Debug, Deserialize)]
struct RawTimescaleRule {
    min: String,
    recommended_min: Option<String>,
    below: String,
    mandatory: bool,
}

#[derive(Debug, Deserialize)]
struct RawExtensionRule {
    min: String,
    below: String,
    mandatory: bool,
}

/// Supported PostgreSQL major versions, inclusive.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub struct PostgresRange {
    pub min_major: i32,
    pub max_major: i32,
}

impl PostgresRange {
    pub fn contains(&self, major: i32) -> bool {
        (self.min_major..=self.max_major).contains(&major)
    }
}

#[derive(Debug, Clone)]
pub struct TimescaleRule {
    pub range: VersionRange,
    /// What the release notes ask for, above what the connector enforces.
    pub recommended_min: Option<ExtVersion>,
    pub mandatory: bool,
}

#[derive(Debug, Clone)]
pub struct ExtensionRule {
    pub range: VersionRange,
    pub mandatory: bool,
}

/// Known ways an upgrade to a release goes wrong.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    TracingDataDropped,
    LongExclusiveUpgrade,
    NonMetricTablesInPromData,
    PromInfoMetricDependents,
}

/// Whether a hazard bites when a path passes through its release
/// (`crossed`) or only when that release is the destination (`target`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HazardScope {
    Crossed,
    Target,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Hazard {
    pub kind: HazardKind,
    pub when: HazardScope,
    pub summary: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Withdrawn {
    pub version: String,
    pub reason: String,
}

/// The rules of one Promscale Connector release.
#[derive(Debug, Clone)]
pub struct Release {
    pub version: ExtVersion,
    pub postgresql: PostgresRange,
    pub timescaledb: TimescaleRule,
    pub extension: ExtensionRule,
    pub hazards: Vec<Hazard>,
}

#[derive(Debug)]
pub struct Rules {
    pub connector_lock_key: i64,
    pub connector_application_name_prefix: String,
    pub withdrawn: Vec<Withdrawn>,
    /// Sorted oldest first.
    pub releases: Vec<Release>,
}

fn parse_version(text: &str, what: &str) -> Result<ExtVersion, String> {
    ExtVersion::parse(text).ok_or_else(|| format!("bad version {text:?} for {what}"))
}

impl Rules {
    /// Parses a rules document; used for the embedded file and by tests.
    pub fn from_json(json: &str) -> Result<Rules, String> {
        let raw: RawRules = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut releases = Vec::with_capacity(raw.releases.len());
        for r in raw.releases {
            let version = parse_version(&r.release, "release")?;
            let ctx = |field: &str| format!("release {} {field}", r.release);
            releases.push(Release {
                postgresql: r.postgresql,
                timescaledb: TimescaleRule {
                    range: VersionRange {
                        min: parse_version(&r.timescaledb.min, &ctx("timescaledb.min"))?,
                        below: parse_version(&r.timescaledb.below, &ctx("timescaledb.below"))?,
                    },
                    recommended_min: r
                        .timescaledb
                        .recommended_min
                        .as_deref()
                        .map(|t| parse_version(t, &ctx("timescaledb.recommended_min")))
                        .transpose()?,
                    mandatory: r.timescaledb.mandatory,
                },
                extension: ExtensionRule {
                    range: VersionRange {
                        min: parse_version(&r.extension.min, &ctx("extension.min"))?,
                        below: parse_version(&r.extension.below, &ctx("extension.below"))?,
                    },
                    mandatory: r.extension.mandatory,
                },
                hazards: r.hazards,
                version,
            });
        }
        releases.sort_by(|a, b| a.version.cmp(&b.version));
        for w in &raw.withdrawn_extension_versions {
            parse_version(&w.version, "withdrawn_extension_versions")?;
        }
        Ok(Rules {
            connector_lock_key: raw.connector_lock_key,
            connector_application_name_prefix: raw.connector_application_name_prefix,
            withdrawn: raw.withdrawn_extension_versions,
            releases,
        })
    }

    /// The embedded rules; a malformed file fails the unit tests, not the server.
    pub fn get() -> &'static Rules {
        static RULES: OnceLock<Rules> = OnceLock::new();
        RULES.get_or_init(|| Rules::from_json(RULES_JSON).expect("embedded releases.json is valid"))
    }

    pub fn release(&self, version: &ExtVersion) -> Option<&Release> {
        self.releases.iter().find(|r| r.version == *version)
    }

    pub fn release_names(&self) -> Vec<String> {
        self.releases.iter().map(|r| r.version.text.clone()).collect()
    }

    pub fn latest(&self) -> &Release {
        self.releases.last().expect("at least one release")
    }

    /// The newest release whose connector accepts this extension version:
    /// the release a given extension version implies.
    pub fn newest_release_for_extension(&self, ext: &ExtVersion) -> Option<&Release> {
        self.releases.iter().rev().find(|r| r.extension.range.contains(ext))
    }

    /// The oldest release whose connector accepts this extension version:
    /// where a database running it stands on the release line.
    pub fn oldest_release_for_extension(&self, ext: &ExtVersion) -> Option<&Release> {
        self.releases.iter().find(|r| r.extension.range.contains(ext))
    }

    /// Releases after `from` up to and including `to`: the ones an upgrade
    /// passes through. `from = None` means nothing is installed yet.
    pub fn crossed<'a>(&'a self, from: Option<&ExtVersion>, to: &ExtVersion) -> Vec<&'a Release> {
        self.releases.iter().filter(|r| from.is_none_or(|f| r.version > *f) && r.version <= *to).collect()
    }

    pub fn withdrawn(&self, ext: &ExtVersion) -> Option<&Withdrawn> {
        self.withdrawn.iter().find(|w| ExtVersion::parse(&w.version).as_ref() == Some(ext))
    }

    /// The compatibility table of the README, rendered from the rules so the
    /// two cannot drift apart (a unit test compares them).
    pub fn markdown_table(&self) -> String {
        let mut out = String::from(
            "| Promscale | PostgreSQL | TimescaleDB | promscale extension | hazards |\n|---|---|---|---|---|\n",
        );
        for r in &self.releases {
            let tsdb = &r.timescaledb;
            let mut tsdb_text = format!("{}{}", tsdb.range, if tsdb.mandatory { ", required" } else { ", optional" });
            if let Some(rec) = &tsdb.recommended_min {
                tsdb_text.push_str(&format!(" (release notes: >= {rec})"));
            }
            let ext = &r.extension;
            let hazards: Vec<&str> = r.hazards.iter().map(|h| h.summary.as_str()).collect();
            out.push_str(&format!(
                "| {} | {}-{} | {tsdb_text} | {}{} | {} |\n",
                r.version,
                r.postgresql.min_major,
                r.postgresql.max_major,
                ext.range,
                if ext.mandatory { ", required" } else { ", optional" },
                if hazards.is_empty() { "-".to_string() } else { hazards.join("; ") }
            ));
        }
        out
    }

    /// The connector's advisory lock key as `pg_locks` shows it:
    /// (classid, objid) = (high, low) 32 bits, objsubid = 1.
    pub fn connector_lock_ids(&self) -> (u32, u32) {
        let key = self.connector_lock_key as u64;
        ((key >> 32) as u32, key as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> ExtVersion {
        ExtVersion::parse(s).unwrap()
    }

    #[test]
    fn embedded_rules_parse_and_are_sorted() {
        let rules = Rules::get();
        assert_eq!(rules.releases.first().unwrap().version.text, "0.10.0");
        assert_eq!(rules.latest().version.text, "0.17.0");
        assert!(rules.releases.windows(2).all(|w| w[0].version < w[1].version));
    }

    #[test]
    fn lock_key_splits_as_pg_locks_shows_it() {
        assert_eq!(Rules::get().connector_lock_ids(), (1300405363, 716164830));
    }

    #[test]
    fn extension_version_implies_newest_release() {
        let rules = Rules::get();
        let name = |e: &str| rules.newest_release_for_extension(&v(e)).map(|r| r.version.text.as_str());
        assert_eq!(name("0.8.0"), Some("0.17.0"));
        assert_eq!(name("0.7.0"), Some("0.16.0"));
        assert_eq!(name("0.6.0"), Some("0.14.0"));
        assert_eq!(name("0.5.4"), Some("0.13.0"));
        assert_eq!(name("0.5.2"), Some("0.12.0"));
        assert_eq!(name("0.3.2"), Some("0.10.0"));
        assert_eq!(name("0.4.0"), None);
        assert_eq!(name("0.9.0"), None);
    }

    #[test]
    fn crossing_from_legacy_to_latest_includes_tracing_loss() {
        let rules = Rules::get();
        let crossed = rules.crossed(Some(&v("0.10.0")), &v("0.17.0"));
        assert_eq!(crossed.first().unwrap().version.text, "0.11.0");
        assert!(crossed.iter().flat_map(|r| &r.hazards).any(|h| h.kind == HazardKind::TracingDataDropped));
        let later = rules.crossed(Some(&v("0.11.0")), &v("0.17.0"));
        assert!(!later.iter().flat_map(|r| &r.hazards).any(|h| h.kind == HazardKind::TracingDataDropped));
    }

    #[test]
    fn withdrawn_version_is_known() {
        assert!(Rules::get().withdrawn(&v("0.5.3")).is_some());
        assert!(Rules::get().withdrawn(&v("0.5.4")).is_none());
    }

    #[test]
    fn readme_table_is_rendered_from_the_rules() {
        let readme = include_str!("../../README.md");
        let table = Rules::get().markdown_table();
        assert!(readme.contains(&table), "README.md's compatibility table is stale; replace it with:\n{table}");
    }

    #[test]
    fn malformed_rules_are_rejected_with_the_field() {
        let bad = RULES_JSON.replacen("\"min\": \"0.8.0\"", "\"min\": \"eight\"", 1);
        let err = Rules::from_json(&bad).unwrap_err();
        assert!(err.contains("0.17.0 extension.min"), "{err}");
    }
}
