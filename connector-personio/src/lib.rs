//! `HrSource` for the Personio HTTP API.
//!
//! This crate is a placeholder in the workspace until the connector lands: it holds no
//! code yet, so nothing here can be called by mistake.

pub use hris_sync_core::HrSource;
