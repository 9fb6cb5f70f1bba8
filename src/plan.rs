//! Which upgrade is being asked about: the target release, the extension
//! version the connector would install, where the database stands now and
//! which releases the path crosses.

use pgrx::prelude::PgSqlErrorCode;

use crate::pg_glue::raise;
use crate::rules::{Release, Rules};
use crate::snapshot::Snapshot;
use crate::version::ExtVersion;

/// What is in the database before the upgrade.
#[derive(Debug, Clone, PartialEq)]
pub enum Installed {
    /// No Promscale objects at all: the connector will create the extension.
    Nothing,
    /// A pre-0.11 connector schema (`prom_schema_migrations`), possibly with
    /// the old optional extension (< 0.5.0), awaiting the takeover.
    Legacy { schema: Option<String>, old_extension: Option<ExtVersion> },
    /// The mandatory extension (0.5.0 or later) is installed.
    Extension(ExtVersion),
}

/// How the connector will get from `Installed` to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// `CREATE EXTENSION promscale VERSION '<target>'`.
    Fresh,
    /// `CREATE EXTENSION promscale VERSION '0.0.0'` then `ALTER EXTENSION promscale UPDATE TO '<target>'`.
    Takeover,
    /// `ALTER EXTENSION promscale UPDATE TO '<target>'`.
    Update,
    /// Installed version equals the target.
    UpToDate,
    /// Installed version is newer than the target: not an upgrade.
    Downgrade,
    /// No suitable target version is available.
    NoTarget,
}

/// What an extension command does to the database (the enforcement
/// rule finds it; the lock path and the upgrade log follow it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UpgradeKind {
    /// `CREATE EXTENSION` on a database without Promscale objects.
    Install,
    /// `ALTER EXTENSION ... UPDATE`.
    Update,
    /// `CREATE EXTENSION` over a pre-0.11 connector schema.
    Takeover,
}

impl UpgradeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UpgradeKind::Install => "install",
            UpgradeKind::Update => "update",
            UpgradeKind::Takeover => "takeover",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Plan<'r> {
    pub target_release: &'r Release,
    /// True when the caller named the release; false when it was implied.
    pub target_given: bool,
    /// The version the connector of the target release would install.
    pub target_extension: Option<ExtVersion>,
    pub installed: Installed,
    /// Releases after the database's current one, up to the target.
    pub crossed: Vec<&'r Release>,
    pub kind: PathKind,
}

/// Why a `target` argument was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    Malformed(String),
    Unknown(String),
}

impl TargetError {
    pub fn message(&self) -> String {
        match self {
            TargetError::Malformed(t) => format!("invalid Promscale release \"{}\"", quoted(t)),
            TargetError::Unknown(t) => format!("unknown Promscale release \"{}\"", quoted(t)),
        }
    }
}

/// What a message quotes of a user's input (`quote::for_message`): at most
/// 64 characters, then "...", with control characters escaped, so that a
/// long argument does not flood the log and the client.
fn quoted(input: &str) -> String {
    crate::quote::for_message(input)
}

fn parsed(versions: &[String]) -> Vec<ExtVersion> {
    versions.iter().filter_map(|v| ExtVersion::parse(v)).collect()
}

/// The versions the connector may pick: non-prerelease, not above the
/// control file's `default_version`.
fn pickable(snapshot: &Snapshot) -> Vec<ExtVersion> {
    let default = snapshot.promscale.default_version.as_deref().and_then(ExtVersion::parse);
    parsed(&snapshot.promscale.available)
        .into_iter()
        .filter(|v| !v.is_prerelease() && default.as_ref().is_none_or(|d| v <= d))
        .collect()
}

pub fn installed_state(snapshot: &Snapshot) -> Installed {
    let ext = snapshot.promscale.installed.as_deref().and_then(ExtVersion::parse);
    let first_mandatory = ExtVersion::parse("0.5.0").expect("literal");
    match (ext, &snapshot.legacy_schema) {
        (Some(v), _) if v >= first_mandatory => Installed::Extension(v),
        (old, Some(schema)) => Installed::Legacy { schema: Some(schema.clone()), old_extension: old },
        // 0.0.0 without a connector schema: a takeover install with nothing to take over.
        (Some(v), None) if v.semver == semver::Version::new(0, 0, 0) => Installed::Extension(v),
        (Some(old), None) => Installed::Legacy { schema: None, old_extension: Some(old) },
        (None, None) => Installed::Nothing,
    }
}

/// Resolves `target` (a release such as "0.17.0", or None for the release
/// implied by the newest version made available) against the snapshot.
pub fn plan<'r>(snapshot: &Snapshot, target: Option<&str>, rules: &'r Rules) -> Result<Plan<'r>, TargetError> {
    let pickable = pickable(snapshot);
    let target_release = match target {
        Some(text) => {
            let v = ExtVersion::parse(text).ok_or_else(|| TargetError::Malformed(text.to_string()))?;
            rules.release(&v).ok_or_else(|| TargetError::Unknown(text.to_string()))?
        }
        None => {
            pickable.iter().max().and_then(|v| rules.newest_release_for_extension(v)).unwrap_or_else(|| rules.latest())
        }
    };
    let target_extension = pickable.iter().filter(|v| target_release.extension.range.contains(v)).max().cloned();
    let installed = installed_state(snapshot);
    let start = match &installed {
        Installed::Nothing => None,
        Installed::Legacy { .. } => Some(rules.releases[0].version.clone()),
        Installed::Extension(v) => rules
            .oldest_release_for_extension(v)
            .or_else(|| rules.releases.iter().rev().find(|r| r.extension.range.min <= *v))
            .map(|r| r.version.clone()),
    };
    let crossed = rules.crossed(start.as_ref(), &target_release.version);
    let kind = match (&installed, &target_extension) {
        (_, None) => PathKind::NoTarget,
        (Installed::Nothing, Some(_)) => PathKind::Fresh,
        (Installed::Legacy { .. }, Some(_)) => PathKind::Takeover,
        (Installed::Extension(v), Some(t)) if v == t => PathKind::UpToDate,
        (Installed::Extension(v), Some(t)) if v < t => PathKind::Update,
        (Installed::Extension(_), Some(_)) => PathKind::Downgrade,
    };
    Ok(Plan { target_release, target_given: target.is_some(), target_extension, installed, crossed, kind })
}

/// Resolves the `target` argument or raises 22023 listing the known releases.
pub(crate) fn plan_or_error<'r>(snapshot: &Snapshot, target: Option<&str>, rules: &'r Rules) -> Plan<'r> {
    match plan(snapshot, target, rules) {
        Ok(p) => p,
        Err(e) => raise(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            e.message(),
            Some(format!("The known Promscale releases are {}.", rules.release_names().join(", "))),
            Some("Pass one of the known releases, for example '0.17.0', or NULL for the release implied by the newest promscale extension version made available.".into()),
        ),
    }
}

impl Plan<'_> {
    /// The statements the connector runs for this plan, in order (from the
    /// connector's `pkg/pgmodel/new_migrate.go` and `extension.go`); empty
    /// when there is nothing to run.
    pub fn connector_statements(&self) -> Vec<String> {
        let Some(t) = &self.target_extension else { return vec![] };
        match (&self.kind, &self.installed) {
            (PathKind::Takeover, Installed::Legacy { old_extension, .. }) => {
                let mut out = vec![];
                if old_extension.as_ref().is_some_and(|v| v.semver < semver::Version::new(0, 5, 0)) {
                    out.push("DROP EXTENSION IF EXISTS promscale".to_string());
                }
                out.push("CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'".to_string());
                out.push(format!("ALTER EXTENSION promscale UPDATE TO '{t}'"));
                out
            }
            (PathKind::Update, _) => vec![format!("ALTER EXTENSION promscale UPDATE TO '{t}'")],
            (PathKind::Fresh, _) => vec![format!("CREATE EXTENSION IF NOT EXISTS promscale VERSION '{t}'")],
            _ => vec![],
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::snapshot::ExtensionState;

    pub fn snapshot_with(installed: Option<&str>, available: &[&str], default: &str) -> Snapshot {
        Snapshot {
            server_version_num: 140010,
            promscale: ExtensionState {
                installed: installed.map(str::to_string),
                available: available.iter().map(|s| s.to_string()).collect(),
                default_version: Some(default.to_string()),
            },
            ..Default::default()
        }
    }

    #[test]
    fn implied_target_is_what_the_connector_would_pick() {
        let s = snapshot_with(Some("0.5.4"), &["0.5.4", "0.6.0", "0.7.0", "0.8.0"], "0.7.0");
        let p = plan(&s, None, Rules::get()).unwrap();
        assert_eq!(p.target_release.version.text, "0.16.0");
        assert_eq!(p.target_extension.unwrap().text, "0.7.0");
        assert_eq!(p.kind, PathKind::Update);
        assert!(!p.target_given);
    }

    #[test]
    fn prereleases_are_never_picked() {
        let s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0-beta"], "0.8.0-beta");
        let p = plan(&s, None, Rules::get()).unwrap();
        assert_eq!(p.target_extension.unwrap().text, "0.7.0");
        assert_eq!(p.kind, PathKind::UpToDate);
    }

    #[test]
    fn explicit_target_without_available_version_has_no_target() {
        let s = snapshot_with(Some("0.5.4"), &["0.5.4", "0.6.0"], "0.6.0");
        let p = plan(&s, Some("0.17.0"), Rules::get()).unwrap();
        assert_eq!(p.kind, PathKind::NoTarget);
        assert!(p.target_given);
    }

    #[test]
    fn legacy_schema_means_takeover_crossing_0_11() {
        let mut s = snapshot_with(Some("0.3.2"), &["0.0.0", "0.3.2", "0.5.4", "0.8.0"], "0.8.0");
        s.legacy_schema = Some("public".into());
        let p = plan(&s, None, Rules::get()).unwrap();
        assert_eq!(p.kind, PathKind::Takeover);
        assert_eq!(p.crossed.first().unwrap().version.text, "0.11.0");
        assert_eq!(p.crossed.last().unwrap().version.text, "0.17.0");
        match p.installed {
            Installed::Legacy { old_extension: Some(v), .. } => assert_eq!(v.text, "0.3.2"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nothing_installed_is_a_fresh_install() {
        let s = snapshot_with(None, &["0.8.0"], "0.8.0");
        let p = plan(&s, None, Rules::get()).unwrap();
        assert_eq!(p.kind, PathKind::Fresh);
        assert_eq!(p.crossed.len(), Rules::get().releases.len());
    }

    #[test]
    fn newer_installed_than_target_is_a_downgrade() {
        let s = snapshot_with(Some("0.8.0"), &["0.7.0", "0.8.0"], "0.8.0");
        assert_eq!(plan(&s, Some("0.16.0"), Rules::get()).unwrap().kind, PathKind::Downgrade);
    }

    #[test]
    fn connector_statements_follow_the_path() {
        let rules = Rules::get();
        let s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.8.0");
        assert_eq!(
            plan(&s, None, rules).unwrap().connector_statements(),
            ["ALTER EXTENSION promscale UPDATE TO '0.8.0'"]
        );
        assert!(plan(&s, Some("0.16.0"), rules).unwrap().connector_statements().is_empty());

        let mut legacy = snapshot_with(Some("0.3.2"), &["0.0.0", "0.3.2", "0.5.4"], "0.5.4");
        legacy.legacy_schema = Some("public".into());
        assert_eq!(
            plan(&legacy, None, rules).unwrap().connector_statements(),
            [
                "DROP EXTENSION IF EXISTS promscale",
                "CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'",
                "ALTER EXTENSION promscale UPDATE TO '0.5.4'"
            ]
        );
        legacy.promscale.installed = None;
        assert_eq!(plan(&legacy, None, rules).unwrap().connector_statements().len(), 2);

        let fresh = snapshot_with(None, &["0.8.0"], "0.8.0");
        assert_eq!(
            plan(&fresh, None, rules).unwrap().connector_statements(),
            ["CREATE EXTENSION IF NOT EXISTS promscale VERSION '0.8.0'"]
        );
    }

    #[test]
    fn bad_targets_are_rejected() {
        let s = snapshot_with(None, &[], "0.8.0");
        assert_eq!(plan(&s, Some("zero"), Rules::get()).unwrap_err(), TargetError::Malformed("zero".into()));
        assert_eq!(plan(&s, Some("0.9.0"), Rules::get()).unwrap_err(), TargetError::Unknown("0.9.0".into()));
    }

    #[test]
    fn a_long_target_is_quoted_in_part() {
        let long = "9".repeat(100_000);
        let message = TargetError::Malformed(long).message();
        assert_eq!(message, format!("invalid Promscale release \"{}...\"", "9".repeat(64)));
        // Cut on a character boundary, whatever the encoding.
        let message = TargetError::Unknown("é".repeat(70)).message();
        assert_eq!(message, format!("unknown Promscale release \"{}...\"", "é".repeat(64)));
        assert_eq!(TargetError::Unknown("0.99.0".into()).message(), "unknown Promscale release \"0.99.0\"");
    }
}
