//! One-time passwords for new accounts.
//!
//! A [`Password`] never shows its value in `Debug` or `Display`, is not `Serialize`, and is
//! wiped from memory when dropped (it wraps [`secrecy::SecretString`]). The only way to read it
//! is [`secrecy::ExposeSecret::expose_secret`], which a connector calls when it builds the
//! create request and a host service calls in its password hook.

use std::fmt;

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
        let mut bytes = [0u8; GENERATED_LEN * 2];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::new(ErrorKind::Other, format!("random source failed: {e}")))?;
        Ok(Self::new(from_random_bytes(&bytes)))
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

/// Build a password from random bytes: the first four characters come from each class, the
/// rest from all classes, then the positions are shuffled. Pure, so it can be tested.
fn from_random_bytes(bytes: &[u8; GENERATED_LEN * 2]) -> String {
    let all: Vec<u8> = [LOWER, UPPER, DIGITS, SYMBOLS].concat();
    let (picks, shuffle) = bytes.split_at(GENERATED_LEN);
    let mut chars: Vec<u8> = picks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let set: &[u8] = match i {
                0 => LOWER,
                1 => UPPER,
                2 => DIGITS,
                3 => SYMBOLS,
                _ => &all,
            };
            set[usize::from(*b) % set.len()]
        })
        .collect();
    for (i, b) in shuffle.iter().enumerate().rev() {
        let j = usize::from(*b) % (i + 1);
        chars.swap(i, j);
    }
    chars.into_iter().map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_meet_entra_rules() {
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
        let s = from_random_bytes(&[0u8; GENERATED_LEN * 2]);
        assert!(Password::new(s).meets_complexity());
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
