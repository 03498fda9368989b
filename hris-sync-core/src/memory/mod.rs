//! In-memory implementations of [`crate::HrSource`] and [`crate::Directory`], for tests, demos
//! and hosts that want to dry-run against a snapshot.

mod directory;
pub mod sample;
mod source;
mod traits;

pub use directory::{MemoryDirectory, WriteRecord};
pub use source::MemorySource;
