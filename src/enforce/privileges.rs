//! Would PostgreSQL itself let this role run the command? The trigger fires
//! before PostgreSQL's own permission checks, so without this rule a role
//! that could never update promscale would get the guard's refusal instead
//! of "must be owner of extension promscale", be counted as a refused
//! manual update and set off the alert. The guard acts only on commands
//! PostgreSQL would let through; everything else passes untouched, and
//! PostgreSQL refuses it with its own error. Pure (unit-tested).
//!
//! PostgreSQL's rules (`extension.c`): `ALTER EXTENSION ... UPDATE` needs
//! ownership of the extension (`pg_extension_ownercheck`: the owner, a
//! member that inherits its privileges, or a superuser); running a script
//! of an extension marked `superuser` (the default) needs a superuser,
//! unless the extension is `trusted` and the role has CREATE on the
//! database (`extension_is_trusted`).

use super::command::Command;
use crate::snapshot::extension_files::ControlFlags;

/// The current role's standing, read in the catalog by the trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Privileges {
    pub superuser: bool,
    /// Has the privileges of the promscale extension's owner (false when
    /// promscale is not installed).
    pub owns_promscale: bool,
    /// CREATE on the current database.
    pub create_on_database: bool,
}

impl Privileges {
    pub const SUPERUSER: Privileges = Privileges { superuser: true, owns_promscale: true, create_on_database: true };
}

/// Whether PostgreSQL's own checks would let `command` run its scripts.
pub fn postgres_would_allow(command: &Command, p: Privileges, control: ControlFlags) -> bool {
    let may_run_scripts = p.superuser || !control.superuser || (control.trusted && p.create_on_database);
    match command {
        Command::Update { .. } => (p.superuser || p.owns_promscale) && may_run_scripts,
        Command::Create { .. } => may_run_scripts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Privileges = Privileges { superuser: false, owns_promscale: false, create_on_database: false };
    const TRUSTED: ControlFlags = ControlFlags { superuser: true, trusted: true };

    fn update() -> Command {
        Command::Update { to: Some("0.8.0".into()) }
    }

    fn create() -> Command {
        Command::Create { version: None, schema: None, if_not_exists: false, cascade: false }
    }

    #[test]
    fn superusers_may_do_everything() {
        for command in [update(), create()] {
            assert!(postgres_would_allow(&command, Privileges::SUPERUSER, ControlFlags::default()));
        }
    }

    #[test]
    fn an_update_needs_ownership() {
        assert!(!postgres_would_allow(&update(), PLAIN, TRUSTED));
        let creator = Privileges { create_on_database: true, ..PLAIN };
        assert!(!postgres_would_allow(&update(), creator, TRUSTED), "CREATE on the database is not ownership");
        let owner = Privileges { owns_promscale: true, create_on_database: true, ..PLAIN };
        assert!(postgres_would_allow(&update(), owner, TRUSTED));
    }

    #[test]
    fn a_superuser_only_extension_needs_trust_and_create_on_the_database() {
        let owner = Privileges { owns_promscale: true, ..PLAIN };
        assert!(!postgres_would_allow(&update(), owner, TRUSTED), "trusted, but no CREATE on the database");
        assert!(!postgres_would_allow(
            &update(),
            Privileges { create_on_database: true, ..owner },
            ControlFlags::default()
        ));
        assert!(!postgres_would_allow(&create(), PLAIN, TRUSTED));
        assert!(postgres_would_allow(&create(), Privileges { create_on_database: true, ..PLAIN }, TRUSTED));
        let unrestricted = ControlFlags { superuser: false, trusted: false };
        assert!(postgres_would_allow(&create(), PLAIN, unrestricted));
    }
}
