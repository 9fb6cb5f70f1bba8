//! The promscale script files a path can run, read from the extension
//! directory and scanned (`catalog::script_scan`) for the lock estimate.
//!
//! A scan is kept for the backend's life, keyed by the file's resolved path,
//! size and modification time: packages ship every update script as a
//! symlink to the release's full script, so one scan serves them all, and a
//! package upgrade (new file) is seen at the next call.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::catalog::script_scan::{scan_script, ScriptScan};

type Key = (PathBuf, u64, Option<SystemTime>);

thread_local! {
    static SCANS: RefCell<HashMap<Key, Arc<ScriptScan>>> = RefCell::new(HashMap::new());
}

/// Scans of the named files of `dir`; a file that cannot be read is left out
/// (the estimate then has no scripted part for it).
pub fn scan_files<'a>(dir: &Path, names: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, Arc<ScriptScan>> {
    let mut scans = BTreeMap::new();
    for name in names {
        if let Some(scan) = scan_file(&dir.join(name)) {
            scans.insert(name.to_string(), scan);
        }
    }
    scans
}

fn scan_file(path: &Path) -> Option<Arc<ScriptScan>> {
    let resolved = std::fs::canonicalize(path).ok()?;
    let meta = std::fs::metadata(&resolved).ok()?;
    let key = (resolved, meta.len(), meta.modified().ok());
    if let Some(scan) = SCANS.with(|s| s.borrow().get(&key).cloned()) {
        return Some(scan);
    }
    let text = std::fs::read(&key.0).ok()?;
    let scan = Arc::new(scan_script(&String::from_utf8_lossy(&text)));
    SCANS.with(|s| s.borrow_mut().insert(key, scan.clone()));
    Some(scan)
}

/// The script files that the update paths in `paths` run: for each path
/// `a--b--c`, `promscale--a--b.sql` and `promscale--b--c.sql`.
pub fn step_files<'a>(extname: &str, paths: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    for path in paths {
        let versions: Vec<&str> = path.split("--").collect();
        for pair in versions.windows(2) {
            let file = format!("{extname}--{}--{}.sql", pair[0], pair[1]);
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_runs_each_step_script() {
        assert_eq!(
            step_files("promscale", ["0.5.0--0.5.2--0.6.0", "0.5.0--0.5.2"]),
            vec!["promscale--0.5.0--0.5.2.sql", "promscale--0.5.2--0.6.0.sql"]
        );
        assert!(step_files("promscale", ["0.8.0"]).is_empty());
    }
}
