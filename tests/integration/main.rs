//! Multi-session integration tests: real servers, real client connections.
//! Run by `scripts/test.sh` (after `scripts/setup.sh` installed the guard and
//! the stand-ins into the private prefix):
//!     cargo test --features integration --test integration

mod harness;

mod connector_emulator;
mod connectors;
mod enforce;
mod guard_upgrade;
mod locks;
mod monitoring;
mod no_wait;
mod progress;
mod rehearsal_carry;
mod security;
mod security_connector;
mod security_import;
mod security_temp;
mod security_third_pass;
mod server_state;
mod workflow;
