//! End-to-end tests: the engine over HTTP against both simulators, seeded with the demo
//! company. One binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit;
mod cli;
mod common;
mod e2e;
mod explain;
mod faults;
mod groups;
mod hybrid;
mod only;
mod races;
mod scim;
mod secrets;
mod status_page;
mod webhooks;
