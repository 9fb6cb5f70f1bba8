//! The upgrade's lock requirement: how many lock-table entries it needs
//! (`estimate`, with the per-path knowledge in `model.json`) and whether the
//! server's lock table holds them (`capacity`).

pub mod capacity;
pub mod estimate;
