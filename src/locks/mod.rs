//! The upgrade's lock requirement: how many lock-table entries it needs
//! (`estimate`) and whether the server's lock table holds them (`capacity`).

pub mod capacity;
