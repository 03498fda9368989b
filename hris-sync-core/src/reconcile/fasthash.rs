//! The planner's lookup tables hash with `rustc-hash` (FxHash).
//!
//! The tables are keyed by ids and UPNs the planner reads from its own inputs and are never
//! iterated (so hash order cannot reach a plan, S9). SipHash's resistance to crafted collisions
//! buys nothing here and costs a third of a steady-state plan (`cargo bench --bench plan`).

/// A lookup-only hash map (never iterated: S9).
#[allow(clippy::disallowed_types)]
pub(crate) type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// A lookup-only hash set (never iterated: S9).
#[allow(clippy::disallowed_types)]
pub(crate) type FastSet<K> = rustc_hash::FxHashSet<K>;
