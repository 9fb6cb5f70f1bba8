//! The guard's settings (GUCs), registered when the library loads.

use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};

/// Headroom, in percent of the estimated locks, that the recommended
/// `max_locks_per_transaction` adds and below which the fit is "thin".
pub static LOCK_MARGIN_PERCENT: GucSetting<i32> = GucSetting::<i32>::new(20);

pub fn init() {
    GucRegistry::define_int_guc(
        c"promscale_upgrade_guard.lock_margin_percent",
        c"Safety margin for the lock requirement of a Promscale upgrade, in percent.",
        c"The recommended max_locks_per_transaction covers the estimated locks plus this margin plus the locks other sessions hold; a fit with less headroom is reported as a warning.",
        &LOCK_MARGIN_PERCENT,
        0,
        1000,
        GucContext::Userset,
        GucFlags::default(),
    );
}
