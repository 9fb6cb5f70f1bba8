//! The guard's settings. Defined in `_PG_init`, so they exist once the
//! library is loaded: by the first extension command (the event trigger
//! function loads it) or the first call of any guard function.
//!
//! Both are PGC_SUSET: only a superuser (or a role granted SET on the
//! parameter) can change them. A `SET` issued before the library is loaded
//! creates a placeholder; when the library loads, PostgreSQL 15+ re-applies
//! the placeholder's value with the privileges of the role that set it, so a
//! non-superuser's value is dropped with a WARNING ("permission denied to set
//! parameter") and the default stays. `_PG_init` then reserves the prefix
//! (`MarkGUCPrefixReserved`): any other name under it is refused.
//! (Tested in tests/integration/enforce.rs.)

use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};

pub static ALLOW_MANUAL_UPDATE: GucSetting<bool> = GucSetting::<bool>::new(false);
pub static FAIL_FAST: GucSetting<bool> = GucSetting::<bool>::new(true);

pub fn define() {
    GucRegistry::define_bool_guc(
        c"promscale_upgrade_guard.allow_manual_update",
        c"Lets ALTER EXTENSION promscale UPDATE (and the pre-0.11 takeover) run without the Promscale Connector's migration lock.",
        c"Break-glass for a superuser: the update runs with a WARNING, is written to the server log and recorded in promscale_upgrade_guard.upgrade_log. Set it in one session only, and RESET it afterwards.",
        &ALLOW_MANUAL_UPDATE,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"promscale_upgrade_guard.fail_fast",
        c"Refuses the Promscale Connector's own extension update at once when it would fail or do harm later.",
        c"When on, the connector's update is refused while other Promscale Connector sessions are connected (and, with a lock estimate, when the update does not fit the lock table).",
        &FAIL_FAST,
        GucContext::Suset,
        GucFlags::default(),
    );
}
