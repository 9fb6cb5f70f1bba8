//! A `promscale` extension command, as the event trigger's parse tree says
//! it (`parse_tree` reads it), in canonical form for messages and the log.
//! Plain data, no pgrx types.

/// A `promscale` extension command, as the parse tree says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `ALTER EXTENSION promscale UPDATE [TO 'v']`.
    Update { to: Option<String> },
    /// `CREATE EXTENSION [IF NOT EXISTS] promscale [SCHEMA s] [VERSION 'v'] [CASCADE]`.
    Create { version: Option<String>, schema: Option<String>, if_not_exists: bool, cascade: bool },
}

impl Command {
    /// The command in canonical form, for messages and the upgrade log.
    pub fn statement(&self) -> String {
        let quote = crate::quote::quote_literal;
        match self {
            Command::Update { to: None } => "ALTER EXTENSION promscale UPDATE".to_string(),
            Command::Update { to: Some(v) } => format!("ALTER EXTENSION promscale UPDATE TO {}", quote(v)),
            Command::Create { version, schema, if_not_exists, cascade } => {
                let mut s = String::from("CREATE EXTENSION ");
                if *if_not_exists {
                    s.push_str("IF NOT EXISTS ");
                }
                s.push_str("promscale");
                if let Some(schema) = schema {
                    s.push_str(&format!(" SCHEMA {schema}"));
                }
                if let Some(v) = version {
                    s.push_str(&format!(" VERSION {}", quote(v)));
                }
                if *cascade {
                    s.push_str(" CASCADE");
                }
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(to: Option<&str>) -> Command {
        Command::Update { to: to.map(str::to_string) }
    }

    #[test]
    fn statements_render_canonically() {
        assert_eq!(update(Some("0.8.0")).statement(), "ALTER EXTENSION promscale UPDATE TO '0.8.0'");
        assert_eq!(
            Command::Create {
                version: Some("0.0.0".into()),
                schema: Some("public".into()),
                if_not_exists: true,
                cascade: true
            }
            .statement(),
            "CREATE EXTENSION IF NOT EXISTS promscale SCHEMA public VERSION '0.0.0' CASCADE"
        );
        assert_eq!(update(Some("it's")).statement(), "ALTER EXTENSION promscale UPDATE TO 'it''s'");
    }
}
