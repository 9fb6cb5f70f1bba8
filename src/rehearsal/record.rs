//! The rehearsal record: what `promscale_upgrade_rehearsal_export()` gives
//! on a restored copy and `promscale_upgrade_rehearsal_import()` takes on
//! production. Pure: the format, its strict reading (a record that is not
//! exactly this is refused, with what is wrong as a sentence), and whether
//! a record is of the upgrade this database will run.
//!
//! A record is untrusted input: the copy it was made on may have been in
//! someone else's hands, and the superuser who imports it cannot tell. So
//! every field is bounded by what a real server can measure (a time between
//! 2020 and now, durations up to 7 days, lock counts up to what `pg_locks`
//! can return, relations up to what `pg_class` can hold, an error text of
//! 2 kB), the record by its size and nesting, and the text is read here,
//! not by pgrx's `JsonB` (which panics on what jsonb accepts and serde_json
//! does not: `1e1000`, nesting past 128, invalid UTF-8).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalog::lock_table::{MAX_LOCK_ENTRIES, MAX_RELATIONS};
use crate::locks::estimate::LockPath;
use crate::quote::{for_message, text_for_message};
use crate::snapshot::Rehearsal;
use crate::version::ExtVersion;

/// The record's `format`: says what the jsonb is, for a person who finds it.
pub const FORMAT: &str = "promscale_upgrade_guard rehearsal";
/// Bumped when a field changes meaning; a guard reads only its own.
pub const FORMAT_VERSION: i64 = 1;
/// No upgrade is rehearsed for longer than a week (the guide speaks of
/// minutes, an hour for the biggest): a bigger number is no measurement.
pub const MAX_DURATION_SECONDS: f64 = 7.0 * 86_400.0;
/// A failed rehearsal's error (SQLSTATE, message, detail, hint), in bytes:
/// enough for any PostgreSQL error a migration raises, small enough that
/// every report that shows it stays small. The export cuts a longer one.
pub const MAX_ERROR_BYTES: usize = 2048;
/// A version (`guard_version`, `from_version`, `to_version`), in bytes.
const MAX_VERSION_BYTES: usize = 64;
/// The record's text as PostgreSQL prints the jsonb: every field at its
/// cap, the error's every byte escaped as `\u00XX`, is under 14 kB.
pub const MAX_RECORD_BYTES: usize = 16 * 1024;
/// A record is one object of plain values: one level of `{` or `[`.
pub const MAX_NESTING: usize = 1;
/// The earliest `measured_at`, 2020-01-01T00:00:00Z in Unix seconds: before
/// the guard and Promscale's extension existed, so a wrong clock or a
/// forged record.
pub const EARLIEST_MEASURED_AT: i64 = 1_577_836_800;
/// How far `measured_at` may be ahead of this server's clock: the clock
/// skew between the copy's server and this one.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 60;
/// `server_version_num`: PostgreSQL 9.0 to a six-digit major.
const SERVER_VERSION_NUM: std::ops::RangeInclusive<i64> = 90_000..=999_999;

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
            error: r.error.as_deref().map(cut_error),
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

    /// Reads a record from the text PostgreSQL prints for the jsonb
    /// argument, as bytes: bounded in size and nesting, UTF-8, JSON, then
    /// `parse`. `now` is this server's clock, Unix seconds. Err is the
    /// detail line.
    pub fn read(text: &[u8], now: i64) -> Result<Record, String> {
        if text.len() > MAX_RECORD_BYTES {
            return Err(format!(
                "The record is {} bytes long; a record is at most {MAX_RECORD_BYTES} bytes.",
                text.len()
            ));
        }
        let text = std::str::from_utf8(text).map_err(|e| {
            format!("The record is not valid UTF-8: the byte at offset {} does not start a character.", e.valid_up_to())
        })?;
        let depth = nesting(text);
        if depth > MAX_NESTING {
            return Err(format!(
                "The record nests {depth} levels deep; a record is one JSON object of plain values, {MAX_NESTING} level."
            ));
        }
        let value: Value = serde_json::from_str(text).map_err(|e| {
            format!("The record is not JSON this guard can read: {}.", text_for_message(&e.to_string(), 200))
        })?;
        Record::parse(&value, now)
    }

    /// Reads a record strictly: an object with exactly the keys of format
    /// 1, each of its type and within its bounds (`now`: this server's
    /// clock, Unix seconds), consistent with itself. Err is the detail
    /// line: what is wrong, naming the field and its bound, as a sentence.
    pub fn parse(value: &Value, now: i64) -> Result<Record, String> {
        let Value::Object(map) = value else {
            return Err(format!("The record is a JSON {}, not an object.", kind(value)));
        };
        if let Some(key) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!("The record has an unknown key \"{}\".", for_message(key)));
        }
        let format = text(map, "format")?;
        if format != FORMAT {
            return Err(format!("The record's format is \"{}\", not \"{FORMAT}\".", for_message(&format)));
        }
        let format_version = integer(map, "format_version", 1..=i64::MAX)?;
        if format_version != FORMAT_VERSION {
            return Err(format!(
                "The record is of format version {format_version}; this guard reads format version {FORMAT_VERSION}."
            ));
        }
        let path = text(map, "path")?;
        if !["takeover", "update", "fresh"].contains(&path.as_str()) {
            return Err(format!("The record's path \"{}\" is not takeover, update or fresh.", for_message(&path)));
        }
        let from_version = optional(map, "from_version", |v| v.as_str().map(str::to_string), "a string")?;
        let to_version = text(map, "to_version")?;
        let guard_version = text(map, "guard_version")?;
        for (key, version) in [
            ("from_version", from_version.as_deref()),
            ("to_version", Some(to_version.as_str())),
            ("guard_version", Some(guard_version.as_str())),
        ] {
            if let Some(v) = version.filter(|v| v.len() > MAX_VERSION_BYTES) {
                return Err(format!(
                    "The record's {key} is {} bytes long; a version is at most {MAX_VERSION_BYTES} bytes.",
                    v.len()
                ));
            }
        }
        for (key, version) in [("from_version", from_version.as_deref()), ("to_version", Some(to_version.as_str()))] {
            if let Some(v) = version.filter(|v| ExtVersion::parse(v).is_none()) {
                return Err(format!("The record's {key} \"{}\" is not a promscale extension version.", for_message(v)));
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
        let Some(at) = utc_seconds(&measured_at) else {
            return Err(format!(
                "The record's measured_at \"{}\" is not a UTC time such as 2026-12-04T05:00:00.123456Z.",
                for_message(&measured_at)
            ));
        };
        let latest = now.saturating_add(MAX_CLOCK_SKEW_SECONDS);
        if at < EARLIEST_MEASURED_AT || at > latest {
            return Err(format!(
                "The record's measured_at {measured_at} is not between 2020-01-01T00:00:00Z and this server's clock plus {MAX_CLOCK_SKEW_SECONDS} seconds of clock skew ({}).",
                utc_text(latest)
            ));
        }
        let succeeded =
            map.get("succeeded").and_then(Value::as_bool).ok_or_else(|| wrong(map, "succeeded", "true or false"))?;
        let count = |key: &str| -> Result<Option<i64>, String> {
            let n = optional(map, key, Value::as_i64, "a whole number")?;
            match n {
                Some(n) if n < 0 => Err(format!("The record's {key} is negative.")),
                Some(n) if n > MAX_LOCK_ENTRIES => Err(format!(
                    "The record's {key} {n} is not between 0 and {MAX_LOCK_ENTRIES}, the most lock entries pg_locks can show."
                )),
                n => Ok(n),
            }
        };
        let locks_held = count("locks_held")?;
        let locks_estimated = count("locks_estimated")?;
        let locks_counted = count("locks_counted")?;
        let error = optional(map, "error", |v| v.as_str().map(str::to_string), "a string")?;
        if let Some(e) = error.as_ref().filter(|e| e.len() > MAX_ERROR_BYTES) {
            return Err(format!(
                "The record's error is {} bytes long; an error is at most {MAX_ERROR_BYTES} bytes.",
                e.len()
            ));
        }
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
            .ok_or_else(|| wrong(map, "duration_seconds", "a number of seconds from 0 to 7 days (604800)"))?;
        let server_version_num = integer(map, "server_version_num", SERVER_VERSION_NUM)?;
        let relations = integer(map, "relations", 0..=MAX_RELATIONS)?;
        let metrics = integer(map, "metrics", 0..=relations)?;
        if semver::Version::parse(&guard_version).is_err() {
            return Err(format!("The record's guard_version \"{}\" is not a version.", for_message(&guard_version)));
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

/// `error` cut to `MAX_ERROR_BYTES` at a character boundary, "..." at
/// the end when cut: the export always gives a record the import reads.
fn cut_error(error: &str) -> String {
    if error.len() <= MAX_ERROR_BYTES {
        return error.to_string();
    }
    let mut end = MAX_ERROR_BYTES - 3;
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &error[..end])
}

/// How deep `text`'s arrays and objects nest (brackets inside strings do
/// not count): checked before parsing, so that a deep record is refused
/// with a sentence, not by the parser's recursion limit.
fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for b in text.bytes() {
        match (in_string, b) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (true, b'"') => in_string = false,
            (true, _) => {}
            (false, b'"') => in_string = true,
            (false, b'[' | b'{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z`, a real date and time (what the export
/// writes, and nothing PostgreSQL would read differently), as Unix seconds.
fn utc_seconds(s: &str) -> Option<i64> {
    let body = s.strip_suffix('Z')?;
    let (main, fraction) = body.split_once('.').unwrap_or((body, "0"));
    let b = main.as_bytes();
    let shape = b.len() == 19
        && [4, 7].iter().all(|&i| b[i] == b'-')
        && b[10] == b'T'
        && [13, 16].iter().all(|&i| b[i] == b':')
        && b.iter().enumerate().all(|(i, c)| [4, 7, 10, 13, 16].contains(&i) || c.is_ascii_digit());
    if !shape || fraction.is_empty() || fraction.len() > 6 || !fraction.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| main[r].parse::<i64>().ok();
    let (year, month, day) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hour, minute, second) = (n(11..13)?, n(14..16)?, n(17..19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    let valid = year >= 1 && (1..=days).contains(&day) && hour < 24 && minute < 60 && second < 60;
    valid.then(|| days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (Hinnant's `civil_from_days`).
fn utc_text(seconds: i64) -> String {
    let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3_600, secs % 3_600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-08T00:00:00Z: "now" for the tests.
    const NOW: i64 = 1_796_688_000;

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

    fn failed_with(error: String) -> Value {
        let mut v = with("succeeded", Value::from(false));
        v["locks_held"] = Value::Null;
        v["error"] = Value::from(error);
        v
    }

    #[test]
    fn an_exported_record_reads_back_the_same() {
        let record = Record::of(&rehearsal()).unwrap();
        assert_eq!(record.measured_at, "2026-12-04T05:00:00.123456Z");
        let json = record.to_json();
        assert_eq!(json.as_object().unwrap().len(), KEYS.len(), "every key, always");
        assert_eq!(json["format"], FORMAT);
        assert_eq!(Record::parse(&json, NOW), Ok(record.clone()));
        assert_eq!(Record::read(json.to_string().as_bytes(), NOW), Ok(record));
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
                "duration_seconds is a JSON number, not a number of seconds from 0 to 7 days",
            ),
            (with("measured_at", Value::from("2026-02-30T05:00:00Z")), "measured_at \"2026-02-30T05:00:00Z\""),
            (with("measured_at", Value::from("yesterday")), "not a UTC time"),
            (with("relations", Value::from(-5)), "relations -5 is not between 0 and"),
            (with("guard_version", Value::from("new")), "guard_version \"new\" is not a version"),
            (with("database", Value::from("")), "database is not a name of 1 to 63 bytes"),
            (with("-database", Value::Null), "has no database"),
            (with("path", Value::from("a\nb\u{1b}")), "path \"a\\nb\\x1b\" is not"),
        ];
        for (value, expected) in cases {
            let err = Record::parse(&value, NOW).unwrap_err();
            assert!(err.contains(expected), "{expected:?} in {err:?}");
            assert!(err.starts_with("The record") && err.ends_with('.'), "a sentence: {err}");
        }
    }

    /// Each field's bound, just inside (read) and just outside (refused,
    /// naming the field and the bound).
    #[test]
    fn every_field_is_bounded_by_what_a_server_can_measure() {
        let inside = [
            with("measured_at", Value::from("2020-01-01T00:00:00Z")),
            with("measured_at", Value::from("2026-12-08T00:01:00Z")),
            with("duration_seconds", Value::from(0.0)),
            with("duration_seconds", Value::from(604_800.0)),
            with("locks_held", Value::from(MAX_LOCK_ENTRIES)),
            with("locks_estimated", Value::from(MAX_LOCK_ENTRIES)),
            with("locks_counted", Value::from(0)),
            with("relations", Value::from(MAX_RELATIONS)),
            with("server_version_num", Value::from(999_999)),
            failed_with("x".repeat(MAX_ERROR_BYTES)),
            with("guard_version", Value::from(format!("1.0.0-{}", "a".repeat(MAX_VERSION_BYTES - 6)))),
        ];
        for v in inside {
            assert!(Record::parse(&v, NOW).is_ok(), "{:?}", Record::parse(&v, NOW));
        }
        let outside = [
            (with("measured_at", Value::from("9999-12-31T23:59:59Z")), "measured_at 9999-12-31T23:59:59Z is not between 2020-01-01T00:00:00Z and this server's clock plus 60 seconds of clock skew (2026-12-08T00:01:00Z)"),
            (with("measured_at", Value::from("2026-12-08T00:01:01Z")), "plus 60 seconds of clock skew"),
            (with("measured_at", Value::from("2019-12-31T23:59:59.999999Z")), "measured_at 2019-12-31T23:59:59.999999Z is not between 2020-01-01T00:00:00Z"),
            (with("duration_seconds", Value::from(604_800.5)), "duration_seconds is a JSON number, not a number of seconds from 0 to 7 days (604800)"),
            (with("locks_held", Value::from(1_000_000_000_000_i64)), "locks_held 1000000000000 is not between 0 and 26843545, the most lock entries pg_locks can show"),
            (with("locks_held", Value::from(i64::MAX)), "locks_held 9223372036854775807 is not between 0 and 26843545"),
            (with("locks_estimated", Value::from(MAX_LOCK_ENTRIES + 1)), "locks_estimated 26843546 is not between 0 and 26843545"),
            (with("locks_counted", Value::from(MAX_LOCK_ENTRIES + 1)), "locks_counted 26843546 is not between"),
            (with("locks_held", Value::from(1e12)), "locks_held is a JSON number, not null or a whole number"),
            (with("relations", Value::from(MAX_RELATIONS + 1)), "relations 4294967296 is not between 0 and 4294967295"),
            (with("metrics", Value::from(2_001)), "metrics 2001 is not between 0 and 2000"),
            (with("server_version_num", Value::from(1_000_000)), "server_version_num 1000000 is not between 90000 and 999999"),
            (failed_with("x".repeat(MAX_ERROR_BYTES + 1)), "error is 2049 bytes long; an error is at most 2048 bytes"),
            (with("guard_version", Value::from(format!("1.0.0-{}", "a".repeat(MAX_VERSION_BYTES)))), "guard_version is 70 bytes long; a version is at most 64 bytes"),
            (with("to_version", Value::from("9".repeat(100))), "to_version is 100 bytes long"),
        ];
        for (value, expected) in outside {
            let err = Record::parse(&value, NOW).unwrap_err();
            assert!(err.contains(expected), "{expected:?} in {err:?}");
            assert!(err.starts_with("The record") && err.ends_with('.'), "a sentence: {err}");
        }
    }

    /// What jsonb accepts and a naive serde_json read panics on, and what
    /// is too big to keep: each a sentence, never a panic.
    #[test]
    fn the_text_is_bounded_before_it_is_parsed() {
        let record = Record::of(&rehearsal()).unwrap().to_json().to_string();
        let huge = failed_with("x".repeat(30 << 20)).to_string();
        let err = Record::read(huge.as_bytes(), NOW).unwrap_err();
        assert!(err.starts_with("The record is 31457") && err.ends_with("a record is at most 16384 bytes."), "{err}");

        let big_number = record.replace("\"locks_held\":1000", &format!("\"locks_held\":1{}", "0".repeat(1000)));
        let err = Record::read(big_number.as_bytes(), NOW).unwrap_err();
        assert!(err.starts_with("The record is not JSON this guard can read: number out of range"), "{err}");

        let deep =
            record.replace("\"locks_held\":1000", &format!("\"locks_held\":{}1{}", "[".repeat(200), "]".repeat(200)));
        let err = Record::read(deep.as_bytes(), NOW).unwrap_err();
        assert_eq!(err, "The record nests 201 levels deep; a record is one JSON object of plain values, 1 level.");
        assert_eq!(nesting(r#"{"a": "[[[{{{\"", "b": [1]}"#), 2, "brackets in strings do not count");

        let mut invalid = failed_with("boom".into()).to_string().into_bytes();
        let at = invalid.windows(4).position(|w| w == b"boom").unwrap();
        invalid[at] = 0xff;
        let err = Record::read(&invalid, NOW).unwrap_err();
        assert_eq!(err, format!("The record is not valid UTF-8: the byte at offset {at} does not start a character."));

        for bad in ["", "{", "{\"format\": }", "nul\u{0}"] {
            let err = Record::read(bad.as_bytes(), NOW).unwrap_err();
            assert!(err.starts_with("The record is not JSON this guard can read: ") && err.ends_with('.'), "{err}");
        }
    }

    #[test]
    fn a_failed_rehearsal_carries_its_error() {
        let mut failed = rehearsal();
        failed.succeeded = false;
        failed.locks_held = None;
        failed.error = Some("2BP01: cannot drop view prom_info.metric".into());
        let record = Record::of(&failed).unwrap();
        assert_eq!(Record::parse(&record.to_json(), NOW).unwrap().error.as_deref(), failed.error.as_deref());
    }

    #[test]
    fn a_long_local_error_is_cut_so_the_export_imports() {
        let mut failed = rehearsal();
        (failed.succeeded, failed.locks_held) = (false, None);
        failed.error = Some(format!("2BP01: {}", "é".repeat(3_000)));
        let record = Record::of(&failed).unwrap();
        let error = record.error.as_deref().unwrap();
        assert!(error.len() <= MAX_ERROR_BYTES && error.ends_with("..."), "{}", error.len());
        assert!(Record::parse(&record.to_json(), NOW).is_ok());
    }

    #[test]
    fn timestamps_are_checked_as_dates() {
        for (ok, seconds) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2020-01-01T00:00:00Z", EARLIEST_MEASURED_AT),
            ("2024-02-29T23:59:59Z", 1_709_251_199),
            ("2026-12-04T05:00:00.1Z", 1_796_360_400),
            ("2026-12-08T00:00:00.123456Z", NOW),
        ] {
            assert_eq!(utc_seconds(ok), Some(seconds), "{ok}");
            assert_eq!(utc_text(seconds), format!("{}Z", &ok[..19]), "{ok}");
        }
        for bad in [
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-04T24:00:00Z",
            "2026-12-04 05:00:00Z",
            "2026-12-04T05:00:00.1234567Z",
            "2026-12-04T05:00:00.Z",
            "2026-12-04T05:00:00+01",
            "+026-12-04T05:00:00Z",
        ] {
            assert_eq!(utc_seconds(bad), None, "{bad}");
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
