//! TimescaleDB: installed, and in the range the target release supports.
//!
//! The connector updates TimescaleDB itself before it updates Promscale when
//! a suitable version is available, so a too-old install with a newer version
//! on disk is a warning (do it yourself, at a time you choose); with nothing
//! suitable on disk it is a failure.

use super::{Check, CheckName};
use crate::plan::Plan;
use crate::snapshot::Snapshot;
use crate::version::{postgres_major, ExtVersion};

const NAME: CheckName = CheckName::TimescaledbVersion;

pub fn timescaledb_version(s: &Snapshot, plan: &Plan) -> Check {
    let release = plan.target_release;
    let rule = &release.timescaledb;
    let pg = postgres_major(s.server_version_num);
    let package_hint = format!(
        "Install a TimescaleDB package for PostgreSQL {pg} with a version {} (for example timescaledb-2-postgresql-{pg})",
        rule.range
    );
    // Newest version on disk that the rule accepts.
    let best_available = s
        .timescaledb
        .available
        .iter()
        .filter_map(|v| ExtVersion::parse(v))
        .filter(|v| !v.is_prerelease() && rule.range.contains(v))
        .max();
    let needs = format!("Promscale {} needs TimescaleDB {}", release.version, rule.range);

    let installed = match s.timescaledb.installed.as_deref() {
        None => {
            let create = match &best_available {
                Some(v) => format!("Run CREATE EXTENSION timescaledb VERSION '{v}'; in this database."),
                None => format!("{package_hint}, then run CREATE EXTENSION timescaledb; in this database."),
            };
            return if rule.mandatory {
                Check::fail(
                    NAME,
                    format!("TimescaleDB is not installed in this database; {needs} and requires it."),
                    create,
                )
            } else {
                Check::warning(
                    NAME,
                    format!("TimescaleDB is not installed in this database; it is optional for Promscale {} but mandatory from 0.15.0.", release.version),
                    create,
                )
            };
        }
        Some(text) => text,
    };
    let Some(version) = ExtVersion::parse(installed) else {
        return Check::fail(
            NAME,
            format!("TimescaleDB reports the unrecognized version \"{installed}\"; {needs}."),
            format!("{package_hint}."),
        );
    };
    if version >= rule.range.below {
        return Check::fail(
            NAME,
            format!("TimescaleDB {version} is newer than Promscale {} supports ({}).", release.version, rule.range),
            format!(
                "Choose a Promscale release that supports this TimescaleDB version (SELECT * FROM {}()).",
                crate::quote::guard_call("promscale_upgrade_requirements")
            ),
        );
    }
    if !rule.range.contains(&version) {
        return match best_available {
            Some(avail) => Check::warning(
                NAME,
                format!("TimescaleDB {version} is installed; {needs}. Version {avail} is available, and the connector will update TimescaleDB to it before it updates Promscale."),
                format!("Update TimescaleDB yourself before the upgrade: in a new session, as its first command (psql -X), run ALTER EXTENSION timescaledb UPDATE TO '{avail}';"),
            ),
            None => Check::fail(
                NAME,
                format!("TimescaleDB {version} is installed; {needs}, and no such version is available."),
                format!("{package_hint}, then in a new session run ALTER EXTENSION timescaledb UPDATE; as its first command (psql -X)."),
            ),
        };
    }
    if let Some(recommended) = rule.recommended_min.as_ref().filter(|r| version < **r) {
        return Check::warning(
            NAME,
            format!("TimescaleDB {version} is accepted by Promscale {}, but its release notes ask for {recommended} or later.", release.version),
            format!("{package_hint} at {recommended} or later, then in a new session run ALTER EXTENSION timescaledb UPDATE; as its first command (psql -X)."),
        );
    }
    Check::ok(
        NAME,
        format!("TimescaleDB {version} is installed; Promscale {} supports {}.", release.version, rule.range),
    )
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::run_named;
    use crate::checks::Status;
    use crate::plan::tests::snapshot_with;
    use crate::snapshot::{ExtensionState, Snapshot};

    fn with_tsdb(installed: Option<&str>, available: &[&str]) -> Snapshot {
        let mut s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.8.0");
        s.timescaledb = ExtensionState {
            installed: installed.map(str::to_string),
            available: available.iter().map(|v| v.to_string()).collect(),
            default_version: available.last().map(|v| v.to_string()),
        };
        s
    }

    fn status(s: &Snapshot, target: &str) -> Status {
        run_named(s, Some(target), "timescaledb_version").status
    }

    #[test]
    fn missing_is_fatal_only_where_mandatory() {
        let s = with_tsdb(None, &["2.9.3"]);
        assert_eq!(status(&s, "0.17.0"), Status::Fail);
        assert_eq!(status(&s, "0.13.0"), Status::Warning);
        let c = run_named(&s, Some("0.17.0"), "timescaledb_version");
        assert!(c.hint.unwrap().contains("CREATE EXTENSION timescaledb VERSION '2.9.3'"));
    }

    #[test]
    fn too_old_warns_when_a_newer_version_is_on_disk() {
        assert_eq!(status(&with_tsdb(Some("2.5.0"), &["2.5.0", "2.9.3"]), "0.17.0"), Status::Warning);
        assert_eq!(status(&with_tsdb(Some("2.5.0"), &["2.5.0", "2.6.0"]), "0.17.0"), Status::Fail);
    }

    #[test]
    fn release_note_minimum_warns() {
        assert_eq!(status(&with_tsdb(Some("2.6.1"), &["2.6.1"]), "0.17.0"), Status::Warning);
        assert_eq!(status(&with_tsdb(Some("2.6.1"), &["2.6.1"]), "0.13.0"), Status::Ok);
        assert_eq!(status(&with_tsdb(Some("2.9.3"), &["2.9.3"]), "0.17.0"), Status::Ok);
    }

    #[test]
    fn too_new_fails() {
        assert_eq!(status(&with_tsdb(Some("3.0.0"), &["3.0.0"]), "0.17.0"), Status::Fail);
    }
}
