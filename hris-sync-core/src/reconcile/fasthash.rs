//! A fast, non-cryptographic hasher for the planner's lookup tables.
//!
//! The tables are keyed by ids and UPNs the planner reads from its own inputs and are never
//! iterated (so hash order cannot reach a plan, S9). SipHash's resistance to crafted collisions
//! buys nothing here and costs a third of a steady-state plan; this multiply-rotate hash (the
//! one rustc uses internally) does not.

use std::hash::{BuildHasherDefault, Hasher};

/// The hasher.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FastHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A lookup-only hash map with [`FastHasher`].
#[allow(clippy::disallowed_types)]
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A lookup-only hash set with [`FastHasher`].
#[allow(clippy::disallowed_types)]
pub(crate) type FastSet<K> = std::collections::HashSet<K, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_keys_spread() {
        let mut m: FastMap<String, usize> = FastMap::default();
        for i in 0..10_000 {
            m.insert(format!("person{i}@demo.com"), i);
        }
        assert_eq!(m.len(), 10_000);
        assert_eq!(m.get("person4242@demo.com"), Some(&4242));
    }
}
