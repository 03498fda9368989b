//! Case-insensitive UPN globs: `*` matches any run of characters, `?` exactly one.

use std::fmt;

/// A compiled glob pattern.
#[derive(Clone, PartialEq, Eq)]
pub struct Glob {
    pattern: Vec<char>,
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
            pattern: pattern.to_lowercase().chars().collect(),
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
        let text: Vec<char> = text.to_lowercase().chars().collect();
        let p = &self.pattern;
        // Iterative matcher with single-star backtracking: linear in practice, no recursion.
        let (mut ti, mut pi) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while ti < text.len() {
            match p.get(pi) {
                Some('*') => {
                    star = Some((pi, ti));
                    pi += 1;
                }
                Some(&c) if c == '?' || c == text[ti] => {
                    pi += 1;
                    ti += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        pi = sp + 1;
                        ti = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        p[pi..].iter().all(|c| *c == '*')
    }
}

impl fmt::Debug for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Glob({:?})", self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
