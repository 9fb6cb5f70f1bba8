//! promscale_upgrade_guard: makes Promscale upgrades safe.
//!
//! Layout (see README.md): `version`, `rules` and `plan` say what an upgrade
//! is; `snapshot` gathers the facts from the catalog; `checks` decides; `api`
//! is the thin SQL surface; `enforce` refuses manual updates of the promscale
//! extension. Only `snapshot::read` reads the catalog; `api` and the glue in
//! `enforce` (the event trigger, the lock check, the upgrade log) are the
//! other places that touch PostgreSQL.

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
    settings::define();
    enforce::upgrade_log::register_callbacks();
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
