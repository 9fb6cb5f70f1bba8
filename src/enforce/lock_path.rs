//! Which lock path an extension command about to run takes: the
//! enforcement layer chooses it from the command and the rule's verdict,
//! then asks `locks` for the estimate of that path.

use super::command::Command;
use crate::locks::estimate::LockPath;
use crate::plan::UpgradeKind;
use crate::version::ExtVersion;

/// The path an extension command about to run takes (the event
/// trigger's estimate; `kind` is what the rule found it does). A
/// takeover is estimated as a whole at its first command (CREATE
/// 0.0.0): the update scripts from 0.0.0 do most of its work, whether
/// they run in the same transaction (0.15+) or the next one (0.11-0.14),
/// so an update from 0.0.0 is a takeover too. A CREATE of 0.0.0 names no
/// target: `planned_target` gives the one the readiness plan would pick.
/// None when there is nothing to estimate.
pub fn lock_path_for(
    command: &Command,
    kind: UpgradeKind,
    installed: Option<&str>,
    default_version: Option<&str>,
    planned_target: impl FnOnce() -> Option<ExtVersion>,
) -> Option<LockPath> {
    match command {
        Command::Create { version, .. } => {
            let asked = version.as_deref().or(default_version);
            if kind == UpgradeKind::Install {
                return Some(LockPath::Fresh { target: asked.and_then(ExtVersion::parse) });
            }
            let target = asked.filter(|v| *v != "0.0.0").and_then(ExtVersion::parse).or_else(planned_target);
            Some(LockPath::Takeover { target })
        }
        Command::Update { to } => {
            let target = to.as_deref().or(default_version).and_then(ExtVersion::parse);
            match installed? {
                "0.0.0" => Some(LockPath::Takeover { target }),
                from => Some(LockPath::Update { from: ExtVersion::parse(from)?, target }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Option<ExtVersion> {
        ExtVersion::parse(text)
    }

    fn create(version: Option<&str>) -> Command {
        Command::Create { version: version.map(str::to_string), schema: None, if_not_exists: false, cascade: false }
    }

    fn update(to: Option<&str>) -> Command {
        Command::Update { to: to.map(str::to_string) }
    }

    #[test]
    fn a_fresh_install_targets_the_asked_or_default_version() {
        let path = lock_path_for(&create(None), UpgradeKind::Install, None, Some("0.8.0"), || None);
        assert_eq!(path, Some(LockPath::Fresh { target: v("0.8.0") }));
        let path = lock_path_for(&create(Some("0.7.0")), UpgradeKind::Install, None, Some("0.8.0"), || None);
        assert_eq!(path, Some(LockPath::Fresh { target: v("0.7.0") }));
    }

    #[test]
    fn a_takeover_of_0_0_0_targets_what_the_plan_picks() {
        let path = lock_path_for(&create(Some("0.0.0")), UpgradeKind::Takeover, None, Some("0.8.0"), || v("0.7.0"));
        assert_eq!(path, Some(LockPath::Takeover { target: v("0.7.0") }));
        let path = lock_path_for(&create(None), UpgradeKind::Takeover, None, Some("0.8.0"), || v("0.7.0"));
        assert_eq!(path, Some(LockPath::Takeover { target: v("0.8.0") }), "the default version is asked for");
    }

    #[test]
    fn an_update_from_0_0_0_is_the_rest_of_a_takeover() {
        let path = lock_path_for(&update(None), UpgradeKind::Update, Some("0.0.0"), Some("0.8.0"), || None);
        assert_eq!(path, Some(LockPath::Takeover { target: v("0.8.0") }));
    }

    #[test]
    fn an_update_runs_from_the_installed_version() {
        let path = lock_path_for(&update(Some("0.8.0")), UpgradeKind::Update, Some("0.7.0"), Some("0.7.0"), || None);
        assert_eq!(path, Some(LockPath::Update { from: v("0.7.0").unwrap(), target: v("0.8.0") }));
    }

    #[test]
    fn nothing_to_estimate_without_an_installed_version() {
        assert_eq!(lock_path_for(&update(None), UpgradeKind::Update, None, Some("0.8.0"), || None), None);
        assert_eq!(lock_path_for(&update(None), UpgradeKind::Update, Some("not a version"), None, || None), None);
    }
}
