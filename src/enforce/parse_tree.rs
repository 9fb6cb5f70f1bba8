//! Reads the promscale command off the event trigger's parse tree. Commands
//! for other extensions, and other forms of ALTER EXTENSION (ADD/DROP, SET
//! SCHEMA, OWNER: other parse nodes), give None after one look.

use std::ffi::{c_char, CStr};

use pgrx::pg_sys;
use pgrx::prelude::*;

use super::command::Command;
use crate::pg_glue::{c_string, raise};

const EXTENSION: &CStr = c"promscale";

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
                    to = Some(def_string(option));
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
                    "new_version" => version = Some(def_string(option)),
                    "schema" => schema = Some(def_string(option)),
                    "cascade" => cascade = true,
                    _ => {}
                }
            }
            return Some(Command::Create { version, schema, if_not_exists: (*stmt).if_not_exists, cascade });
        }
        None
    }
}

unsafe fn is_promscale(name: *const c_char) -> bool {
    // SAFETY: name is non-null here and points at a NUL-terminated name in the parse tree.
    !name.is_null() && unsafe { CStr::from_ptr(name) } == EXTENSION
}

unsafe fn def_elems(list: *mut pg_sys::List) -> Vec<*mut pg_sys::DefElem> {
    if list.is_null() {
        return Vec::new();
    }
    // SAFETY: list is non-null and a PostgreSQL List of `length` pointer cells, read within its bounds.
    unsafe {
        let len = (*list).length.max(0) as usize;
        (0..len)
            .map(|i| (*(*list).elements.add(i)).ptr_value as *mut pg_sys::DefElem)
            .filter(|d| !d.is_null() && pgrx::is_a(*d as *mut pg_sys::Node, pg_sys::NodeTag::T_DefElem))
            .collect()
    }
}

unsafe fn def_string(def: *mut pg_sys::DefElem) -> String {
    // SAFETY: def is a DefElem of the parse tree; defGetString returns a NUL-terminated string or raises an ERROR.
    unsafe { c_string(pg_sys::defGetString(def)) }
}
