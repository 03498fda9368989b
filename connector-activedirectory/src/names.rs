//! The names an account is known by in the tree, as Windows AD limits them (docs/rules.md
//! §9), where Samba is lenient:
//!
//! - `cn` (the RDN value) is at most 64 characters (the schema's `rangeUpper`), suffix
//!   included; control characters are not part of a name. Samba takes longer ones, so a
//!   connector tested only against Samba writes names Windows refuses on every run.
//! - AD compares names case-insensitively in Unicode, not ASCII only (`Ä` and `ä` are one
//!   name), so a "name taken" check folds case the same way.

/// The longest `cn` Windows AD accepts.
pub(crate) const MAX_CN: usize = 64;

/// `name` without control characters, surrounding spaces, or more than `max` characters.
fn clean(name: &str, max: usize) -> String {
    let kept: String = name.chars().filter(|c| !c.is_control()).collect();
    kept.trim()
        .chars()
        .take(max)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// `base_suffix` within [`MAX_CN`] characters: `base` is cut, never the suffix.
pub(crate) fn suffixed(base: &str, suffix: &str) -> String {
    let suffix: String = suffix.chars().filter(char::is_ascii_alphanumeric).collect();
    if suffix.is_empty() {
        return clean(base, MAX_CN);
    }
    let room = MAX_CN.saturating_sub(suffix.chars().count() + 1);
    format!("{}_{suffix}", clean(base, room))
}

/// The `cn`s to try for an account named `display` of employee `id`: the name itself, then
/// the name with `_<id>` (as U3 suffixes a UPN), each within [`MAX_CN`] characters. Empty
/// when the name holds nothing but control characters and spaces.
pub(crate) fn cn_candidates(display: &str, id: &str) -> Vec<String> {
    let plain = clean(display, MAX_CN);
    if plain.is_empty() {
        return Vec::new();
    }
    let mut out = vec![plain];
    let with_id = suffixed(display, id);
    if !out.contains(&with_id) {
        out.push(with_id);
    }
    out
}

/// Whether two names are the same to AD: equal after Unicode lower-casing.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The case that failed on every run: a 113-character display name made a 113-character
    // cn, which Windows AD refuses (Samba accepted it).
    #[test]
    fn cns_fit_windows_limits_suffix_included() {
        let long = "Maximiliane Alexandra Konstanze Friederike von und zu Hohenstein-Wittgenstein-Berleburg Sayn-Wittgenstein Müller";
        assert!(long.chars().count() > 100);
        let c = cn_candidates(long, "48213");
        assert_eq!(c.len(), 2);
        assert!(c.iter().all(|n| n.chars().count() <= MAX_CN), "{c:?}");
        assert!(c[1].ends_with("_48213"), "{}", c[1]);
        assert_eq!(c[1].chars().count(), MAX_CN);
        assert_eq!(
            cn_candidates("Ann\u{0}Lee\u{7}\n", "7"),
            ["AnnLee", "AnnLee_7"]
        );
        assert!(cn_candidates("\u{1}\u{2} ", "7").is_empty());
        // Multi-byte names are cut by characters, not bytes.
        let umlauts = "Ä".repeat(80);
        assert!(
            cn_candidates(&umlauts, "1")
                .iter()
                .all(|n| n.chars().count() <= MAX_CN)
        );
    }

    #[test]
    fn names_fold_case_in_unicode() {
        assert!(same("Jürgen Äbel", "JÜRGEN äBEL"));
        assert!(same("ada", "ADA"));
        assert!(!same("Ann", "Anne"));
        // ASCII-only folding called these different.
        assert!(!"Ärger".eq_ignore_ascii_case("ärger"));
        assert!(same("Ärger", "ärger"));
    }
}
