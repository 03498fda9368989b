//! One-time passwords for new accounts.
//!
//! A [`Password`] never shows its value in `Debug` or `Display`, is not `Serialize`, and is
//! wiped from memory when dropped (it wraps [`secrecy::SecretString`]). The only way to read it
//! is [`secrecy::ExposeSecret::expose_secret`], which a connector calls when it builds the
//! create request and a host service calls in its password hook.

use std::fmt;

use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, ErrorKind, Result};

const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGITS: &[u8] = b"23456789";
const SYMBOLS: &[u8] = b"!#$%&*+-=?@^_";

/// The length of generated passwords.
pub const GENERATED_LEN: usize = 20;

/// A secret password. Redacted in `Debug`; never serialized.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Wrap a password chosen elsewhere.
    #[must_use]
    pub fn new(secret: impl Into<String>) -> Self {
        Self(SecretString::from(secret.into()))
    }

    /// A fresh random password of [`GENERATED_LEN`] characters from the operating system's
    /// random source, with at least one lower-case letter, upper-case letter, digit and symbol
    /// (Entra's complexity rule asks for three of the four classes). Look-alike characters
    /// (`l`, `I`, `O`, `0`, `1`) are left out so a password read aloud survives.
    ///
    /// # Errors
    /// [`ErrorKind::Other`] when the operating system's random source fails.
    pub fn generate() -> Result<Self> {
        let mut pool = Zeroizing::new(Vec::new());
        let mut at = 0;
        let mut next = || -> Result<u8> {
            if at == pool.len() {
                pool.resize(GENERATED_LEN * 4, 0);
                getrandom::fill(&mut pool).map_err(|e| {
                    Error::new(ErrorKind::Other, format!("random source failed: {e}"))
                })?;
                at = 0;
            }
            at += 1;
            Ok(pool[at - 1])
        };
        Ok(Self::new(from_random(&mut next)?))
    }

    /// Whether the password meets Entra's rules: 8–256 ASCII characters from three of the four
    /// classes (lower, upper, digit, symbol).
    #[must_use]
    pub fn meets_complexity(&self) -> bool {
        let s = self.0.expose_secret();
        let n = s.chars().count();
        if !(8..=256).contains(&n) || !s.is_ascii() {
            return false;
        }
        let classes = [
            s.bytes().any(|b| b.is_ascii_lowercase()),
            s.bytes().any(|b| b.is_ascii_uppercase()),
            s.bytes().any(|b| b.is_ascii_digit()),
            s.bytes().any(|b| b.is_ascii_punctuation() || b == b' '),
        ];
        classes.iter().filter(|c| **c).count() >= 3
    }
}

impl ExposeSecret<str> for Password {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// A uniform index below `n` (1..=256) from random bytes, by rejection: a byte in the last,
/// partial run of `n` values is drawn again, so every index is equally likely (`byte % n`
/// alone favours the first `256 % n` indices).
fn uniform(n: usize, next: &mut impl FnMut() -> Result<u8>) -> Result<usize> {
    let limit = 256 - 256 % n;
    loop {
        let b = usize::from(next()?);
        if b < limit {
            return Ok(b % n);
        }
    }
}

/// Build a password from random bytes: the first four characters come from each class, the
/// rest from all classes, then the positions are shuffled (Fisher–Yates). Every choice is
/// uniform ([`uniform`]). Pure over `next`, so it can be tested.
fn from_random(next: &mut impl FnMut() -> Result<u8>) -> Result<String> {
    let all: Vec<u8> = [LOWER, UPPER, DIGITS, SYMBOLS].concat();
    let mut chars = Vec::with_capacity(GENERATED_LEN);
    for i in 0..GENERATED_LEN {
        let set: &[u8] = match i {
            0 => LOWER,
            1 => UPPER,
            2 => DIGITS,
            3 => SYMBOLS,
            _ => &all,
        };
        chars.push(set[uniform(set.len(), next)?]);
    }
    for i in (1..chars.len()).rev() {
        let j = uniform(i + 1, next)?;
        chars.swap(i, j);
    }
    Ok(chars.into_iter().map(char::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_meet_the_complexity_rules() {
        for _ in 0..200 {
            let p = Password::generate().unwrap();
            assert_eq!(p.expose_secret().len(), GENERATED_LEN);
            assert!(p.meets_complexity());
            let s = p.expose_secret();
            assert!(s.bytes().any(|b| b.is_ascii_lowercase()));
            assert!(s.bytes().any(|b| b.is_ascii_uppercase()));
            assert!(s.bytes().any(|b| b.is_ascii_digit()));
            assert!(s.bytes().any(|b| SYMBOLS.contains(&b)));
        }
    }

    #[test]
    fn all_classes_even_from_zero_bytes() {
        let s = from_random(&mut || Ok(0)).unwrap();
        assert!(Password::new(s).meets_complexity());
    }

    // Every byte value fed once: each of the 70 characters of the full set comes out equally
    // often (3 times in 256 bytes: 46 bytes are rejected), where `byte % 70` gave 46 of them
    // 4 times and the other 24 3 times.
    #[test]
    fn choices_are_uniform() {
        let all: Vec<u8> = [LOWER, UPPER, DIGITS, SYMBOLS].concat();
        assert_eq!(all.len(), 70);
        let mut counts = vec![0usize; all.len()];
        let mut bytes = 0u8..=255;
        while let Ok(i) = uniform(all.len(), &mut || {
            bytes
                .next()
                .ok_or_else(|| Error::new(ErrorKind::Other, "done"))
        }) {
            counts[i] += 1;
        }
        assert!(counts.iter().all(|c| *c == 3), "{counts:?}");
    }

    #[test]
    fn debug_is_redacted() {
        let p = Password::new("Sup3r$ecret-Value");
        let shown = format!("{p:?}");
        assert!(!shown.contains("Sup3r"), "{shown}");
    }

    #[test]
    fn complexity_rule() {
        assert!(!Password::new("short1A").meets_complexity());
        assert!(!Password::new("alllowercaseletters").meets_complexity());
        assert!(Password::new("lower-and-digits-42").meets_complexity());
        assert!(!Password::new("Ünïcödé-Pässwörd-1").meets_complexity());
    }
}
