//! The event trigger function: parse tree -> command -> facts -> verdict ->
//! ERROR, WARNING or a pending log entry. Thin glue; `decision` decides.
//!
//! The trigger fires on `ddl_command_start` only for `ALTER EXTENSION` and
//! `CREATE EXTENSION` (its `WHEN TAG` filter), so other DDL never calls it.
//! Commands for other extensions return after one look at the parse tree;
//! only promscale commands read the catalog.

use pgrx::pg_sys;
use pgrx::prelude::*;

use super::command::Command;
use super::decision::{audit_line, decide, Facts, LockFit, RefusalReason, UpgradeKind, Verdict, Who};
use super::pending::PendingCommand;
use super::{parse_tree, session_lock, upgrade_log};
use crate::locks::capacity::Capacity;
use crate::locks::estimate::LockPath;
use crate::pg_glue::{c_string, raise, report, with_pinned_search_path, without_keeping_locks};
use crate::rules::Rules;
use crate::snapshot::{read, PromscaleCommandFacts};
use crate::{rehearsal, settings};

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
    let Some(command) = (unsafe { parse_tree::promscale_command(fcinfo) }) else {
        return;
    };
    with_pinned_search_path(|| judge(&command));
}

/// The lock estimate for the update about to run, against the lock table
/// (the numbers `promscale_upgrade_lock_estimate()` shows): fail-fast
/// refuses the connector's update when it does not fit, and the upgrade log
/// keeps it beside the locks really held. None when there is nothing to
/// estimate.
fn lock_fit_for(command: &Command, kind: UpgradeKind, ext: &PromscaleCommandFacts) -> Option<LockFit> {
    let rules = Rules::get();
    let snapshot = read::read(rules);
    let path = LockPath::for_command(command, kind, ext.installed.as_deref(), ext.default_version.as_deref(), || {
        crate::plan::plan(&snapshot, None, rules).ok().and_then(|p| p.target_extension)
    })?;
    let estimate = crate::locks::estimate_path(&snapshot, &path);
    let capacity = Capacity::of(&snapshot);
    Some(LockFit {
        locks_needed: estimate.locks_needed,
        locks_counted: estimate.counted,
        lock_capacity: capacity.size.nominal_entries(),
        locks_in_use: capacity.in_use,
        recommended_max_locks_per_transaction: capacity.recommended_max_locks(estimate.locks_needed),
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
    // SAFETY: application_name is a GUC string, NUL-terminated or null; MyProcPid is set at backend start.
    let (application_name, pid) = unsafe { (c_string(pg_sys::application_name), pg_sys::MyProcPid) };
    Who { pid, role: upgrade_log::current_role_name(), application_name }
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
        rehearsal: rehearsal::active(),
        allow_manual_update: settings::allow_manual_update(),
        fail_fast: settings::fail_fast(),
        other_connector_sessions: sessions,
        lock_fit: None,
        installed: ext.installed.clone(),
        default_version: ext.default_version.clone(),
        legacy_tables: ext.legacy_tables.clone(),
    };
    let mut verdict = decide(command, &facts);
    if let Some(kind) = allowed_kind_needing_estimate(&verdict, &facts) {
        facts.lock_fit = without_keeping_locks(|| lock_fit_for(command, kind, &ext));
        verdict = decide(command, &facts);
    }
    let who = who();
    if let Some(line) = audit_line(command, &verdict, &who) {
        report(PgLogLevel::LOG_SERVER_ONLY, PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION, line, None, None);
    }
    match verdict {
        Verdict::Pass => {}
        Verdict::Allow(allowed) => {
            if let Some(w) = &allowed.warning {
                report(
                    PgLogLevel::WARNING,
                    PgSqlErrorCode::ERRCODE_WARNING,
                    w.message.clone(),
                    Some(w.detail.clone()),
                    Some(w.hint.clone()),
                );
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
                upgrade_log::count_refusal();
            }
            let code = match refusal.reason {
                RefusalReason::NotTheConnector => PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                RefusalReason::ConnectorsConnected => PgSqlErrorCode::ERRCODE_OBJECT_IN_USE,
                RefusalReason::LockTableTooSmall => PgSqlErrorCode::ERRCODE_CONFIGURATION_LIMIT_EXCEEDED,
            };
            let m = refusal.message;
            raise(code, m.message, Some(m.detail), Some(m.hint));
        }
    }
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
    requires = ["guard_schema", enforce_connector_path, rehearsal::begin_rehearsal]
);
