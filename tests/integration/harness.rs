//! Throwaway servers from the private prefix and real client sessions.
//!
//! Servers are started through `scripts/pg.sh` (the same code the other test
//! layers use); each test works in a database of its own, so tests can run
//! in parallel on one server.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use postgres::{Client, NoTls};

/// The connector's advisory lock key (releases.json `connector_lock_key`).
pub const CONNECTOR_KEY: i64 = 5585198506344173278;

/// The port of test server number `offset`: `GUARD_TEST_PORT_BASE` (default
/// 55320) plus `offset`, so that two checkouts can run the suite at once.
pub fn port(offset: u16) -> u16 {
    let base = std::env::var("GUARD_TEST_PORT_BASE").ok().and_then(|v| v.parse::<u16>().ok()).unwrap_or(55320);
    base + offset
}

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn bash(script: &str) -> String {
    let out = Command::new("bash").arg("-c").arg(script).current_dir(project_root()).output().expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script}\nfailed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

pub struct Cluster {
    pub name: String,
    pub port: u16,
    pub socket_dir: String,
}

impl Cluster {
    /// initdb (fresh) and start a server; `conf` lines go to postgresql.conf.
    pub fn start(name: &str, port: u16, conf: &[&str]) -> Cluster {
        Cluster::start_with_env(name, port, conf, "")
    }

    /// The same, with `env` (`NAME=value ...`) in the server's environment.
    pub fn start_with_env(name: &str, port: u16, conf: &[&str], env: &str) -> Cluster {
        let conf_args: Vec<String> = conf.iter().map(|c| format!("'{c}'")).collect();
        let exports = if env.is_empty() { String::new() } else { format!("export {env}; ") };
        bash(&format!(
            "{exports}source scripts/pg.sh && cluster_destroy {name} && cluster_start {name} {port} {}",
            conf_args.join(" ")
        ));
        Cluster::running(name, port)
    }

    /// A handle on the running cluster `name`.
    fn running(name: &str, port: u16) -> Cluster {
        let socket_dir =
            bash(&format!("source scripts/pg.sh && echo \"$(cluster_dir {name})/socket\"")).trim().to_string();
        Cluster { name: name.to_string(), port, socket_dir }
    }

    /// A streaming hot standby of `primary`.
    pub fn start_replica(name: &str, port: u16, primary: &Cluster) -> Cluster {
        bash(&format!(
            "source scripts/pg.sh && cluster_destroy {name} && cluster_start_replica {name} {port} {} {}",
            primary.name, primary.port
        ));
        Cluster::running(name, port)
    }

    /// The server shared by most tests of this binary (started once).
    pub fn shared() -> &'static Cluster {
        static SHARED: OnceLock<Cluster> = OnceLock::new();
        SHARED.get_or_init(|| {
            let cluster = Cluster::start("it", port(0), &["max_locks_per_transaction = 256"]);
            // The stand-in creates cluster-wide roles (prom_reader, ...) and
            // their memberships when missing; tests building databases in
            // parallel would collide on them. Create them once, here.
            let db = cluster.fresh_db("it_roles");
            cluster.connect(&db).batch_execute("CREATE EXTENSION timescaledb; CREATE EXTENSION promscale").unwrap();
            cluster
        })
    }

    /// Stop and start again (settings changed with ALTER SYSTEM take effect).
    pub fn restart(&self) {
        bash(&format!("source scripts/pg.sh && cluster_restart {}", self.name));
    }

    /// The whole database as pg_dump prints it (schema and data), without
    /// the random restrict key that pg_dump writes into every dump.
    pub fn dump(&self, db: &str) -> String {
        bash(&format!(
            "source scripts/env.sh && \"$PG_BIN/pg_dump\" -h '{}' -p {} -U postgres --no-sync {db} 2>/dev/null",
            self.socket_dir, self.port
        ))
        .lines()
        .filter(|l| !l.starts_with("\\restrict ") && !l.starts_with("\\unrestrict "))
        .collect::<Vec<_>>()
        .join("\n")
    }

    pub fn stop(&self) {
        bash(&format!("source scripts/pg.sh && cluster_destroy {}", self.name));
    }

    /// The server's log file (written as the server's OS user, readable here).
    pub fn server_log(&self) -> String {
        let dir = std::path::Path::new(&self.socket_dir).parent().expect("cluster dir");
        std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
    }

    /// Runs a SQL file with psql (ON_ERROR_STOP) in `db`; `vars` are psql -v NAME=VALUE.
    pub fn psql_file(&self, db: &str, file: &str, vars: &[(&str, &str)]) {
        let vars: Vec<String> = vars.iter().map(|(k, v)| format!("-v '{k}={v}'")).collect();
        bash(&format!(
            "source scripts/env.sh && \"$PG_BIN/psql\" -X -q -v ON_ERROR_STOP=1 -h '{}' -p {} -U postgres -d {db} {} -f {file} >/dev/null",
            self.socket_dir,
            self.port,
            vars.join(" ")
        ));
    }

    pub fn conninfo(&self, db: &str, application_name: &str) -> String {
        // Timeouts turn a hang (a test bug, or the guard waiting) into a failure.
        format!(
            "host={} port={} user=postgres dbname={db} application_name='{application_name}' \
             connect_timeout=20 options='-c statement_timeout=120s'",
            self.socket_dir, self.port
        )
    }

    pub fn connect_as(&self, db: &str, application_name: &str) -> Client {
        Client::connect(&self.conninfo(db, application_name), NoTls)
            .unwrap_or_else(|e| panic!("connect to {db} on {}: {e}", self.name))
    }

    pub fn connect(&self, db: &str) -> Client {
        self.connect_as(db, "guard-test")
    }

    /// A session as `user` (the conninfo names the superuser; the socket's
    /// trust authentication lets any role in).
    pub fn connect_user(&self, db: &str, user: &str, application_name: &str) -> Client {
        self.connect_user_with_notices(db, user, application_name).0
    }

    /// The same, keeping every NOTICE and WARNING the session receives.
    pub fn connect_user_with_notices(
        &self,
        db: &str,
        user: &str,
        application_name: &str,
    ) -> (Client, std::sync::Arc<std::sync::Mutex<Vec<postgres::error::DbError>>>) {
        let notices = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = notices.clone();
        let mut config: postgres::Config = self.conninfo(db, application_name).parse().unwrap();
        config.user(user);
        config.notice_callback(move |n| sink.lock().unwrap().push(n));
        (config.connect(NoTls).unwrap_or_else(|e| panic!("connect to {db} as {user}: {e}")), notices)
    }

    /// A new, empty database with the guard installed.
    pub fn fresh_db(&self, db: &str) -> String {
        let mut admin = self.connect("postgres");
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {db} TEMPLATE template0")).unwrap();
        self.connect(db).batch_execute("CREATE EXTENSION promscale_upgrade_guard").unwrap();
        db.to_string()
    }

    /// A pre-0.11 database (the connector 0.10 schema of
    /// pg_test/fixtures/legacy-0.10.sql, `prom_schema_migrations` in public,
    /// `metrics` metrics and `spans` spans), with the old extension when
    /// `old_extension` names a version, TimescaleDB and the guard.
    pub fn legacy_db(&self, db: &str, old_extension: &str, metrics: u32, spans: u32) -> String {
        let mut admin = self.connect("postgres");
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {db} TEMPLATE template0")).unwrap();
        self.connect(db).batch_execute("CREATE EXTENSION timescaledb").unwrap();
        self.psql_file(
            db,
            "pg_test/fixtures/legacy-0.10.sql",
            &[("old_extension", old_extension), ("metrics", &metrics.to_string()), ("spans", &spans.to_string())],
        );
        self.connect(db).batch_execute("CREATE EXTENSION promscale_upgrade_guard").unwrap();
        db.to_string()
    }

    /// A Promscale database built by the fixture generator, with the guard.
    /// `args` are generate.sh's options after `--db`.
    pub fn promscale_db(&self, db: &str, args: &str) -> String {
        // One generator at a time: fixtures create cluster-wide roles, and
        // two of them racing on CREATE ROLE collide.
        static GENERATOR: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one_at_a_time = GENERATOR.lock().unwrap_or_else(|e| e.into_inner());
        let mut admin = self.connect("postgres");
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).unwrap();
        bash(&format!(
            "export PGHOST='{}' PGPORT={} PGUSER=postgres; pg_test/fixtures/generate.sh --db {db} {args} >/dev/null",
            self.socket_dir, self.port
        ));
        self.connect(db).batch_execute("CREATE EXTENSION IF NOT EXISTS promscale_upgrade_guard").unwrap();
        db.to_string()
    }
}

/// One row of promscale_upgrade_checks().
#[derive(Debug, Clone)]
pub struct CheckRow {
    pub name: String,
    pub status: String,
    pub detail: String,
    pub hint: Option<String>,
}

pub fn checks(client: &mut Client, target: Option<&str>) -> Vec<CheckRow> {
    client
        .query("SELECT check_name, status, detail, hint FROM promscale_upgrade_checks($1)", &[&target])
        .unwrap()
        .iter()
        .map(|r| CheckRow { name: r.get(0), status: r.get(1), detail: r.get(2), hint: r.get(3) })
        .collect()
}

pub fn check(client: &mut Client, target: Option<&str>, name: &str) -> CheckRow {
    checks(client, target).into_iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no check {name}"))
}

pub fn backend_pid(client: &mut Client) -> i32 {
    client.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0)
}

/// One row of promscale_upgrade_lock_estimate().
pub struct Estimate {
    pub path: String,
    pub locks_needed: i64,
    pub fits: bool,
    pub recommended: i32,
    pub breakdown: serde_json::Value,
}

pub fn lock_estimate(client: &mut Client) -> Estimate {
    let row = client
        .query_one(
            "SELECT path, locks_needed, fits, recommended_max_locks_per_transaction, breakdown::text
             FROM promscale_upgrade_lock_estimate()",
            &[],
        )
        .unwrap();
    Estimate {
        path: row.get(0),
        locks_needed: row.get(1),
        fits: row.get(2),
        recommended: row.get(3),
        breakdown: serde_json::from_str(row.get::<_, &str>(4)).unwrap(),
    }
}
