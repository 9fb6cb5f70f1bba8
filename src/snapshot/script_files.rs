//! The promscale script files a path can run, read from the extension
//! directory and scanned (`catalog::script_scan`) for the lock estimate.
//!
//! A scan is kept for the backend's life under the stamp of the file it was
//! read from (`kept::Stamp`: device, inode, size, modification and change
//! times), and every call looks at each file's stamp again: a stat per
//! file, a few microseconds. Packages ship every update script as a symlink
//! to the release's full script, so one scan (keyed by the file the links
//! lead to) serves them all; a package upgrade (a new file), a script
//! copied over in place (the same inode, maybe the same size, the change
//! time moved) or a link pointed elsewhere is seen at the next call.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::kept::{now_ns, stamp, stamp_of_open, Stamp};
use crate::catalog::script_scan::{scan_script, ScriptScan};

/// More files than any path runs: past it the kept scans are forgotten
/// (package upgrades leave the old files' entries behind).
const MAX_KEPT: usize = 512;

/// Each scan kept, by the file's device and inode, with its stamp.
type KeptScans = HashMap<(u64, u64), (Stamp, Arc<ScriptScan>)>;

thread_local! {
    static SCANS: RefCell<KeptScans> = RefCell::new(HashMap::new());
}

/// Scans of the named files of `dir`; a file that cannot be read is left out
/// (the estimate then has no scripted part for it).
pub fn scan_files<'a>(dir: &Path, names: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, Arc<ScriptScan>> {
    scan_files_read_at(dir, names, now_ns())
}

/// `scan_files` for a read that began at `read_at` (ns since the Unix
/// epoch): the tests pretend a later read, to which the files are settled.
fn scan_files_read_at<'a>(
    dir: &Path,
    names: impl IntoIterator<Item = &'a str>,
    read_at: i128,
) -> BTreeMap<String, Arc<ScriptScan>> {
    let mut scans = BTreeMap::new();
    for name in names {
        if let Some(scan) = scan_file(&dir.join(name), read_at) {
            scans.insert(name.to_string(), scan);
        }
    }
    scans
}

/// The scan of `path`: the kept one while the file's stamp is the one it
/// was read under, else read now. The stamp kept is the open file's own,
/// taken before reading it, so it is never newer than what was read; a
/// read of a file changed within `kept::SETTLE_NS` is not kept.
fn scan_file(path: &Path, read_at: i128) -> Option<Arc<ScriptScan>> {
    let now = stamp(path)?;
    let key = (now.device, now.inode);
    if let Some(scan) =
        SCANS.with(|s| s.borrow().get(&key).filter(|(kept, _)| *kept == now).map(|(_, scan)| scan.clone()))
    {
        return Some(scan);
    }
    let mut file = std::fs::File::open(path).ok()?;
    let read_stamp = stamp_of_open(&file)?;
    let mut text = Vec::new();
    file.read_to_end(&mut text).ok()?;
    let scan = Arc::new(scan_script(&String::from_utf8_lossy(&text)));
    if read_stamp.settled(read_at) {
        SCANS.with(|s| {
            let mut s = s.borrow_mut();
            if s.len() >= MAX_KEPT {
                s.clear();
            }
            s.insert((read_stamp.device, read_stamp.inode), (read_stamp, scan.clone()));
        });
    }
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
    use crate::catalog::script_scan::ObjectKind;

    fn tables(scans: &BTreeMap<String, Arc<ScriptScan>>, name: &str) -> i64 {
        scans[name].total().counts.get(&ObjectKind::Table).copied().unwrap_or(0)
    }

    /// Issue 26, finding 12: a script copied over in place keeps its inode
    /// (and here its size and modification time): the scan follows it.
    #[test]
    fn a_script_copied_over_in_place_is_scanned_again() {
        let dir = std::env::temp_dir().join(format!("guard-scripts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let name = "promscale--9.9.8--9.9.9.sql";
        let file = dir.join(name);
        std::fs::write(&file, "CREATE TABLE a (x int);").unwrap();
        std::os::unix::fs::symlink(name, dir.join("promscale--9.9.7--9.9.9.sql")).unwrap();
        // As read ten seconds later: settled, so kept.
        let later = || now_ns() + 10 * super::super::kept::SETTLE_NS;
        let names = [name, "promscale--9.9.7--9.9.9.sql"];
        let first = scan_files_read_at(&dir, names, later());
        assert_eq!(tables(&first, name), 1);
        assert!(Arc::ptr_eq(&first[names[0]], &first[names[1]]), "a symlink shares its target's scan");
        assert!(Arc::ptr_eq(&first[name], &scan_files_read_at(&dir, [name], later())[name]), "kept");

        let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&file, "-- not a table here....").unwrap();
        std::fs::File::options().write(true).open(&file).unwrap().set_modified(modified).unwrap();
        let again = scan_files_read_at(&dir, names, later());
        assert_eq!((tables(&again, name), tables(&again, names[1])), (0, 0), "the same inode, size and mtime");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_path_runs_each_step_script() {
        assert_eq!(
            step_files("promscale", ["0.5.0--0.5.2--0.6.0", "0.5.0--0.5.2"]),
            vec!["promscale--0.5.0--0.5.2.sql", "promscale--0.5.2--0.6.0.sql"]
        );
        assert!(step_files("promscale", ["0.8.0"]).is_empty());
    }
}
