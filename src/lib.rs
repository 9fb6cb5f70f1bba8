//! promscale_upgrade_guard: makes Promscale upgrades safe.
//!
//! Layout (see README.md): `version`, `rules` and `plan` say what an upgrade
//! is; `snapshot` gathers the facts from the catalog; `checks` decides; `api`
//! is the thin SQL surface; `enforce` refuses manual updates of the promscale
//! extension. Only `snapshot::read` reads the catalog; `api` and the glue in
//! `enforce` (the event trigger, the lock check, the upgrade log) are the
//! other places that touch PostgreSQL.

pub mod checks;
pub mod enforce;
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

/// Runs once per backend when the library loads: by the first extension
/// command of a session (the event trigger calls into it) or the first call
/// of a guard function.
#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    settings::init();
    enforce::init();
    // Last, once every setting is defined: drop (with a WARNING) any other
    // placeholder under the prefix and refuse new ones.
    #[cfg(not(any(feature = "pg13", feature = "pg14")))]
    // SAFETY: called once from _PG_init, after the GUCs under the prefix are defined.
    unsafe {
        pgrx::pg_sys::MarkGUCPrefixReserved(c"promscale_upgrade_guard".as_ptr());
    }
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
