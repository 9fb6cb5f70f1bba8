//! Reads one column of a Promscale table straight from its heap, under the
//! transaction's snapshot: no SQL, so no planner and no rewriter.
//!
//! Why: `_prom_catalog.metadata` and `_ps_catalog.migration` may belong to a
//! role that is not a superuser (before 0.11 the connector ran its own
//! migrations as its own role, and an index made then survives the
//! takeover). Planning a query over such a table runs code its owner
//! controls, as whoever calls the guard: index predicates and expressions,
//! CHECK constraints and extended statistics are loaded and their constant
//! parts folded (an IMMUTABLE function runs), policies and rules are added
//! by the rewriter, inheritance children are opened. A heap scan runs none
//! of them: it reads the tuples and the one column, whose type
//! `readable_one` (read.rs) has checked is the built-in one.

use pgrx::pg_sys;

/// Runs `f` on each value (None for NULL) of column `attnum` of the table
/// `relid` visible to the transaction's snapshot. The caller has locked the
/// table and checked that it is a plain table with that column of a
/// built-in type.
pub(super) fn for_each_value(relid: pg_sys::Oid, attnum: i16, mut f: impl FnMut(Option<pg_sys::Datum>)) {
    // SAFETY: the table is locked by the caller (ACCESS SHARE); it is
    // opened without another lock and scanned sequentially (no index: the
    // invalid index OID) under a registered MVCC snapshot; each tuple is
    // deformed into arrays sized by its descriptor while the scan holds it,
    // and `f` copies what it keeps (a by-value datum, or text it converts at
    // once). The scan, the snapshot and the relation are released before
    // returning; an ERROR in between aborts the transaction, which releases
    // them too.
    unsafe {
        let rel = pg_sys::table_open(relid, pg_sys::NoLock as pg_sys::LOCKMODE);
        let tupdesc = (*rel).rd_att;
        let natts = (*tupdesc).natts as usize;
        let column = usize::try_from(attnum).ok().filter(|a| (1..=natts).contains(a));
        if let Some(column) = column {
            let base = if pg_sys::ActiveSnapshotSet() {
                pg_sys::GetActiveSnapshot()
            } else {
                pg_sys::GetTransactionSnapshot()
            };
            let snapshot = pg_sys::RegisterSnapshot(base);
            let scan = pg_sys::systable_beginscan(rel, pg_sys::InvalidOid, false, snapshot, 0, std::ptr::null_mut());
            let mut values = vec![pg_sys::Datum::from(0); natts];
            let mut nulls = vec![false; natts];
            loop {
                let tuple = pg_sys::systable_getnext(scan);
                if tuple.is_null() {
                    break;
                }
                pg_sys::heap_deform_tuple(tuple, tupdesc, values.as_mut_ptr(), nulls.as_mut_ptr());
                f((!nulls[column - 1]).then_some(values[column - 1]));
            }
            pg_sys::systable_endscan(scan);
            pg_sys::UnregisterSnapshot(snapshot);
        }
        pg_sys::table_close(rel, pg_sys::NoLock as pg_sys::LOCKMODE);
    }
}

/// The newest finite `timestamptz` of column `attnum`, as Unix epoch
/// seconds; None without one. `infinity` is not a time the connector
/// writes: left out.
pub(super) fn newest_timestamp(relid: pg_sys::Oid, attnum: i16) -> Option<f64> {
    let mut newest: Option<i64> = None;
    for_each_value(relid, attnum, |value| {
        // A timestamptz is an int8 of microseconds since 2000-01-01, by value.
        if let Some(micros) = value.map(|d| d.value() as i64).filter(|m| *m != i64::MAX && *m != i64::MIN) {
            newest = Some(newest.map_or(micros, |n| n.max(micros)));
        }
    });
    newest.map(epoch_seconds)
}

/// PostgreSQL's timestamp (microseconds since 2000-01-01) as Unix epoch seconds.
fn epoch_seconds(micros: i64) -> f64 {
    const POSTGRES_EPOCH_IN_UNIX_SECONDS: f64 = 946_684_800.0;
    micros as f64 / 1_000_000.0 + POSTGRES_EPOCH_IN_UNIX_SECONDS
}

/// Every non-NULL value of the `text` column `attnum`, read without
/// trusting it to be UTF-8 (`LossyText`).
pub(super) fn texts(relid: pg_sys::Oid, attnum: i16) -> Vec<String> {
    use pgrx::FromDatum;
    let mut texts = Vec::new();
    for_each_value(relid, attnum, |value| {
        if let Some(datum) = value {
            // SAFETY: a datum of the text column (its type checked by the
            // caller), detoasted and copied by the conversion.
            if let Some(t) = unsafe { crate::pg_glue::LossyText::from_polymorphic_datum(datum, false, pg_sys::TEXTOID) }
            {
                texts.push(t.0);
            }
        }
    });
    texts
}

#[cfg(test)]
mod tests {
    use super::epoch_seconds;

    #[test]
    fn postgres_timestamps_become_unix_seconds() {
        assert_eq!(epoch_seconds(0), 946_684_800.0);
        assert_eq!(epoch_seconds(1_500_000), 946_684_801.5);
        assert_eq!(epoch_seconds(-946_684_800_000_000), 0.0);
    }
}
