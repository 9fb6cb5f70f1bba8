//! The lint that keeps `src/` layered: a module imports only from its own
//! layer and the ones below (`LAYERS`), and no two top-level modules import
//! each other, directly or through others. A plain `#[test]` (no server)
//! reads every `src/**/*.rs`, drops comments and string literals, resolves
//! every `crate::` and `super::` path (in `use` trees and inline) to a
//! module, and fails with one `file:line: ...` line per upward import and
//! one line per cycle.
//!
//! Test code (`#[cfg(test)] mod tests`) follows the same layers, with no
//! exemption: a test helper such as `plan::tests::snapshot_with` is used
//! from the layers above `plan` only, so a test never needs a module its
//! code may not import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One layer: what it holds, and the module path prefixes in it.
struct Layer {
    holds: &'static str,
    modules: &'static [&'static str],
}

/// The layers, bottom first: the index is the rank. A module path belongs
/// to the layer of its longest listed prefix; "" is the crate root alone.
const LAYERS: &[Layer] = &[
    Layer {
        holds: "knowledge and plain data: versions, release rules, settings, quoting, the C API glue, the catalog's \
                and the scripts' data types (and the source lints)",
        modules: &[
            "version",
            "quote",
            "rules",
            "settings",
            "pg_glue",
            "catalog",
            "sql_lint",
            "shipped_queries",
            "layering",
        ],
    },
    Layer { holds: "the facts read from the catalog", modules: &["snapshot"] },
    Layer { holds: "which upgrade is asked about", modules: &["plan"] },
    Layer {
        holds: "the lock arithmetic, and what past rehearsals of a path say",
        modules: &["locks", "rehearsal_history"],
    },
    Layer { holds: "the readiness checks", modules: &["checks"] },
    Layer { holds: "phases, progress and the rows people read", modules: &["state", "progress", "views"] },
    Layer {
        holds: "the SQL surface, the rehearsal, the event trigger and its decisions",
        modules: &["api", "monitoring", "rehearsal", "enforce"],
    },
    Layer { holds: "the crate root: module list and _PG_init", modules: &[""] },
];

/// The listed prefix `module` (a path such as `snapshot::read`) falls
/// under, the longest one, and its rank; None when no layer lists it.
fn declared(module: &str) -> Option<(&'static str, usize)> {
    let mut best: Option<(&'static str, usize)> = None;
    for (rank, layer) in LAYERS.iter().enumerate() {
        for prefix in layer.modules {
            let matches = if prefix.is_empty() {
                module.is_empty()
            } else {
                module == *prefix || module.starts_with(&format!("{prefix}::"))
            };
            if matches && best.is_none_or(|(b, _)| prefix.len() > b.len()) {
                best = Some((prefix, rank));
            }
        }
    }
    best
}

fn rank(module: &str) -> Option<usize> {
    declared(module).map(|(_, rank)| rank)
}

/// The module a file under `src/` defines: `lib.rs` the root, `a/mod.rs`
/// and `a.rs` `a`, `a/b.rs` `a::b`.
fn file_module(relative: &str) -> Vec<String> {
    let path = relative.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = path.split('/').map(str::to_string).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// `src` with comments, string and char literals replaced by spaces
/// (newlines kept, so lines still count).
fn code_only(src: &str) -> String {
    let s: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < s.len() && s[i] != '\n' {
                blank(&mut out, s[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, s[i]);
                    i += 1;
                }
            }
        } else if let Some(end) = raw_string_end(&s, i) {
            while i < end {
                blank(&mut out, s[i]);
                i += 1;
            }
        } else if c == '"' {
            blank(&mut out, c);
            i += 1;
            while i < s.len() && s[i] != '"' {
                let step = if s[i] == '\\' { 2 } else { 1 };
                for _ in 0..step.min(s.len() - i) {
                    blank(&mut out, s[i]);
                    i += 1;
                }
            }
            if i < s.len() {
                blank(&mut out, s[i]);
                i += 1;
            }
        } else if c == '\'' && (next == Some('\\') || s.get(i + 2) == Some(&'\'')) {
            // A char literal ('x', '\n', '\''); a lifetime has no closing quote.
            let end = if next == Some('\\') {
                (i + 3..s.len()).find(|&j| s[j] == '\'').map_or(s.len(), |j| j + 1)
            } else {
                i + 3
            };
            while i < end {
                blank(&mut out, s[i]);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Where a raw string (`r"..."`, `r#"..."#`, `br"..."`) starting at `i` ends.
fn raw_string_end(s: &[char], i: usize) -> Option<usize> {
    if i > 0 && (s[i - 1].is_alphanumeric() || s[i - 1] == '_') {
        return None;
    }
    let mut j = i;
    if s.get(j) == Some(&'b') {
        j += 1;
    }
    if s.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = s[j..].iter().take_while(|c| **c == '#').count();
    j += hashes;
    if s.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < s.len() {
        if s[j] == '"' && s[j + 1..].iter().take(hashes).filter(|c| **c == '#').count() == hashes {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(s.len())
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Path,
    Open,
    Close,
    Comma,
    Star,
    Other,
}

fn tokens(code: &str) -> Vec<(Tok, usize)> {
    let s: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < s.len() {
        let c = s[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            i += 1;
            while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                i += 1;
            }
            let word: String = s[start..i].iter().collect();
            out.push((Tok::Ident(word.trim_start_matches('$').to_string()), line));
        } else {
            let tok = match c {
                ':' if s.get(i + 1) == Some(&':') => {
                    i += 1;
                    Tok::Path
                }
                '{' => Tok::Open,
                '}' => Tok::Close,
                ',' => Tok::Comma,
                '*' => Tok::Star,
                _ => Tok::Other,
            };
            out.push((tok, line));
            i += 1;
        }
    }
    out
}

fn ident(toks: &[(Tok, usize)], i: usize) -> Option<&str> {
    match toks.get(i) {
        Some((Tok::Ident(w), _)) => Some(w),
        _ => None,
    }
}

fn is(toks: &[(Tok, usize)], i: usize, tok: &Tok) -> bool {
    toks.get(i).is_some_and(|(t, _)| t == tok)
}

/// Reads the path (tree) at `i`, under `prefix`, into `out`; returns the
/// index after it.
fn path_tree(toks: &[(Tok, usize)], mut i: usize, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    match toks.get(i).map(|(t, _)| t) {
        Some(Tok::Open) => {
            i += 1;
            while i < toks.len() && !is(toks, i, &Tok::Close) {
                i = path_tree(toks, i, prefix, out);
                if is(toks, i, &Tok::Comma) {
                    i += 1;
                } else if !is(toks, i, &Tok::Close) {
                    break;
                }
            }
            i + 1
        }
        Some(Tok::Star) => {
            out.push(prefix.to_vec());
            i + 1
        }
        Some(Tok::Ident(name)) if name == "self" => {
            out.push(prefix.to_vec());
            i + if ident(toks, i + 1) == Some("as") { 3 } else { 1 }
        }
        Some(Tok::Ident(name)) => {
            let mut path = prefix.to_vec();
            path.push(name.clone());
            if is(toks, i + 1, &Tok::Path)
                && matches!(toks.get(i + 2), Some((Tok::Ident(_) | Tok::Open | Tok::Star, _)))
            {
                return path_tree(toks, i + 2, &path, out);
            }
            out.push(path);
            i + if ident(toks, i + 1) == Some("as") { 3 } else { 1 }
        }
        _ => {
            out.push(prefix.to_vec());
            i
        }
    }
}

/// Every module path `code` names, with its line: `crate::` and `super::`
/// paths resolved from `module` (the file's module, plus the inline
/// modules around the path).
fn imports(module: &[String], code: &str) -> Vec<(usize, Vec<String>)> {
    let toks = tokens(code);
    let mut found = Vec::new();
    // Inline modules open now: (name, brace depth inside it).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < toks.len() {
        let after_path = i > 0 && is(&toks, i - 1, &Tok::Path);
        match &toks[i].0 {
            Tok::Open => depth += 1,
            Tok::Close => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth -= 1;
            }
            Tok::Ident(w) if w == "mod" && is(&toks, i + 2, &Tok::Open) => {
                if let Some(name) = ident(&toks, i + 1) {
                    inline.push((name.to_string(), depth + 1));
                }
            }
            Tok::Ident(w) if (w == "crate" || w == "super") && !after_path && is(&toks, i + 1, &Tok::Path) => {
                let line = toks[i].1;
                let mut base: Vec<String> = Vec::new();
                let mut j = i;
                if w == "super" {
                    base = module.to_vec();
                    base.extend(inline.iter().map(|(n, _)| n.clone()));
                    while ident(&toks, j) == Some("super") && is(&toks, j + 1, &Tok::Path) {
                        base.pop();
                        j += 2;
                    }
                } else {
                    j += 2;
                }
                let mut paths = Vec::new();
                let next = path_tree(&toks, j, &base, &mut paths);
                found.extend(paths.into_iter().map(|p| (line, p)));
                i = next.max(i + 1);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// The lint over `(path under the project, text)` pairs: one line per
/// upward import, per module no layer lists, and per cycle between
/// top-level modules.
fn violations(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in files {
        let module = file_module(file);
        let own = module.join("::");
        let Some(own_rank) = rank(&own) else {
            out.push(format!("{file}: module {own} is in no layer: add it to LAYERS (src/layering.rs)"));
            continue;
        };
        let mut reported: BTreeSet<(usize, &str)> = BTreeSet::new();
        for (line, path) in imports(&module, &code_only(text)) {
            let shown = format!("crate::{}", path.join("::"));
            let Some((target, target_rank)) = declared(&path.join("::")) else {
                out.push(format!("{file}:{line}: imports {shown}, which is in no layer"));
                continue;
            };
            if target_rank > own_rank && reported.insert((line, target)) {
                out.push(format!(
                    "{file}:{line}: {own} (layer {own_rank}, {}) imports {shown} from module {target} (layer {target_rank}, {})",
                    LAYERS[own_rank].holds, LAYERS[target_rank].holds
                ));
            }
            if let (Some(from), Some(to)) = (module.first(), path.first()) {
                if from != to && !target.is_empty() {
                    edges.entry(from.clone()).or_default().insert(to.clone());
                }
            }
        }
    }
    out.extend(cycles(&edges).into_iter().map(|c| format!("cycle between top-level modules: {}", c.join(" -> "))));
    out
}

/// Each cycle of the graph once, as the modules around it (first repeated
/// at the end), found by a depth-first search from every module.
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_string());
            out.push(cycle);
            return;
        }
        if done.contains(node) {
            return;
        }
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            visit(next, edges, stack, done, out);
        }
        stack.pop();
        done.insert(node.to_string());
    }
    let mut out = Vec::new();
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        visit(node, edges, &mut Vec::new(), &mut done, &mut out);
    }
    out
}

fn rust_files(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("src/ is readable").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
            out.push((relative, std::fs::read_to_string(&path).expect("a readable source file")));
        }
    }
}

#[test]
fn src_imports_run_down_the_layers_and_top_level_modules_form_no_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), root, &mut files);
    assert!(files.len() > 40, "read {} files", files.len());
    let found = violations(&files);
    assert!(found.is_empty(), "{} layering violation(s):\n{}", found.len(), found.join("\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint(files: &[(&str, &str)]) -> Vec<String> {
        violations(&files.iter().map(|(f, t)| (f.to_string(), t.to_string())).collect::<Vec<_>>())
    }

    #[test]
    fn an_upward_import_is_caught_and_a_downward_one_is_not() {
        let found = lint(&[
            ("src/snapshot/x.rs", "use crate::api::run_checks;\n\nfn f() { crate::plan::plan(); }\n"),
            ("src/enforce/y.rs", "use crate::snapshot::{x, read::{a as b, self}};\nuse crate::catalog::*;\n"),
        ]);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].starts_with("src/snapshot/x.rs:1: snapshot::x (layer 1,"), "{}", found[0]);
        assert!(found[0].contains("imports crate::api::run_checks from module api (layer 6,"), "{}", found[0]);
        assert!(found[1].starts_with("src/snapshot/x.rs:3: "), "{}", found[1]);
        assert!(found[1].contains("from module plan (layer 2,"), "{}", found[1]);
    }

    #[test]
    fn super_resolves_from_the_file_and_its_inline_modules() {
        let src = "mod tests {\n    use super::*;\n    use super::super::super::checks::Check;\n}\nuse super::read;\n";
        let found = lint(&[("src/snapshot/x.rs", src)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("src/snapshot/x.rs:3: ") && found[0].contains("crate::checks::Check"),
            "{found:?}"
        );
    }

    #[test]
    fn comments_and_strings_are_not_imports() {
        let src = r####"
// use crate::enforce::a;
/* crate::enforce::b /* nested */ crate::enforce::c */
/// [`crate::enforce::d`]
const A: &str = "crate::enforce::e \" crate::enforce::f";
const B: &str = r#"crate::enforce::g " crate::enforce::h"#;
const C: char = '"';
fn f<'a>(x: &'a str) -> &'a str { x }
"####;
        assert_eq!(lint(&[("src/plan.rs", src)]), Vec::<String>::new());
        let after = format!("{src}use crate::enforce::z;\n");
        assert_eq!(lint(&[("src/plan.rs", &after)]).len(), 1, "an import after them still counts");
    }

    #[test]
    fn a_cycle_within_a_layer_is_caught() {
        let found = lint(&[("src/api.rs", "use crate::monitoring::a;"), ("src/monitoring.rs", "use crate::api::b;")]);
        assert_eq!(found, ["cycle between top-level modules: api -> monitoring -> api"]);
    }

    #[test]
    fn a_module_no_layer_lists_is_reported() {
        assert!(lint(&[("src/gadget.rs", "")])[0].contains("module gadget is in no layer"));
        assert!(lint(&[("src/plan.rs", "use crate::gadget::x;")])[0].contains("which is in no layer"));
    }

    #[test]
    fn files_map_to_their_modules_and_layers() {
        assert_eq!(file_module("src/lib.rs"), Vec::<String>::new());
        assert_eq!(file_module("src/snapshot/mod.rs"), ["snapshot"]);
        assert_eq!(file_module("src/snapshot/read.rs"), ["snapshot", "read"]);
        assert_eq!(rank(""), Some(LAYERS.len() - 1));
        assert_eq!(rank("snapshots"), None, "a prefix matches whole segments");
        assert!(rank("catalog::model").unwrap() < rank("locks::estimate").unwrap());
    }
}
