//! The shared lock table: how big it is, how much of it is free, and what
//! `max_locks_per_transaction` an upgrade needs.
//!
//! PostgreSQL sizes the table as `max_locks_per_transaction * (MaxBackends +
//! max_prepared_transactions)` entries (lock.c, 13..18), one entry per
//! distinct locked object. The guard reads the three numbers from the
//! server's own globals, so the per-version `MaxBackends` formula never has
//! to be rebuilt here.

use crate::catalog::lock_table::LockTableSize;

/// The verdict on whether the upgrade's locks fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Fits with at least the safety margin to spare.
    Comfortable,
    /// Fits, but with less than the safety margin to spare.
    Thin,
    /// Does not fit the nominal table minus what others hold.
    DoesNotFit,
}

impl Fit {
    pub fn as_str(self) -> &'static str {
        match self {
            Fit::Comfortable => "comfortable",
            Fit::Thin => "thin",
            Fit::DoesNotFit => "does_not_fit",
        }
    }
}

/// Lock-table arithmetic for one upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    pub size: LockTableSize,
    /// Entries other sessions hold now (distinct objects, shared table only).
    pub in_use: i64,
    /// Extra headroom asked for, in percent of the locks needed.
    pub margin_percent: i64,
}

impl Capacity {
    /// The lock table as the snapshot found it, with the configured margin.
    pub fn of(snapshot: &crate::snapshot::Snapshot) -> Capacity {
        Capacity {
            size: snapshot.lock_table,
            in_use: snapshot.locks_in_use,
            margin_percent: snapshot.lock_margin_percent,
        }
    }

    /// Entries left for the upgrade's transaction.
    pub fn available(&self) -> i64 {
        self.size.nominal_entries().saturating_sub(self.in_use).max(0)
    }

    /// `needed` plus the safety margin, rounded up.
    pub fn with_margin(&self, needed: i64) -> i64 {
        needed.saturating_add(div_ceil(needed.saturating_mul(self.margin_percent.max(0)), 100))
    }

    pub fn fit(&self, needed: i64) -> Fit {
        if needed > self.available() {
            Fit::DoesNotFit
        } else if self.with_margin(needed) > self.available() {
            Fit::Thin
        } else {
            Fit::Comfortable
        }
    }

    /// The smallest `max_locks_per_transaction` whose table holds the
    /// upgrade's locks plus the margin plus what others hold now; never
    /// below the current setting (the recommendation is for the upgrade, it
    /// must not shrink what the workload already uses), and never above
    /// `MAX_LOCKS_PER_TRANSACTION`, the most `ALTER SYSTEM` accepts, so that
    /// the number shown as an int and in the statement are the same.
    pub fn recommended_max_locks(&self, needed: i64) -> i64 {
        let slots = self.size.slots().max(1);
        let required = div_ceil(self.with_margin(needed).saturating_add(self.in_use), slots);
        required.max(self.size.max_locks_per_transaction).clamp(0, MAX_LOCKS_PER_TRANSACTION)
    }
}

/// The largest `max_locks_per_transaction` PostgreSQL accepts (its GUC's
/// maximum, INT_MAX).
pub const MAX_LOCKS_PER_TRANSACTION: i64 = i32::MAX as i64;

/// `a / b` rounded up, for `b > 0`; saturates instead of wrapping.
fn div_ceil(a: i64, b: i64) -> i64 {
    let b = b.max(1);
    a.div_euclid(b).saturating_add(i64::from(a.rem_euclid(b) != 0))
}

/// The only formula Timescale published (troubleshooting page
/// `backup-upgrade-oom`): `(400 + relations outside pg_catalog, pg_toast*
/// and information_schema) / (max_connections + max_prepared_transactions)`,
/// rounded up. Shown beside the guard's number, for comparison.
pub fn published_formula(relations: i64, max_connections: i64, max_prepared_transactions: i64) -> i64 {
    div_ceil(published_formula_locks(relations), max_connections.saturating_add(max_prepared_transactions).max(1))
}

/// The number of lock-table entries the published formula's setting gives:
/// the formula's implicit estimate of what the upgrade needs.
pub fn published_formula_locks(relations: i64) -> i64 {
    relations.saturating_add(400)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::lock_table::tests::pg15_defaults;

    #[test]
    fn fit_accounts_for_locks_in_use_and_margin() {
        let c = Capacity { size: pg15_defaults(), in_use: 800, margin_percent: 20 };
        assert_eq!(c.available(), 7008);
        assert_eq!(c.fit(5000), Fit::Comfortable); // 6000 with margin
        assert_eq!(c.fit(6000), Fit::Thin); // 7200 with margin
        assert_eq!(c.fit(7008), Fit::Thin);
        assert_eq!(c.fit(7009), Fit::DoesNotFit);
    }

    #[test]
    fn recommendation_covers_needed_margin_and_in_use() {
        let c = Capacity { size: pg15_defaults(), in_use: 800, margin_percent: 20 };
        // (250_000 * 1.2 + 800) / 122 = 2465.57 -> 2466
        assert_eq!(c.recommended_max_locks(250_000), 2466);
        let m = c.recommended_max_locks(250_000);
        let bigger = LockTableSize { max_locks_per_transaction: m, ..pg15_defaults() };
        let after = Capacity { size: bigger, ..c };
        assert_eq!(after.fit(250_000), Fit::Comfortable);
        let smaller = LockTableSize { max_locks_per_transaction: m - 1, ..pg15_defaults() };
        assert_ne!(Capacity { size: smaller, ..c }.fit(250_000), Fit::Comfortable);
    }

    #[test]
    fn recommendation_never_lowers_the_setting() {
        let c = Capacity { size: pg15_defaults(), in_use: 0, margin_percent: 20 };
        assert_eq!(c.recommended_max_locks(10), 64);
    }

    #[test]
    fn zero_margin_is_exact() {
        let c = Capacity { size: pg15_defaults(), in_use: 0, margin_percent: 0 };
        assert_eq!(c.fit(7808), Fit::Comfortable);
        assert_eq!(c.fit(7809), Fit::DoesNotFit);
    }

    /// A need no lock table can hold (a forged measurement once made one)
    /// gives a recommendation that is a valid setting, the same number as
    /// an int and in the ALTER SYSTEM text; nothing wraps.
    #[test]
    fn an_absurd_need_saturates_at_the_largest_setting() {
        let c = Capacity { size: pg15_defaults(), in_use: i64::MAX, margin_percent: i64::MAX };
        assert_eq!(c.recommended_max_locks(i64::MAX), MAX_LOCKS_PER_TRANSACTION);
        assert_eq!(c.with_margin(i64::MAX), i64::MAX);
        assert_eq!(c.available(), 0);
        assert_eq!(c.fit(i64::MAX), Fit::DoesNotFit);
        assert_eq!(i32::try_from(c.recommended_max_locks(i64::MAX)), Ok(i32::MAX));
        assert_eq!(div_ceil(-7, 2), -3);
        assert_eq!(div_ceil(i64::MAX, 1), i64::MAX);
        assert_eq!(published_formula(i64::MAX, i64::MAX, i64::MAX), 1);
    }

    #[test]
    fn published_formula_matches_the_docs() {
        // 119,628 relations (promscale#312) with max_connections 100.
        assert_eq!(published_formula(119_628, 100, 0), 1201);
        assert_eq!(published_formula_locks(1000), 1400);
    }
}
