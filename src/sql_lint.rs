//! The lint that keeps the guard's SQL independent of `search_path`: no SQL
//! the guard runs may depend on anything another role controls (README,
//! Security). A plain `#[test]` (no server, no pgrx types) reads every `.sql`
//! file under `src/` and `sql/` (not `sql/released/` nor the update scripts
//! `sql/promscale_upgrade_guard--A--B.sql`: shipped history, generated or
//! frozen) and fails with one `file:line:
//! token: rule` line per finding.
//!
//! What it reports, after dropping comments and string literals (`'...'`,
//! `E'...'`, with their escapes) and reading the inside of dollar-quoted
//! bodies (`$tag$...$tag$`: SQL or PL/pgSQL) as SQL; `@extschema@` counts as
//! a schema name:
//!
//! 1. casts: `::name` not followed by `.` (`x::text`; write
//!    `x::pg_catalog.text`), the type of `CAST(x AS type)`, typed literals of
//!    the built-in types (`interval '1 day'`), and `COLLATE name`;
//! 2. function calls: `name(` not schema-qualified, unless `name` is SQL
//!    syntax that looks no function up by name ([`SYNTAX_BEFORE_PAREN`]:
//!    `coalesce`, `GREATEST`, `EXISTS`, `ANY`, `FILTER`, ...), or is a name
//!    being defined or a column list, recognised by its place: a CTE
//!    (`WITH name(cols) AS (`), an alias (`AS t(a, b)`, `) t(a)`, `FROM x
//!    t(a)`), a relation (`CREATE TABLE t (`, `INSERT INTO t (`). A routine
//!    named after `FUNCTION` (`CREATE FUNCTION f(`, `COMMENT ON FUNCTION
//!    f(`) must be qualified too;
//! 3. operators: every binary operator outside `OPERATOR(schema.op)`
//!    (`a = b`; write `a OPERATOR(pg_catalog.=) b`), `OPERATOR(op)` without a
//!    schema, and the syntax that looks `=` or another operator up through
//!    `search_path` (PostgreSQL's parser keeps the bare name): `x IN (...)`,
//!    `NOT IN`, `LIKE`/`ILIKE`/`SIMILAR TO`, `BETWEEN`, `IS [NOT] DISTINCT
//!    FROM`, the simple `CASE x WHEN`, `NULLIF(a, b)`, `JOIN ... USING (...)`
//!    and `NATURAL JOIN`. The guard's SQL spells these as
//!    `x OPERATOR(pg_catalog.=) ANY (ARRAY[...]::pg_catalog.name[])` (the
//!    array typed as the left side, so that the same operator is chosen as
//!    `IN` chose), `NOT (x OPERATOR(pg_catalog.=) ANY (subquery))` (what the
//!    parser makes of `NOT IN`), `OPERATOR(pg_catalog.~~)` for `LIKE`,
//!    `(a IS NULL OR a OPERATOR(pg_catalog.<>) b)` for `a IS DISTINCT FROM
//!    b` when b is never NULL, and `CASE WHEN x OPERATOR(pg_catalog.=) ...`.
//!    `IS DISTINCT FROM` is not allowed even between pg_catalog types: a
//!    role's own `=` for the same argument types, earlier on the search_path,
//!    would be chosen. Not operators: `*` in `SELECT *`, `count(*)`, `t.*`; a
//!    sign before a number (`-1`); `=` of `SET name = value` (also in a
//!    function's `SET` clause and `UPDATE ... SET`), of PL/pgSQL's `RAISE ...
//!    USING option = ...` and `GET DIAGNOSTICS`; `=>` of named arguments;
//!    PL/pgSQL's `:=`, `%TYPE`, `<<label>>`; `WHEN TAG IN (...)` of an event
//!    trigger and the `IN` of `FOR x IN` / `FOREACH x IN`;
//! 4. types in declarations: column types of `CREATE TABLE`, argument types
//!    of a routine signature (`CREATE FUNCTION`, `COMMENT ON FUNCTION`,
//!    `GRANT ... ON FUNCTION`, ...), `RETURNS [SETOF] type`, the columns of
//!    `RETURNS TABLE (...)`, and the variables of PL/pgSQL `DECLARE` blocks.
//!
//! Not detected (none occurs in the guard's SQL today; review them by hand):
//! types in `CREATE DOMAIN`/`CREATE TYPE`/`CREATE CAST`/`ALTER TABLE ... ADD
//! COLUMN`, in `CREATE AGGREGATE`/`CREATE OPERATOR` option lists (whose `=`
//! would also be reported as an operator) and in `PREPARE`; option lists
//! such as `WITH (fillfactor = 70)` (reported, wrongly, as `=`); PL/pgSQL
//! assignment written with `=` instead of `:=` (reported as an operator);
//! dynamic SQL built in strings (`EXECUTE format('...')`: string contents
//! are not read); a dollar-quoted string used as a string, not a body, is
//! read as SQL. Relation names are not checked (they are qualified by
//! convention and visible in review), nor are the default operator classes
//! that `ORDER BY`, `DISTINCT`, `GROUP BY` and `UNION` use (they are found
//! by type, not by name).

use std::path::{Path, PathBuf};

/// A token of SQL text.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// An unquoted identifier or keyword, as written.
    Word(String),
    /// A quoted identifier, unquoted.
    Quoted(String),
    /// A string literal (its contents are not read).
    Str,
    Num,
    /// `$1`.
    Param,
    /// A dollar-quote delimiter (`$tag$`); the body between two of them is
    /// tokenized as SQL.
    Dollar(String),
    /// `::`.
    Cast,
    /// `:=`.
    Assign,
    /// A run of operator characters.
    Op(String),
    /// `( ) [ ] , ; . :` and anything else.
    Punct(char),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: usize,
}

/// One finding: the line, the token and the rule it breaks.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Finding {
    pub line: usize,
    pub token: String,
    pub rule: &'static str,
}

const UNQUALIFIED_CAST: &str = "unqualified cast (write ::pg_catalog.type)";
const UNQUALIFIED_TYPE_LITERAL: &str = "unqualified type of a typed literal";
const UNQUALIFIED_COLLATION: &str = "unqualified collation";
const UNQUALIFIED_FUNCTION: &str = "unqualified function call (write pg_catalog.f(...))";
const UNQUALIFIED_ROUTINE: &str = "unqualified routine name";
const BARE_OPERATOR: &str = "bare operator (write OPERATOR(pg_catalog.op))";
const OPERATOR_WITHOUT_SCHEMA: &str = "OPERATOR() without a schema";
const IN_LIST: &str = "IN looks = up through search_path (write OPERATOR(pg_catalog.=) ANY (...))";
const LIKE: &str = "LIKE/ILIKE/SIMILAR TO look their operator up through search_path (write OPERATOR(pg_catalog.~~))";
const BETWEEN: &str = "BETWEEN looks <= and >= up through search_path";
const DISTINCT_FROM: &str = "IS DISTINCT FROM looks = up through search_path";
const SIMPLE_CASE: &str = "CASE x WHEN looks = up through search_path (write CASE WHEN x OPERATOR(pg_catalog.=) ...)";
const NULLIF: &str = "NULLIF looks = up through search_path";
const JOIN_USING: &str = "JOIN ... USING / NATURAL JOIN look = up through search_path";
const UNQUALIFIED_COLUMN_TYPE: &str = "unqualified column type";
const UNQUALIFIED_ARGUMENT_TYPE: &str = "unqualified argument type";
const UNQUALIFIED_RETURN_TYPE: &str = "unqualified return type";
const UNQUALIFIED_VARIABLE_TYPE: &str = "unqualified type in DECLARE";

/// Words followed by `(` that are SQL syntax, not a function looked up by
/// name: PostgreSQL's grammar turns them into expressions of their own
/// (`COALESCE`, `GREATEST`, `LEAST`, `ROW`, `ARRAY`, `CAST`, sublinks) or
/// into calls of functions it names with their schema itself (`EXTRACT`,
/// `POSITION`, `TRIM`: `pg_catalog.extract`...), or they open a clause.
/// `NULLIF` is not here: it looks `=` up (reported as an operator), nor is
/// `SUBSTRING`/`OVERLAY`, whose plain-call form is an ordinary lookup.
#[rustfmt::skip]
const SYNTAX_BEFORE_PAREN: &[&str] = &[
    // Expressions of their own.
    "COALESCE", "GREATEST", "LEAST", "ARRAY", "ROW", "CAST", "EXISTS", "GROUPING",
    // Functions the grammar qualifies itself.
    "EXTRACT", "POSITION", "TRIM", "NORMALIZE",
    // Sublinks and lists.
    "IN", "ANY", "ALL", "SOME", "VALUES",
    // Clauses and keywords that a parenthesis follows.
    "FILTER", "OVER", "AS", "USING", "ON", "TABLE", "CHECK", "PRIMARY", "KEY", "UNIQUE", "FOREIGN",
    "REFERENCES", "DEFAULT", "RETURNS", "WITH", "LATERAL", "OPERATOR", "AND", "OR", "NOT", "SELECT", "WHERE",
    "FROM", "JOIN", "WHEN", "THEN", "ELSE", "IF", "ELSIF", "WHILE", "RETURN", "QUERY", "BY", "DISTINCT", "INTO",
    "IS", "GROUP", "PARTITION", "INCLUDE", "EXCLUDE", "RANGE", "LIST", "HASH", "SET", "CASE", "LIMIT", "OFFSET",
    "HAVING", "UNION", "EXCEPT", "INTERSECT", "MATERIALIZED", "BETWEEN", "LIKE", "ILIKE", "TO", "ASSERT",
    "EXECUTE", "PERFORM", "CONFLICT", "SETS", "ROLLUP", "CUBE", "OVERLAPS", "ORDER",
];

/// Keywords after which an expression starts (so a `*` there is not a
/// multiplication, a `-` before a number is a sign, and `f(` is a call).
#[rustfmt::skip]
const NOT_EXPRESSION_END: &[&str] = &[
    "SELECT", "DISTINCT", "ALL", "WHERE", "AND", "OR", "NOT", "ON", "WHEN", "THEN", "ELSE", "BY", "AS", "FROM",
    "IN", "ANY", "SOME", "IS", "LIKE", "ILIKE", "CASE", "RETURN", "RETURNING", "VALUES", "USING", "WITH",
    "JOIN", "LATERAL", "EXISTS", "SET", "INTO", "HAVING", "LIMIT", "OFFSET", "UNION", "EXCEPT", "INTERSECT",
    "ARRAY", "ROW", "BETWEEN", "IF", "ELSIF", "WHILE", "PERFORM", "EXECUTE", "DEFAULT", "CHECK", "FILTER",
    "OVER", "ORDER", "GROUP", "TABLE", "QUERY", "SIMILAR", "TO", "ESCAPE", "ASSERT", "RAISE", "LOOP", "BEGIN",
    "DECLARE", "EXCEPTION", "NOTICE", "WARNING", "INFO", "LOG", "DEBUG", "FOREACH", "FOR", "CALL", "DO",
    "UPDATE", "DELETE", "INSERT", "SETOF", "RETURNS", "CONSTANT", "STRICT", "NEXT", "OF", "NULLS", "ASC",
    "DESC", "LEADING", "TRAILING", "BOTH", "COLLATE", "AT", "OPERATOR", "MATERIALIZED", "RECURSIVE", "CROSS",
    "LEFT", "RIGHT", "FULL", "INNER", "OUTER", "NATURAL", "UNIQUE", "PRIMARY", "KEY", "REFERENCES",
    "CONSTRAINT", "CREATE", "ALTER", "DROP", "GRANT", "REVOKE", "COMMENT", "FUNCTION", "PROCEDURE", "AGGREGATE",
    "ROUTINE", "VIEW", "INDEX", "SEQUENCE", "TYPE", "TRIGGER", "LANGUAGE", "WINDOW", "PARTITION", "ROWS",
    "PRECEDING", "FOLLOWING", "UNBOUNDED", "CURRENT", "OVERLAPS", "SYMMETRIC",
];

/// Built-in type names that, right before a string literal, make a typed
/// literal (`interval '1 day'`).
#[rustfmt::skip]
const TYPE_NAMES: &[&str] = &[
    "text", "int", "int2", "int4", "int8", "smallint", "integer", "bigint", "numeric", "decimal", "real",
    "float4", "float8", "bool", "boolean", "oid", "name", "char", "varchar", "bytea", "json", "jsonb", "date",
    "time", "timestamp", "timestamptz", "interval", "regclass", "regtype", "regproc", "regprocedure",
    "regnamespace", "regrole", "regoper", "regoperator", "uuid", "inet", "cidr", "xml", "money", "pg_lsn",
    "xid", "tid",
];

const OP_CHARS: &str = "+-*/<>=~!@#%^&|`?";

fn upper(w: &str) -> String {
    w.to_ascii_uppercase()
}

fn lex(sql: &str) -> Vec<Token> {
    let s: Vec<char> = sql.chars().collect();
    let n = s.len();
    let mut i = 0;
    let mut line = 1;
    let mut out = Vec::new();
    let at = |j: usize| s.get(j).copied().unwrap_or('\0');
    while i < n {
        let c = s[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '-' && at(i + 1) == '-' {
            while i < n && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            // Block comments nest in PostgreSQL.
            let mut depth = 0;
            while i < n {
                if s[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if s[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if c == '\'' {
            out.push(Token { tok: Tok::Str, line });
            i = skip_string(&s, i, false, &mut line);
        } else if c == '"' {
            let start = line;
            let mut j = i + 1;
            let mut name = String::new();
            while j < n {
                if s[j] == '"' {
                    if at(j + 1) == '"' {
                        name.push('"');
                        j += 2;
                        continue;
                    }
                    break;
                }
                if s[j] == '\n' {
                    line += 1;
                }
                name.push(s[j]);
                j += 1;
            }
            out.push(Token { tok: Tok::Quoted(name), line: start });
            i = j + 1;
        } else if c == '$' {
            if at(i + 1).is_ascii_digit() {
                i += 1;
                while i < n && s[i].is_ascii_digit() {
                    i += 1;
                }
                out.push(Token { tok: Tok::Param, line });
                continue;
            }
            let mut j = i + 1;
            while j < n && (s[j].is_alphanumeric() || s[j] == '_') {
                j += 1;
            }
            if at(j) == '$' {
                out.push(Token { tok: Tok::Dollar(s[i + 1..j].iter().collect()), line });
                i = j + 1;
            } else {
                out.push(Token { tok: Tok::Punct('$'), line });
                i += 1;
            }
        } else if c.is_ascii_digit() || (c == '.' && at(i + 1).is_ascii_digit()) {
            while i < n && s[i].is_ascii_digit() {
                i += 1;
            }
            if at(i) == '.' && at(i + 1) != '.' {
                i += 1;
                while i < n && s[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if matches!(at(i), 'e' | 'E')
                && (at(i + 1).is_ascii_digit() || (matches!(at(i + 1), '+' | '-') && at(i + 2).is_ascii_digit()))
            {
                i += 2;
                while i < n && s[i].is_ascii_digit() {
                    i += 1;
                }
            }
            out.push(Token { tok: Tok::Num, line });
        } else if c.is_alphabetic() || c == '_' {
            let mut j = i;
            while j < n && (s[j].is_alphanumeric() || s[j] == '_' || s[j] == '$') {
                j += 1;
            }
            let word: String = s[i..j].iter().collect();
            // E'...', B'...', X'...', N'...', U&'...': string constants.
            if at(j) == '\'' && matches!(upper(&word).as_str(), "E" | "B" | "X" | "N") {
                out.push(Token { tok: Tok::Str, line });
                i = skip_string(&s, j, upper(&word) == "E", &mut line);
            } else if upper(&word) == "U" && at(j) == '&' && at(j + 1) == '\'' {
                out.push(Token { tok: Tok::Str, line });
                i = skip_string(&s, j + 1, false, &mut line);
            } else {
                out.push(Token { tok: Tok::Word(word), line });
                i = j;
            }
        } else if c == ':' {
            match at(i + 1) {
                ':' => {
                    out.push(Token { tok: Tok::Cast, line });
                    i += 2;
                }
                '=' => {
                    out.push(Token { tok: Tok::Assign, line });
                    i += 2;
                }
                _ => {
                    out.push(Token { tok: Tok::Punct(':'), line });
                    i += 1;
                }
            }
        } else if OP_CHARS.contains(c) {
            // The longest run of operator characters that starts no comment;
            // a trailing + or - belongs to the operator only if it has one of
            // ~!@#%^&|`? (PostgreSQL's rule, so that `x=-1` is `=` and `-`).
            let mut j = i;
            while j < n && OP_CHARS.contains(s[j]) {
                if j > i && ((s[j] == '-' && at(j + 1) == '-') || (s[j] == '*' && s[j - 1] == '/')) {
                    break;
                }
                if s[j] == '/' && at(j + 1) == '*' {
                    break;
                }
                j += 1;
            }
            let j = j.max(i + 1);
            let mut op: String = s[i..j].iter().collect();
            while op.len() > 1 && op.ends_with(['+', '-']) && !op.contains(|ch| "~!@#%^&|`?".contains(ch)) {
                op.pop();
            }
            i += op.chars().count();
            out.push(Token { tok: Tok::Op(op), line });
        } else {
            out.push(Token { tok: Tok::Punct(c), line });
            i += 1;
        }
    }
    out
}

/// The index after the string literal that starts with the quote at `i`.
fn skip_string(s: &[char], i: usize, backslash_escapes: bool, line: &mut usize) -> usize {
    let mut j = i + 1;
    while j < s.len() {
        match s[j] {
            '\\' if backslash_escapes => j += 2,
            '\'' if s.get(j + 1) == Some(&'\'') => j += 2,
            '\'' => return j + 1,
            '\n' => {
                *line += 1;
                j += 1;
            }
            _ => j += 1,
        }
    }
    j
}

struct Lint<'a> {
    t: &'a [Token],
    findings: Vec<Finding>,
    /// Indices of the `)` that close an `OPERATOR(...)`.
    operator_closers: Vec<usize>,
}

impl<'a> Lint<'a> {
    fn tok(&self, i: usize) -> Option<&'a Tok> {
        self.t.get(i).map(|t| &t.tok)
    }

    fn prev(&self, i: usize, back: usize) -> Option<&'a Tok> {
        i.checked_sub(back).and_then(|j| self.tok(j))
    }

    fn is_kw(&self, i: Option<usize>, kw: &str) -> bool {
        matches!(i.and_then(|i| self.tok(i)), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn is_punct(&self, i: Option<usize>, c: char) -> bool {
        matches!(i.and_then(|i| self.tok(i)), Some(Tok::Punct(p)) if *p == c)
    }

    fn report(&mut self, i: usize, rule: &'static str) {
        let token = match &self.t[i].tok {
            Tok::Word(w) => w.clone(),
            Tok::Quoted(q) => format!("\"{q}\""),
            Tok::Op(o) => o.clone(),
            Tok::Punct(p) => p.to_string(),
            Tok::Cast => "::".into(),
            other => format!("{other:?}"),
        };
        self.findings.push(Finding { line: self.t[i].line, token, rule });
    }

    /// Whether the token at `i` can end an operand: a name that is not a
    /// keyword (or any name after `.`), a literal, a parameter, `)` or `]`.
    fn ends_expression(&self, i: Option<usize>) -> bool {
        let Some(i) = i else { return false };
        match self.tok(i) {
            Some(Tok::Word(w)) => {
                self.is_punct(i.checked_sub(1), '.') || !NOT_EXPRESSION_END.contains(&upper(w).as_str())
            }
            Some(Tok::Quoted(_) | Tok::Str | Tok::Num | Tok::Param) => true,
            Some(Tok::Punct(')' | ']')) => true,
            _ => false,
        }
    }

    /// Whether `i` is a name followed by `.` (the schema of a qualified name).
    fn qualified_at(&self, i: usize) -> bool {
        matches!(self.tok(i), Some(Tok::Word(_) | Tok::Quoted(_))) && self.is_punct(Some(i + 1), '.')
    }

    /// The index of the `)` matching the `(` at `open`.
    fn matching(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for j in open..self.t.len() {
            match self.tok(j) {
                Some(Tok::Punct('(')) => depth += 1,
                Some(Tok::Punct(')')) => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(j);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The first token of the statement holding `i` (after the last `;`,
    /// dollar quote, or PL/pgSQL `BEGIN`/`THEN`/`ELSE`/`LOOP`/`DECLARE`).
    fn statement_start(&self, i: usize) -> usize {
        let mut j = i;
        while j > 0 {
            match self.tok(j - 1) {
                Some(Tok::Punct(';') | Tok::Dollar(_)) => break,
                Some(Tok::Word(w)) if matches!(upper(w).as_str(), "BEGIN" | "THEN" | "LOOP" | "DECLARE") => break,
                _ => j -= 1,
            }
        }
        j
    }

    /// The comma-separated elements of the list in the parentheses at
    /// `open`..`close`, as index ranges.
    fn elements(&self, open: usize, close: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut depth = 0usize;
        let mut start = open + 1;
        for j in open + 1..close {
            match self.tok(j) {
                Some(Tok::Punct('(' | '[')) => depth += 1,
                Some(Tok::Punct(')' | ']')) => depth = depth.saturating_sub(1),
                Some(Tok::Punct(',')) if depth == 0 => {
                    out.push((start, j));
                    start = j + 1;
                }
                _ => {}
            }
        }
        if start < close {
            out.push((start, close));
        }
        out
    }

    fn has_qualified_name(&self, from: usize, to: usize) -> bool {
        (from..to).any(|j| self.qualified_at(j))
    }

    fn run(&mut self) {
        let mut dollars: Vec<String> = Vec::new();
        let mut i = 0;
        while i < self.t.len() {
            match self.tok(i).cloned() {
                Some(Tok::Dollar(tag)) => {
                    if dollars.last() == Some(&tag) {
                        dollars.pop();
                    } else {
                        dollars.push(tag);
                    }
                }
                Some(Tok::Cast) if !self.qualified_at(i + 1) => {
                    self.report((i + 1).min(self.t.len() - 1), UNQUALIFIED_CAST);
                }
                Some(Tok::Op(op)) => self.operator(i, &op),
                Some(Tok::Word(w)) => {
                    let up = upper(&w);
                    if up == "OPERATOR" && self.is_punct(Some(i + 1), '(') {
                        if !self.qualified_at(i + 2) {
                            self.report(i, OPERATOR_WITHOUT_SCHEMA);
                        }
                        if let Some(close) = self.matching(i + 1) {
                            self.operator_closers.push(close);
                            i = close + 1;
                            continue;
                        }
                    }
                    self.word(i, &w, &up, !dollars.is_empty());
                }
                _ => {}
            }
            i += 1;
        }
    }

    fn operator(&mut self, i: usize, op: &str) {
        let prev_ends = self.ends_expression(i.checked_sub(1));
        let skip = match op {
            "=>" => true,
            "*" => !prev_ends,
            "+" | "-" => !prev_ends && matches!(self.tok(i + 1), Some(Tok::Num)),
            "%" => self.is_kw(Some(i + 1), "TYPE") || self.is_kw(Some(i + 1), "ROWTYPE"),
            "<<" => matches!(self.tok(i + 1), Some(Tok::Word(_))) && self.tok(i + 2) == Some(&Tok::Op(">>".into())),
            ">>" => self.prev(i, 2) == Some(&Tok::Op("<<".into())),
            "#" => {
                matches!(self.tok(i + 1), Some(Tok::Word(w)) if w.starts_with("variable_conflict") || w.starts_with("print_strict_params"))
            }
            "=" => self.assignment(i),
            _ => false,
        };
        if !skip {
            self.report(i, BARE_OPERATOR);
        }
    }

    /// Whether the `=` at `i` assigns rather than compares.
    fn assignment(&self, i: usize) -> bool {
        let start = self.statement_start(i);
        if self.is_kw(Some(start), "GET") {
            return true;
        }
        // SET [LOCAL | SESSION] name[.name] = ...
        let mut j = i;
        while j > start && matches!(self.tok(j - 1), Some(Tok::Word(_) | Tok::Quoted(_) | Tok::Punct('.'))) {
            j -= 1;
            if self.is_kw(Some(j), "SET") {
                return true;
            }
        }
        let prev_is_name = matches!(self.prev(i, 1), Some(Tok::Word(_)));
        // RAISE ... USING option = ..., option = ...
        if prev_is_name && (start..i).any(|k| self.is_kw(Some(k), "RAISE")) {
            if let Some(Tok::Word(w)) = self.prev(i, 1) {
                let option = matches!(
                    upper(w).as_str(),
                    "MESSAGE"
                        | "DETAIL"
                        | "HINT"
                        | "ERRCODE"
                        | "COLUMN"
                        | "CONSTRAINT"
                        | "DATATYPE"
                        | "TABLE"
                        | "SCHEMA"
                );
                if option && (self.is_kw(i.checked_sub(2), "USING") || self.is_punct(i.checked_sub(2), ',')) {
                    return true;
                }
            }
        }
        // UPDATE ... SET a = ..., b = ... (before any WHERE or FROM).
        if prev_is_name && self.is_punct(i.checked_sub(2), ',') {
            for k in (start..i).rev() {
                if self.is_kw(Some(k), "WHERE") || self.is_kw(Some(k), "FROM") || self.is_kw(Some(k), "RETURNING") {
                    return false;
                }
                if self.is_kw(Some(k), "SET") {
                    return true;
                }
            }
        }
        false
    }

    fn word(&mut self, i: usize, w: &str, up: &str, in_body: bool) {
        let next_paren = self.is_punct(Some(i + 1), '(');
        let after_dot = self.is_punct(i.checked_sub(1), '.');
        match up {
            "IN" => {
                let operand = if self.is_kw(i.checked_sub(1), "NOT") { i.checked_sub(2) } else { i.checked_sub(1) };
                let event_tag = self.is_kw(i.checked_sub(1), "TAG");
                let loop_var = (1..=4).any(|b| {
                    (self.is_kw(i.checked_sub(b), "FOR") || self.is_kw(i.checked_sub(b), "FOREACH"))
                        && (1..b).all(|k| matches!(self.prev(i, k), Some(Tok::Word(_) | Tok::Punct(','))))
                });
                if self.ends_expression(operand) && !event_tag && !loop_var {
                    self.report(i, IN_LIST);
                }
            }
            "LIKE" | "ILIKE" | "SIMILAR"
                if self.ends_expression(i.checked_sub(1)) || self.is_kw(i.checked_sub(1), "NOT") =>
            {
                self.report(i, LIKE)
            }
            "BETWEEN" => self.report(i, BETWEEN),
            "DISTINCT" if self.is_kw(Some(i + 1), "FROM") => self.report(i, DISTINCT_FROM),
            "CASE" if !self.is_kw(Some(i + 1), "WHEN") && !self.is_kw(i.checked_sub(1), "END") => {
                self.report(i, SIMPLE_CASE)
            }
            "NULLIF" if next_paren && !after_dot => self.report(i, NULLIF),
            "NATURAL" => self.report(i, JOIN_USING),
            "USING" if next_paren => {
                // JOIN rel [AS] [alias] USING (
                let mut j = i;
                let name_part = |t: Option<&Tok>| match t {
                    Some(Tok::Word(x)) => !x.eq_ignore_ascii_case("JOIN"),
                    Some(Tok::Quoted(_) | Tok::Punct('.')) => true,
                    _ => false,
                };
                while j > 0 && name_part(self.tok(j - 1)) {
                    j -= 1;
                }
                if self.is_kw(j.checked_sub(1), "JOIN") {
                    self.report(i, JOIN_USING);
                }
            }
            "COLLATE" if !self.qualified_at(i + 1) => self.report(i + 1, UNQUALIFIED_COLLATION),
            "CAST" if next_paren => {
                if let Some(close) = self.matching(i + 1) {
                    let mut depth = 0usize;
                    for j in i + 2..close {
                        match self.tok(j) {
                            Some(Tok::Punct('(')) => depth += 1,
                            Some(Tok::Punct(')')) => depth -= 1,
                            Some(Tok::Word(a))
                                if depth == 0 && a.eq_ignore_ascii_case("AS") && !self.qualified_at(j + 1) =>
                            {
                                self.report(j + 1, UNQUALIFIED_CAST)
                            }
                            _ => {}
                        }
                    }
                }
            }
            "TABLE" => self.create_table(i),
            "FUNCTION" | "PROCEDURE" | "AGGREGATE" | "ROUTINE" if !self.is_kw(i.checked_sub(1), "EXECUTE") => {
                self.signature(i)
            }
            "RETURNS" => self.returns(i),
            "DECLARE" if in_body => self.declare(i),
            _ => {}
        }
        // A typed literal: text 'x', interval '1 day'.
        if matches!(self.tok(i + 1), Some(Tok::Str))
            && !after_dot
            && !matches!(self.prev(i, 1), Some(Tok::Cast))
            && TYPE_NAMES.contains(&w.to_ascii_lowercase().as_str())
        {
            self.report(i, UNQUALIFIED_TYPE_LITERAL);
        }
        if next_paren && !after_dot && !matches!(self.prev(i, 1), Some(Tok::Cast)) {
            self.call(i, up);
        }
    }

    /// `name(` not after `.`: a call unless syntax, a definition or a column list.
    fn call(&mut self, i: usize, up: &str) {
        if SYNTAX_BEFORE_PAREN.contains(&up) || up == "NULLIF" {
            return;
        }
        let prev = i.checked_sub(1);
        let routine = ["FUNCTION", "PROCEDURE", "AGGREGATE", "ROUTINE"].iter().any(|k| self.is_kw(prev, k));
        if routine {
            self.report(i, UNQUALIFIED_ROUTINE);
            return;
        }
        // Column lists of a relation being named: CREATE TABLE t (, INSERT INTO t (, ...
        if ["INTO", "TABLE", "VIEW", "INDEX", "REFERENCES", "SEQUENCE", "TYPE"].iter().any(|k| self.is_kw(prev, k)) {
            return;
        }
        let in_create = self.is_kw(Some(self.statement_start(i)), "CREATE");
        if in_create && (self.is_kw(prev, "ON") || self.is_kw(prev, "USING")) {
            return; // CREATE INDEX ... ON t (...) / USING btree (...)
        }
        // An alias's column list: AS t(a), ) t(a), FROM rel t(a).
        if self.is_kw(prev, "AS") {
            return;
        }
        if self.is_punct(prev, ')') && !prev.is_some_and(|p| self.operator_closers.contains(&p)) {
            return;
        }
        if matches!(prev.and_then(|p| self.tok(p)), Some(Tok::Word(_) | Tok::Quoted(_))) && self.ends_expression(prev) {
            return;
        }
        // A CTE: WITH [RECURSIVE] name(cols) AS [NOT] [MATERIALIZED] ( / , name(cols) AS (
        if self.is_kw(prev, "WITH") || self.is_kw(prev, "RECURSIVE") || self.is_punct(prev, ',') {
            if let Some(close) = self.matching(i + 1) {
                let after = close + 2;
                if self.is_kw(Some(close + 1), "AS")
                    && (self.is_punct(Some(after), '(')
                        || self.is_kw(Some(after), "MATERIALIZED")
                        || self.is_kw(Some(after), "NOT"))
                {
                    return;
                }
            }
        }
        self.report(i, UNQUALIFIED_FUNCTION);
    }

    /// `CREATE [TEMP|UNLOGGED ...] TABLE [IF NOT EXISTS] name (col type, ...)`.
    fn create_table(&mut self, i: usize) {
        let start = self.statement_start(i);
        if !self.is_kw(Some(start), "CREATE")
            || !(start + 1..i)
                .all(|k| ["GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED"].iter().any(|w| self.is_kw(Some(k), w)))
        {
            return;
        }
        let mut j = i + 1;
        if self.is_kw(Some(j), "IF") {
            j += 3;
        }
        while matches!(self.tok(j), Some(Tok::Word(_) | Tok::Quoted(_) | Tok::Punct('.'))) {
            j += 1;
        }
        if !self.is_punct(Some(j), '(') {
            return;
        }
        let Some(close) = self.matching(j) else { return };
        for (from, to) in self.elements(j, close) {
            let constraint = ["CONSTRAINT", "CHECK", "PRIMARY", "UNIQUE", "FOREIGN", "EXCLUDE", "LIKE"]
                .iter()
                .any(|k| self.is_kw(Some(from), k));
            if !constraint && from + 1 < to && !self.qualified_at(from + 1) {
                self.report(from + 1, UNQUALIFIED_COLUMN_TYPE);
            }
        }
    }

    /// A routine signature after FUNCTION/PROCEDURE/AGGREGATE/ROUTINE: each
    /// argument's type must be qualified.
    fn signature(&mut self, i: usize) {
        let mut j = i + 1;
        while matches!(self.tok(j), Some(Tok::Word(_) | Tok::Quoted(_) | Tok::Punct('.'))) {
            j += 1;
        }
        if j == i + 1 || !self.is_punct(Some(j), '(') {
            return;
        }
        let Some(close) = self.matching(j) else { return };
        for (mut from, to) in self.elements(j, close) {
            while ["IN", "OUT", "INOUT", "VARIADIC"].iter().any(|m| self.is_kw(Some(from), m)) && from + 1 < to {
                from += 1;
            }
            let end = (from..to)
                .find(|&k| self.is_kw(Some(k), "DEFAULT") || self.tok(k) == Some(&Tok::Op("=".into())))
                .unwrap_or(to);
            if end == from || (end == from + 1 && self.tok(from) == Some(&Tok::Op("*".into()))) {
                continue;
            }
            if !self.has_qualified_name(from, end) {
                let named = end > from + 1 && matches!(self.tok(from + 1), Some(Tok::Word(_) | Tok::Quoted(_)));
                self.report(if named { from + 1 } else { from }, UNQUALIFIED_ARGUMENT_TYPE);
            }
        }
    }

    /// `RETURNS [SETOF] type` or `RETURNS TABLE (name type, ...)`.
    fn returns(&mut self, i: usize) {
        let mut j = i + 1;
        if self.is_kw(Some(j), "NULL") {
            return; // RETURNS NULL ON NULL INPUT
        }
        if self.is_kw(Some(j), "TABLE") && self.is_punct(Some(j + 1), '(') {
            let Some(close) = self.matching(j + 1) else { return };
            for (from, to) in self.elements(j + 1, close) {
                if from + 1 < to && !self.has_qualified_name(from + 1, to) {
                    self.report(from + 1, UNQUALIFIED_RETURN_TYPE);
                }
            }
            return;
        }
        if self.is_kw(Some(j), "SETOF") {
            j += 1;
        }
        if j < self.t.len() && !self.qualified_at(j) {
            self.report(j, UNQUALIFIED_RETURN_TYPE);
        }
    }

    /// A PL/pgSQL DECLARE block: `name [CONSTANT] type ...;` up to BEGIN.
    fn declare(&mut self, i: usize) {
        let mut j = i + 1;
        while j < self.t.len() && !self.is_kw(Some(j), "BEGIN") {
            let mut k = j + 1;
            if self.is_kw(Some(k), "CONSTANT") {
                k += 1;
            }
            let special = ["ALIAS", "CURSOR", "NO", "SCROLL"].iter().any(|w| self.is_kw(Some(k), w));
            let var_type = self.tok(k + 1) == Some(&Tok::Op("%".into())); // other%TYPE
            if k < self.t.len() && !special && !var_type && !self.qualified_at(k) {
                self.report(k, UNQUALIFIED_VARIABLE_TYPE);
            }
            // To the end of the declaration.
            let mut depth = 0usize;
            while j < self.t.len() {
                match self.tok(j) {
                    Some(Tok::Punct('(')) => depth += 1,
                    Some(Tok::Punct(')')) => depth = depth.saturating_sub(1),
                    Some(Tok::Punct(';')) if depth == 0 => break,
                    _ => {}
                }
                j += 1;
            }
            j += 1;
        }
    }
}

/// The findings in one SQL text.
pub(crate) fn lint_sql(sql: &str) -> Vec<Finding> {
    // @extschema@ is a schema name (same length, so columns stay).
    let sql = sql.replace("@extschema@", "_extschema_");
    let tokens = lex(&sql);
    let mut lint = Lint { t: &tokens, findings: Vec::new(), operator_closers: Vec::new() };
    lint.run();
    lint.findings.sort_by_key(|f| f.line);
    lint.findings
}

/// Every `.sql` file the lint reads, relative to the crate root.
fn guard_sql_files(root: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let update_script = rel.parent() == Some(Path::new("sql"))
                && rel.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.matches("--").count() == 2);
            if rel == Path::new("sql/released") || update_script {
                continue; // shipped history
            }
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "sql") {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root.join("src"), root, &mut out);
    walk(&root.join("sql"), root, &mut out);
    out.sort();
    out
}

#[test]
fn every_name_in_the_guards_sql_is_qualified() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = guard_sql_files(root);
    assert!(files.iter().any(|f| f.ends_with("server.sql")), "the lint found no SQL: {files:?}");
    assert!(!files.iter().any(|f| f.starts_with("sql/released")), "{files:?}");
    let mut report = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for f in lint_sql(&text) {
            report.push(format!("{}:{}: {}: {}", file.display(), f.line, f.token, f.rule));
        }
    }
    assert!(
        report.is_empty(),
        "{} unqualified names in the guard's SQL (see src/sql_lint.rs):\n{}",
        report.len(),
        report.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(sql: &str) -> Vec<(String, &'static str)> {
        lint_sql(sql).into_iter().map(|f| (f.token, f.rule)).collect()
    }

    fn clean(sql: &str) {
        assert_eq!(rules(sql), vec![], "{sql}");
    }

    fn flags(sql: &str, token: &str, rule: &'static str) {
        let found = rules(sql);
        assert!(found.contains(&(token.to_string(), rule)), "{sql}: expected {token} ({rule}), found {found:?}");
    }

    #[test]
    fn the_three_basic_cases_fail_and_pass() {
        flags("SELECT x::text", "text", UNQUALIFIED_CAST);
        flags("SELECT count(*)", "count", UNQUALIFIED_FUNCTION);
        flags("SELECT 1 WHERE a = b", "=", BARE_OPERATOR);
        clean("SELECT x::pg_catalog.text");
        clean("SELECT pg_catalog.count(*)");
        clean("SELECT 1 WHERE a OPERATOR(pg_catalog.=) b");
    }

    #[test]
    fn comments_and_strings_are_not_read_but_bodies_are() {
        clean("-- count(*) = x::text\nSELECT 1 /* a = b /* nested */ f(x) */");
        clean("SELECT 'a = b::text', E'it\\'s = f(x)', 'it''s < count(*)', U&'d' , B'01'");
        flags(
            "CREATE FUNCTION s.f() RETURNS pg_catalog.int4 LANGUAGE sql AS $f$ SELECT count(*) $f$",
            "count",
            UNQUALIFIED_FUNCTION,
        );
        flags("DO $a$ BEGIN EXECUTE $b$ SELECT 1::int $b$; END $a$", "int", UNQUALIFIED_CAST);
        clean("SELECT @extschema@.f(), x::@extschema@.t");
        assert_eq!(lint_sql("SELECT 1;\n\n-- x\nSELECT a::text")[0].line, 4);
    }

    #[test]
    fn casts_typed_literals_and_collations() {
        flags("SELECT ARRAY['r']::\"char\"[]", "\"char\"", UNQUALIFIED_CAST);
        clean("SELECT ARRAY['r', 'p']::pg_catalog.\"char\"[], $1::pg_catalog.oid[]");
        flags("SELECT CAST(x AS bigint)", "bigint", UNQUALIFIED_CAST);
        clean("SELECT CAST(x AS pg_catalog.int8)");
        flags("SELECT interval '1 day'", "interval", UNQUALIFIED_TYPE_LITERAL);
        clean("SELECT pg_catalog.interval '1 day', x AT TIME ZONE 'UTC'");
        flags("SELECT x COLLATE \"C\"", "\"C\"", UNQUALIFIED_COLLATION);
        clean("SELECT x COLLATE pg_catalog.\"C\"");
    }

    #[test]
    fn syntax_cte_and_alias_column_lists_are_not_calls() {
        clean("SELECT coalesce(a, 0), GREATEST(a, b), LEAST(a, b), ROW(a, b), ARRAY(SELECT 1)");
        clean("SELECT extract(epoch FROM x), pg_catalog.count(*) FILTER (WHERE NOT EXISTS (SELECT 1))");
        clean("SELECT 1 WHERE x OPERATOR(pg_catalog.=) ANY (ARRAY[1]) AND y OPERATOR(pg_catalog.<>) ALL (SELECT 1)");
        clean("WITH RECURSIVE t(x) AS (SELECT 1), u(y) AS MATERIALIZED (SELECT 2) SELECT * FROM t, u");
        clean("SELECT * FROM (VALUES (1)) v(a), pg_catalog.unnest($1) AS p(x), s.f() f(z)");
        clean("INSERT INTO s.t (a, b) SELECT 1, 2");
        clean("SELECT 1 FROM s.t a CROSS JOIN LATERAL (SELECT 1) AS b");
        flags("SELECT a, format('%I', b)", "format", UNQUALIFIED_FUNCTION);
        flags("SELECT 1 WHERE a OPERATOR(pg_catalog.<>) pg_backend_pid()", "pg_backend_pid", UNQUALIFIED_FUNCTION);
        flags("SELECT 1 FROM f(1) AS x", "f", UNQUALIFIED_FUNCTION);
        flags("DO $$ BEGIN PERFORM setval('s', 1); x := txid_current(); END $$", "setval", UNQUALIFIED_FUNCTION);
        flags("DO $$ BEGIN x := txid_current(); END $$", "txid_current", UNQUALIFIED_FUNCTION);
        flags("SELECT substring(a, 1, 2)", "substring", UNQUALIFIED_FUNCTION);
        flags("COMMENT ON FUNCTION f() IS 'x'", "f", UNQUALIFIED_ROUTINE);
    }

    #[test]
    fn operators_and_the_syntax_that_looks_them_up() {
        clean("SELECT *, t.*, pg_catalog.count(*), -1, s.f(- 2) FROM t RETURNING *");
        flags("SELECT a - 1", "-", BARE_OPERATOR);
        flags("SELECT a * 2", "*", BARE_OPERATOR);
        flags("SELECT a || 'x'", "||", BARE_OPERATOR);
        flags("SELECT x->>'k'", "->>", BARE_OPERATOR);
        flags("SELECT 1 WHERE x=-1", "=", BARE_OPERATOR);
        flags("SELECT a OPERATOR(=) b", "OPERATOR", OPERATOR_WITHOUT_SCHEMA);
        flags("SELECT 1 WHERE k IN ('r', 'p')", "IN", IN_LIST);
        flags("SELECT 1 WHERE k NOT IN (SELECT 1)", "IN", IN_LIST);
        flags("SELECT 1 WHERE a LIKE 'x%'", "LIKE", LIKE);
        flags("SELECT 1 WHERE a NOT ILIKE 'x%'", "ILIKE", LIKE);
        flags("SELECT 1 WHERE a BETWEEN 1 AND 2", "BETWEEN", BETWEEN);
        flags("SELECT 1 WHERE a IS DISTINCT FROM b", "DISTINCT", DISTINCT_FROM);
        flags("SELECT 1 WHERE a IS NOT DISTINCT FROM b", "DISTINCT", DISTINCT_FROM);
        flags("SELECT CASE k WHEN 'i' THEN 1 END", "CASE", SIMPLE_CASE);
        clean("SELECT CASE WHEN k OPERATOR(pg_catalog.=) 'i' THEN 1 END");
        flags("SELECT NULLIF(a, b)", "NULLIF", NULLIF);
        flags("SELECT 1 FROM s.a JOIN s.b x USING (id)", "USING", JOIN_USING);
        flags("SELECT 1 FROM s.a NATURAL JOIN s.b", "NATURAL", JOIN_USING);
        clean("CREATE EVENT TRIGGER t ON ddl_command_start WHEN TAG IN ('ALTER EXTENSION') EXECUTE FUNCTION s.f()");
        clean("DO $$ BEGIN FOR r IN SELECT 1 LOOP END LOOP; FOREACH x IN ARRAY a LOOP END LOOP; END $$");
        clean(
            "CREATE FUNCTION s.f() RETURNS pg_catalog.void LANGUAGE sql SET search_path = pg_catalog, pg_temp AS 'x'",
        );
        clean("SET LOCAL s.x = 1; UPDATE s.t SET a = 1, b = 2 WHERE c OPERATOR(pg_catalog.=) 3");
        flags("UPDATE s.t SET a = 1 WHERE c = 3", "=", BARE_OPERATOR);
        clean("DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = 'U0R01', HINT = 'y'; v := 1; END $$");
        clean("SELECT s.f(a => 1)");
    }

    #[test]
    fn declared_types() {
        flags("CREATE TABLE s.t (a text NOT NULL, b pg_catalog.int8)", "text", UNQUALIFIED_COLUMN_TYPE);
        clean(
            "CREATE TABLE s.t (a pg_catalog.text NOT NULL CHECK (a OPERATOR(pg_catalog.<>) ''), b pg_catalog.int8[])",
        );
        flags(
            "CREATE FUNCTION s.f(x bigint) RETURNS pg_catalog.int4 LANGUAGE sql AS 'x'",
            "bigint",
            UNQUALIFIED_ARGUMENT_TYPE,
        );
        flags("COMMENT ON FUNCTION s.f(text) IS 'x'", "text", UNQUALIFIED_ARGUMENT_TYPE);
        clean("GRANT EXECUTE ON FUNCTION s.f(pg_catalog.text, y pg_catalog.int4 DEFAULT NULL) TO r");
        flags("CREATE FUNCTION s.f() RETURNS SETOF text LANGUAGE sql AS 'x'", "text", UNQUALIFIED_RETURN_TYPE);
        flags(
            "CREATE FUNCTION s.f() RETURNS TABLE (a pg_catalog.text, b numeric) LANGUAGE sql AS 'x'",
            "numeric",
            UNQUALIFIED_RETURN_TYPE,
        );
        clean("CREATE FUNCTION s.f() RETURNS TABLE (a pg_catalog.text) LANGUAGE sql RETURNS NULL ON NULL INPUT AS 'x'");
        flags("DO $$ DECLARE a text; b pg_catalog.int8 := 0; BEGIN END $$", "text", UNQUALIFIED_VARIABLE_TYPE);
        clean("DO $$ DECLARE a pg_catalog.text; b CONSTANT pg_catalog.int8 := 0; c a%TYPE; BEGIN END $$");
    }
}
