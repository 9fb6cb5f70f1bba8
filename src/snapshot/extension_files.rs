//! Which versions of an extension can be installed, from its files on disk.
//!
//! `pg_available_extension_versions` answers this, but reads and parses the
//! control file of every extension in the directory (and every version's
//! secondary control file) on each call, a large share of what a guard
//! function costs on a small database (bench/performance.sh), for two
//! extensions' worth of facts.
//! This module applies PostgreSQL's rule (`extension.c`,
//! `get_available_versions_for_extension`) to the file names alone: a
//! version is available when it has an install script `name--V.sql`, or when
//! update scripts `name--A--B.sql` lead to it from a version that has one.
//! Plain data in, plain data out; the directory is read in `read`.

use std::collections::{BTreeSet, HashMap, VecDeque};

use crate::version::ExtVersion;

/// What the primary control file `name.control` says that matters here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControlFile {
    pub default_version: Option<String>,
    /// `directory`: where the scripts are, when not the extension directory.
    pub directory: Option<String>,
    /// `superuser` and `trusted`, when set.
    pub superuser: Option<bool>,
    pub trusted: Option<bool>,
}

/// The control file's `superuser` and `trusted` (the target version's
/// secondary control file overrides the primary one, as in PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlFlags {
    pub superuser: bool,
    pub trusted: bool,
}

impl Default for ControlFlags {
    /// PostgreSQL's defaults: `superuser = true`, `trusted = false`.
    fn default() -> ControlFlags {
        ControlFlags { superuser: true, trusted: false }
    }
}

impl ControlFile {
    /// Parses `key = 'value'` lines as PostgreSQL's configuration parser
    /// does for control files (`#` comments, quoted or bare values, `''`
    /// for a quote inside quotes).
    pub fn parse(text: &str) -> ControlFile {
        let mut control = ControlFile::default();
        for line in text.lines() {
            let line = line.trim();
            let Some((key, value)) = line.split_once('=') else { continue };
            let key = key.trim();
            if key.starts_with('#') {
                continue;
            }
            let value = parse_value(value.trim());
            match key {
                "default_version" => control.default_version = Some(value),
                "directory" => control.directory = Some(value),
                "superuser" => control.superuser = parse_bool(&value),
                "trusted" => control.trusted = parse_bool(&value),
                _ => {}
            }
        }
        control
    }
}

/// A boolean as PostgreSQL's `parse_bool` reads it (unique prefixes of
/// true/false/yes/no, on/off, 1/0, any case); None when it is none of them.
fn parse_bool(value: &str) -> Option<bool> {
    let v = value.trim().to_ascii_lowercase();
    let prefix_of = |word: &str| !v.is_empty() && word.starts_with(v.as_str());
    match v.as_str() {
        "1" | "on" => Some(true),
        "0" | "off" => Some(false),
        _ if prefix_of("true") || prefix_of("yes") => Some(true),
        _ if prefix_of("false") || prefix_of("no") => Some(false),
        _ => None,
    }
}

fn parse_value(raw: &str) -> String {
    if let Some(quoted) = raw.strip_prefix('\'') {
        let mut out = String::new();
        let mut chars = quoted.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    out.push('\'');
                }
                '\'' => break,
                '\\' => {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                c => out.push(c),
            }
        }
        out
    } else {
        raw.split('#').next().unwrap_or("").trim().to_string()
    }
}

/// The available versions of `extname` given the file names in its script
/// directory, ordered by version.
pub fn available_versions<'a>(extname: &str, file_names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let prefix = format!("{extname}--");
    let mut installable = BTreeSet::new();
    let mut updates: HashMap<String, Vec<String>> = HashMap::new();
    for name in file_names {
        let Some(rest) = name.strip_prefix(&prefix).and_then(|r| r.strip_suffix(".sql")) else { continue };
        match rest.split_once("--") {
            // PostgreSQL skips names with a third "--" (not a script it reads).
            Some((from, to)) if !to.contains("--") && !from.is_empty() && !to.is_empty() => {
                updates.entry(from.to_string()).or_default().push(to.to_string());
            }
            Some(_) => {}
            None if !rest.is_empty() => {
                installable.insert(rest.to_string());
            }
            None => {}
        }
    }
    // Everything update scripts reach from an installable version.
    let mut available: BTreeSet<String> = installable.clone();
    let mut queue: VecDeque<String> = installable.into_iter().collect();
    while let Some(v) = queue.pop_front() {
        for next in updates.get(&v).into_iter().flatten() {
            if available.insert(next.clone()) {
                queue.push_back(next.clone());
            }
        }
    }
    let mut out: Vec<String> = available.into_iter().collect();
    out.sort_by(|a, b| match (ExtVersion::parse(a), ExtVersion::parse(b)) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_scripts_and_what_updates_reach_from_them() {
        let files = [
            "promscale.control",
            "promscale--0.5.0.sql",
            "promscale--0.5.0--0.5.1.sql",
            "promscale--0.5.1--0.5.2.sql",
            "promscale--0.7.0.sql",
            "promscale--0.9.9--0.10.0.sql", // from a version that is not available
            "promscale--0.0.0.sql",
            "promscale_other--1.0.sql",
            "promscale--0.8.0.control",
            "timescaledb--2.9.3.sql",
            "promscale--1--2--3.sql",
        ];
        assert_eq!(
            available_versions("promscale", files),
            ["0.0.0", "0.5.0", "0.5.1", "0.5.2", "0.7.0"].map(String::from).to_vec()
        );
        assert!(available_versions("promscale", ["promscale.control"]).is_empty());
        assert_eq!(available_versions("timescaledb", files), vec!["2.9.3".to_string()]);
    }

    #[test]
    fn control_files_say_who_may_run_the_scripts() {
        let c = ControlFile::parse("default_version = '0.8.0'\nsuperuser = true\ntrusted = on # comment\n");
        assert_eq!((c.superuser, c.trusted), (Some(true), Some(true)));
        let c = ControlFile::parse("superuser = 'false'\n#trusted = true\n");
        assert_eq!((c.superuser, c.trusted), (Some(false), None));
        assert_eq!(ControlFile::parse("trusted = o").trusted, None, "ambiguous, as in PostgreSQL");
    }

    #[test]
    fn versions_are_ordered_as_versions() {
        let files = ["x--0.10.0.sql", "x--0.9.0.sql", "x--0.1.0.sql"];
        assert_eq!(available_versions("x", files), ["0.1.0", "0.9.0", "0.10.0"].map(String::from).to_vec());
    }

    #[test]
    fn control_file_values() {
        let c = ControlFile::parse(
            "# promscale extension\ncomment = 'it''s promscale'\ndefault_version = '0.8.0'  # current\n\
             #default_version = '9'\nrelocatable = false\ndirectory=scripts\n",
        );
        assert_eq!(c.default_version.as_deref(), Some("0.8.0"));
        assert_eq!(c.directory.as_deref(), Some("scripts"));
        assert_eq!(ControlFile::parse("").default_version, None);
    }
}
