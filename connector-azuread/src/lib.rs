//! `Directory` for Microsoft Entra ID over Microsoft Graph v1.0.
//!
//! This crate is a placeholder in the workspace until the connector lands: it holds no
//! code yet, so nothing here can be called by mistake.

pub use hris_sync_core::Directory;
