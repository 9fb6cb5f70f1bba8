//! promscale_upgrade_guard: makes Promscale upgrades safe.
//!
//! Layout (see README.md), in layers whose imports run one way, down
//! (`layering.rs` is the table and its test): knowledge and plain data
//! (`version`, `quote`, `rules`, `settings`, `pg_glue`, `catalog`); the facts
//! (`snapshot`, the only catalog reads); the upgrade asked about (`plan`);
//! the lock arithmetic (`locks`, `rehearsal_history`); the checks; what
//! people read (`state`, `progress`, `views`); and the SQL surface (`api`,
//! `monitoring`, `rehearsal`) with `enforce`, which refuses manual updates
//! of the promscale extension.

pub mod catalog;
pub mod checks;
pub mod enforce;
#[cfg(test)]
mod layering;
pub mod locks;
mod monitoring;
mod pg_glue;
pub mod plan;
pub mod progress;
pub mod quote;
mod rehearsal;
pub mod rehearsal_history;
pub mod rules;
mod settings;
#[cfg(test)]
mod shipped_queries;
pub mod snapshot;
#[cfg(test)]
mod sql_lint;
pub mod state;
pub mod version;
pub mod views;

mod api;

pgrx::pg_module_magic!(name, version);

/// Runs once per backend when the library loads: by the first extension
/// command of a session (the event trigger calls into it) or the first call
/// of a guard function.
#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    pg_glue::no_backtraces_in_messages();
    settings::define();
    enforce::upgrade_log::register_callbacks();
    snapshot::kept::register_invalidation_callbacks();
}

/// Required by `cargo pgrx test`: one-off setup and server settings.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
