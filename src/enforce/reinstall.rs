//! The promscale version this session dropped, so that `DROP EXTENSION
//! promscale` followed by `CREATE EXTENSION promscale VERSION '<another>'`
//! is judged as the update it is, in one transaction or in two (a
//! `pg_restore --clean` runs each statement in a transaction of its own).
//! A drop counts once its transaction commits; a drop in a subtransaction
//! or transaction that rolls back never happened. Pure bookkeeping fed by
//! the trigger and the transaction callbacks.

use super::pending::SubXactId;

#[derive(Debug, Default)]
pub struct DroppedVersion {
    /// The version dropped by a committed transaction of this session.
    committed: Option<String>,
    /// Drops of the current transaction, by subtransaction, in order.
    pending: Vec<(SubXactId, String)>,
}

impl DroppedVersion {
    pub fn dropped(&mut self, subxact: SubXactId, version: String) {
        self.pending.push((subxact, version));
    }

    /// The version most recently dropped, in this transaction or before.
    pub fn last(&self) -> Option<&str> {
        self.pending.last().map(|(_, v)| v.as_str()).or(self.committed.as_deref())
    }

    pub fn subxact_committed(&mut self, subxact: SubXactId, parent: SubXactId) {
        for entry in self.pending.iter_mut().filter(|(s, _)| *s == subxact) {
            entry.0 = parent;
        }
    }

    pub fn subxact_aborted(&mut self, subxact: SubXactId) {
        self.pending.retain(|(s, _)| *s != subxact);
    }

    pub fn committed(&mut self) {
        if let Some((_, v)) = self.pending.pop() {
            self.committed = Some(v);
        }
        self.pending.clear();
    }

    pub fn aborted(&mut self) {
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_drop_is_remembered_for_the_session() {
        let mut d = DroppedVersion::default();
        assert_eq!(d.last(), None);
        d.dropped(1, "0.7.0".into());
        assert_eq!(d.last(), Some("0.7.0"), "seen within its own transaction");
        d.committed();
        assert_eq!(d.last(), Some("0.7.0"), "and in the next one");
        d.dropped(1, "0.8.0".into());
        d.aborted();
        assert_eq!(d.last(), Some("0.7.0"), "a rolled-back drop never happened");
    }

    #[test]
    fn drops_in_rolled_back_subtransactions_are_forgotten() {
        let mut d = DroppedVersion::default();
        d.dropped(2, "0.7.0".into());
        d.dropped(3, "0.8.0".into());
        d.subxact_committed(3, 2);
        d.subxact_aborted(2);
        assert_eq!(d.last(), None);
        d.committed();
        assert_eq!(d.last(), None);
    }
}
