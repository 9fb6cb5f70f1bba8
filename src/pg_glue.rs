//! The few ways the guard reaches into PostgreSQL beyond SPI, each written
//! once: raising an error or a message, reading a C string, running code
//! with a pinned `search_path`, as another role, or in a subtransaction
//! that is rolled back. Each helper restores what it changed on the error
//! path too: a PL/pgSQL `EXCEPTION` block may catch the error and go on in
//! the same transaction.

use std::ffi::{c_char, CStr};
use std::panic::AssertUnwindSafe;

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::pg_sys::{self, PgTryBuilder};
use pgrx::prelude::*;

/// Raises an ERROR with `code`, a message, and optional detail and hint.
pub fn raise(code: PgSqlErrorCode, message: impl Into<String>, detail: Option<String>, hint: Option<String>) -> ! {
    report(PgLogLevel::ERROR, code, message, detail, hint);
    unreachable!("ERROR does not return")
}

/// Sends a message at `level` (WARNING, NOTICE, LOG_SERVER_ONLY, ...).
pub fn report(
    level: PgLogLevel,
    code: PgSqlErrorCode,
    message: impl Into<String>,
    detail: Option<String>,
    hint: Option<String>,
) {
    let mut report = ErrorReport::new(code, message.into(), "promscale_upgrade_guard");
    if let Some(detail) = detail {
        report = report.set_detail(detail);
    }
    if let Some(hint) = hint {
        report = report.set_hint(hint);
    }
    report.report(level);
}

/// A NUL-terminated C string as an owned `String` (lossy); empty for null.
///
/// # Safety
/// `ptr` is null or points at a NUL-terminated string that stays valid for
/// the call.
pub unsafe fn c_string(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: non-null and NUL-terminated (the caller's promise).
    unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned()
}

/// pgrx's panic hook captures a Rust backtrace whenever a PostgreSQL error
/// passes through Rust code (a statement timeout, a cancel, a lock not
/// granted), and puts it in the re-raised error's DETAIL: dozens of lines of
/// frames where the user expects PostgreSQL's own message. The capture
/// follows the standard library's switch, RUST_LIB_BACKTRACE (then
/// RUST_BACKTRACE), read once per process at the first capture: set it off
/// for this backend before any can happen. A backend is single-threaded,
/// and this runs when the library is loaded. Other pgrx extensions in the
/// same backend lose their backtraces too; their messages keep the rest.
pub fn no_backtraces_in_messages() {
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
}

/// The current role's name, for messages and the log.
pub fn current_role_name() -> String {
    // SAFETY: GetUserNameFromId returns a palloc'd NUL-terminated name, or null (noerr).
    unsafe { c_string(pg_sys::GetUserNameFromId(pg_sys::GetUserId(), true)) }
}

/// What the guard's SQL runs under, whatever the session, role or database
/// set: the search_path (no name resolves to another role's object), and
/// every setting that changes how a value is written as text, which the
/// guard reads back (JSON rows: a float8 written with extra_float_digits =
/// -15 loses its digits, an interval follows IntervalStyle). Values
/// returned to the caller are datums, written out under the caller's own
/// settings after the function returns.
pub const PINNED_SETTINGS: [(&CStr, &CStr); 6] = [
    (c"search_path", c"pg_catalog, pg_temp"),
    (c"extra_float_digits", c"1"),
    (c"DateStyle", c"ISO, MDY"),
    (c"IntervalStyle", c"postgres"),
    (c"TimeZone", c"UTC"),
    (c"bytea_output", c"hex"),
];

/// Runs `f` under `PINNED_SETTINGS`, restored afterwards, on the error path
/// as well. The event trigger function carries no SET clause: fmgr would
/// then switch settings for every ALTER/CREATE EXTENSION of every
/// extension, a cost bench/performance.sh measured; pinned here, only
/// promscale commands pay for it. Every catalog query runs under it
/// (`snapshot::read::first_value`), and so do the trigger and the log write.
pub fn with_pinned_settings<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: the GUC nesting fmgr_security_definer uses for SET clauses.
    let level = unsafe {
        let level = pg_sys::NewGUCNestLevel();
        for (name, value) in PINNED_SETTINGS {
            pg_sys::set_config_option(
                name.as_ptr(),
                value.as_ptr(),
                pg_sys::GucContext::PGC_USERSET,
                pg_sys::GucSource::PGC_S_SESSION,
                pg_sys::GucAction::GUC_ACTION_SAVE,
                true,
                0,
                false,
            );
        }
        level
    };
    let restore = || {
        // SAFETY: `level` came from NewGUCNestLevel above, in this same
        // call; AtEOXact_GUC pops exactly what it pushed. On the error path
        // it runs before the error reaches an enclosing handler.
        unsafe { pg_sys::AtEOXact_GUC(true, level) }
    };
    PgTryBuilder::new(AssertUnwindSafe(f)).finally(restore).execute()
}

/// Runs `f` as `role`, with the security restrictions a SECURITY DEFINER
/// function gets (`restricted` adds SECURITY_RESTRICTED_OPERATION), and
/// puts the user back afterwards, on the error path as well.
pub fn as_role<R>(role: pg_sys::Oid, restricted: bool, f: impl FnOnce() -> R) -> R {
    let (mut user, mut context) = (pg_sys::InvalidOid, 0);
    let mut flags = pg_sys::SECURITY_LOCAL_USERID_CHANGE as i32;
    if restricted {
        flags |= pg_sys::SECURITY_RESTRICTED_OPERATION as i32;
    }
    // SAFETY: the user switch fmgr_security_definer makes; restored below.
    unsafe {
        pg_sys::GetUserIdAndSecContext(&mut user, &mut context);
        pg_sys::SetUserIdAndSecContext(role, context | flags);
    }
    let restore = || {
        // SAFETY: restores the user id and context saved above.
        unsafe { pg_sys::SetUserIdAndSecContext(user, context) }
    };
    PgTryBuilder::new(AssertUnwindSafe(f)).finally(restore).execute()
}

/// Runs `read` in an internal subtransaction that is then rolled back: the
/// locks its catalog reads take are released at once, so the guard adds
/// nothing to the update's lock footprint (what the lock table must hold,
/// what the upgrade log and the rehearsal measure). `read` returns owned
/// Rust data.
///
/// An ERROR inside `read` (a lock not granted at once, a statement timeout,
/// a cancel) rolls the subtransaction back, restores the memory context and
/// resource owner, and is raised again, as PL/pgSQL does for an exception
/// block: a handler further out then rolls back its own level, not this one.
pub fn without_keeping_locks<R>(read: impl FnOnce() -> R) -> R {
    // SAFETY: plain reads of the current memory context and resource owner.
    let (context, owner) = unsafe { (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner) };
    let end = || {
        // SAFETY: the internal subtransaction begun below is the current one
        // (an error inside `read` has been caught, and its error state
        // flushed, by the time this runs); rolling it back and restoring the
        // saved context and owner is PL/pgSQL's exception-block pattern.
        unsafe {
            pg_sys::RollbackAndReleaseCurrentSubTransaction();
            pg_sys::MemoryContextSwitchTo(context);
            pg_sys::CurrentResourceOwner = owner;
        }
    };
    // SAFETY: begins an internal subtransaction, ended by `end` on both paths.
    unsafe {
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(context);
    }
    let result = PgTryBuilder::new(AssertUnwindSafe(read))
        .catch_others(|error| {
            end();
            error.rethrow()
        })
        .execute();
    end();
    result
}

/// A `text` value whose bytes are read as they are and turned into a Rust
/// string lossily (invalid UTF-8 becomes U+FFFD). pgrx's `&str` and
/// `String` panic on invalid UTF-8, which a `SQL_ASCII` database lets
/// anyone store in a name or pass as an argument; a panic is an internal
/// error, and its DETAIL may carry a Rust backtrace. The guard takes every
/// `text` argument and every catalog row as this type instead: a bad byte
/// then ends up, visibly replaced, in an ordinary message (an unknown
/// release, a name in a check's detail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LossyText(pub String);

impl LossyText {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl pgrx::FromDatum for LossyText {
    unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, typoid: pg_sys::Oid) -> Option<Self> {
        // SAFETY: the datum is a varlena of a text-like type (the caller's
        // promise, as for `&str`); its bytes are only read.
        let bytes: Option<&[u8]> =
            unsafe { <&[u8] as pgrx::FromDatum>::from_polymorphic_datum(datum, is_null, typoid) };
        bytes.map(|b| LossyText(String::from_utf8_lossy(b).into_owned()))
    }
}

impl pgrx::IntoDatum for LossyText {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        self.0.into_datum()
    }

    fn type_oid() -> pg_sys::Oid {
        pg_sys::TEXTOID
    }
}

// SAFETY: unboxes a text argument through FromDatum, as pgrx does for `String`.
unsafe impl<'fcx> pgrx::callconv::ArgAbi<'fcx> for LossyText {
    unsafe fn unbox_arg_unchecked(arg: pgrx::callconv::Arg<'_, 'fcx>) -> Self {
        let index = arg.index();
        // SAFETY: the argument is a non-null text datum (pgrx's promise to this method).
        unsafe { arg.unbox_arg_using_from_datum() }.unwrap_or_else(|| panic!("argument {index} must not be null"))
    }

    unsafe fn unbox_nullable_arg(arg: pgrx::callconv::Arg<'_, 'fcx>) -> pgrx::nullable::Nullable<Self> {
        // SAFETY: the argument is a text datum or null.
        unsafe { arg.unbox_arg_using_from_datum() }.into()
    }
}

pgrx::impl_sql_translatable!(LossyText, "TEXT");

/// A `jsonb` argument, read only when asked and only as far as asked: its
/// stored size first (without detoasting), then the text PostgreSQL prints
/// for it, as bytes. pgrx's `JsonB` instead parses that text with
/// serde_json and panics (an internal error whose DETAIL carries a Rust
/// backtrace) on what jsonb accepts and serde_json does not: `1e1000`,
/// nesting past 128 levels, invalid UTF-8 in an `SQL_ASCII` database. The
/// caller bounds and parses the text itself. The datum belongs to the
/// function call: a value of this type never outlives it (it is not
/// `Clone`, and the SQL functions take it by value and drop it).
#[derive(Debug)]
pub struct JsonbArg {
    datum: pg_sys::Datum,
}

impl JsonbArg {
    /// The bytes the value takes uncompressed (`toast_raw_datum_size`),
    /// read from its header or toast pointer without detoasting it.
    pub fn stored_bytes(&self) -> usize {
        // SAFETY: a non-null jsonb varlena of this call (FromDatum below);
        // only its header (or its toast pointer) is read.
        unsafe { pg_sys::toast_raw_datum_size(self.datum) }
    }

    /// The text `jsonb_out` prints for the value, as bytes (not assumed to
    /// be UTF-8).
    pub fn text(&self) -> Vec<u8> {
        // SAFETY: jsonb_out takes one non-null jsonb datum (detoasting it
        // itself) and returns a palloc'd NUL-terminated string, copied here
        // and freed.
        unsafe {
            let out = pgrx::direct_function_call_as_datum(pg_sys::jsonb_out, &[Some(self.datum)]);
            let ptr = out.map_or(std::ptr::null_mut(), |d| d.cast_mut_ptr::<c_char>());
            if ptr.is_null() {
                return Vec::new();
            }
            let bytes = CStr::from_ptr(ptr).to_bytes().to_vec();
            pg_sys::pfree(ptr.cast());
            bytes
        }
    }
}

impl pgrx::FromDatum for JsonbArg {
    unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, _typoid: pg_sys::Oid) -> Option<Self> {
        (!is_null).then_some(JsonbArg { datum })
    }
}

// SAFETY: unboxes a jsonb argument through FromDatum, as LossyText does for text.
unsafe impl<'fcx> pgrx::callconv::ArgAbi<'fcx> for JsonbArg {
    unsafe fn unbox_arg_unchecked(arg: pgrx::callconv::Arg<'_, 'fcx>) -> Self {
        let index = arg.index();
        // SAFETY: the argument is a non-null jsonb datum (pgrx's promise to this method).
        unsafe { arg.unbox_arg_using_from_datum() }.unwrap_or_else(|| panic!("argument {index} must not be null"))
    }

    unsafe fn unbox_nullable_arg(arg: pgrx::callconv::Arg<'_, 'fcx>) -> pgrx::nullable::Nullable<Self> {
        // SAFETY: the argument is a jsonb datum or null.
        unsafe { arg.unbox_arg_using_from_datum() }.into()
    }
}

pgrx::impl_sql_translatable!(JsonbArg, "jsonb");
