//! SQL text printed for a person to run, quoted the PostgreSQL way: a name
//! or a value that holds a quote, a semicolon or a newline must stay one
//! literal when the statement is pasted into psql, never become a second
//! statement. Identities from `pg_identify_object()` and `format('%I')` are
//! quoted identifiers already; what goes inside a string literal is quoted
//! here.

/// A string literal as PostgreSQL's `quote_literal()` writes it: single
/// quotes doubled, and, when the text holds a backslash, an `E''` literal
/// with backslashes doubled (so that it reads the same whatever
/// `standard_conforming_strings` is).
pub fn quote_literal(text: &str) -> String {
    let escaped = text.replace('\'', "''");
    if text.contains('\\') {
        format!("E'{}'", escaped.replace('\\', "\\\\"))
    } else {
        format!("'{escaped}'")
    }
}

#[cfg(test)]
mod tests {
    use super::quote_literal;

    #[test]
    fn quotes_and_backslashes_stay_inside_the_literal() {
        assert_eq!(quote_literal("public.v"), "'public.v'");
        assert_eq!(quote_literal(r#"public."x'); DROP TABLE t; SELECT ('""#), r#"'public."x''); DROP TABLE t; SELECT (''"'"#);
        assert_eq!(quote_literal(r"a\b'c"), r"E'a\\b''c'");
        assert_eq!(quote_literal("line\nbreak é"), "'line\nbreak é'");
    }
}
