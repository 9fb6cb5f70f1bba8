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

/// A user's string (a target release, a role name, a version) as a message
/// or log line shows it, so that it cannot start a line of its own nor flood
/// the log: control characters, `"` and `\` escaped, and at
/// most `MAX_CHARS` characters of it, then "...".
pub fn for_message(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_CHARS {
            out.push_str("...");
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
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
    use super::{for_message, quote_literal, MAX_CHARS};

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
}
