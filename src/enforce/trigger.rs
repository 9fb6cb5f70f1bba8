//! The event trigger function: parse tree -> command -> facts -> verdict ->
//! ERROR, WARNING or a pending log entry. Thin glue; `decision` decides.
//!
//! The trigger fires on `ddl_command_start` only for `ALTER EXTENSION` and
//! `CREATE EXTENSION` (its `WHEN TAG` filter), so other DDL never calls it.
//! Commands for other extensions return after one look at the parse tree;
//! only promscale commands read the catalog.

use std::ffi::{c_char, CStr};

use pgrx::pg_sys::{self, panic::ErrorReport};
use pgrx::prelude::*;

use super::decision::{audit_line, decide, Command, Facts, LockEstimate, RefusalReason, UpgradeKind, Verdict, Who};
use super::pending::PendingCommand;
use super::{session_lock, settings, upgrade_log};
use crate::locks::capacity::Capacity;
use crate::locks::estimate::LockPath;
use crate::rules::Rules;
use crate::snapshot::{read, PromscaleCommandFacts};
use crate::version::ExtVersion;

const EXTENSION: &CStr = c"promscale";

// The C symbol (`enforce_connector_path_wrapper`) is part of the installed
// SQL: keep the name when refactoring, or existing databases lose the trigger.
#[pg_extern(
    requires = ["guard_schema"],
    sql = r#"
CREATE FUNCTION promscale_upgrade_guard.enforce_connector_path() RETURNS event_trigger
    LANGUAGE c
    AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
"#
)]
fn enforce_connector_path(fcinfo: pg_sys::FunctionCallInfo) {
    // Statements of an extension script (the takeover's hundreds of ALTER
    // EXTENSION ... ADD) pass at the cost of one flag test; decide() says
    // the same, without the catalog reads.
    // SAFETY: a plain global flag PostgreSQL sets while an extension script runs, read in a backend.
    if unsafe { pg_sys::creating_extension } {
        return;
    }
    // SAFETY: fcinfo is the event trigger call's argument, from PostgreSQL; promscale_command checks it.
    let Some(command) = (unsafe { promscale_command(fcinfo) }) else {
        return;
    };
    with_pinned_search_path(|| judge(&command));
}

/// Runs `f` with `search_path = pg_catalog, pg_temp`, restored afterwards
/// (an ERROR in `f` restores it with the (sub)transaction's abort). The
/// trigger function itself carries no SET clause: fmgr would then switch
/// search_path for every ALTER/CREATE EXTENSION of every extension, which
/// measured 17% of a no-op ALTER EXTENSION (bench/performance.sh); pinned
/// here, only promscale commands pay for it.
fn with_pinned_search_path<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: the GUC nesting fmgr_security_definer uses for SET clauses.
    let level = unsafe {
        let level = pg_sys::NewGUCNestLevel();
        pg_sys::set_config_option(
            c"search_path".as_ptr(),
            c"pg_catalog, pg_temp".as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GucSource::PGC_S_SESSION,
            pg_sys::GucAction::GUC_ACTION_SAVE,
            true,
            0,
            false,
        );
        level
    };
    let result = f();
    // SAFETY: `level` came from NewGUCNestLevel above, in this same call: pops exactly what it pushed.
    unsafe { pg_sys::AtEOXact_GUC(true, level) };
    result
}

/// The promscale command this event is about; None for anything else.
unsafe fn promscale_command(fcinfo: pg_sys::FunctionCallInfo) -> Option<Command> {
    // SAFETY: fcinfo is null or PostgreSQL's call info; its context is checked to be EventTriggerData
    // before the cast, and the parse tree's node tag before each cast.
    unsafe {
        let context = if fcinfo.is_null() { std::ptr::null_mut() } else { (*fcinfo).context };
        if context.is_null() || !pgrx::is_a(context, pg_sys::NodeTag::T_EventTriggerData) {
            ErrorReport::new(
                PgSqlErrorCode::ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED,
                "function \"enforce_connector_path\" must be fired by an event trigger",
                function_name!(),
            )
            .report(PgLogLevel::ERROR);
            unreachable!("ERROR does not return");
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
                if def_name(option) == "new_version" {
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
                match def_name(option).as_str() {
                    "new_version" => version = Some(def_string(option)),
                    "schema" => schema = Some(def_string(option)),
                    "cascade" => cascade = true,
                    _ => {}
                }
            }
            return Some(Command::Create { version, schema, if_not_exists: (*stmt).if_not_exists, cascade });
        }
        // ALTER EXTENSION ... ADD/DROP (AlterExtensionContentsStmt), ... SET
        // SCHEMA (AlterObjectSchemaStmt), ... OWNER and the like.
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

unsafe fn def_name(def: *mut pg_sys::DefElem) -> String {
    // SAFETY: def is a DefElem from the statement's options list; defname is NUL-terminated or null (checked).
    unsafe {
        let name = (*def).defname;
        if name.is_null() {
            String::new()
        } else {
            CStr::from_ptr(name).to_string_lossy().into_owned()
        }
    }
}

unsafe fn def_string(def: *mut pg_sys::DefElem) -> String {
    // SAFETY: def is a DefElem of the parse tree; defGetString returns a NUL-terminated string or raises an ERROR.
    unsafe { CStr::from_ptr(pg_sys::defGetString(def)).to_string_lossy().into_owned() }
}

/// The lock estimate for the update about to run (`locks::estimate`, the
/// numbers `promscale_upgrade_lock_estimate()` shows): fail-fast refuses the
/// connector's update when it does not fit, and the upgrade log keeps it
/// beside the locks really held. A takeover is
/// estimated as a whole at its first command (CREATE 0.0.0): the update
/// scripts from 0.0.0 do most of its work, whether they run in the same
/// transaction (0.15+) or the next one (0.11-0.14), so an update from 0.0.0
/// is estimated as a takeover too. None when there is nothing to estimate.
fn lock_estimate_for(command: &Command, kind: UpgradeKind, ext: &PromscaleCommandFacts) -> Option<LockEstimate> {
    let rules = Rules::get();
    let snapshot = read::read(rules);
    let version = |v: &str| ExtVersion::parse(v);
    let path = match command {
        Command::Create { version: asked, .. } => {
            let asked = asked.as_deref().or(ext.default_version.as_deref());
            if kind == UpgradeKind::Install {
                LockPath::Fresh { target: asked.and_then(version) }
            } else {
                let target = asked
                    .filter(|v| *v != "0.0.0")
                    .and_then(version)
                    .or_else(|| crate::plan::plan(&snapshot, None, rules).ok().and_then(|p| p.target_extension));
                LockPath::Takeover { target }
            }
        }
        Command::Update { to } => {
            let target = to.as_deref().or(ext.default_version.as_deref()).and_then(version);
            match ext.installed.as_deref() {
                Some("0.0.0") => LockPath::Takeover { target },
                Some(from) => LockPath::Update { from: version(from)?, target },
                None => return None,
            }
        }
    };
    let estimate = crate::locks::estimate_path(&snapshot, &path);
    let needed = estimate.locks_needed;
    let capacity = Capacity {
        size: snapshot.lock_table,
        in_use: snapshot.locks_in_use,
        margin_percent: snapshot.lock_margin_percent,
    };
    Some(LockEstimate {
        locks_needed: needed,
        locks_counted: estimate.counted,
        lock_capacity: capacity.size.nominal_entries(),
        locks_in_use: capacity.in_use,
        recommended_max_locks_per_transaction: capacity.recommended_max_locks(needed),
    })
}

/// With fail-fast on, every allowed command gets an estimate, once per
/// transaction (the 0.15+ takeover's UPDATE was estimated with its CREATE):
/// fail-fast acts on it for the connector's own update, the log keeps it.
/// With fail-fast off nothing is estimated, so that setting also switches
/// off every catalog read beyond the few the rule itself needs.
fn allowed_kind_needing_estimate(verdict: &Verdict, facts: &Facts) -> Option<UpgradeKind> {
    match verdict {
        Verdict::Allow(a) if facts.fail_fast && !upgrade_log::transaction_has_estimate() => Some(a.kind),
        _ => None,
    }
}

fn who() -> Who {
    // SAFETY: application_name is a GUC string, NUL-terminated or null (checked), read in a backend.
    let application_name = unsafe {
        let name = pg_sys::application_name;
        if name.is_null() {
            String::new()
        } else {
            CStr::from_ptr(name).to_string_lossy().into_owned()
        }
    };
    // SAFETY: MyProcPid is set at backend start.
    Who { pid: unsafe { pg_sys::MyProcPid }, role: upgrade_log::current_role_name(), application_name }
}

/// Runs `read` in an internal subtransaction that is then rolled back: the
/// locks its catalog reads take are released at once, so the guard adds
/// nothing to the update's lock footprint (what the lock table must hold,
/// what the upgrade log and the rehearsal measure). `read` returns owned
/// Rust data; an ERROR inside aborts the whole transaction as usual.
fn without_keeping_locks<R>(read: impl FnOnce() -> R) -> R {
    // SAFETY: the internal subtransaction API as PL/pgSQL uses it: begun, then rolled back in this
    // block, with the memory context and resource owner saved before and restored after.
    unsafe {
        let context = pg_sys::CurrentMemoryContext;
        let owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(context);
        let result = read();
        pg_sys::RollbackAndReleaseCurrentSubTransaction();
        pg_sys::MemoryContextSwitchTo(context);
        pg_sys::CurrentResourceOwner = owner;
        result
    }
}

fn judge(command: &Command) {
    // SAFETY: reads the clock; no pointers.
    let started_at = unsafe { pg_sys::GetCurrentTimestamp() };
    let rules = Rules::get();
    let (ext, sessions) = without_keeping_locks(|| (read::promscale_command_facts(), read::connector_sessions(rules)));
    let mut facts = Facts {
        in_extension_script: false,
        connector_lock: session_lock::connector_lock(rules.connector_lock_key),
        connector_lock_key: rules.connector_lock_key,
        rehearsal: super::rehearsal_active(),
        allow_manual_update: settings::ALLOW_MANUAL_UPDATE.get(),
        fail_fast: settings::FAIL_FAST.get(),
        other_connector_sessions: sessions,
        lock_estimate: None,
        installed: ext.installed.clone(),
        default_version: ext.default_version.clone(),
        legacy_tables: ext.legacy_tables.clone(),
    };
    let mut verdict = decide(command, &facts);
    if let Some(kind) = allowed_kind_needing_estimate(&verdict, &facts) {
        facts.lock_estimate = without_keeping_locks(|| lock_estimate_for(command, kind, &ext));
        verdict = decide(command, &facts);
    }
    let who = who();
    if let Some(line) = audit_line(command, &verdict, &who) {
        ErrorReport::new(PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION, line, function_name!())
            .report(PgLogLevel::LOG_SERVER_ONLY);
    }
    match verdict {
        Verdict::Pass => {}
        Verdict::Allow(allowed) => {
            if let Some(w) = &allowed.warning {
                ErrorReport::new(PgSqlErrorCode::ERRCODE_WARNING, w.message.clone(), function_name!())
                    .set_detail(w.detail.clone())
                    .set_hint(w.hint.clone())
                    .report(PgLogLevel::WARNING);
            }
            upgrade_log::record(PendingCommand {
                // SAFETY: the current subtransaction's id; no pointers.
                subxact: unsafe { pg_sys::GetCurrentSubTransactionId() },
                statement: command.statement(),
                allowed,
                started_at,
                who,
            });
        }
        Verdict::Refuse(refusal) => {
            if refusal.reason == RefusalReason::NotTheConnector {
                count_refusal();
            }
            let code = match refusal.reason {
                RefusalReason::NotTheConnector => PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                RefusalReason::ConnectorsConnected => PgSqlErrorCode::ERRCODE_OBJECT_IN_USE,
                RefusalReason::LockTableTooSmall => PgSqlErrorCode::ERRCODE_CONFIGURATION_LIMIT_EXCEEDED,
            };
            ErrorReport::new(code, refusal.message.message, function_name!())
                .set_detail(refusal.message.detail)
                .set_hint(refusal.message.hint)
                .report(PgLogLevel::ERROR);
        }
    }
}

/// Advances `promscale_upgrade_guard.refused_manual_updates`, which
/// survives the refusal's rollback (sequences are not transactional), for
/// the monitoring view. The refused role need not be allowed to use the
/// guard's sequence: nextval runs as the sequence's owner (the superuser who
/// installed the guard), as a SECURITY DEFINER function would.
fn count_refusal() {
    let found = Spi::connect(|client| {
        client
            .select(
                "SELECT c.oid, c.relowner FROM pg_catalog.pg_class c
                 WHERE c.relnamespace = pg_catalog.to_regnamespace('promscale_upgrade_guard')
                   AND c.relname = 'refused_manual_updates'",
                Some(1),
                &[],
            )?
            .first()
            .get_two::<pg_sys::Oid, pg_sys::Oid>()
    });
    let Ok((Some(sequence), Some(owner))) = found else { return };
    let (mut user, mut context) = (pg_sys::Oid::INVALID, 0);
    // SAFETY: the same user switch SECURITY DEFINER functions make; the ERROR
    // that follows (or any error in between) aborts the transaction, which
    // restores the user as well.
    unsafe {
        pg_sys::GetUserIdAndSecContext(&mut user, &mut context);
        pg_sys::SetUserIdAndSecContext(owner, context | pg_sys::SECURITY_LOCAL_USERID_CHANGE as i32);
    }
    // The first refusal since the server started records the start and the
    // count before it, so that the view can say "since start".
    let _ = Spi::run(
        "SELECT pg_catalog.setval('promscale_upgrade_guard.refused_before_server_start',
                    coalesce(pg_catalog.pg_sequence_last_value('promscale_upgrade_guard.refused_manual_updates'), 0)),
                pg_catalog.setval('promscale_upgrade_guard.refusals_server_start',
                    extract(epoch FROM pg_catalog.pg_postmaster_start_time())::bigint)
         WHERE pg_catalog.pg_sequence_last_value('promscale_upgrade_guard.refusals_server_start')
               IS DISTINCT FROM extract(epoch FROM pg_catalog.pg_postmaster_start_time())::bigint",
    );
    let _ = Spi::get_one_with_args::<i64>("SELECT pg_catalog.nextval($1)", &[sequence.into()]);
    // SAFETY: restores the user id and security context saved at the start of this function.
    unsafe { pg_sys::SetUserIdAndSecContext(user, context) };
}

/// Marks the current subtransaction as a rehearsal
/// (`promscale_upgrade_rehearse()` runs the connector's statements in an
/// exception block that always rolls back): extension commands run in it, or
/// in subtransactions below it, are allowed with `allowed_by = rehearsal`.
/// The mark ends with that subtransaction (and with the transaction), so it
/// can never cover a command that commits. Superuser only.
#[pg_extern(
    requires = ["guard_schema"],
    sql = r#"
CREATE FUNCTION promscale_upgrade_guard.begin_rehearsal() RETURNS void
    LANGUAGE c VOLATILE STRICT
    SET search_path TO pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
"#
)]
fn begin_rehearsal() {
    // SAFETY: reads the current role's superuser flag from the catalog cache.
    if !unsafe { pg_sys::superuser() } {
        ErrorReport::new(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "permission denied to begin a Promscale upgrade rehearsal",
            function_name!(),
        )
        .set_detail("Only promscale_upgrade_rehearse(), run by a superuser, rehearses the connector's statements.")
        .set_hint("Run SELECT * FROM promscale_upgrade_rehearse(); as a superuser.")
        .report(PgLogLevel::ERROR);
    }
    // SAFETY: the current subtransaction's id; no pointers.
    super::mark_rehearsal(unsafe { pg_sys::GetCurrentSubTransactionId() });
}

// The guard's own schema: the upgrade log and the trigger function live
// there, whatever schema CREATE EXTENSION picked for the SQL functions. When
// the extension itself was installed into a schema of that name, use it.
pgrx::extension_sql!(
    r#"
DO $guard_schema$
BEGIN
    IF '@extschema@' <> 'promscale_upgrade_guard' THEN
        CREATE SCHEMA promscale_upgrade_guard;
    END IF;
END
$guard_schema$;
"#,
    name = "guard_schema",
);

pgrx::extension_sql_file!(
    "../../sql/enforce.sql",
    name = "enforce",
    requires = ["guard_schema", enforce_connector_path, begin_rehearsal]
);
