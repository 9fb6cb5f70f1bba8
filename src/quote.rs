//! SQL text printed for a person to run, quoted the PostgreSQL way: a name
//! or a value that holds a quote, a semicolon or a newline must stay one
//! literal when the statement is pasted into psql, never become a second
//! statement. Identities from `pg_identify_object()` and `format('%I')` are
//! quoted identifiers already; what goes inside a string literal is quoted
//! here.

/// A string literal as PostgreSQL's `quote_literal()` writes it: single
/// quotes doubled, and, when the text holds a backslash, an `E''` literal
/// with backslashes doubled (so that it reads the same whatever
/// `standard_conforming_strings` is). Control characters (a newline, a
/// carriage return) are written as `E''` escapes too: the literal means the
/// same, and a message or log line that shows it stays one line.
pub fn quote_literal(text: &str) -> String {
    if !text.chars().any(|c| c == '\\' || c.is_control()) {
        return format!("'{}'", text.replace('\'', "''"));
    }
    let mut out = String::from("E'");
    for c in text.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 && c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// At most this many characters of a user's string in a message or a log
/// line.
const MAX_CHARS: usize = 64;

thread_local! {
    /// The schema of the guard's SQL functions, as an identifier; the glue
    /// sets it from the catalog where a call begins (`set_guard_schema`).
    static GUARD_SCHEMA: std::cell::RefCell<String> = std::cell::RefCell::new("public".to_string());
}

/// Sets the schema `guard_call` names (already quoted as an identifier).
pub fn set_guard_schema(quoted: String) {
    GUARD_SCHEMA.with(|s| *s.borrow_mut() = quoted);
}

/// `schema.name` of one of the guard's SQL functions (or its view), for SQL
/// a message asks a person to run. Qualified: with PostgreSQL's default
/// search_path (`"$user", public`), a role with CREATE on the database could
/// put a function of the same name in a schema named after that person's
/// role, and a superuser pasting the hint would run it.
pub fn guard_call(name: &str) -> String {
    GUARD_SCHEMA.with(|s| format!("{}.{name}", s.borrow()))
}

/// A user's string (a target release, a role name, a version) as a message
/// or log line shows it, so that it cannot start a line of its own nor flood
/// the log: control characters, `"` and `\` escaped, and at
/// most `MAX_CHARS` characters of it, then "...".
pub fn for_message(text: &str) -> String {
    escaped(text, MAX_CHARS, true)
}

/// A longer text from outside (the error of a rehearsal run on a copy
/// someone else controlled) as a message shows it: like `for_message`, but
/// `"` kept (an error text quotes names) and cut at `max_chars`.
pub fn text_for_message(text: &str, max_chars: usize) -> String {
    escaped(text, max_chars, false)
}

/// Characters that are not control characters to Rust, but that a log
/// viewer or a terminal takes as a line break or uses to reorder what a
/// line shows (Unicode line and paragraph separators, bidirectional
/// marks, embeddings, overrides and isolates, the byte order mark).
fn is_deceptive(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Whether `text` holds no control character but a line break, and nothing
/// a terminal or a log viewer takes as a line break or a reordering
/// (`is_deceptive`): SQL naming it can be printed for a person to run as it
/// is. A newline is allowed (a quoted identifier may hold one, and the SQL
/// must name the object exactly); a terminal escape is not.
pub fn prints_plainly(text: &str) -> bool {
    !text.chars().any(|c| (c.is_control() && c != '\n') || is_deceptive(c))
}

fn escaped(text: &str, max_chars: usize, quotes: bool) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max_chars {
            out.push_str("...");
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' if quotes => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if is_deceptive(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// "3 min 10 s", "42 s", "0.1 s", "1 h 5 min".
pub fn duration_text(seconds: f64) -> String {
    if seconds < 9.95 {
        // Short runs (a rehearsal of a small catalog) keep their tenth.
        return format!("{:.1} s", seconds.max(0.0));
    }
    let s = seconds.round() as i64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::{for_message, quote_literal, text_for_message, MAX_CHARS};

    #[test]
    fn quotes_and_backslashes_stay_inside_the_literal() {
        assert_eq!(quote_literal("public.v"), "'public.v'");
        assert_eq!(
            quote_literal(r#"public."x'); DROP TABLE t; SELECT ('""#),
            r#"'public."x''); DROP TABLE t; SELECT (''"'"#
        );
        assert_eq!(quote_literal(r"a\b'c"), r"E'a\\b''c'");
        assert_eq!(quote_literal("line\nbreak é"), r"E'line\nbreak é'");
        assert_eq!(quote_literal("bell\u{7}"), r"E'bell\x07'");
    }

    #[test]
    fn messages_show_user_strings_on_one_line_and_cut() {
        let long = "x".repeat(1000);
        assert_eq!(for_message(&long), format!("{}...", "x".repeat(MAX_CHARS)));
        assert_eq!(for_message("é ok"), "é ok");
        assert_eq!(for_message("a\nb\"c"), r#"a\nb\"c"#);
    }

    #[test]
    fn outside_text_cannot_break_a_line_nor_steer_a_terminal() {
        let forged = "2BP01: x\nLOG:  forged\r\u{1b}[31mred\u{7f}\u{85}\u{2028}\u{202e}\\ \"v\"";
        let shown = text_for_message(forged, 1000);
        assert_eq!(shown, r#"2BP01: x\nLOG:  forged\r\x1b[31mred\x7f\x85\u2028\u202e\\ "v""#);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown}");
        assert_eq!(text_for_message(&"é".repeat(10), 4), "éééé...");
        assert_eq!(for_message("\u{2029}"), r"\u2029");
    }
}
