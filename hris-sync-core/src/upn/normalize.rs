//! U1: turning a name into the characters a UPN may hold.
//!
//! Order matters: the locale table first (so German `ü` becomes `ue`, not the general `u`),
//! then a general transliteration for every other script, then lower case, then only `a–z`
//! and `0–9` survive. Only letters and digits are transliterated at all: symbols and emoji are
//! dropped, never spelled out, so a name made only of symbols normalizes to nothing (U5).

use serde::{Deserialize, Serialize};

/// Which locale table runs before the general transliteration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    /// German and Nordic: ä→ae, ö→oe, ü→ue, ß→ss, æ→ae, ø→oe, å→aa, œ→oe (and capitals).
    #[default]
    De,
    /// No locale table: only the general transliteration (ä→a).
    None,
}

const COMBINING_DIAERESIS: char = '\u{308}';
const COMBINING_RING: char = '\u{30A}';

fn locale_de(c: char) -> Option<&'static str> {
    Some(match c {
        'ä' | 'Ä' => "ae",
        'ö' | 'Ö' => "oe",
        'ü' | 'Ü' => "ue",
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'ø' | 'Ø' => "oe",
        'å' | 'Å' => "aa",
        'œ' | 'Œ' => "oe",
        _ => return None,
    })
}

/// One step of the locale table: a character it replaced, or one it left for later.
enum Piece {
    Mapped(&'static str),
    Kept(char),
}

/// The characters of `input` through the locale table (composed or decomposed umlauts).
fn locale_pieces(input: &str, locale: Locale) -> Vec<Piece> {
    let mut out = Vec::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if locale == Locale::De {
            // Decomposed input: a base letter followed by a combining mark.
            let composed = match (c, chars.peek()) {
                ('a' | 'A', Some(&COMBINING_DIAERESIS)) => Some("ae"),
                ('o' | 'O', Some(&COMBINING_DIAERESIS)) => Some("oe"),
                ('u' | 'U', Some(&COMBINING_DIAERESIS)) => Some("ue"),
                ('a' | 'A', Some(&COMBINING_RING)) => Some("aa"),
                _ => None,
            };
            if let Some(s) = composed {
                chars.next();
                out.push(Piece::Mapped(s));
                continue;
            }
            if let Some(s) = locale_de(c) {
                out.push(Piece::Mapped(s));
                continue;
            }
        }
        out.push(Piece::Kept(c));
    }
    out
}

/// `input` after the locale table alone (U1's first step), for explanations: `Zoë Müller`
/// gives `Zoë Mueller` with the German table (`ë` is left to transliteration).
#[must_use]
pub fn apply_locale(input: &str, locale: Locale) -> String {
    let pieces = locale_pieces(input, locale);
    pieces.into_iter().fold(String::new(), |mut out, piece| {
        match piece {
            Piece::Mapped(s) => out.push_str(s),
            Piece::Kept(c) => out.push(c),
        }
        out
    })
}

/// Normalize one name part: locale table, transliteration, lower case, `[a-z0-9]` only.
/// Returns an empty string when nothing survives.
#[must_use]
pub fn normalize_part(input: &str, locale: Locale) -> String {
    let mut out = String::with_capacity(input.len());
    for piece in locale_pieces(input, locale) {
        match piece {
            Piece::Mapped(s) => out.push_str(s),
            Piece::Kept(c) if c.is_ascii() => push_ascii(&mut out, c),
            Piece::Kept(c) if c.is_alphanumeric() => {
                if let Some(t) = deunicode::deunicode_char(c) {
                    t.chars().for_each(|a| push_ascii(&mut out, a));
                }
            }
            Piece::Kept(_) => {}
        }
    }
    out
}

fn push_ascii(out: &mut String, c: char) {
    let c = c.to_ascii_lowercase();
    if c.is_ascii_lowercase() || c.is_ascii_digit() {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_umlaut_matches_composed() {
        assert_eq!(normalize_part("Mu\u{308}ller", Locale::De), "mueller");
        assert_eq!(normalize_part("Müller", Locale::De), "mueller");
        assert_eq!(normalize_part("Müller", Locale::None), "muller");
        assert_eq!(apply_locale("Zoë Mu\u{308}ller", Locale::De), "Zoë Mueller");
        assert_eq!(apply_locale("Zoë", Locale::None), "Zoë");
    }

    #[test]
    fn symbols_and_emoji_are_dropped_not_spelled() {
        assert_eq!(normalize_part("🦄🎉", Locale::De), "");
        assert_eq!(normalize_part("★ Ann ★", Locale::De), "ann");
    }
}
