//! The rehearsal record: what `promscale_upgrade_rehearsal_export()` gives
//! on a restored copy and `promscale_upgrade_rehearsal_import()` takes on
//! production. Pure: the format, its strict reading (a record that is not
//! exactly this is refused, with what is wrong as a sentence), and whether
//! a record is of the upgrade this database will run.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::locks::estimate::LockPath;
use crate::snapshot::Rehearsal;
use crate::version::ExtVersion;

/// The record's `format`: says what the jsonb is, for a person who finds it.
pub const FORMAT: &str = "promscale_upgrade_guard rehearsal";
/// Bumped when a field changes meaning; a guard reads only its own.
pub const FORMAT_VERSION: i64 = 1;
/// No upgrade is rehearsed for longer: a bigger number is a broken record
/// (and would overflow an interval).
const MAX_DURATION_SECONDS: f64 = 30.0 * 86_400.0;

/// One rehearsal, as carried from a copy. Every key is always present
/// (null where it does not apply), so a record reads the same to a person
/// and to the import.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub format: String,
    pub format_version: i64,
    /// The guard version that measured.
    pub guard_version: String,
    /// `takeover`, `update` or `fresh`.
    pub path: String,
    pub from_version: Option<String>,
    pub to_version: String,
    /// UTC, ISO 8601: `2026-12-04T05:00:00.123456Z`.
    pub measured_at: String,
    pub succeeded: bool,
    pub locks_held: Option<i64>,
    pub locks_estimated: Option<i64>,
    pub locks_counted: Option<i64>,
    pub duration_seconds: f64,
    /// SQLSTATE, message, detail and hint of a failed rehearsal.
    pub error: Option<String>,
    pub server_version_num: i64,
    /// Relations outside the system schemas on the copy.
    pub relations: i64,
    /// Promscale metric tables on the copy.
    pub metrics: i64,
    /// The database the rehearsal ran in.
    pub database: String,
    /// The role that ran it.
    pub role: String,
}

const KEYS: [&str; 18] = [
    "format",
    "format_version",
    "guard_version",
    "path",
    "from_version",
    "to_version",
    "measured_at",
    "succeeded",
    "locks_held",
    "locks_estimated",
    "locks_counted",
    "duration_seconds",
    "error",
    "server_version_num",
    "relations",
    "metrics",
    "database",
    "role",
];

impl Record {
    /// The record of a logged rehearsal; Err (a sentence) when the row was
    /// written before guard 0.4.0, which did not record what a record holds.
    pub fn of(r: &Rehearsal) -> Result<Record, String> {
        let missing = |what: &str| {
            format!(
                "The newest rehearsal of this upgrade ({}) has no {what}: it was measured by a guard older than 0.4.0.",
                r.measured_at
            )
        };
        Ok(Record {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            guard_version: r.guard_version.clone().ok_or_else(|| missing("guard version"))?,
            path: r.path.clone(),
            from_version: r.from_version.clone(),
            to_version: r.to_version.clone().ok_or_else(|| missing("target version"))?,
            measured_at: format!("{}Z", r.measured_at.replacen(' ', "T", 1)),
            succeeded: r.succeeded,
            locks_held: r.locks_held,
            locks_estimated: r.locks_estimated,
            locks_counted: r.locks_counted,
            duration_seconds: r.duration_seconds.ok_or_else(|| missing("duration"))?,
            error: r.error.clone(),
            server_version_num: r.server_version_num.map(i64::from).ok_or_else(|| missing("PostgreSQL version"))?,
            relations: r.relations.ok_or_else(|| missing("relation count"))?,
            metrics: r.metrics.ok_or_else(|| missing("metric count"))?,
            database: r.database_name.clone().ok_or_else(|| missing("database name"))?,
            role: r.role_name.clone().ok_or_else(|| missing("role"))?,
        })
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a record serializes")
    }

    /// Reads a record strictly: an object with exactly the keys of format
    /// 1, each of its type and in its range, consistent with itself. Err is
    /// the detail line: what is wrong, as a sentence.
    pub fn parse(value: &Value) -> Result<Record, String> {
        let Value::Object(map) = value else {
            return Err(format!("The record is a JSON {}, not an object.", kind(value)));
        };
        if let Some(key) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!("The record has an unknown key \"{}\".", key.escape_debug()));
        }
        let format = text(map, "format")?;
        if format != FORMAT {
            return Err(format!("The record's format is \"{}\", not \"{FORMAT}\".", format.escape_debug()));
        }
        let format_version = integer(map, "format_version", 1..=i64::MAX)?;
        if format_version != FORMAT_VERSION {
            return Err(format!(
                "The record is of format version {format_version}; this guard reads format version {FORMAT_VERSION}."
            ));
        }
        let path = text(map, "path")?;
        if !["takeover", "update", "fresh"].contains(&path.as_str()) {
            return Err(format!("The record's path \"{}\" is not takeover, update or fresh.", path.escape_debug()));
        }
        let from_version = optional(map, "from_version", |v| v.as_str().map(str::to_string), "a string")?;
        let to_version = text(map, "to_version")?;
        for (key, version) in [("from_version", from_version.as_deref()), ("to_version", Some(to_version.as_str()))] {
            if let Some(v) = version.filter(|v| ExtVersion::parse(v).is_none()) {
                return Err(format!(
                    "The record's {key} \"{}\" is not a promscale extension version.",
                    v.escape_debug()
                ));
            }
        }
        match (path.as_str(), &from_version) {
            ("update", None) => return Err("The record is of an update but has no from_version.".into()),
            ("takeover" | "fresh", Some(_)) => {
                return Err(format!(
                    "The record is of a {path}, which updates from no version, but has a from_version."
                ))
            }
            _ => {}
        }
        let measured_at = text(map, "measured_at")?;
        if !is_utc_timestamp(&measured_at) {
            return Err(format!(
                "The record's measured_at \"{}\" is not a UTC time such as 2026-12-04T05:00:00.123456Z.",
                measured_at.escape_debug()
            ));
        }
        let succeeded =
            map.get("succeeded").and_then(Value::as_bool).ok_or_else(|| wrong(map, "succeeded", "true or false"))?;
        let locks_held = optional(map, "locks_held", Value::as_i64, "a whole number")?;
        let locks_estimated = optional(map, "locks_estimated", Value::as_i64, "a whole number")?;
        let locks_counted = optional(map, "locks_counted", Value::as_i64, "a whole number")?;
        for (key, n) in
            [("locks_held", locks_held), ("locks_estimated", locks_estimated), ("locks_counted", locks_counted)]
        {
            if n.is_some_and(|n| n < 0) {
                return Err(format!("The record's {key} is negative."));
            }
        }
        let error = optional(map, "error", |v| v.as_str().map(str::to_string), "a string")?;
        match (succeeded, locks_held.is_some(), error.is_some()) {
            (true, false, _) => return Err("The record is of a rehearsal that succeeded but has no locks_held.".into()),
            (true, _, true) => return Err("The record is of a rehearsal that succeeded but has an error.".into()),
            (false, _, false) => return Err("The record is of a rehearsal that failed but has no error.".into()),
            _ => {}
        }
        let duration_seconds = map
            .get("duration_seconds")
            .and_then(Value::as_f64)
            .filter(|d| (0.0..=MAX_DURATION_SECONDS).contains(d))
            .ok_or_else(|| wrong(map, "duration_seconds", "a number of seconds from 0 to 30 days"))?;
        let server_version_num = integer(map, "server_version_num", 90_000..=i64::from(i32::MAX))?;
        let relations = integer(map, "relations", 0..=i64::MAX)?;
        let metrics = integer(map, "metrics", 0..=i64::MAX)?;
        let guard_version = text(map, "guard_version")?;
        if semver::Version::parse(&guard_version).is_err() {
            return Err(format!("The record's guard_version \"{}\" is not a version.", guard_version.escape_debug()));
        }
        let database = text(map, "database")?;
        let role = text(map, "role")?;
        for (key, name) in [("database", &database), ("role", &role)] {
            if name.is_empty() || name.len() > 63 {
                return Err(format!("The record's {key} is not a name of 1 to 63 bytes."));
            }
        }
        Ok(Record {
            format,
            format_version,
            guard_version,
            path,
            from_version,
            to_version,
            measured_at,
            succeeded,
            locks_held,
            locks_estimated,
            locks_counted,
            duration_seconds,
            error,
            server_version_num,
            relations,
            metrics,
            database,
            role,
        })
    }

    /// Whether this is a rehearsal of `path`, the upgrade this database
    /// will run; Err is the detail line saying which is which.
    pub fn matches(&self, path: &LockPath) -> Result<(), String> {
        let same = path.key() == Some(self.path.as_str())
            && path.target().map(|t| t.text.as_str()) == Some(self.to_version.as_str())
            && path.from().map(|f| f.text.as_str()) == self.from_version.as_deref();
        if same {
            return Ok(());
        }
        Err(format!("The record is of the {}; this database will run the {}.", self.describe(), describe(path)))
    }

    /// "update from 0.7.0 to 0.8.0".
    pub fn describe(&self) -> String {
        match &self.from_version {
            Some(from) => format!("{} from {from} to {}", self.path, self.to_version),
            None => format!("{} to {}", self.path, self.to_version),
        }
    }
}

fn describe(path: &LockPath) -> String {
    let to = path.target().map(|t| t.text.clone()).unwrap_or_else(|| "an unavailable version".into());
    match (path.key(), path.from()) {
        (None, _) => "no extension statement (nothing to upgrade)".into(),
        (Some(key), Some(from)) => format!("{key} from {from} to {to}"),
        (Some(key), None) => format!("{key} to {to}"),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn wrong(map: &Map<String, Value>, key: &str, expected: &str) -> String {
    match map.get(key) {
        None => format!("The record has no {key}."),
        Some(v) => format!("The record's {key} is a JSON {}, not {expected}.", kind(v)),
    }
}

fn text(map: &Map<String, Value>, key: &str) -> Result<String, String> {
    map.get(key).and_then(Value::as_str).map(str::to_string).ok_or_else(|| wrong(map, key, "a string"))
}

fn integer(map: &Map<String, Value>, key: &str, range: std::ops::RangeInclusive<i64>) -> Result<i64, String> {
    let n = map.get(key).and_then(Value::as_i64).ok_or_else(|| wrong(map, key, "a whole number"))?;
    if !range.contains(&n) {
        return Err(format!("The record's {key} {n} is not between {} and {}.", range.start(), range.end()));
    }
    Ok(n)
}

/// A key that must be present, null or of one type.
fn optional<T>(
    map: &Map<String, Value>,
    key: &str,
    get: impl Fn(&Value) -> Option<T>,
    expected: &str,
) -> Result<Option<T>, String> {
    match map.get(key) {
        None => Err(format!("The record has no {key}.")),
        Some(Value::Null) => Ok(None),
        Some(v) => get(v).map(Some).ok_or_else(|| wrong(map, key, &format!("null or {expected}"))),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z`, a real date and time: what the export
/// writes, and nothing PostgreSQL would read differently.
fn is_utc_timestamp(s: &str) -> bool {
    let Some(body) = s.strip_suffix('Z') else { return false };
    let (main, fraction) = body.split_once('.').unwrap_or((body, "0"));
    let b = main.as_bytes();
    let shape = b.len() == 19
        && [4, 7].iter().all(|&i| b[i] == b'-')
        && b[10] == b'T'
        && [13, 16].iter().all(|&i| b[i] == b':')
        && b.iter().enumerate().all(|(i, c)| [4, 7, 10, 13, 16].contains(&i) || c.is_ascii_digit());
    if !shape || fraction.is_empty() || fraction.len() > 6 || !fraction.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let n = |r: std::ops::Range<usize>| main[r].parse::<u32>().unwrap_or(u32::MAX);
    let (year, month, day) = (n(0..4), n(5..7), n(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1 && (1..=days).contains(&day) && n(11..13) < 24 && n(14..16) < 60 && n(17..19) < 60
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rehearsal() -> Rehearsal {
        Rehearsal {
            path: "update".into(),
            from_version: Some("0.7.0".into()),
            to_version: Some("0.8.0".into()),
            measured_at: "2026-12-04 05:00:00.123456".into(),
            succeeded: true,
            locks_estimated: Some(1_100),
            locks_counted: Some(900),
            locks_held: Some(1_000),
            duration_seconds: Some(12.5),
            server_version_num: Some(150010),
            relations: Some(2_000),
            metrics: Some(1_000),
            guard_version: Some("0.4.0".into()),
            database_name: Some("promscale_copy".into()),
            role_name: Some("postgres".into()),
            origin: "local".into(),
            ..Rehearsal::default()
        }
    }

    fn with(key: &str, value: Value) -> Value {
        let mut v = Record::of(&rehearsal()).unwrap().to_json();
        match value {
            Value::Null if key.starts_with('-') => {
                v.as_object_mut().unwrap().remove(&key[1..]);
            }
            value => {
                v[key] = value;
            }
        }
        v
    }

    #[test]
    fn an_exported_record_reads_back_the_same() {
        let record = Record::of(&rehearsal()).unwrap();
        assert_eq!(record.measured_at, "2026-12-04T05:00:00.123456Z");
        let json = record.to_json();
        assert_eq!(json.as_object().unwrap().len(), KEYS.len(), "every key, always");
        assert_eq!(json["format"], FORMAT);
        assert_eq!(Record::parse(&json), Ok(record));
    }

    #[test]
    fn a_row_of_before_0_4_0_is_not_exported() {
        let mut old = rehearsal();
        old.duration_seconds = None;
        let err = Record::of(&old).unwrap_err();
        assert!(err.contains("no duration") && err.contains("older than 0.4.0"), "{err}");
    }

    #[test]
    fn malformed_records_are_refused_with_what_is_wrong() {
        let cases = [
            (Value::from(3), "a JSON number, not an object"),
            (with("extra", Value::from(1)), "unknown key \"extra\""),
            (with("format", Value::from("something else")), "format is \"something else\""),
            (with("format_version", Value::from(2)), "format version 2"),
            (with("path", Value::from("sideways")), "path \"sideways\""),
            (with("to_version", Value::from("eight")), "to_version \"eight\" is not"),
            (with("from_version", Value::Null), "update but has no from_version"),
            (with("-locks_held", Value::Null), "has no locks_held"),
            (with("locks_held", Value::Null), "succeeded but has no locks_held"),
            (with("locks_held", Value::from(-1)), "locks_held is negative"),
            (with("locks_held", Value::from("1000")), "locks_held is a JSON string, not null or a whole number"),
            (with("error", Value::from("53200: out of shared memory")), "succeeded but has an error"),
            (with("succeeded", Value::from(false)), "failed but has no error"),
            (
                with("duration_seconds", Value::from(-1.0)),
                "duration_seconds is a JSON number, not a number of seconds from 0 to 30 days",
            ),
            (with("measured_at", Value::from("2026-02-30T05:00:00Z")), "measured_at \"2026-02-30T05:00:00Z\""),
            (with("measured_at", Value::from("yesterday")), "not a UTC time"),
            (with("relations", Value::from(-5)), "relations -5 is not between 0 and"),
            (with("guard_version", Value::from("new")), "guard_version \"new\" is not a version"),
            (with("database", Value::from("")), "database is not a name of 1 to 63 bytes"),
            (with("-database", Value::Null), "has no database"),
        ];
        for (value, expected) in cases {
            let err = Record::parse(&value).unwrap_err();
            assert!(err.contains(expected), "{expected:?} in {err:?}");
            assert!(err.starts_with("The record") && err.ends_with('.'), "a sentence: {err}");
        }
    }

    #[test]
    fn a_failed_rehearsal_carries_its_error() {
        let mut failed = rehearsal();
        failed.succeeded = false;
        failed.locks_held = None;
        failed.error = Some("2BP01: cannot drop view prom_info.metric".into());
        let record = Record::of(&failed).unwrap();
        assert_eq!(Record::parse(&record.to_json()).unwrap().error.as_deref(), failed.error.as_deref());
    }

    #[test]
    fn timestamps_are_checked_as_dates() {
        for ok in ["2024-02-29T23:59:59Z", "2026-12-04T05:00:00.1Z", "2026-12-04T05:00:00.123456Z"] {
            assert!(is_utc_timestamp(ok), "{ok}");
        }
        for bad in [
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-04T24:00:00Z",
            "2026-12-04 05:00:00Z",
            "2026-12-04T05:00:00.1234567Z",
            "2026-12-04T05:00:00.Z",
            "2026-12-04T05:00:00+01",
        ] {
            assert!(!is_utc_timestamp(bad), "{bad}");
        }
    }

    #[test]
    fn only_the_same_path_and_versions_match() {
        let record = Record::of(&rehearsal()).unwrap();
        let v = |s: &str| ExtVersion::parse(s).unwrap();
        assert_eq!(record.matches(&LockPath::Update { from: v("0.7.0"), target: Some(v("0.8.0")) }), Ok(()));
        let err = record.matches(&LockPath::Update { from: v("0.6.0"), target: Some(v("0.8.0")) }).unwrap_err();
        assert_eq!(
            err,
            "The record is of the update from 0.7.0 to 0.8.0; this database will run the update from 0.6.0 to 0.8.0."
        );
        assert!(record.matches(&LockPath::Takeover { target: Some(v("0.8.0")) }).is_err());
        assert!(record.matches(&LockPath::Nothing).unwrap_err().contains("nothing to upgrade"));
    }
}
