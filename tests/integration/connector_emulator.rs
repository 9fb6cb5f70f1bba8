//! A Promscale Connector emulator: replays the connector's SQL sequences for
//! the promscale extension (promscale-facts.md: C `pkg/runner/client.go`,
//! `pkg/pgmodel/new_migrate.go`, `pkg/pgmodel/common/extension/extension.go`)
//! on one dedicated "lease" connection named `promscale@<version>` that holds
//! the migration lock `pg_try_advisory_lock(5585198506344173278)`, as the
//! connector's `SetupDBState` does. Each statement is sent on its own, with
//! the simple query protocol, as pgx's `Exec` without arguments does.

use postgres::Client;

use crate::harness::{Cluster, CONNECTOR_KEY};

/// A connector release and the promscale extension range it accepts
/// (releases.json), as `[min, below)`.
#[derive(Debug, Clone, Copy)]
pub struct Release {
    pub version: &'static str,
    pub extension_min: &'static str,
    pub extension_below: &'static str,
    /// 0.15+ runs the takeover in one transaction; 0.11..0.14 statement by
    /// statement in autocommit.
    pub takeover_in_one_transaction: bool,
}

pub const R0_11: Release =
    Release { version: "0.11.0", extension_min: "0.5.0", extension_below: "0.6.0", takeover_in_one_transaction: false };
pub const R0_14: Release =
    Release { version: "0.14.0", extension_min: "0.6.0", extension_below: "0.7.0", takeover_in_one_transaction: false };
pub const R0_17: Release =
    Release { version: "0.17.0", extension_min: "0.8.0", extension_below: "0.9.0", takeover_in_one_transaction: true };

fn parse(v: &str) -> Option<(u64, u64, u64)> {
    if v.contains('-') {
        return None; // prereleases are never picked
    }
    let mut parts = v.split('.').map(|p| p.parse::<u64>().ok());
    Some((parts.next()??, parts.next().flatten().unwrap_or(0), parts.next().flatten().unwrap_or(0)))
}

/// What the connector found in its preflight queries.
#[derive(Debug, Clone)]
pub struct Preflight {
    pub available: Vec<String>,
    pub default_version: Option<String>,
    pub installed: Option<String>,
    pub server_version_num: String,
    pub legacy: bool,
}

pub struct Connector {
    pub release: Release,
    pub lease: Client,
    pub pid: i32,
}

impl Connector {
    /// Opens the lease connection and takes the migration lock; panics when
    /// the lock is not free (the connector would give up migrating).
    pub fn start(cluster: &Cluster, db: &str, release: Release) -> Connector {
        let mut lease = cluster.connect_as(db, &format!("promscale@{}", release.version));
        let locked: bool = lease.query_one("SELECT pg_try_advisory_lock($1)", &[&CONNECTOR_KEY]).unwrap().get(0);
        assert!(locked, "the emulated connector {} could not take the migration lock", release.version);
        let pid = lease.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
        Connector { release, lease, pid }
    }

    pub fn preflight(&mut self) -> Preflight {
        let c = &mut self.lease;
        let available = c
            .query("SELECT version FROM pg_available_extension_versions WHERE name = 'promscale'", &[])
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect();
        let default_version = c
            .query_opt("SELECT default_version FROM pg_available_extensions WHERE name = 'promscale'", &[])
            .unwrap()
            .map(|r| r.get(0));
        let installed = c
            .query_opt("SELECT extversion FROM pg_extension WHERE extname = 'promscale'", &[])
            .unwrap()
            .map(|r| r.get(0));
        let server_version_num = c.query_one("SHOW server_version_num", &[]).unwrap().get(0);
        let legacy: bool = c
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relname = 'prom_schema_migrations' AND relkind = 'r')",
                &[],
            )
            .unwrap()
            .get(0);
        Preflight { available, default_version, installed, server_version_num, legacy }
    }

    /// `getNewExtensionVersion`: the newest available version that is not a
    /// prerelease, not above default_version, and inside the release's range.
    pub fn pick_version(&self, p: &Preflight) -> String {
        let min = parse(self.release.extension_min).unwrap();
        let below = parse(self.release.extension_below).unwrap();
        let default = p.default_version.as_deref().and_then(parse).unwrap_or((u64::MAX, 0, 0));
        p.available
            .iter()
            .filter_map(|v| parse(v).map(|k| (k, v)))
            .filter(|(k, _)| *k >= min && *k < below && *k <= default)
            .max()
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| {
                panic!("no promscale version for connector {} in {:?}", self.release.version, p.available)
            })
    }

    fn exec(&mut self, sql: &str) -> Result<(), postgres::Error> {
        self.lease.batch_execute(sql)
    }

    /// The whole extension step of `SetupDBState` for this database: the
    /// takeover, an update, or a fresh install. Returns the version asked for.
    pub fn migrate(&mut self) -> Result<String, postgres::Error> {
        let p = self.preflight();
        // Every release checks the server version first (12+).
        assert!(p.server_version_num.parse::<i32>().unwrap() >= 120_000, "{p:?}");
        let target = self.pick_version(&p);
        if p.legacy && p.installed.as_deref().and_then(parse).is_none_or(|v| v < (0, 5, 0)) {
            self.takeover(&p, &target)?;
        } else if p.installed.is_some() {
            self.update(&target)?;
        } else {
            self.fresh_install(&target)?;
        }
        Ok(target)
    }

    /// The takeover of a pre-0.11 database: autocommit up to 0.14, one
    /// transaction from 0.15 on.
    pub fn takeover(&mut self, p: &Preflight, target: &str) -> Result<(), postgres::Error> {
        let one_transaction = self.release.takeover_in_one_transaction;
        if one_transaction {
            self.exec("BEGIN")?;
        }
        let result = (|| {
            if p.installed.is_some() {
                self.exec("DROP EXTENSION IF EXISTS promscale")?;
            }
            self.exec("CREATE EXTENSION promscale SCHEMA public VERSION '0.0.0'")?;
            self.exec(&format!("ALTER EXTENSION promscale UPDATE TO '{target}'"))
        })();
        if one_transaction {
            self.exec(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
        }
        result
    }

    pub fn update(&mut self, target: &str) -> Result<(), postgres::Error> {
        self.exec("BEGIN")?;
        let result = self.exec(&format!("ALTER EXTENSION promscale UPDATE TO '{target}'"));
        self.exec(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
        result
    }

    pub fn fresh_install(&mut self, target: &str) -> Result<(), postgres::Error> {
        self.exec("BEGIN")?;
        let result = self.exec(&format!("CREATE EXTENSION IF NOT EXISTS promscale VERSION '{target}'"));
        self.exec(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
        result
    }

    /// Releases the migration lock, as the connector does after migrating.
    pub fn finish(mut self) {
        let released: bool = self.lease.query_one("SELECT pg_advisory_unlock($1)", &[&CONNECTOR_KEY]).unwrap().get(0);
        assert!(released);
    }
}
