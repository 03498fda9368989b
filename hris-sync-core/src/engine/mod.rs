//! The sync engine: cycles, state, and reports (docs/rules.md §4–§5).
//!
//! [`Syncer::run_cycle`] reads both sides (incrementally when it can), plans, holds a mass
//! disable (S7), applies, saves the state and returns the report. The reads are complete or
//! the cycle fails; failed actions are reported and never stop the others. A cycle that stops
//! anywhere is followed by one that converges: the state is saved only after the writes, and
//! the directory's change feed position is taken before them, so the next cycle sees every
//! write the interrupted one made.

mod audit;
mod explain;
mod report;
mod state;
mod syncer;

pub use audit::{AuditRecord, AuditSink, MemoryAudit, NoAudit};
pub use explain::{Explanation, Step, Verdict, explain};
pub use report::{
    ReportAction, ReportChange, ReportChanges, ReportKind, Status, Summary, SyncReport,
};
pub use state::{FileStateStore, MemoryStateStore, STATE_VERSION, StateStore, SyncState};
pub use syncer::{CycleResult, SyncOptions, Syncer, Timings, exit_code_for};
