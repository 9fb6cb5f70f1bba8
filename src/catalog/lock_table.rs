//! The lock table's size as the running server has it: the three numbers
//! PostgreSQL sizes it by (lock.c, 13..18), read from its own globals by
//! the snapshot; `locks::capacity` does the arithmetic with them.

/// The most lock-table entries any measurement of the guard can report,
/// whatever the server's settings: a count that comes from `pg_locks`
/// (`held_locks.sql`, `end_state.sql`, the rehearsal's count) is at most the
/// rows `GetLockStatusData()` (lock.c, 13..18) returns, and it collects them
/// into one array it `repalloc`s, which refuses more than `MaxAllocSize`
/// (1 GiB - 1) bytes; one `LockInstanceData` holds at least a 16-byte
/// `LOCKTAG` and six 4-byte fields (hold mask, wait mode, backend, lxid,
/// pid, leader pid), 40 bytes. So no server ever measured more than
/// (2^30 - 1) / 40 entries held: a record claiming more was not measured,
/// and the learned estimate never rises above it. (The table's own size,
/// `max_locks_per_transaction` up to 2^31 - 1 times up to 2 x 2^18 slots, is
/// no bound worth the name: 10^15.)
pub const MAX_LOCK_ENTRIES: i64 = ((1 << 30) - 1) / 40;

/// The most relations a database holds: `pg_class.oid` is a 32-bit OID,
/// unique within `pg_class`.
pub const MAX_RELATIONS: i64 = (1 << 32) - 1;

/// The inputs of the lock table size, as the running server has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(default)]
pub struct LockTableSize {
    pub max_backends: i64,
    pub max_locks_per_transaction: i64,
    pub max_prepared_transactions: i64,
}

impl LockTableSize {
    /// Backend slots that each get `max_locks_per_transaction` entries.
    pub fn slots(&self) -> i64 {
        self.max_backends.saturating_add(self.max_prepared_transactions)
    }

    /// NLOCKENTS: the nominal number of lock-table entries.
    pub fn nominal_entries(&self) -> i64 {
        self.max_locks_per_transaction.saturating_mul(self.slots())
    }

    /// How the capacity was computed, for people.
    pub fn explain(&self) -> String {
        format!(
            "max_locks_per_transaction {} x (MaxBackends {} + max_prepared_transactions {}) = {} entries",
            self.max_locks_per_transaction,
            self.max_backends,
            self.max_prepared_transactions,
            self.nominal_entries()
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// PostgreSQL 15 defaults: max_connections 100, autovacuum_max_workers 3,
    /// max_worker_processes 8, max_wal_senders 10: MaxBackends 122.
    pub(crate) fn pg15_defaults() -> LockTableSize {
        LockTableSize { max_backends: 122, max_locks_per_transaction: 64, max_prepared_transactions: 0 }
    }

    #[test]
    fn default_table_has_7808_entries() {
        assert_eq!(pg15_defaults().nominal_entries(), 7808);
        assert!(pg15_defaults().explain().ends_with("= 7808 entries"));
    }

    #[test]
    fn the_measurable_maximum_is_what_pg_locks_can_return() {
        assert_eq!(MAX_LOCK_ENTRIES, 26_843_545);
        const { assert!(MAX_LOCK_ENTRIES < 1_000_000_000_000, "a claimed 10^12 entries is out of bounds") };
        let huge =
            LockTableSize { max_backends: i64::MAX, max_locks_per_transaction: i64::MAX, max_prepared_transactions: 1 };
        assert_eq!(huge.nominal_entries(), i64::MAX, "saturates, never wraps");
    }

    #[test]
    fn prepared_transactions_get_slots_too() {
        let size = LockTableSize { max_prepared_transactions: 10, ..pg15_defaults() };
        assert_eq!(size.nominal_entries(), 64 * 132);
    }
}
