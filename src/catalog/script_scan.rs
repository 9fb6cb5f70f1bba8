//! What an extension script creates, read statically from its text: the
//! SCRIPTED part of the lock estimate.
//!
//! Objects that do not exist yet cannot be counted in the catalog, so the
//! script files on disk are read instead. A small lexer (comments, strings,
//! dollar quotes, quoted identifiers) finds every `CREATE` in code position:
//! top-level statements, the bodies of `DO` blocks (which run at install
//! time, unlike function bodies), and the string of an `EXECUTE` or
//! `EXECUTE format(...)`. Loops with literal bounds (`FOR i IN 1..64 LOOP`)
//! multiply what they hold; other loops and `EXECUTE` of a variable cannot
//! be counted and are reported, so that callers know the count is a lower
//! bound (the estimate then learns from measurements).
//!
//! Counts are kept per unit: each incremental migration (a top-level `DO`
//! block naming its `NNN-name.sql` file, as Promscale's scripts wrap them)
//! runs once per database, everything else on every install and update.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What a `CREATE` makes (and the implicit objects of a `CREATE TABLE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    Routine,
    Operator,
    OperatorClass,
    OperatorFamily,
    Type,
    Domain,
    Cast,
    Schema,
    Table,
    View,
    Index,
    Sequence,
    /// A toast table or its index.
    Toast,
    Constraint,
    ColumnDefault,
    Trigger,
    Role,
    Other,
}

impl ObjectKind {
    pub const ALL: [ObjectKind; 18] = [
        ObjectKind::Routine,
        ObjectKind::Operator,
        ObjectKind::OperatorClass,
        ObjectKind::OperatorFamily,
        ObjectKind::Type,
        ObjectKind::Domain,
        ObjectKind::Cast,
        ObjectKind::Schema,
        ObjectKind::Table,
        ObjectKind::View,
        ObjectKind::Index,
        ObjectKind::Sequence,
        ObjectKind::Toast,
        ObjectKind::Constraint,
        ObjectKind::ColumnDefault,
        ObjectKind::Trigger,
        ObjectKind::Role,
        ObjectKind::Other,
    ];

    /// The name `model.json` uses.
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Routine => "routine",
            ObjectKind::Operator => "operator",
            ObjectKind::OperatorClass => "operator_class",
            ObjectKind::OperatorFamily => "operator_family",
            ObjectKind::Type => "type",
            ObjectKind::Domain => "domain",
            ObjectKind::Cast => "cast",
            ObjectKind::Schema => "schema",
            ObjectKind::Table => "table",
            ObjectKind::View => "view",
            ObjectKind::Index => "index",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Toast => "toast",
            ObjectKind::Constraint => "constraint",
            ObjectKind::ColumnDefault => "column_default",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Role => "role",
            ObjectKind::Other => "other",
        }
    }

    pub fn from_name(name: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// For the breakdown: `routines`, `operator_classes`, ...
    pub fn plural(self) -> String {
        match self {
            ObjectKind::Other => "other_objects".into(),
            ObjectKind::Toast => "toast_relations".into(),
            ObjectKind::Index => "indexes".into(),
            ObjectKind::OperatorClass => "operator_classes".into(),
            ObjectKind::OperatorFamily => "operator_families".into(),
            k => format!("{}s", k.name()),
        }
    }
}

/// Objects created, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Creations {
    pub counts: BTreeMap<ObjectKind, i64>,
    /// Objects named by `DROP` statements, by kind: a later `CREATE` of the
    /// same kind makes a new object, not a replacement.
    pub dropped: BTreeMap<ObjectKind, i64>,
}

impl Creations {
    pub fn add(&mut self, kind: ObjectKind, n: i64) {
        if n != 0 {
            let count = self.counts.entry(kind).or_insert(0);
            *count = count.saturating_add(n);
        }
    }

    pub fn merge(&mut self, other: &Creations) {
        for (maps, theirs) in [(&mut self.counts, &other.counts), (&mut self.dropped, &other.dropped)] {
            for (k, n) in theirs {
                let count = maps.entry(*k).or_insert(0);
                *count = count.saturating_add(*n);
            }
        }
    }

    pub fn total(&self) -> i64 {
        self.counts.values().fold(0, |a, n| a.saturating_add(*n))
    }
}

/// One top-level statement's creations, or one migration's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unit {
    /// The migration file (`015-tracing-redesign.sql`); None: runs every time.
    pub migration: Option<String>,
    pub creations: Creations,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptScan {
    /// In script order; consecutive statements of the same unit are merged.
    pub units: Vec<Unit>,
    /// Loops whose iteration count is not a literal: their body counted once.
    pub unbounded_loops: i64,
    /// `EXECUTE` of SQL that is not a literal string: not counted.
    pub dynamic_statements_unscanned: i64,
    /// Migration file names that appear as string literals in code: for the
    /// takeover script, the migrations it records as applied.
    pub mentioned_migrations: BTreeSet<String>,
}

impl ScriptScan {
    pub fn total(&self) -> Creations {
        let mut all = Creations::default();
        for u in &self.units {
            all.merge(&u.creations);
        }
        all
    }

    pub fn migrations(&self) -> impl Iterator<Item = &str> {
        self.units.iter().filter_map(|u| u.migration.as_deref())
    }
}

pub fn scan_script(sql: &str) -> ScriptScan {
    let tokens = lex(sql);
    let mut scan = ScriptScan::default();
    let mut shapes = HashMap::new();
    for statement in tokens.split(|t| *t == Token::Punct(';')) {
        if statement.is_empty() {
            continue;
        }
        let mut scanner = Scanner { scan: &mut scan, shapes: &mut shapes, creations: Creations::default() };
        scanner.code(statement, 1, 0);
        let creations = scanner.creations;
        let migration = migration_name(statement);
        match scan.units.last_mut() {
            Some(last) if last.migration.is_none() && migration.is_none() => last.creations.merge(&creations),
            _ if migration.is_none() && creations.counts.is_empty() && creations.dropped.is_empty() => {}
            _ => scan.units.push(Unit { migration, creations }),
        }
    }
    scan
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A keyword or unquoted identifier, upper-cased.
    Word(String),
    QuotedIdent,
    /// A string literal's content; `dollar` for `$tag$...$tag$`.
    Str {
        text: String,
        dollar: bool,
    },
    Number(i64),
    Punct(char),
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// PostgreSQL's lexical rules, as far as finding code goes. Never fails: an
/// unterminated string or comment runs to the end.
fn lex(sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let n = chars.len();
    let mut line_start = true;
    while i < n {
        let c = chars[i];
        // psql meta-commands (`\echo ... \quit`) are removed from extension scripts.
        if line_start && c == '\\' {
            while i < n && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        line_start = c == '\n';
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < n && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < n {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '\'' || ((c == 'E' || c == 'e') && chars.get(i + 1) == Some(&'\'')) {
            let escapes = c != '\'';
            i += if escapes { 2 } else { 1 };
            let mut text = String::new();
            while i < n {
                if escapes && chars[i] == '\\' && i + 1 < n {
                    text.push(chars[i + 1]);
                    i += 2;
                } else if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        text.push('\'');
                        i += 2;
                    } else {
                        i += 1;
                        break;
                    }
                } else {
                    text.push(chars[i]);
                    i += 1;
                }
            }
            tokens.push(Token::Str { text, dollar: false });
        } else if c == '"' {
            i += 1;
            while i < n {
                if chars[i] == '"' {
                    if chars.get(i + 1) == Some(&'"') {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
            tokens.push(Token::QuotedIdent);
        } else if c == '$' && dollar_tag(&chars, i).is_some() {
            let tag = dollar_tag(&chars, i).unwrap_or_default();
            let body_start = i + tag.len();
            let mut j = body_start;
            let mut end = n;
            let mut after = n;
            while j < n {
                if chars[j] == '$' && chars[j..].starts_with(&tag) {
                    end = j;
                    after = j + tag.len();
                    break;
                }
                j += 1;
            }
            tokens.push(Token::Str { text: chars[body_start..end].iter().collect(), dollar: true });
            i = after;
        } else if is_ident_start(c) {
            let start = i;
            while i < n && is_ident_char(chars[i]) {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect::<String>().to_uppercase()));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < n && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            tokens.push(Token::Number(digits.parse().unwrap_or(i64::MAX)));
        } else {
            tokens.push(Token::Punct(c));
            i += 1;
        }
    }
    tokens
}

/// `$tag$` starting at `i` (the tag: letters, digits, underscores, not
/// starting with a digit), with both dollars.
fn dollar_tag(chars: &[char], i: usize) -> Option<Vec<char>> {
    let mut j = i + 1;
    while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
        j += 1;
    }
    if j < chars.len() && chars[j] == '$' && !chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()) {
        Some(chars[i..=j].to_vec())
    } else {
        None
    }
}

fn is_migration_name(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 8 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b'-' && s.ends_with(".sql") && !s.contains('\n')
}

/// The migration a top-level `DO` block applies: the first string literal in
/// its body that names a migration file.
fn migration_name(statement: &[Token]) -> Option<String> {
    let body = do_body(statement, 0)?;
    lex(body).into_iter().find_map(|t| match t {
        Token::Str { text, dollar: false } if is_migration_name(&text) => Some(text),
        _ => None,
    })
}

/// The body of `DO [LANGUAGE x] $$...$$ [LANGUAGE x]` at `i`.
fn do_body(tokens: &[Token], i: usize) -> Option<&str> {
    if tokens.get(i) != Some(&Token::Word("DO".into())) {
        return None;
    }
    let mut j = i + 1;
    if tokens.get(j) == Some(&Token::Word("LANGUAGE".into())) {
        j += 2;
    }
    match tokens.get(j) {
        Some(Token::Str { text, .. }) => Some(text),
        _ => None,
    }
}

struct Scanner<'a> {
    scan: &'a mut ScriptScan,
    /// The tables the script made so far, by name as written: a partition
    /// made later gets its parent's indexes and toast table.
    shapes: &'a mut HashMap<String, TableShape>,
    creations: Creations,
}

/// What each partition of a table gets from it: a copy of its indexes,
/// CHECK and foreign-key constraints (each foreign key with its check
/// triggers) and row triggers, and a toast table when the columns can be wide.
#[derive(Debug, Clone, Copy, Default)]
struct TableShape {
    indexes: i64,
    checks: i64,
    foreign_keys: i64,
    triggers: i64,
    toastable: bool,
}

impl TableShape {
    fn add_to(&self, creations: &mut Creations, times: i64) {
        creations.add(ObjectKind::Index, self.indexes.saturating_mul(times));
        creations.add(
            ObjectKind::Constraint,
            self.indexes.saturating_add(self.checks).saturating_add(self.foreign_keys).saturating_mul(times),
        );
        creations.add(
            ObjectKind::Trigger,
            PARTITION_FOREIGN_KEY_TRIGGERS
                .saturating_mul(self.foreign_keys)
                .saturating_add(self.triggers)
                .saturating_mul(times),
        );
        if self.toastable {
            creations.add(ObjectKind::Toast, times.saturating_mul(2));
        }
    }
}

/// A foreign key is enforced by two triggers on its table and two on the
/// table it references (PostgreSQL's RI_FKey triggers).
const FOREIGN_KEY_TRIGGERS: i64 = 4;
/// A partition's copy of its parent's foreign key has its own two check
/// triggers; the referenced table's action triggers stay with the parent's.
const PARTITION_FOREIGN_KEY_TRIGGERS: i64 = 2;

impl Scanner<'_> {
    /// Scans code tokens; what is found counts `times` over. `depth` bounds
    /// the recursion into DO bodies and EXECUTE strings.
    fn code(&mut self, tokens: &[Token], times: i64, depth: u32) {
        if depth > 32 {
            return;
        }
        let word = |i: usize, w: &str| matches!(tokens.get(i), Some(Token::Word(x)) if x == w);
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                Token::Str { text, dollar: false } if is_migration_name(text) => {
                    self.scan.mentioned_migrations.insert(text.clone());
                }
                Token::Word(w) if w == "DO" => {
                    if let Some(body) = do_body(tokens, i) {
                        self.code(&lex(body), times, depth + 1);
                    }
                }
                Token::Word(w) if w == "CREATE" && starts_statement(tokens, i) => self.create(&tokens[i + 1..], times),
                Token::Word(w) if w == "DROP" && starts_statement(tokens, i) => self.drop(&tokens[i + 1..], times),
                Token::Word(w) if w == "ALTER" && word(i + 1, "TABLE") => self.alter_table(&tokens[i + 2..], times),
                Token::Word(w) if w == "EXECUTE" => {
                    // `EXECUTE 'sql'`, `EXECUTE format('sql', ...)`, `EXECUTE pg_catalog.format(...)`.
                    let mut j = i + 1;
                    if word(j, "PG_CATALOG") && tokens.get(j + 1) == Some(&Token::Punct('.')) {
                        j += 2;
                    }
                    if word(j, "FORMAT") && tokens.get(j + 1) == Some(&Token::Punct('(')) {
                        j += 2;
                    }
                    match tokens.get(j) {
                        Some(Token::Str { text, .. }) => self.code(&lex(text), times, depth + 1),
                        // `EXECUTE FUNCTION` / `EXECUTE PROCEDURE` of a trigger
                        // definition, the privilege in `GRANT EXECUTE ON`.
                        Some(Token::Word(w)) if w == "FUNCTION" || w == "PROCEDURE" || w == "ON" => {}
                        _ => self.scan.dynamic_statements_unscanned += 1,
                    }
                }
                Token::Word(w) if w == "FOR" || w == "WHILE" => {
                    if let Some((count, body, end)) = literal_loop(tokens, i) {
                        self.code(body, times.saturating_mul(count), depth + 1);
                        i = end;
                        continue;
                    }
                    if loop_before_semicolon(&tokens[i..]) {
                        self.scan.unbounded_loops += 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }

    fn create(&mut self, after: &[Token], times: i64) {
        let words: Vec<&str> = after
            .iter()
            .take(12)
            .map_while(|t| match t {
                Token::Word(w) => Some(w.as_str()),
                _ => None,
            })
            .collect();
        let mut k = 0;
        if words.get(k) == Some(&"OR") && words.get(k + 1) == Some(&"REPLACE") {
            k += 2;
        }
        while matches!(
            words.get(k),
            Some(
                &("GLOBAL"
                    | "LOCAL"
                    | "TEMP"
                    | "TEMPORARY"
                    | "UNLOGGED"
                    | "UNIQUE"
                    | "RECURSIVE"
                    | "TRUSTED"
                    | "PROCEDURAL")
            )
        ) {
            k += 1;
        }
        let next = |n: usize| words.get(k + n).copied();
        let kind = match next(0) {
            Some("FUNCTION" | "PROCEDURE" | "AGGREGATE") => ObjectKind::Routine,
            Some("OPERATOR") if next(1) == Some("CLASS") => ObjectKind::OperatorClass,
            Some("OPERATOR") if next(1) == Some("FAMILY") => ObjectKind::OperatorFamily,
            Some("OPERATOR") => ObjectKind::Operator,
            Some("TYPE") => ObjectKind::Type,
            Some("DOMAIN") => ObjectKind::Domain,
            Some("CAST") => ObjectKind::Cast,
            Some("SCHEMA") => ObjectKind::Schema,
            Some("TABLE") => ObjectKind::Table,
            Some("VIEW") => ObjectKind::View,
            Some("MATERIALIZED") => ObjectKind::View,
            Some("INDEX") => ObjectKind::Index,
            Some("SEQUENCE") => ObjectKind::Sequence,
            Some("TRIGGER") => ObjectKind::Trigger,
            Some("CONSTRAINT") if next(1) == Some("TRIGGER") => ObjectKind::Trigger,
            Some("ROLE" | "USER" | "GROUP") => ObjectKind::Role,
            Some(_) => ObjectKind::Other,
            None => return,
        };
        self.creations.add(kind, times);
        match kind {
            ObjectKind::Table => self.table_parts(after, times),
            ObjectKind::Trigger if statement(after).contains(&Token::Word("ROW".into())) => {
                let stmt = statement(after);
                if let Some(on) = stmt.iter().position(|t| *t == Token::Word("ON".into())) {
                    if let Some(shape) = self.shapes.get_mut(&qualified_name(&stmt[on + 1..])) {
                        shape.triggers += 1;
                    }
                }
            }
            ObjectKind::Index => {
                let stmt = statement(after);
                if let Some(on) = stmt.iter().position(|t| *t == Token::Word("ON".into())) {
                    let mut k = on + 1;
                    if stmt.get(k) == Some(&Token::Word("ONLY".into())) {
                        k += 1;
                    }
                    if let Some(shape) = self.shapes.get_mut(&qualified_name(&stmt[k..])) {
                        shape.indexes += 1;
                    }
                }
            }
            // Without FAMILY, CREATE OPERATOR CLASS makes a family of its name.
            ObjectKind::OperatorClass if !statement(after).contains(&Token::Word("FAMILY".into())) => {
                self.creations.add(ObjectKind::OperatorFamily, times)
            }
            _ => {}
        }
    }

    /// `DROP kind [IF EXISTS] a, b, ...`: how many objects of which kind.
    fn drop(&mut self, after: &[Token], times: i64) {
        let word = |k: usize| match after.get(k) {
            Some(Token::Word(w)) => Some(w.as_str()),
            _ => None,
        };
        let (kind, width) = match (word(0), word(1)) {
            (Some("FUNCTION" | "PROCEDURE" | "AGGREGATE" | "ROUTINE"), _) => (ObjectKind::Routine, 1),
            (Some("OPERATOR"), Some("CLASS")) => (ObjectKind::OperatorClass, 2),
            (Some("OPERATOR"), Some("FAMILY")) => (ObjectKind::OperatorFamily, 2),
            (Some("OPERATOR"), _) => (ObjectKind::Operator, 1),
            (Some("TYPE"), _) => (ObjectKind::Type, 1),
            (Some("DOMAIN"), _) => (ObjectKind::Domain, 1),
            (Some("CAST"), _) => (ObjectKind::Cast, 1),
            (Some("SCHEMA"), _) => (ObjectKind::Schema, 1),
            (Some("TABLE"), _) => (ObjectKind::Table, 1),
            (Some("VIEW"), _) => (ObjectKind::View, 1),
            (Some("MATERIALIZED"), _) => (ObjectKind::View, 2),
            (Some("INDEX"), _) => (ObjectKind::Index, 1),
            (Some("SEQUENCE"), _) => (ObjectKind::Sequence, 1),
            (Some("TRIGGER"), _) => (ObjectKind::Trigger, 1),
            _ => return,
        };
        let mut depth = 0;
        let mut names: i64 = 1;
        for t in &statement(after)[width..] {
            match t {
                Token::Punct('(') => depth += 1,
                Token::Punct(')') => depth -= 1,
                Token::Punct(',') if depth == 0 => names += 1,
                // `DROP TRIGGER t ON table`: one name.
                Token::Word(w) if depth == 0 && w == "ON" => break,
                _ => {}
            }
        }
        let dropped = self.creations.dropped.entry(kind).or_insert(0);
        *dropped = dropped.saturating_add(names.saturating_mul(times));
    }

    /// The implicit objects of `CREATE TABLE name (columns...)`: indexes of
    /// PRIMARY KEY and UNIQUE, sequences of serial and identity columns,
    /// constraints, defaults, and a toast table with its index when a
    /// column can be wide.
    fn table_parts(&mut self, after: &[Token], times: i64) {
        let stmt = statement(after);
        // After TABLE [IF NOT EXISTS]: the name.
        let skip = stmt.iter().position(|t| *t == Token::Word("TABLE".into())).map_or(0, |p| p + 1);
        let skip = if stmt.get(skip) == Some(&Token::Word("IF".into())) { skip + 3 } else { skip };
        let name = qualified_name(&stmt[skip.min(stmt.len())..]);
        if let Some(of) = stmt.iter().position(|t| *t == Token::Word("OF".into())) {
            if stmt.get(of.wrapping_sub(1)) == Some(&Token::Word("PARTITION".into())) {
                let parent = self.shapes.get(&qualified_name(&stmt[of + 1..])).copied().unwrap_or_default();
                parent.add_to(&mut self.creations, times);
                self.shapes.insert(name, parent);
                return;
            }
        }
        let Some(open) = stmt.iter().position(|t| *t == Token::Punct('(')) else { return };
        if stmt[..open].iter().any(|t| matches!(t, Token::Word(w) if w == "AS")) {
            return;
        }
        let mut shape = TableShape::default();
        let mut depth = 0;
        let mut toastable = false;
        // Position in a column definition: 0 = its start, 1 = after the
        // column name (the type comes next), 2 = after the type.
        let mut position = 0;
        for (k, t) in stmt[open..].iter().enumerate() {
            match t {
                Token::Punct('(') => depth += 1,
                Token::Punct(')') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Token::Punct(',') if depth == 1 => position = 0,
                Token::Punct('[') if depth == 1 => toastable = true,
                Token::QuotedIdent if depth == 1 && position == 0 => position = 1,
                Token::Word(w) if depth == 1 => {
                    let w = w.as_str();
                    match w {
                        "PRIMARY" | "UNIQUE" => {
                            self.creations.add(ObjectKind::Index, times);
                            self.creations.add(ObjectKind::Constraint, times);
                            shape.indexes += 1;
                        }
                        "CHECK" | "EXCLUDE" => {
                            self.creations.add(ObjectKind::Constraint, times);
                            shape.checks += 1;
                        }
                        "REFERENCES" => {
                            self.creations.add(ObjectKind::Constraint, times);
                            self.creations.add(ObjectKind::Trigger, FOREIGN_KEY_TRIGGERS.saturating_mul(times));
                            shape.foreign_keys += 1;
                        }
                        "DEFAULT" => self.creations.add(ObjectKind::ColumnDefault, times),
                        "SERIAL" | "BIGSERIAL" | "SMALLSERIAL" | "SERIAL2" | "SERIAL4" | "SERIAL8" => {
                            self.creations.add(ObjectKind::Sequence, times);
                            self.creations.add(ObjectKind::ColumnDefault, times);
                        }
                        "IDENTITY" => self.creations.add(ObjectKind::Sequence, times),
                        "ARRAY" => toastable = true,
                        _ => {}
                    }
                    match position {
                        0 if matches!(
                            w,
                            "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN" | "EXCLUDE" | "LIKE"
                        ) =>
                        {
                            position = 2
                        }
                        0 => position = 1,
                        // The type; a qualified name is judged by its last part.
                        1 if stmt.get(open + k + 1) == Some(&Token::Punct('.')) => {}
                        1 => {
                            toastable |= !FIXED_WIDTH_TYPES.contains(&w);
                            position = 2;
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        if toastable {
            self.creations.add(ObjectKind::Toast, 2 * times);
        }
        shape.toastable = toastable;
        self.shapes.insert(name, shape);
    }

    /// `ALTER TABLE [IF EXISTS] [ONLY] name ADD [CONSTRAINT c] PRIMARY KEY | UNIQUE | CHECK | FOREIGN KEY`:
    /// the constraint, and the index of a key.
    fn alter_table(&mut self, after: &[Token], times: i64) {
        let stmt = statement(after);
        let mut k = 0;
        while matches!(stmt.get(k), Some(Token::Word(w)) if w == "IF" || w == "EXISTS" || w == "ONLY") {
            k += 1;
        }
        let name = qualified_name(&stmt[k.min(stmt.len())..]);
        let Some(add) = stmt.iter().position(|t| *t == Token::Word("ADD".into())) else { return };
        let mut j = add + 1;
        if stmt.get(j) == Some(&Token::Word("CONSTRAINT".into())) {
            j += 2;
        }
        match stmt.get(j) {
            Some(Token::Word(w)) if w == "PRIMARY" || w == "UNIQUE" => {
                self.creations.add(ObjectKind::Index, times);
                self.creations.add(ObjectKind::Constraint, times);
                if let Some(shape) = self.shapes.get_mut(&name) {
                    shape.indexes += 1;
                }
            }
            Some(Token::Word(w)) if w == "CHECK" || w == "EXCLUDE" => {
                self.creations.add(ObjectKind::Constraint, times);
                if let Some(shape) = self.shapes.get_mut(&name) {
                    shape.checks += 1;
                }
            }
            Some(Token::Word(w)) if w == "FOREIGN" => {
                self.creations.add(ObjectKind::Constraint, times);
                self.creations.add(ObjectKind::Trigger, FOREIGN_KEY_TRIGGERS * times);
                if let Some(shape) = self.shapes.get_mut(&name) {
                    shape.foreign_keys += 1;
                }
            }
            _ => {}
        }
    }
}

/// `schema.name` (or `name`) at the start of `tokens`, as a key: words
/// upper-cased, a quoted part as `"`.
fn qualified_name(tokens: &[Token]) -> String {
    let mut name = String::new();
    let mut k = 0;
    loop {
        match tokens.get(k) {
            Some(Token::Word(w)) => name.push_str(w),
            Some(Token::QuotedIdent) => name.push('"'),
            _ => break,
        }
        if tokens.get(k + 1) != Some(&Token::Punct('.')) {
            break;
        }
        name.push('.');
        k += 2;
    }
    name
}

/// Built-in types whose values are never wide: a table of only these has no
/// toast table. Any other type (text, jsonb, arrays, user types) may be.
const FIXED_WIDTH_TYPES: &[&str] = &[
    "INT",
    "INTEGER",
    "INT2",
    "INT4",
    "INT8",
    "SMALLINT",
    "BIGINT",
    "SERIAL",
    "BIGSERIAL",
    "SMALLSERIAL",
    "SERIAL2",
    "SERIAL4",
    "SERIAL8",
    "REAL",
    "FLOAT",
    "FLOAT4",
    "FLOAT8",
    "DOUBLE",
    "BOOLEAN",
    "BOOL",
    "TIMESTAMP",
    "TIMESTAMPTZ",
    "DATE",
    "TIME",
    "TIMETZ",
    "INTERVAL",
    "UUID",
    "OID",
    "REGCLASS",
    "REGPROC",
    "REGPROCEDURE",
    "REGTYPE",
    "REGNAMESPACE",
    "REGROLE",
    "REGOPER",
    "REGOPERATOR",
    "NAME",
    "MONEY",
    "PG_LSN",
    "XID",
    "XID8",
    "CID",
    "TID",
    "MACADDR",
    "MACADDR8",
    "POINT",
];

/// Whether the word at `i` begins a statement: not `ALTER EXTENSION x DROP
/// ...` or `ALTER TABLE t DROP ...`, which drop no object of their kind, nor
/// the privilege in `GRANT USAGE, CREATE ON SCHEMA`.
fn starts_statement(tokens: &[Token], i: usize) -> bool {
    match i.checked_sub(1).and_then(|p| tokens.get(p)) {
        None | Some(Token::Punct(';')) => true,
        Some(Token::Word(w)) => matches!(w.as_str(), "BEGIN" | "THEN" | "ELSE" | "LOOP" | "EXECUTE"),
        _ => false,
    }
}

/// The tokens up to the statement's end (`;` of the same statement).
fn statement(tokens: &[Token]) -> &[Token] {
    let end = tokens.iter().position(|t| *t == Token::Punct(';')).unwrap_or(tokens.len());
    &tokens[..end]
}

/// Whether a `LOOP` keyword comes before the next `;`: `FOR ... LOOP` and
/// `WHILE ... LOOP` are loops, `FOR EACH ROW` and `FOR UPDATE` are not.
fn loop_before_semicolon(tokens: &[Token]) -> bool {
    statement(tokens).iter().any(|t| *t == Token::Word("LOOP".into()))
}

/// `FOR ident IN [REVERSE] a .. b LOOP body END LOOP` with integer literals:
/// (iterations, body, index after `END LOOP`).
fn literal_loop(tokens: &[Token], i: usize) -> Option<(i64, &[Token], usize)> {
    let t = |k: usize| tokens.get(i + k);
    if t(0) != Some(&Token::Word("FOR".into())) || !matches!(t(1), Some(Token::Word(_))) {
        return None;
    }
    if t(2) != Some(&Token::Word("IN".into())) {
        return None;
    }
    let mut k = 3;
    let reverse = t(k) == Some(&Token::Word("REVERSE".into()));
    if reverse {
        k += 1;
    }
    let (Some(Token::Number(a)), Some(Token::Punct('.')), Some(Token::Punct('.')), Some(Token::Number(b))) =
        (t(k), t(k + 1), t(k + 2), t(k + 3))
    else {
        return None;
    };
    if t(k + 4) != Some(&Token::Word("LOOP".into())) {
        return None;
    }
    let (lo, hi) = if reverse { (*b, *a) } else { (*a, *b) };
    let count = hi.saturating_sub(lo).saturating_add(1).clamp(0, 1_000_000);
    let start = i + k + 5;
    let mut depth = 1;
    let mut j = start;
    while j < tokens.len() {
        match &tokens[j] {
            Token::Word(w) if w == "END" && tokens.get(j + 1) == Some(&Token::Word("LOOP".into())) => {
                depth -= 1;
                if depth == 0 {
                    return Some((count, &tokens[start..j], j + 2));
                }
                j += 2;
                continue;
            }
            Token::Word(w) if w == "LOOP" => depth += 1,
            _ => {}
        }
        j += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(scan: &ScriptScan, kind: ObjectKind) -> i64 {
        scan.total().counts.get(&kind).copied().unwrap_or(0)
    }

    #[test]
    fn comments_strings_and_function_bodies_hide_nothing_they_should_not() {
        let s = scan_script(
            "-- CREATE TABLE a (x int);\n/* CREATE TABLE b /* nested */ CREATE TABLE c */\n\
             SELECT 'CREATE TABLE d (x int)';\n\
             CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN CREATE TABLE e (x int); END $f$;\n\
             SELECT E'it\\'s; CREATE TABLE g (x int)';\n\
             \\echo Use \"CREATE EXTENSION\" CREATE TABLE h (x int) \\quit\n",
        );
        assert_eq!(count(&s, ObjectKind::Table), 0, "{s:?}");
        assert_eq!(count(&s, ObjectKind::Routine), 1);
    }

    #[test]
    fn do_bodies_run_and_are_counted_even_nested() {
        let s = scan_script(
            "DO $a$ BEGIN CREATE TABLE x.t (id int); DO $b$ BEGIN CREATE SCHEMA s; END $b$; END $a$;\n\
             DO LANGUAGE plpgsql $$ BEGIN CREATE OR REPLACE VIEW v AS SELECT 1; END $$;",
        );
        assert_eq!(count(&s, ObjectKind::Table), 1);
        assert_eq!(count(&s, ObjectKind::Schema), 1);
        assert_eq!(count(&s, ObjectKind::View), 1);
    }

    const REAL_WRAPPER: &str = r#"
-- 015-tracing-redesign.sql
DO
$outer_migration_block$
DECLARE
    _migration_name TEXT = NULL;
    _migration _ps_catalog.migration = row ('015-tracing-redesign.sql', '0.8.0');
    _body TEXT = $migrationbody$
CREATE TABLE _ps_trace.span (id bigint);
$migrationbody$;
BEGIN
    SELECT 1;
DO $inner_migration_block$
BEGIN
CREATE TABLE _ps_trace.span (id bigint);
END;
$inner_migration_block$;
    INSERT INTO _ps_catalog.migration (name, applied_at_version, body) VALUES (_migration.name, '0.8.0', _body);
END;
$outer_migration_block$;
-- 999-last.sql
DO $outer_idempotent_block$
BEGIN
CREATE OR REPLACE FUNCTION a() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
END;
$outer_idempotent_block$;
"#;

    #[test]
    fn a_migration_body_counts_once_in_its_own_unit() {
        let s = scan_script(REAL_WRAPPER);
        assert_eq!(s.units.len(), 2, "{s:?}");
        assert_eq!(s.units[0].migration.as_deref(), Some("015-tracing-redesign.sql"));
        assert_eq!(s.units[0].creations.counts.get(&ObjectKind::Table), Some(&1));
        assert_eq!(s.units[1].migration, None);
        assert_eq!(s.units[1].creations.counts.get(&ObjectKind::Routine), Some(&1));
        assert_eq!(s.migrations().collect::<Vec<_>>(), vec!["015-tracing-redesign.sql"]);
    }

    #[test]
    fn literal_loops_multiply_and_other_loops_are_reported() {
        let s = scan_script(
            "DO $$ BEGIN FOR i IN 1..64 LOOP EXECUTE format('CREATE TABLE _ps_trace.tag_%s PARTITION OF t', i); END LOOP;\n\
             FOR i IN 1 .. 3 LOOP FOR j IN REVERSE 2..1 LOOP EXECUTE 'CREATE INDEX x ON y (z)'; END LOOP; END LOOP;\n\
             FOR r IN SELECT * FROM pg_class LOOP EXECUTE pg_catalog.format($q$CREATE SEQUENCE %I$q$, r.relname); END LOOP;\n\
             EXECUTE _sql; END $$;",
        );
        assert_eq!(count(&s, ObjectKind::Table), 64);
        assert_eq!(count(&s, ObjectKind::Index), 6);
        assert_eq!(count(&s, ObjectKind::Sequence), 1);
        assert_eq!(s.unbounded_loops, 1);
        assert_eq!(s.dynamic_statements_unscanned, 1);
    }

    #[test]
    fn triggers_and_row_locks_are_not_loops() {
        let s = scan_script(
            "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE FUNCTION f();\nSELECT 1 FROM x FOR UPDATE;\n\
             GRANT EXECUTE ON FUNCTION f() TO r;\nREVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA s FROM PUBLIC;\n\
             GRANT USAGE, CREATE ON SCHEMA s TO r;\nGRANT CREATE ON SCHEMA s TO r;",
        );
        assert_eq!(s.unbounded_loops, 0);
        assert_eq!(s.dynamic_statements_unscanned, 0);
        assert_eq!(count(&s, ObjectKind::Trigger), 1);
        assert_eq!(s.total().total(), 1, "GRANT CREATE creates nothing: {s:?}");
    }

    #[test]
    fn operator_classes_make_a_family_unless_they_name_one() {
        let s = scan_script(
            "CREATE OPERATOR CLASS a DEFAULT FOR TYPE t USING btree AS OPERATOR 1 <;\n\
             CREATE OPERATOR CLASS b FOR TYPE t USING hash FAMILY f AS OPERATOR 1 =;\n\
             CREATE OPERATOR FAMILY f USING hash;\nCREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = f);",
        );
        assert_eq!(count(&s, ObjectKind::OperatorClass), 2);
        assert_eq!(count(&s, ObjectKind::OperatorFamily), 2);
        assert_eq!(count(&s, ObjectKind::Operator), 1);
        assert_eq!(s.unbounded_loops, 0, "FOR TYPE is not a loop");
    }

    #[test]
    fn a_table_brings_its_indexes_sequences_constraints_defaults_and_toast() {
        let s = scan_script(
            "CREATE TABLE IF NOT EXISTS x.t (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, \
             n int DEFAULT 0 CHECK (n >= 0), CONSTRAINT c FOREIGN KEY (n) REFERENCES y (id));\n\
             CREATE TABLE x.u (a int, b timestamptz);\nCREATE TABLE x.p PARTITION OF x.q FOR VALUES IN (1);",
        );
        assert_eq!(count(&s, ObjectKind::Table), 3);
        assert_eq!(count(&s, ObjectKind::Index), 2);
        assert_eq!(count(&s, ObjectKind::Sequence), 1);
        assert_eq!(count(&s, ObjectKind::Constraint), 4);
        assert_eq!(count(&s, ObjectKind::Trigger), 4, "the foreign key's triggers");
        assert_eq!(count(&s, ObjectKind::ColumnDefault), 2);
        assert_eq!(count(&s, ObjectKind::Toast), 2, "only x.t has a wide column");
    }

    #[test]
    fn the_takeover_script_names_the_migrations_it_marks_applied() {
        let s = scan_script(
            "DO $$ BEGIN INSERT INTO _ps_catalog.migration (name) VALUES ('001-extension.sql'), ('014-telemetry.sql'); END $$;",
        );
        let marked: Vec<&str> = s.mentioned_migrations.iter().map(String::as_str).collect();
        assert_eq!(marked, vec!["001-extension.sql", "014-telemetry.sql"]);
        assert!(s.units.iter().all(|u| u.migration.as_deref() != Some("014-telemetry.sql")) || s.units.len() == 1);
    }

    #[test]
    fn drops_are_counted_by_name_and_alter_drops_are_not() {
        let s = scan_script(
            "DROP TABLE IF EXISTS a, b CASCADE;\nDO $$ BEGIN DROP FUNCTION f(int, text), g(); END $$;\n\
             ALTER EXTENSION promscale DROP FUNCTION h();\nALTER TABLE t DROP COLUMN c;\nDROP TRIGGER tr ON t;\n\
             DO $$ BEGIN FOR i IN 1..4 LOOP EXECUTE format('DROP TABLE x.t_%s', i); END LOOP; END $$;",
        );
        let dropped = s.total().dropped;
        assert_eq!(dropped.get(&ObjectKind::Table), Some(&6));
        assert_eq!(dropped.get(&ObjectKind::Routine), Some(&2));
        assert_eq!(dropped.get(&ObjectKind::Trigger), Some(&1));
        assert_eq!(dropped.len(), 3, "{dropped:?}");
    }

    #[test]
    fn partitions_get_their_parents_indexes_and_toast() {
        let s = scan_script(
            "CREATE TABLE _ps_trace.tag (id bigint, key text, value jsonb, UNIQUE (key, value)) PARTITION BY HASH (key);\n\
             CREATE INDEX ON _ps_trace.tag (id);\n\
             DO $$ BEGIN FOR _i IN 1..64 LOOP\n\
               EXECUTE format('CREATE TABLE _ps_trace.tag_%s PARTITION OF _ps_trace.tag FOR VALUES WITH (MODULUS 64, REMAINDER %s)', _i, _i - 1);\n\
               EXECUTE format('ALTER TABLE _ps_trace.tag_%s ADD PRIMARY KEY (id)', _i);\n\
             END LOOP; END $$;",
        );
        assert_eq!(count(&s, ObjectKind::Table), 65);
        // The parent's unique index, the CREATE INDEX, then per partition the
        // two inherited ones and its primary key.
        assert_eq!(count(&s, ObjectKind::Index), 1 + 1 + 64 * 3);
        assert_eq!(count(&s, ObjectKind::Toast), 2 + 64 * 2);
        // Foreign keys, CHECKs and row triggers are copied to each partition.
        let s = scan_script(
            "CREATE TABLE p (id int REFERENCES k (id), n int CHECK (n > 0)) PARTITION BY LIST (id);\n\
             CREATE TRIGGER t AFTER INSERT ON p FOR EACH ROW EXECUTE FUNCTION f();\n\
             CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);",
        );
        assert_eq!(count(&s, ObjectKind::Trigger), 4 + 1 + (2 + 1));
        assert_eq!(count(&s, ObjectKind::Constraint), 2 + 2);
    }

    #[test]
    fn every_kind_has_a_name_that_maps_back() {
        for k in ObjectKind::ALL {
            assert_eq!(ObjectKind::from_name(k.name()), Some(k));
        }
    }

    #[test]
    fn malformed_input_never_panics() {
        for text in [
            "'unterminated",
            "$a$ no end",
            "/* /* open",
            "\"open",
            "DO",
            "DO $$",
            "CREATE",
            "CREATE OR",
            "FOR i IN 1..",
            "FOR i IN 1..99999999999999999999999 LOOP CREATE TABLE t (a int); END LOOP;",
            "E'\\",
            "$1 $2$ $",
            "CREATE TABLE t (",
        ] {
            let _ = scan_script(text);
        }
        // Pseudo-random bytes from a fixed seed: the same inputs every run.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let alphabet: Vec<char> =
            "CREATE TABLE DO $ $$ ' \" ( ) ; -- /* */ \\ E FOR IN 1 .. LOOP END EXECUTE format\n x".chars().collect();
        for _ in 0..2000 {
            let mut s = String::new();
            for _ in 0..(x % 80) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.push(alphabet[(x % alphabet.len() as u64) as usize]);
            }
            let _ = scan_script(&s);
        }
    }
}
