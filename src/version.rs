//! Parsing and ordering of Promscale, TimescaleDB and PostgreSQL versions.
//!
//! Extension versions in `pg_extension` and in the extension's script files
//! are free text; Promscale and TimescaleDB use semver-like strings, sometimes
//! with fewer than three parts or a prerelease suffix. We parse them leniently
//! and compare with semver rules so that `0.5.0-alpha < 0.5.0 < 0.5.4`.

use std::fmt;

use semver::Version;

/// A parsed extension or release version that remembers how it was written.
/// Equality and order are semver's: `0.17` and `0.17.0` are the same release.
#[derive(Debug, Clone)]
pub struct ExtVersion {
    pub text: String,
    pub semver: Version,
}

impl ExtVersion {
    /// Parses `1`, `1.2`, `1.2.3` and `1.2.3-pre`; anything else is `None`.
    pub fn parse(text: &str) -> Option<ExtVersion> {
        let trimmed = text.trim();
        let (core, pre) = match trimmed.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (trimmed, None),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty()
            || parts.len() > 3
            || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        let mut padded = parts.join(".");
        for _ in parts.len()..3 {
            padded.push_str(".0");
        }
        if let Some(pre) = pre {
            padded.push('-');
            padded.push_str(pre);
        }
        Version::parse(&padded).ok().map(|semver| ExtVersion { text: trimmed.to_string(), semver })
    }

    pub fn is_prerelease(&self) -> bool {
        !self.semver.pre.is_empty()
    }
}

impl PartialEq for ExtVersion {
    fn eq(&self, other: &Self) -> bool {
        self.semver == other.semver
    }
}

impl Eq for ExtVersion {}

impl PartialOrd for ExtVersion {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ExtVersion {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.semver.cmp(&other.semver)
    }
}

impl fmt::Display for ExtVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A half-open version range `[min, below)`, as the connector checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    pub min: ExtVersion,
    pub below: ExtVersion,
}

impl VersionRange {
    /// Prereleases of `min` count as inside (`0.5.0-alpha` satisfies
    /// `>= 0.5.0-alpha`), as in the connector's range checks.
    pub fn contains(&self, v: &ExtVersion) -> bool {
        let core = Version::new(v.semver.major, v.semver.minor, v.semver.patch);
        (v >= &self.min || core == self.min.semver) && v < &self.below
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, ">= {}, < {}", self.min, self.below)
    }
}

/// PostgreSQL major version from `server_version_num` (150020 -> 15).
pub fn postgres_major(server_version_num: i32) -> i32 {
    server_version_num / 10000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> ExtVersion {
        ExtVersion::parse(s).unwrap()
    }

    #[test]
    fn parses_short_and_prerelease_forms() {
        assert_eq!(v("0.5").semver, Version::new(0, 5, 0));
        assert_eq!(v("2").semver, Version::new(2, 0, 0));
        assert!(v("0.5.0-alpha").is_prerelease());
        assert!(!v("0.5.4").is_prerelease());
        assert_eq!(v(" 0.8.0 ").text, "0.8.0");
    }

    #[test]
    fn rejects_malformed_versions() {
        for bad in ["", "abc", "0.5.x", "1.2.3.4", "1..2", "-1.0", "0.5.0-", "v0.5.0"] {
            assert!(ExtVersion::parse(bad).is_none(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn short_forms_are_equal_to_full_ones() {
        assert_eq!(v("0.17"), v("0.17.0"));
        assert_ne!(v("0.17.1"), v("0.17.0"));
    }

    #[test]
    fn orders_by_semver_not_text() {
        assert!(v("0.10.0") > v("0.9.0"));
        assert!(v("0.5.0-alpha") < v("0.5.0"));
        assert!(v("0.5.4") > v("0.5.3"));
    }

    #[test]
    fn range_is_half_open_and_admits_prereleases_of_min() {
        let r = VersionRange { min: v("0.5.0"), below: v("0.6.0") };
        assert!(r.contains(&v("0.5.0")));
        assert!(r.contains(&v("0.5.0-alpha")));
        assert!(r.contains(&v("0.5.4")));
        assert!(!r.contains(&v("0.6.0")));
        assert!(!r.contains(&v("0.4.9")));
    }

    #[test]
    fn postgres_major_from_version_num() {
        assert_eq!(postgres_major(150020), 15);
        assert_eq!(postgres_major(120000), 12);
    }
}
