//! Reads the promscale command off the event trigger's parse tree. Commands
//! for other extensions, and other forms of ALTER EXTENSION (ADD/DROP, SET
//! SCHEMA, OWNER: other parse nodes), give None after one look.
//!
//! The strings are the user's, read before PostgreSQL has checked anything:
//! a version is read only up to the longest one a script could exist for,
//! and a longer one is not copied at all (the command passes to
//! PostgreSQL, which cannot find such a script). A plain role's
//! `UPDATE TO '<200 MB>'` thus costs the trigger a bounded scan.

use std::ffi::{c_char, CStr};

use pgrx::pg_sys;
use pgrx::prelude::*;

use super::command::Command;
use crate::pg_glue::{c_string, raise};

const EXTENSION: &CStr = c"promscale";

/// The longest version PostgreSQL could ever find a script for: a script is
/// a file `promscale--<version>.sql` (or `--A--B.sql`), and a file name has
/// at most NAME_MAX (255) bytes.
const MAX_VERSION_BYTES: usize = 255;

/// The promscale command this event is about; None for anything else.
///
/// # Safety
/// `fcinfo` is null or the call info PostgreSQL passed to the trigger
/// function.
pub unsafe fn promscale_command(fcinfo: pg_sys::FunctionCallInfo) -> Option<Command> {
    // SAFETY: fcinfo is null or PostgreSQL's call info; its context is checked to be EventTriggerData
    // before the cast, and the parse tree's node tag before each cast.
    unsafe {
        let context = if fcinfo.is_null() { std::ptr::null_mut() } else { (*fcinfo).context };
        if context.is_null() || !pgrx::is_a(context, pg_sys::NodeTag::T_EventTriggerData) {
            raise(
                PgSqlErrorCode::ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED,
                "function \"enforce_connector_path\" must be fired by an event trigger",
                None,
                None,
            );
        }
        let tree = (*(context as *mut pg_sys::EventTriggerData)).parsetree;
        if tree.is_null() {
            return None;
        }
        if pgrx::is_a(tree, pg_sys::NodeTag::T_AlterExtensionStmt) {
            let stmt = tree as *mut pg_sys::AlterExtensionStmt;
            if !is_promscale((*stmt).extname) {
                return None;
            }
            let mut to = None;
            for option in def_elems((*stmt).options) {
                if c_string((*option).defname) == "new_version" {
                    to = Some(def_string(option)?);
                }
            }
            return Some(Command::Update { to });
        }
        if pgrx::is_a(tree, pg_sys::NodeTag::T_CreateExtensionStmt) {
            let stmt = tree as *mut pg_sys::CreateExtensionStmt;
            if !is_promscale((*stmt).extname) {
                return None;
            }
            let (mut version, mut schema, mut cascade) = (None, None, false);
            for option in def_elems((*stmt).options) {
                match c_string((*option).defname).as_str() {
                    "new_version" => version = Some(def_string(option)?),
                    "schema" => schema = Some(def_string(option)?),
                    "cascade" => cascade = true,
                    _ => {}
                }
            }
            let if_not_exists = (*stmt).if_not_exists;
            return Some(Command::Create { version, schema, if_not_exists, cascade });
        }
        None
    }
}

unsafe fn is_promscale(name: *const c_char) -> bool {
    // SAFETY: name is non-null here and points at a NUL-terminated name in the parse tree.
    !name.is_null() && unsafe { CStr::from_ptr(name) } == EXTENSION
}

/// The non-null nodes of a PostgreSQL List of pointers.
unsafe fn list_nodes(list: *mut pg_sys::List) -> Vec<*mut pg_sys::Node> {
    if list.is_null() {
        return Vec::new();
    }
    // SAFETY: list is non-null and a PostgreSQL List of `length` pointer cells, read within its bounds.
    unsafe {
        let len = (*list).length.max(0) as usize;
        (0..len).map(|i| (*(*list).elements.add(i)).ptr_value as *mut pg_sys::Node).filter(|n| !n.is_null()).collect()
    }
}

unsafe fn def_elems(list: *mut pg_sys::List) -> Vec<*mut pg_sys::DefElem> {
    // SAFETY: list is a List of the parse tree; each node's tag is checked before the cast.
    unsafe { list_nodes(list) }
        .into_iter()
        .filter(|n| unsafe { pgrx::is_a(*n, pg_sys::NodeTag::T_DefElem) })
        .map(|n| n as *mut pg_sys::DefElem)
        .collect()
}

/// An option's value (a version or a schema name) if it is at most
/// `MAX_VERSION_BYTES` long; None, without copying it, if longer.
unsafe fn def_string(def: *mut pg_sys::DefElem) -> Option<String> {
    // SAFETY: def is a DefElem of the parse tree; defGetString returns a NUL-terminated string (for
    // the String nodes a version or schema is, the node's own, not a copy) or raises an ERROR.
    unsafe { bounded_string(pg_sys::defGetString(def), MAX_VERSION_BYTES) }
}

/// The NUL-terminated string at `ptr` if it has at most `max` bytes,
/// found by reading at most `max + 1` bytes.
///
/// # Safety
/// `ptr` is null or points at a NUL-terminated string.
unsafe fn bounded_string(ptr: *const c_char, max: usize) -> Option<String> {
    if ptr.is_null() {
        return Some(String::new());
    }
    // SAFETY: the bytes up to the NUL are readable; the scan stops at the NUL or after max + 1 bytes.
    let len = (0..=max).find(|&i| unsafe { *ptr.add(i) } == 0)?;
    // SAFETY: ptr points at `len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    Some(String::from_utf8_lossy(bytes).into_owned())
}
