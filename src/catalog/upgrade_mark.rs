//! The keys of the locks that mark an upgrade in `pg_locks`
//! (`enforce::upgrade_mark` takes them, `snapshot::read` looks for them):
//! object locks on the guard's own extension with sub-ids PostgreSQL never
//! uses.

/// The `objsubid` of the mark ("UG"): PostgreSQL locks extensions only
/// with sub-id 0.
pub const MARK_OBJSUBID: u16 = 0x5547;
/// The `objsubid` of the published estimate ("UH").
pub const ESTIMATE_OBJSUBID: u16 = 0x5548;
/// The `objsubid` of the published expected duration ("UI").
pub const EXPECTED_OBJSUBID: u16 = 0x5549;
