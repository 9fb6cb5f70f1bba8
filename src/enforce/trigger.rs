//! The event trigger function: parse tree -> command -> facts -> verdict ->
//! ERROR, WARNING or a pending log entry. Thin glue; `decision` decides.
//!
//! The trigger fires on `ddl_command_start` only for `ALTER EXTENSION` and
//! `CREATE EXTENSION` (its `WHEN TAG` filter), so other DDL never calls it:
//! not even `DROP EXTENSION`, which must stay possible when the guard's
//! library is missing. Commands for other extensions return after one
//! look at the parse tree; only promscale commands read the catalog.
//!
//! An allowed command marks its transaction as a Promscale upgrade
//! (`upgrade_mark`): a lock that no SQL can take, which every other session
//! sees in `pg_locks` until the transaction ends, whatever statement it runs
//! meanwhile. The state and the monitoring read the upgrade from it, never
//! from query text, which any role can fake (a comment) or hide.

use pgrx::pg_sys;
use pgrx::prelude::*;

use super::audit::audit_line;
use super::command::Command;
use super::decision::fail_fast::LockFit;
use super::decision::{decide, AllowedBy, Facts, RefusalReason, Verdict, Who};
use super::lock_path::lock_path_for;
use super::pending::PendingCommand;
use super::privileges::Privileges;
use super::{parse_tree, session_lock, upgrade_log, upgrade_mark};
use crate::locks::capacity::Capacity;
use crate::pg_glue::{c_string, raise, report, with_pinned_settings, without_keeping_locks};
use crate::plan::UpgradeKind;
use crate::rules::Rules;
use crate::snapshot::{read, PromscaleCommandFacts};
use crate::{rehearsal, settings};

// The C symbol (`enforce_connector_path_wrapper`) is part of the installed
// SQL: keep the name when refactoring, or existing databases lose the trigger.
#[pg_extern(
    requires = ["guard_schema"],
    sql = r#"
CREATE FUNCTION promscale_upgrade_guard.enforce_connector_path() RETURNS pg_catalog.event_trigger
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
    with_pinned_settings(|| judge(&command));
}

/// The lock estimate for the update about to run, against the lock table
/// (the numbers `promscale_upgrade_lock_estimate()` shows): fail-fast
/// refuses the connector's update when it does not fit, and the upgrade log
/// keeps it beside the locks really held. None when there is nothing to
/// estimate.
fn lock_fit_for(command: &Command, kind: UpgradeKind, ext: &PromscaleCommandFacts) -> Option<(LockFit, Option<f64>)> {
    let rules = Rules::get();
    let snapshot = read::read_for_estimate(rules);
    let path = lock_path_for(command, kind, ext.installed.as_deref(), ext.default_version.as_deref(), || {
        crate::plan::plan(&snapshot, None, rules).ok().and_then(|p| p.target_extension)
    })?;
    let estimate = crate::locks::estimate_path(&snapshot, &path);
    let capacity = Capacity::of(&snapshot);
    let now = crate::rehearsal_history::CatalogSize::now(&snapshot);
    let expected_seconds = crate::rehearsal_history::expected_seconds_for(&snapshot.rehearsals, &path, now);
    let fit = LockFit {
        locks_needed: estimate.locks_needed,
        locks_counted: estimate.counted,
        lock_capacity: capacity.size.nominal_entries(),
        locks_in_use: capacity.in_use,
        recommended_max_locks_per_transaction: capacity.recommended_max_locks(estimate.locks_needed),
        holders: snapshot.lock_holders.clone(),
    };
    Some((fit, expected_seconds))
}

/// `lock_fit_for`, read as the upgrade log's owner (so that the estimate,
/// fail-fast and the expected duration are what an operator sees, whether
/// the connector's role is a superuser or not, and so that no privilege
/// check loads role memberships), with no lock kept. A catalog lock not
/// granted at once (another session holds or queues a conflicting one)
/// only skips the estimate: Err carries what was in the way, for a
/// WARNING. Who may update was decided before, on facts read apart.
fn estimate_without_waiting(
    command: &Command,
    kind: UpgradeKind,
    ext: &PromscaleCommandFacts,
) -> Result<Option<(LockFit, Option<f64>)>, String> {
    PgTryBuilder::new(|| Ok(without_keeping_locks(|| upgrade_log::as_log_owner(|| lock_fit_for(command, kind, ext)))))
        .catch_when(PgSqlErrorCode::ERRCODE_LOCK_NOT_AVAILABLE, |e| match e {
            pgrx::pg_sys::panic::CaughtError::PostgresError(r) | pgrx::pg_sys::panic::CaughtError::ErrorReport(r) => {
                Err(format!("{}: {}", r.message(), r.detail().unwrap_or("another session holds the lock")))
            }
            other => other.rethrow(),
        })
        .execute()
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

fn who(role: String, client_addr: Option<String>) -> Who {
    // SAFETY: application_name is a GUC string, NUL-terminated or null; MyProcPid is set at backend start.
    let (application_name, pid) = unsafe { (c_string(pg_sys::application_name), pg_sys::MyProcPid) };
    Who { pid, role, application_name, client_addr }
}

fn judge(command: &Command) {
    // SAFETY: reads the clock; no pointers.
    let started_at = unsafe { pg_sys::GetCurrentTimestamp() };
    read::refresh_guard_schema();
    let rules = Rules::get();
    let connector_roles = settings::connector_roles();
    let ext = without_keeping_locks(|| read::promscale_command_facts(&connector_roles));
    let privileges = Privileges {
        // SAFETY: reads the current role's superuser flag from the catalog cache.
        superuser: unsafe { pg_sys::superuser() },
        owns_promscale: ext.owns_promscale,
        create_on_database: ext.create_on_database,
    };
    let target = match command {
        Command::Update { to } => to.clone(),
        Command::Create { version, .. } => version.clone(),
    };
    let control = read::promscale_control_flags(target.or_else(|| ext.default_version.clone()).as_deref());
    let mut facts = Facts {
        in_extension_script: false,
        connector_lock: session_lock::connector_lock(rules.connector_lock_key),
        connector_lock_key: rules.connector_lock_key,
        rehearsal: rehearsal::active(),
        allow_manual_update: settings::allow_manual_update(),
        fail_fast: settings::fail_fast(),
        other_connector_sessions: Vec::new(),
        lock_fit: None,
        installed: ext.installed.clone(),
        default_version: ext.default_version.clone(),
        legacy_tables: ext.legacy_tables.clone(),
        privileges,
        control,
        in_connector_roles: ext.in_connector_roles,
        connector_roles,
        role: upgrade_log::current_role_name(),
        last_logged_version: crate::snapshot::LoggedVersion::Read(None),
    };
    // A CREATE with promscale gone: the version the log last saw tells a
    // reinstall at another version (an update) from a fresh install.
    if matches!(command, Command::Create { .. }) && ext.installed.is_none() && ext.legacy_tables.is_empty() {
        facts.last_logged_version = without_keeping_locks(|| upgrade_log::as_log_owner(read::last_logged_version));
    }
    let mut verdict = decide(command, &facts);
    if verdict == Verdict::Pass {
        // Not guarded, or PostgreSQL will refuse it with its own error.
        return;
    }
    // Who else is connected: fail-fast refuses while connectors run, and a
    // refusal names the session holding the lease.
    facts.other_connector_sessions = without_keeping_locks(|| read::connector_sessions(rules));
    verdict = decide(command, &facts);
    // How long a rehearsal of the same path says it takes: published
    // with the estimate, for the progress's time left.
    let mut expected_seconds = None;
    let mut estimate_skipped = None;
    if let Some(kind) = allowed_kind_needing_estimate(&verdict, &facts) {
        match estimate_without_waiting(command, kind, &ext) {
            Ok(fit) => {
                expected_seconds = fit.as_ref().and_then(|(_, expected)| *expected);
                facts.lock_fit = fit.map(|(fit, _)| fit);
                verdict = decide(command, &facts);
            }
            Err(skipped) => estimate_skipped = Some(skipped),
        }
    }
    let who = who(facts.role.clone(), ext.client_addr.clone());
    if let Some(line) = audit_line(command, &verdict, &who) {
        report(PgLogLevel::LOG_SERVER_ONLY, PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION, line, None, None);
    }
    match verdict {
        Verdict::Pass => {}
        Verdict::Allow(allowed) => {
            if allowed.by != AllowedBy::Rehearsal {
                // Before the update takes any lock: what the log row needs
                // at commit (a rehearsal never commits).
                if let Err(blockers) = upgrade_log::lock_for_commit() {
                    raise(
                        PgSqlErrorCode::ERRCODE_LOCK_NOT_AVAILABLE,
                        format!(
                            "extension \"promscale\" cannot be {} now: another session holds or waits for a lock on promscale_upgrade_guard.upgrade_log",
                            if matches!(command, Command::Update { .. }) { "updated" } else { "created" }
                        ),
                        Some(format!(
                            "The guard records the upgrade in promscale_upgrade_guard.upgrade_log when it commits; it would wait for that lock there, holding every lock of the upgrade, with ingestion stopped. In the way: {blockers}. Nothing was changed."
                        )),
                        Some("Let those sessions finish, or end them with SELECT pg_terminate_backend(pid), then start the connector again. Locking the guard's log is needed by no tool: check what the role of those sessions is doing.".into()),
                    );
                }
            }
            if let Some(skipped) = &estimate_skipped {
                report(
                    PgLogLevel::WARNING,
                    PgSqlErrorCode::ERRCODE_WARNING,
                    "the lock estimate of this promscale upgrade was not made: a catalog it reads is locked",
                    Some(skipped.clone()),
                    Some(format!("The upgrade goes ahead without fail-fast's check of the lock table. If it fails with \"out of shared memory\", run SELECT * FROM {}(); once those sessions have ended, and raise max_locks_per_transaction as it says.", crate::quote::guard_call("promscale_upgrade_lock_estimate"))),
                );
            }
            // Marked first, so that the locks held before the command
            // (which the log does not count) include the mark itself.
            upgrade_mark::take(allowed.locks_estimated, expected_seconds);
            let locks_before =
                if upgrade_log::has_locks_before() { None } else { Some(without_keeping_locks(read::held_lock_tags)) };
            for w in &allowed.warnings {
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
                locks_before,
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
// the extension itself was installed into a schema of that name, use it,
// but only if a superuser owns it and it holds nothing but the guard's own
// objects: the owner of a schema can drop and replace what is in it, so a
// schema another role made beforehand would let that role forge the
// upgrade log.
pgrx::extension_sql!(
    r#"
DO $guard_schema$
DECLARE
    _owner pg_catalog.name;
    _foreign pg_catalog.int8;
BEGIN
    IF '@extschema@' OPERATOR(pg_catalog.<>) 'promscale_upgrade_guard' THEN
        CREATE SCHEMA promscale_upgrade_guard;
        RETURN;
    END IF;
    SELECT r.rolname INTO _owner
    FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
    WHERE n.nspname OPERATOR(pg_catalog.=) 'promscale_upgrade_guard' AND NOT r.rolsuper;
    SELECT pg_catalog.count(*) INTO _foreign
    FROM (SELECT c.oid, 'pg_catalog.pg_class'::pg_catalog.regclass AS classid FROM pg_catalog.pg_class c
          WHERE c.relnamespace OPERATOR(pg_catalog.=) 'promscale_upgrade_guard'::pg_catalog.regnamespace
          UNION ALL
          SELECT p.oid, 'pg_catalog.pg_proc'::pg_catalog.regclass FROM pg_catalog.pg_proc p
          WHERE p.pronamespace OPERATOR(pg_catalog.=) 'promscale_upgrade_guard'::pg_catalog.regnamespace) o
    WHERE NOT EXISTS (
        SELECT FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
        WHERE d.classid OPERATOR(pg_catalog.=) o.classid AND d.objid OPERATOR(pg_catalog.=) o.oid
          AND d.deptype OPERATOR(pg_catalog.=) 'e' AND e.extname OPERATOR(pg_catalog.=) 'promscale_upgrade_guard');
    IF _owner IS NOT NULL OR _foreign OPERATOR(pg_catalog.>) 0 THEN
        RAISE EXCEPTION 'schema "promscale_upgrade_guard" cannot hold the extension promscale_upgrade_guard'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = CASE WHEN _owner IS NOT NULL
                                THEN pg_catalog.format('The schema is owned by role %I, which is not a superuser: its owner could drop and replace the guard''s upgrade log.', _owner)
                                ELSE pg_catalog.format('The schema already holds %s objects that are not the guard''s.', _foreign) END,
                  HINT = 'Check what the schema holds and drop it (DROP SCHEMA promscale_upgrade_guard), then create the extension again: it creates the schema itself.';
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
