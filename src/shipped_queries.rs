//! The lint that keeps the queries the project ships for others to run
//! (issue 26, finding 9) out of PostgreSQL's `"$user"` schema hazard: the
//! default `search_path` is `"$user", public`, so a role with CREATE on the
//! database that makes a schema named after the exporter's (or an
//! operator's) role puts its own `promscale_upgrade_metrics` first, and its
//! code runs as that role at every scrape. A plain `#[test]` (no server)
//! reads the postgres_exporter queries and the alerting rules
//! (`monitoring/*.yaml`), the demo (`scripts/demo.sh`) and the benchmarks
//! (`bench/*.sh`), and fails with one `file:line: name` line for every call
//! of a guard function (`name(`) and every mention of the guard's view that
//! is not schema-qualified (`public.promscale_upgrade_metrics`). The names
//! come from the committed install scripts (`sql/released/`), so a new
//! function is covered when it ships. Comment lines (`#`) are prose.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The guard's functions and its view in the extension's schema, as the
/// install scripts name them after `FUNCTION` or `VIEW` (pgrx's `CREATE
/// FUNCTION "name"`, the hand-written `@extschema@.name`); not the objects of
/// the guard's own schema (`promscale_upgrade_guard.`), always qualified.
fn guard_objects(root: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut functions, mut views) = (BTreeSet::new(), BTreeSet::new());
    let dir = root.join("sql/released");
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let words: Vec<&str> = text.split_whitespace().collect();
        for pair in words.windows(2) {
            let kind = pair[0];
            let name = pair[1].trim_start_matches("@extschema@.").trim_matches('"');
            let name: String = name.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.trim_start_matches('_').starts_with("promscale_upgrade_")
                || pair[1].contains("promscale_upgrade_guard.")
            {
                continue;
            }
            match kind {
                "FUNCTION" => functions.insert(name),
                "VIEW" => views.insert(name),
                _ => false,
            };
        }
    }
    (functions, views)
}

/// The shipped files that hold queries against the guard.
fn shipped_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("scripts/demo.sh")];
    for (dir, ext) in [("monitoring", "yaml"), ("bench", "sh")] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == ext) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `name:col` for each unqualified use in `line`: a function name followed
/// by `(`, or the view's name, not preceded by `schema.`.
fn unqualified(line: &str, functions: &BTreeSet<String>, views: &BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    for (names, call) in [(functions, true), (views, false)] {
        for name in names {
            for (at, _) in line.match_indices(name.as_str()) {
                let before = line[..at].chars().next_back();
                let after = &line[at + name.len()..];
                if before.is_some_and(|c| is_word(c) || c == '.') || after.chars().next().is_some_and(is_word) {
                    continue;
                }
                if call && !after.trim_start().starts_with('(') {
                    continue;
                }
                found.push(format!("{name}:{}", at + 1));
            }
        }
    }
    found
}

fn findings(root: &Path) -> Vec<String> {
    let (functions, views) = guard_objects(root);
    assert!(
        functions.contains("promscale_upgrade_state") && views.contains("promscale_upgrade_metrics"),
        "the install scripts name no guard objects: {functions:?} {views:?}"
    );
    let mut out = Vec::new();
    for file in shipped_files(root) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with('#') {
                continue;
            }
            for hit in unqualified(line, &functions, &views) {
                out.push(format!("{}:{}: {hit}", file.strip_prefix(root).unwrap().display(), n + 1));
            }
        }
    }
    out
}

/// The SQL the guard's own messages ask a person to run (hints, details)
/// must call the guard qualified too: a superuser pastes them. Messages
/// build those calls with `quote::guard_call`; this finds a call of a guard
/// function spelled out in a string of the code under `src/` (test modules
/// at the end of a file are left out: they run under a pinned search_path).
fn unqualified_in_messages(root: &Path) -> Vec<String> {
    let (functions, _) = guard_objects(root);
    let mut out = Vec::new();
    let mut dirs = vec![root.join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("shipped_queries.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let code = code.split("#[cfg(any(test").next().unwrap_or_default();
            for (n, line) in code.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for f in &functions {
                    if [format!("FROM {f}("), format!("SELECT {f}(")].iter().any(|p| line.contains(p.as_str())) {
                        out.push(format!("{}:{}: {f}", path.strip_prefix(root).unwrap().display(), n + 1));
                    }
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_ask_for_qualified_calls() {
        let found = unqualified_in_messages(Path::new(env!("CARGO_MANIFEST_DIR")));
        assert!(
            found.is_empty(),
            "unqualified calls of the guard in messages (build them with quote::guard_call):\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn shipped_queries_call_the_guard_schema_qualified() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let found = findings(root);
        assert!(
            found.is_empty(),
            "unqualified guard objects in shipped queries (write public.name; see README, Security):\n{}",
            found.join("\n")
        );
    }

    /// The lint itself: what it catches and what it lets pass.
    #[test]
    fn the_lint_tells_qualified_from_not() {
        let functions: BTreeSet<String> =
            ["promscale_upgrade_ready", "promscale_upgrade_state"].map(String::from).into();
        let views: BTreeSet<String> = ["promscale_upgrade_metrics".to_string()].into();
        let hits = |line: &str| unqualified(line, &functions, &views);
        assert_eq!(hits("SELECT * FROM promscale_upgrade_metrics"), ["promscale_upgrade_metrics:15"]);
        assert_eq!(hits("SELECT promscale_upgrade_ready ()"), ["promscale_upgrade_ready:8"]);
        assert_eq!(hits("FROM promscale_upgrade_state() s"), ["promscale_upgrade_state:6"]);
        assert!(hits("SELECT * FROM public.promscale_upgrade_metrics").is_empty());
        assert!(hits("SELECT x.promscale_upgrade_ready()").is_empty());
        // A metric of the same name (promscale_upgrade_ready, a column of
        // the view) is no call; longer names are other names.
        assert!(hits("expr: promscale_upgrade_ready == 0").is_empty());
        assert!(hits("promscale_upgrade_metrics_total _promscale_upgrade_metrics()").is_empty());
    }
}
