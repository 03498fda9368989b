//! Case-insensitive UPN globs for `protected_upns`: `*` matches any run of characters, `?`
//! exactly one. Matching is `wildmatch`'s (linear, no recursion), on the lower-cased pattern
//! and text, so `ADMIN@Demo.com` is protected by `admin@*`.

use std::fmt;

use wildmatch::WildMatch;

/// A compiled glob pattern.
#[derive(Clone)]
pub struct Glob {
    matcher: WildMatch,
    source: String,
}

impl Glob {
    /// Compile a pattern.
    ///
    /// # Errors
    /// A message when the pattern is empty.
    pub fn new(pattern: &str) -> Result<Self, String> {
        if pattern.trim().is_empty() {
            return Err("empty pattern".to_owned());
        }
        Ok(Self {
            matcher: WildMatch::new(&pattern.to_lowercase()),
            source: pattern.to_owned(),
        })
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `text` matches (case-insensitive).
    #[must_use]
    pub fn matches(&self, text: &str) -> bool {
        self.matcher.matches(&text.to_lowercase())
    }
}

impl PartialEq for Glob {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Glob {}

impl fmt::Debug for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Glob({:?})", self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn matches_like_the_config_examples() {
        let admin = Glob::new("admin@*").unwrap();
        assert!(admin.matches("admin@demo.com"));
        assert!(admin.matches("ADMIN@Demo.com"));
        assert!(!admin.matches("sysadmin@demo.com"));
        let bg = Glob::new("breakglass*@*").unwrap();
        assert!(bg.matches("breakglass@demo.com"));
        assert!(bg.matches("breakglass-02@demo.com"));
        assert!(!bg.matches("break@demo.com"));
        let q = Glob::new("svc-??@demo.com").unwrap();
        assert!(q.matches("svc-01@demo.com"));
        assert!(!q.matches("svc-001@demo.com"));
        assert!(Glob::new("*").unwrap().matches(""));
        assert!(Glob::new("").is_err());
        // Non-ASCII: one `?` is one character, not one byte.
        assert!(Glob::new("j?rg@*").unwrap().matches("JÖRG@demo.com"));
    }

    fn upn() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9._ÄÖÜäöü-]{1,12}@[a-z]{1,8}\\.(com|de)"
    }

    proptest! {
        // A protected UPN stays protected whatever its case: a pattern that is the UPN itself
        // (in any case) matches it, and so do its prefix with `*` and `*` with its domain.
        #[test]
        fn a_upn_matches_itself_its_prefix_and_its_domain(upn in upn(), upper in any::<bool>()) {
            let written = if upper { upn.to_uppercase() } else { upn.clone() };
            prop_assert!(Glob::new(&written).unwrap().matches(&upn));
            let (local, domain) = upn.split_once('@').unwrap();
            let first: String = local.chars().take(1).collect();
            let prefix = Glob::new(&format!("{first}*@{domain}")).unwrap();
            let any_local = Glob::new(&format!("*@{}", domain.to_uppercase())).unwrap();
            prop_assert!(prefix.matches(&upn));
            prop_assert!(any_local.matches(&upn));
        }

        // `?` stands for exactly one character: replacing every character of a UPN by `?`
        // matches it, and matches nothing one character longer or shorter.
        #[test]
        fn question_marks_count_characters(upn in upn()) {
            let n = upn.chars().count();
            let pattern = "?".repeat(n);
            let glob = Glob::new(&pattern).unwrap();
            prop_assert!(glob.matches(&upn));
            let longer = format!("{upn}x");
            let shorter: String = upn.chars().skip(1).collect();
            prop_assert!(!glob.matches(&longer));
            prop_assert!(!glob.matches(&shorter));
        }

        // A pattern without wildcards matches only the same text (ignoring case).
        #[test]
        fn a_literal_matches_only_itself(a in upn(), b in upn()) {
            prop_assert_eq!(Glob::new(&a).unwrap().matches(&b), a.to_lowercase() == b.to_lowercase());
        }
    }
}
