//! Checks on the server itself: its role, its version, its lock settings.

use super::{Check, CheckName};
use crate::plan::Plan;
use crate::snapshot::Snapshot;
use crate::version::postgres_major;

pub fn server_role(s: &Snapshot) -> Check {
    const NAME: CheckName = CheckName::ServerRole;
    if s.in_recovery {
        Check::fail(
            NAME,
            "This server is a standby in recovery; extensions can only be updated on the primary.",
            "Run the upgrade, and this check, on the primary server.",
        )
    } else {
        Check::ok(NAME, "This server is a primary.")
    }
}

pub fn postgresql_version(s: &Snapshot, plan: &Plan) -> Check {
    const NAME: CheckName = CheckName::PostgresqlVersion;
    let major = postgres_major(s.server_version_num);
    let release = plan.target_release;
    let range = release.postgresql;
    if range.contains(major) {
        Check::ok(
            NAME,
            format!(
                "PostgreSQL {major} is supported by Promscale {} (PostgreSQL {} to {}).",
                release.version, range.min_major, range.max_major
            ),
        )
    } else {
        Check::fail(
            NAME,
            format!(
                "PostgreSQL {major} is not supported by Promscale {}, which supports PostgreSQL {} to {}.",
                release.version, range.min_major, range.max_major
            ),
            format!("Choose a Promscale release that supports this PostgreSQL version (SELECT * FROM {}()), or move to a supported PostgreSQL major version first.", crate::quote::guard_call("promscale_upgrade_requirements")),
        )
    }
}

pub fn max_locks_pending_restart(s: &Snapshot) -> Check {
    const NAME: CheckName = CheckName::MaxLocksPendingRestart;
    let m = &s.max_locks;
    if m.pending_restart {
        let configured = m.configured.as_deref().unwrap_or("a new value");
        Check::warning(
            NAME,
            format!(
                "max_locks_per_transaction is {} in the running server but {configured} in the configuration files; the new value takes effect only after a restart.",
                m.current
            ),
            "Restart PostgreSQL before the upgrade, for example: pg_ctl restart -D <data directory>.",
        )
    } else {
        Check::ok(NAME, format!("max_locks_per_transaction is {} and no change is waiting for a restart.", m.current))
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::run_named;
    use crate::checks::Status;
    use crate::plan::tests::snapshot_with;

    #[test]
    fn standby_fails() {
        let mut s = snapshot_with(Some("0.7.0"), &["0.8.0"], "0.8.0");
        assert_eq!(run_named(&s, None, "server_role").status, Status::Ok);
        s.in_recovery = true;
        assert_eq!(run_named(&s, None, "server_role").status, Status::Fail);
    }

    #[test]
    fn postgres_15_needs_0_17() {
        let mut s = snapshot_with(Some("0.7.0"), &["0.7.0", "0.8.0"], "0.8.0");
        s.server_version_num = 150020;
        assert_eq!(run_named(&s, Some("0.17.0"), "postgresql_version").status, Status::Ok);
        let c = run_named(&s, Some("0.16.0"), "postgresql_version");
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.contains("PostgreSQL 15 is not supported by Promscale 0.16.0"), "{}", c.detail);
        s.server_version_num = 110000;
        assert_eq!(run_named(&s, Some("0.17.0"), "postgresql_version").status, Status::Fail);
    }

    #[test]
    fn pending_max_locks_warns_with_both_values() {
        let mut s = snapshot_with(Some("0.7.0"), &["0.8.0"], "0.8.0");
        s.max_locks.current = 64;
        assert_eq!(run_named(&s, None, "max_locks_pending_restart").status, Status::Ok);
        s.max_locks.pending_restart = true;
        s.max_locks.configured = Some("1024".into());
        let c = run_named(&s, None, "max_locks_pending_restart");
        assert_eq!(c.status, Status::Warning);
        assert!(c.detail.contains("64 in the running server but 1024"), "{}", c.detail);
    }
}
