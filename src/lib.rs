//! promscale_upgrade_guard: makes Promscale upgrades safe.
//!
//! Layout (see README.md): `version`, `rules` and `plan` say what an upgrade
//! is; `snapshot` gathers the facts from the catalog; `checks` decides; `api`
//! is the thin SQL surface. Only `snapshot::read` and `api` touch PostgreSQL.

pub mod checks;
pub mod locks;
mod monitoring;
pub mod plan;
mod rehearsal;
pub mod rules;
mod settings;
pub mod snapshot;
pub mod state;
pub mod version;

mod api;

pgrx::pg_module_magic!(name, version);

/// Runs once per backend when the library loads.
#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    settings::init();
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
