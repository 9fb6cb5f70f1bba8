//! The plain data that describes the catalog and the scripts, and the
//! knowledge the estimate is made from: the bottom layer, so that the
//! snapshot that reads these and the arithmetic that uses them both import
//! it and never each other.

pub mod classes;
pub mod lock_table;
pub mod measurement;
pub mod model;
pub mod script_scan;
pub mod upgrade_mark;
