//! The lock table's size as the running server has it: the three numbers
//! PostgreSQL sizes it by (lock.c, 13..18), read from its own globals by
//! the snapshot; `locks::capacity` does the arithmetic with them.

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
        self.max_backends + self.max_prepared_transactions
    }

    /// NLOCKENTS: the nominal number of lock-table entries.
    pub fn nominal_entries(&self) -> i64 {
        self.max_locks_per_transaction * self.slots()
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
    fn prepared_transactions_get_slots_too() {
        let size = LockTableSize { max_prepared_transactions: 10, ..pg15_defaults() };
        assert_eq!(size.nominal_entries(), 64 * 132);
    }
}
