//! The promscale extension: the target version is on disk, reachable from
//! what is installed, and not a withdrawn release.

use super::{list_some, Check, CheckName};
use crate::plan::{Installed, PathKind, Plan};
use crate::rules::Rules;
use crate::snapshot::Snapshot;
use crate::version::{postgres_major, ExtVersion};

fn available_text(s: &Snapshot) -> String {
    let mut versions: Vec<ExtVersion> = s.promscale.available.iter().filter_map(|v| ExtVersion::parse(v)).collect();
    versions.sort();
    if versions.is_empty() {
        "none".to_string()
    } else {
        versions.iter().map(|v| v.text.as_str()).collect::<Vec<_>>().join(", ")
    }
}

pub fn extension_available(s: &Snapshot, plan: &Plan) -> Check {
    const NAME: CheckName = CheckName::ExtensionAvailable;
    let release = plan.target_release;
    let range = &release.extension.range;
    let default = s.promscale.default_version.as_deref().unwrap_or("none");
    if let Some(target) = &plan.target_extension {
        return Check::ok(
            NAME,
            format!(
                "The connector of Promscale {} will install promscale extension {target} (default_version {default}).",
                release.version
            ),
        );
    }
    let pg = postgres_major(s.server_version_num);
    let in_range_above_default: Vec<String> = s
        .promscale
        .available
        .iter()
        .filter_map(|v| ExtVersion::parse(v))
        .filter(|v| range.contains(v) && !v.is_prerelease())
        .map(|v| v.text)
        .collect();
    let why = if in_range_above_default.is_empty() {
        String::new()
    } else {
        format!(
            " Version {} is on disk but above default_version {default}, so the connector will not pick it.",
            in_range_above_default.join(", ")
        )
    };
    Check::fail(
        NAME,
        format!(
            "No promscale extension version for Promscale {} ({range}) is available; available versions: {} (default_version {default}).{why}",
            release.version,
            available_text(s)
        ),
        format!(
            "Install the promscale extension package for PostgreSQL {pg} that provides version {} (its control file must make it the default_version), then run this check again.",
            range.min
        ),
    )
}

pub fn update_path(s: &Snapshot, plan: &Plan) -> Check {
    const NAME: CheckName = CheckName::UpdatePath;
    let paths_from = |from: &str| -> Vec<String> {
        s.promscale_update_paths.iter().filter(|p| p.source == from).map(|p| p.target.clone()).collect()
    };
    let target = plan.target_extension.as_ref();
    match (plan.kind, &plan.installed, target) {
        (PathKind::NoTarget, _, _) | (_, _, None) => Check::warning(
            NAME,
            "The update path cannot be checked until a target version is available (see extension_available).",
            "Make the target promscale extension version available first.",
        ),
        (PathKind::Fresh, _, Some(t)) => Check::ok(
            NAME,
            format!("Promscale is not installed in this database; the connector will run CREATE EXTENSION promscale VERSION '{t}'."),
        ),
        (PathKind::UpToDate, _, Some(t)) => Check::ok(NAME, format!("promscale {t} is installed; there is nothing to update.")),
        (PathKind::Downgrade, Installed::Extension(v), Some(t)) => {
            let newer = Rules::get().newest_release_for_extension(v).map(|r| r.version.text.clone());
            Check::fail(
                NAME,
                format!("promscale {v} is installed, which is newer than {t} used by Promscale {}; extensions cannot be downgraded.", plan.target_release.version),
                match newer {
                    Some(r) => format!("Run a Promscale Connector release that supports promscale {v}, such as {r}."),
                    None => format!("Run a Promscale Connector release that supports promscale {v}."),
                },
            )
        }
        (PathKind::Takeover, Installed::Legacy { schema, old_extension }, Some(t)) => {
            let where_ = match schema {
                Some(sch) => format!("prom_schema_migrations in schema {sch}"),
                None => "the old promscale extension without a connector schema".to_string(),
            };
            let drop = match old_extension {
                Some(old) if old.semver < semver::Version::new(0, 5, 0) => {
                    format!(" The old promscale extension {old} is dropped first (DROP EXTENSION IF EXISTS promscale).")
                }
                _ => String::new(),
            };
            match s.has_update_path("0.0.0", &t.text) {
                Some(p) if s.promscale.available.iter().any(|v| v == "0.0.0") => Check::ok(
                    NAME,
                    format!(
                        "A pre-0.11 Promscale schema ({where_}) will be taken over: CREATE EXTENSION promscale VERSION '0.0.0', then ALTER EXTENSION promscale UPDATE TO '{t}' (path {}).{drop}",
                        p.path
                    ),
                ),
                _ => Check::fail(
                    NAME,
                    format!(
                        "A pre-0.11 Promscale schema ({where_}) must be taken over through version 0.0.0, but there is no path from 0.0.0 to {t}; available versions: {}.",
                        available_text(s)
                    ),
                    format!("Install the complete promscale extension package for version {t}, which ships the takeover script promscale--0.0.0.sql and the update path from 0.0.0."),
                ),
            }
        }
        (PathKind::Update, Installed::Extension(v), Some(t)) => match s.has_update_path(&v.text, &t.text) {
            Some(p) => Check::ok(
                NAME,
                format!("ALTER EXTENSION promscale UPDATE TO '{t}' has a path from {v}: {}.", p.path),
            ),
            None => {
                let reachable = paths_from(&v.text);
                let detail = format!("There is no update path from the installed promscale {v} to {t}.");
                let hint = if reachable.is_empty() {
                    format!("Install a promscale extension package that ships an update path from {v} to {t}; SELECT * FROM pg_extension_update_paths('promscale') WHERE source = '{v}' shows what is on disk.")
                } else {
                    format!(
                        "From {v} the versions on disk reach only {}; update through one of them with a connector release that supports it, or install a package with a path from {v} to {t}.",
                        list_some(&reachable, 8)
                    )
                };
                Check::fail(NAME, detail, hint)
            }
        },
        (kind, installed, Some(t)) => Check::warning(
            NAME,
            format!("The update path to {t} could not be classified ({kind:?}, {installed:?})."),
            format!("Report this to the promscale_upgrade_guard maintainers with the output of {}().", crate::quote::guard_call("promscale_upgrade_checks")),
        ),
    }
}

pub fn withdrawn_version(s: &Snapshot, plan: &Plan, rules: &Rules) -> Check {
    const NAME: CheckName = CheckName::WithdrawnVersion;
    if let Some(t) = &plan.target_extension {
        if let Some(w) = rules.withdrawn(t) {
            return Check::fail(
                NAME,
                format!("The connector would install promscale {t}, which was withdrawn: {}.", w.reason),
                format!("Install a promscale extension package with a newer version than {t} (0.5.4 or later) before the upgrade."),
            );
        }
    }
    if let Installed::Extension(v) = &plan.installed {
        if let Some(w) = rules.withdrawn(v) {
            let reachable: Vec<String> =
                s.promscale_update_paths.iter().filter(|p| p.source == v.text).map(|p| p.target.clone()).collect();
            return Check::warning(
                NAME,
                format!("The installed promscale {v} was withdrawn: {}.", w.reason),
                if reachable.is_empty() {
                    format!("No update path from {v} is on disk; install a promscale extension package that ships one.")
                } else {
                    format!("Update to a version with a path from {v}: {}.", list_some(&reachable, 8))
                },
            );
        }
    }
    Check::ok(NAME, "Neither the installed nor the target promscale version is a withdrawn release.")
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::run_named;
    use crate::checks::Status;
    use crate::plan::tests::snapshot_with;
    use crate::snapshot::UpdatePath;

    fn path(source: &str, target: &str) -> UpdatePath {
        UpdatePath { source: source.into(), target: target.into(), path: format!("{source}--{target}") }
    }

    #[test]
    fn available_target_is_ok_and_missing_target_fails() {
        let s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.8.0");
        assert_eq!(run_named(&s, Some("0.17.0"), "extension_available").status, Status::Ok);
        let s = snapshot_with(Some("0.7.0"), &["0.7.0"], "0.7.0");
        let c = run_named(&s, Some("0.17.0"), "extension_available");
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.contains("available versions: 0.7.0"), "{}", c.detail);
    }

    #[test]
    fn version_above_default_is_explained() {
        let s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.7.0");
        let c = run_named(&s, Some("0.17.0"), "extension_available");
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.contains("above default_version 0.7.0"), "{}", c.detail);
    }

    #[test]
    fn update_needs_a_path() {
        let mut s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.8.0");
        assert_eq!(run_named(&s, None, "update_path").status, Status::Fail);
        s.promscale_update_paths.push(path("0.7.0", "0.8.0"));
        let c = run_named(&s, None, "update_path");
        assert_eq!(c.status, Status::Ok, "{c:?}");
        assert!(c.detail.contains("0.7.0--0.8.0"));
    }

    #[test]
    fn takeover_needs_0_0_0_and_its_path() {
        let mut s = snapshot_with(None, &["0.5.4"], "0.5.4");
        s.legacy_schema = Some("public".into());
        assert_eq!(run_named(&s, None, "update_path").status, Status::Fail);
        s.promscale.available.push("0.0.0".into());
        s.promscale_update_paths.push(path("0.0.0", "0.5.4"));
        let c = run_named(&s, None, "update_path");
        assert_eq!(c.status, Status::Ok, "{c:?}");
        assert!(c.detail.contains("taken over"));
    }

    #[test]
    fn withdrawn_0_5_3_installed_without_path_to_0_5_4() {
        let mut s = snapshot_with(Some("0.5.3"), &["0.5.3", "0.5.4", "0.6.0"], "0.5.4");
        s.promscale_update_paths.push(path("0.5.3", "0.6.0"));
        let c = run_named(&s, Some("0.13.0"), "update_path");
        assert_eq!(c.status, Status::Fail);
        assert!(c.hint.unwrap().contains("reach only 0.6.0"));
        assert_eq!(run_named(&s, Some("0.13.0"), "withdrawn_version").status, Status::Warning);
    }

    #[test]
    fn withdrawn_target_fails() {
        let s = snapshot_with(Some("0.5.2"), &["0.5.2", "0.5.3"], "0.5.3");
        let c = run_named(&s, Some("0.12.0"), "withdrawn_version");
        assert_eq!(c.status, Status::Fail, "{c:?}");
    }

    #[test]
    fn downgrade_fails() {
        let s = snapshot_with(Some("0.8.0"), &["0.7.0", "0.8.0"], "0.8.0");
        let c = run_named(&s, Some("0.16.0"), "update_path");
        assert_eq!(c.status, Status::Fail);
        assert!(c.hint.unwrap().contains("0.17.0"));
    }
}
