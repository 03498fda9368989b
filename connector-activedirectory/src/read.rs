//! Reads: the rootDSE, paged searches, and the lookups writes need (by GUID, by DN, by the
//! names a create must not collide with).

use std::panic::{AssertUnwindSafe, catch_unwind};

use hris_sync_core::{Error, ErrorKind, Result};
use ldap3::controls::{Control, ControlType, PagedResults};
use ldap3::{Ldap, LdapError, ResultEntry, Scope, SearchEntry};

use crate::conn::Conn;
use crate::error::Right;
use crate::model::Entry;

/// What the rootDSE says of the domain controller and its domain.
#[derive(Clone, Debug)]
pub(crate) struct RootDse {
    /// The highest USN this DC has committed.
    pub(crate) usn: u64,
    /// The DC's `dsServiceName` (its NTDS Settings object): what a USN belongs to.
    pub(crate) server: String,
    /// The domain's naming context (`DC=corp,DC=example`).
    pub(crate) domain_nc: String,
    /// The configuration naming context.
    pub(crate) config_nc: String,
}

/// Run a parser of the `ldap3` crate that panics on malformed input, as an error instead.
/// The most pages one search is read in (at 1,000 a page: a hundred million entries).
const MAX_PAGES: u32 = 100_000;

fn unpanicked<T>(what: &str, parse: impl FnOnce() -> T) -> Result<T> {
    catch_unwind(AssertUnwindSafe(parse)).map_err(|_| {
        Error::new(
            ErrorKind::InvalidData,
            format!("{what}: the domain controller's answer is not valid LDAP"),
        )
    })
}

fn entry(what: &str, re: ResultEntry) -> Result<Entry> {
    unpanicked(what, || SearchEntry::construct(re)).map(Entry::from_search)
}

impl Conn {
    /// The rootDSE (anonymous-readable; read on the bound connection).
    pub(crate) async fn root_dse(&self) -> Result<RootDse> {
        let attrs = [
            "highestCommittedUSN",
            "dsServiceName",
            "defaultNamingContext",
            "configurationNamingContext",
        ];
        let found = self
            .run(
                "read the rootDSE",
                Right::Read,
                |mut ldap: Ldap| async move {
                    ldap.search("", Scope::Base, "(objectClass=*)", attrs.to_vec())
                        .await?
                        .success()
                },
            )
            .await?;
        let root = found
            .0
            .into_iter()
            .next()
            .map(|re| entry("rootDSE", re))
            .transpose()?
            .ok_or_else(|| Error::new(ErrorKind::InvalidData, "the rootDSE is empty"))?;
        let need = |name: &str| {
            root.first(name).map(str::to_owned).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidData,
                    format!("the rootDSE has no {name}: is this an Active Directory DC?"),
                )
            })
        };
        Ok(RootDse {
            usn: need("highestCommittedUSN")?.parse().map_err(|_| {
                Error::new(
                    ErrorKind::InvalidData,
                    "highestCommittedUSN is not a number",
                )
            })?,
            server: need("dsServiceName")?,
            domain_nc: need("defaultNamingContext")?,
            config_nc: need("configurationNamingContext")?,
        })
    }

    /// Every entry under `base` (subtree) matching `filter`, at most [`MAX_PAGES`] pages, page
    /// by page with the simple paged results control, all pages on one connection (a paging
    /// cookie belongs to its connection). A failed page fails the whole search, which is then tried again from
    /// the start.
    pub(crate) async fn paged(
        &self,
        what: &str,
        base: &str,
        filter: &str,
        attrs: &[String],
    ) -> Result<Vec<Entry>> {
        let size = i32::try_from(self.settings.page_size).unwrap_or(500);
        let timeout = self.settings.timeout;
        let stats = &self.settings.stats;
        let raw = self
            .run(what, Right::Read, |mut ldap: Ldap| async move {
                let mut all: Vec<ResultEntry> = Vec::new();
                let mut cookie = Vec::new();
                let mut pages = 0u32;
                loop {
                    if pages > 0 {
                        stats.sent();
                    }
                    pages += 1;
                    if pages > MAX_PAGES {
                        // A server that never stops handing out cookies: stop, and say so.
                        return Ok((all, true));
                    }
                    let control = PagedResults {
                        size,
                        cookie: std::mem::take(&mut cookie),
                    };
                    let (entries, result) = ldap
                        .with_timeout(timeout)
                        .with_controls(control)
                        .search(base, Scope::Subtree, filter, attrs)
                        .await?
                        .success()?;
                    all.extend(entries);
                    let next = result.ctrls.iter().find_map(|c| match c {
                        Control(Some(ControlType::PagedResults), raw) => Some(raw),
                        _ => None,
                    });
                    match next {
                        Some(raw) if raw.val.is_some() => {
                            let parsed =
                                catch_unwind(AssertUnwindSafe(|| raw.parse::<PagedResults>()));
                            cookie = parsed
                                .map(|p| p.cookie)
                                .map_err(|_| LdapError::EndOfStream)?;
                        }
                        _ => cookie.clear(),
                    }
                    if cookie.is_empty() {
                        return Ok((all, false));
                    }
                }
            })
            .await?;
        let (raw, endless) = raw;
        if endless {
            return Err(Error::new(
                ErrorKind::InvalidData,
                format!("{what}: more than {MAX_PAGES} pages; the read is refused, not cut short"),
            ));
        }
        raw.into_iter().map(|re| entry(what, re)).collect()
    }

    /// The entry `base` itself (scope base), or `None` when it does not exist.
    pub(crate) async fn one(
        &self,
        what: &str,
        base: &str,
        attrs: &[String],
    ) -> Result<Option<Entry>> {
        let found = self
            .run(what, Right::Read, |mut ldap: Ldap| async move {
                ldap.search(base, Scope::Base, "(objectClass=*)", attrs)
                    .await?
                    .success()
            })
            .await;
        match found {
            Ok((entries, _)) => entries
                .into_iter()
                .next()
                .map(|re| entry(what, re))
                .transpose(),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Entries matching `filter` anywhere under `base`, in one request (for look-ups that
    /// match a handful of entries).
    pub(crate) async fn find(
        &self,
        what: &str,
        base: &str,
        filter: &str,
        attrs: &[String],
    ) -> Result<Vec<Entry>> {
        let (entries, _) = self
            .run(what, Right::Read, |mut ldap: Ldap| async move {
                ldap.search(base, Scope::Subtree, filter, attrs)
                    .await?
                    .success()
            })
            .await?;
        entries.into_iter().map(|re| entry(what, re)).collect()
    }
}
