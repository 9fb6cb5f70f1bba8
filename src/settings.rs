//! The guard's settings (GUCs): their names, as the messages quote them, and
//! their values. Defined in `_PG_init`, so they exist once the library is
//! loaded: by the first extension command (the event trigger function loads
//! it) or the first call of any guard function.
//!
//! Every setting is PGC_SUSET: only a superuser (or a role granted SET on
//! the parameter) can change it, for a session, a role or a database. A
//! database owner's `ALTER DATABASE ... SET` would otherwise choose the
//! margin, or the connector roles, for every session of the database. A `SET` issued
//! before the library is loaded creates a placeholder; when the library
//! loads, PostgreSQL 15+ re-applies the placeholder's value with the
//! privileges of the role that set it, so a non-superuser's value is dropped
//! with a WARNING ("permission denied to set parameter") and the default
//! stays. `define` then reserves the prefix (`MarkGUCPrefixReserved`): any
//! other name under it is refused. (Tested in tests/integration/enforce.rs.)

use std::ffi::{CStr, CString};

use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};

const ALLOW_MANUAL_UPDATE_NAME: &CStr = c"promscale_upgrade_guard.allow_manual_update";
const FAIL_FAST_NAME: &CStr = c"promscale_upgrade_guard.fail_fast";
const LOCK_MARGIN_PERCENT_NAME: &CStr = c"promscale_upgrade_guard.lock_margin_percent";
const CONNECTOR_ROLES_NAME: &CStr = c"promscale_upgrade_guard.connector_roles";

/// Break-glass: lets a superuser update promscale without the connector.
pub const ALLOW_MANUAL_UPDATE: &str = text(ALLOW_MANUAL_UPDATE_NAME);
/// Refuses the connector's own update at once when it would fail later.
pub const FAIL_FAST: &str = text(FAIL_FAST_NAME);
/// The roles that may update promscale with the connector's lock.
pub const CONNECTOR_ROLES: &str = text(CONNECTOR_ROLES_NAME);

static ALLOW_MANUAL_UPDATE_VALUE: GucSetting<bool> = GucSetting::<bool>::new(false);
static FAIL_FAST_VALUE: GucSetting<bool> = GucSetting::<bool>::new(true);
static LOCK_MARGIN_PERCENT_VALUE: GucSetting<i32> = GucSetting::<i32>::new(20);
static CONNECTOR_ROLES_VALUE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

const fn text(name: &'static CStr) -> &'static str {
    match std::str::from_utf8(name.to_bytes()) {
        Ok(text) => text,
        Err(_) => panic!("setting names are ASCII"),
    }
}

pub fn allow_manual_update() -> bool {
    ALLOW_MANUAL_UPDATE_VALUE.get()
}

pub fn fail_fast() -> bool {
    FAIL_FAST_VALUE.get()
}

/// Headroom, in percent of the estimated locks, that the recommended
/// `max_locks_per_transaction` adds and below which the fit is "thin".
pub fn lock_margin_percent() -> i64 {
    i64::from(LOCK_MARGIN_PERCENT_VALUE.get())
}

/// The role names of `connector_roles`; empty when any role may update
/// with the connector's lock.
pub fn connector_roles() -> Vec<String> {
    let value = CONNECTOR_ROLES_VALUE.get();
    split_role_list(&value.as_deref().map(|c| c.to_string_lossy().into_owned()).unwrap_or_default())
}

/// Splits a comma-separated list of role names as PostgreSQL's
/// `SplitIdentifierString` does for list settings: unquoted names are
/// trimmed and folded to lower case, quoted names kept as written (`""`
/// inside is one quote).
pub fn split_role_list(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let mut name = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '"' if chars.next_if_eq(&'"').is_some() => name.push('"'),
                    '"' => break,
                    c => name.push(c),
                }
            }
            while chars.next_if(|&c| c != ',').is_some() {}
        } else {
            while let Some(c) = chars.next_if(|&c| c != ',') {
                name.push(c);
            }
            name = name.trim().to_lowercase();
        }
        chars.next(); // the comma
        if !name.is_empty() {
            names.push(name);
        }
    }
    names
}

/// Registers the settings; called once, from `_PG_init`.
pub fn define() {
    GucRegistry::define_bool_guc(
        ALLOW_MANUAL_UPDATE_NAME,
        c"Lets ALTER EXTENSION promscale UPDATE (and the pre-0.11 takeover) run without the Promscale Connector's migration lock.",
        c"Break-glass for a superuser: the update runs with a WARNING, is written to the server log and recorded in promscale_upgrade_guard.upgrade_log. Set it in one session only, and RESET it afterwards.",
        &ALLOW_MANUAL_UPDATE_VALUE,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        FAIL_FAST_NAME,
        c"Refuses the Promscale Connector's own extension update at once when it would fail or do harm later.",
        c"When on, the connector's update is refused while other Promscale Connector sessions are connected (and, with a lock estimate, when the update does not fit the lock table).",
        &FAIL_FAST_VALUE,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        LOCK_MARGIN_PERCENT_NAME,
        c"Safety margin for the lock requirement of a Promscale upgrade, in percent.",
        c"The recommended max_locks_per_transaction covers the estimated locks plus this margin plus the locks other sessions hold; a fit with less headroom is reported as a warning.",
        &LOCK_MARGIN_PERCENT_VALUE,
        0,
        1000,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        CONNECTOR_ROLES_NAME,
        c"Roles that may update the promscale extension with the Promscale Connector's migration lock.",
        c"A comma-separated list of role names: only members of one of them may update with the lock. Empty (the default): any role that holds the lock and may update the extension. PostgreSQL cannot authenticate a connector; the lock and application_name can be presented by any role with the privileges to update.",
        &CONNECTOR_ROLES_VALUE,
        GucContext::Suset,
        GucFlags::default(),
    );
    // Last, once every setting is defined: drop (with a WARNING) any other
    // placeholder under the prefix and refuse new ones.
    #[cfg(not(any(feature = "pg13", feature = "pg14")))]
    // SAFETY: called once from _PG_init, after the GUCs under the prefix are defined.
    unsafe {
        pgrx::pg_sys::MarkGUCPrefixReserved(c"promscale_upgrade_guard".as_ptr());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_under_the_guards_prefix() {
        for name in [
            super::ALLOW_MANUAL_UPDATE,
            super::FAIL_FAST,
            super::CONNECTOR_ROLES,
            super::text(super::LOCK_MARGIN_PERCENT_NAME),
        ] {
            assert!(name.starts_with("promscale_upgrade_guard."), "{name}");
        }
    }

    #[test]
    fn role_lists_split_like_postgresql_identifier_lists() {
        assert!(super::split_role_list("").is_empty());
        assert!(super::split_role_list(" , ").is_empty());
        assert_eq!(super::split_role_list("Promscale, prom_conn"), vec!["promscale", "prom_conn"]);
        assert_eq!(super::split_role_list(r#""Conn, A" , b"#), vec!["Conn, A", "b"]);
        assert_eq!(super::split_role_list(r#""say ""hi"""#), vec![r#"say "hi""#]);
    }
}
