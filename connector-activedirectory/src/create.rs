//! Creates (docs/rules.md §9, T4). Before an add, the sync asks who holds the new account's
//! UPN, employee id, `sAMAccountName` candidates and `cn` candidates; then it decides
//! ([`Names::choose`]):
//!
//! - a UPN or employee id held by this employee's account means an earlier attempt made it:
//!   it is adopted (T4), if it may be ([`ActiveDirectory::adopt`]);
//! - a UPN held by anyone else is a UPN conflict, so the engine takes the U3 fallback;
//! - otherwise the first free `sAMAccountName` and `cn` are used, and the add carries every
//!   attribute, `unicodePwd` (TLS only) and `pwdLastSet = 0`.
//!
//! A phase of creates asks for the holders of a chunk of [`CHUNK`] accounts in one search
//! (one OR filter), adds each, and reads the new accounts back in one search by DN (a lone
//! create reads its one account back the same way): about one
//! request per new account instead of three. An add refused because a name was taken meanwhile
//! (another run, an administrator, or another account of the same chunk) starts over alone,
//! with a search of its own, at most [`CREATE_ATTEMPTS`] times.

use futures_util::stream::{self, StreamExt as _};
use hris_sync_core::raw::{Applied, NewUser, Outcome};
use hris_sync_core::{ApplyContext, DirectoryUser, Error, ErrorKind, Result, Stop};

use crate::ActiveDirectory;
use crate::convert;
use crate::dn;
use crate::model::Entry;
use crate::names;

/// How many times a create starts over after a name was taken between its search and its add.
const CREATE_ATTEMPTS: usize = 4;

/// New accounts whose holders are looked up, and which are read back, in one search each.
pub(crate) const CHUNK: usize = 25;

/// The names a new account would take.
struct Names<'a> {
    new: &'a NewUser,
    sams: Vec<String>,
    cns: Vec<String>,
}

/// What to do for one new account, given the holders of its names.
enum Choice<'h> {
    /// This employee's account exists already (T4).
    Adopt(&'h Entry),
    /// Add it at `dn` with this `sAMAccountName`.
    Add { dn: String, sam: String },
}

impl<'a> Names<'a> {
    /// The filter terms that find every holder of these names (to be OR-ed).
    fn terms(&self, dns_name: &str) -> String {
        let esc = |s: &str| ldap3::ldap_escape(s).into_owned();
        let upn = &self.new.user_principal_name;
        let local = upn.rsplit_once('@').map_or(upn.as_str(), |(l, _)| l);
        let mut terms = format!(
            "(userPrincipalName={})(employeeID={})(sAMAccountName={})",
            esc(upn),
            esc(&self.new.employee_id),
            esc(local)
        );
        for s in &self.sams {
            terms.push_str(&format!(
                "(sAMAccountName={})(userPrincipalName={}@{})",
                esc(s),
                esc(s),
                esc(dns_name)
            ));
        }
        for c in &self.cns {
            terms.push_str(&format!("(cn={})", esc(c)));
        }
        terms
    }

    /// Decide from `holders` (any superset of the holders of these names).
    fn choose<'h>(
        &self,
        holders: &'h [Entry],
        dns_name: &str,
        users_ou: &str,
    ) -> Result<Choice<'h>> {
        let new = self.new;
        let upn = &new.user_principal_name;
        // A UPN in the domain's own DNS name implies the sAMAccountName of its local part:
        // an account holding that sAMAccountName holds the UPN too (AD's and Samba's
        // "implied by userPrincipalName").
        let implied = |h: &Entry| {
            let (local, suffix) = upn.rsplit_once('@').unwrap_or((upn.as_str(), ""));
            names::same(suffix, dns_name)
                && h.first("sAMAccountName")
                    .is_some_and(|s| names::same(s, local))
        };
        let ours = |h: &Entry| h.first("employeeID") == Some(new.employee_id.as_str());
        if let Some(h) = holders.iter().find(|h| {
            h.first("userPrincipalName")
                .is_some_and(|u| names::same(u, upn))
                || implied(h)
        }) {
            if ours(h) {
                return Ok(Choice::Adopt(h));
            }
            return Err(Error::conflict(
                "userPrincipalName",
                format!("add {upn}: the UPN is held by another account ({})", h.dn),
            ));
        }
        if let Some(h) = holders.iter().find(|h| ours(h)) {
            return Ok(Choice::Adopt(h));
        }
        let sam_taken = |sam: &str| {
            let implied = format!("{sam}@{dns_name}");
            holders.iter().any(|h| {
                h.all("sAMAccountName").iter().any(|x| names::same(x, sam))
                    || h.first("userPrincipalName")
                        .is_some_and(|u| names::same(u, &implied))
            })
        };
        let Some(sam) = self.sams.iter().find(|s| !sam_taken(s)) else {
            return Err(Error::conflict(
                "sAMAccountName",
                format!(
                    "add {upn}: sAMAccountName {} all taken",
                    self.sams.join(" and ")
                ),
            ));
        };
        let ou = dn::normalize(users_ou);
        let cn_taken = |cn: &str| {
            holders.iter().any(|h| {
                h.all("cn").iter().any(|x| names::same(x, cn))
                    && dn::parent(&h.dn).is_some_and(|p| dn::normalize(&p) == ou)
            })
        };
        let Some(cn) = self.cns.iter().find(|c| !cn_taken(c)) else {
            return Err(Error::conflict(
                "cn",
                format!(
                    "add {upn}: cn {} taken in {users_ou}",
                    self.cns
                        .iter()
                        .map(|c| format!("{c:?}"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            ));
        };
        Ok(Choice::Add {
            dn: format!("CN={},{users_ou}", dn::escape(cn)),
            sam: sam.clone(),
        })
    }
}

/// One account's work within a chunk, boxed so the chunk's futures share one type.
type Step<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The account added at `dn`, found among those read back.
fn created(users: &[(String, DirectoryUser)], dn: &str) -> Outcome {
    users
        .iter()
        .find(|(d, _)| dn::normalize(d) == dn::normalize(dn))
        .map(|(_, u)| Applied::Created(Box::new(u.clone())))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidData,
                format!("{dn} was created but cannot be read back"),
            )
        })
}

/// An add that lost a race for one of its names: it starts over alone.
fn lost_a_race(e: &Error) -> bool {
    e.kind() == ErrorKind::AlreadyExists || e.is_upn_conflict()
}

impl ActiveDirectory {
    /// The names `new` would take, after the checks AD would make.
    async fn names<'a>(&self, new: &'a NewUser) -> Result<Names<'a>> {
        self.check_new(new).await?;
        let sams = self
            .settings()
            .sam
            .candidates(&new.user_principal_name, &new.employee_id)?;
        let cns = names::cn_candidates(&new.display_name, &new.employee_id);
        if cns.is_empty() {
            return Err(Error::invalid_input(format!(
                "add {}: the display name holds no character a cn can take",
                new.user_principal_name
            )));
        }
        Ok(Names { new, sams, cns })
    }

    /// Every object holding one of the names of `all`, in one search of the domain.
    async fn holders(&self, what: &str, all: &[&Names<'_>]) -> Result<Vec<Entry>> {
        let domain = self.domain().await?;
        let terms: String = all.iter().map(|n| n.terms(&domain.dns)).collect();
        let mut attrs = convert::attributes(&self.settings().read_set);
        attrs.push("cn".to_owned());
        self.conn
            .find(what, &domain.nc, &format!("(|{terms})"), &attrs)
            .await
    }

    /// One create, alone: search, decide, add, read back; again when a name was taken
    /// meanwhile.
    pub(crate) async fn create(&self, new: &NewUser) -> Outcome {
        let names = self.names(new).await?;
        self.create_named(&names).await
    }

    async fn create_named(&self, names: &Names<'_>) -> Outcome {
        let upn = &names.new.user_principal_name;
        let mut last = None;
        for _ in 0..CREATE_ATTEMPTS {
            let holders = self
                .holders(&format!("look up who holds {upn}"), &[names])
                .await?;
            let domain = self.domain().await?;
            match names.choose(&holders, &domain.dns, &self.settings().users_ou)? {
                Choice::Adopt(h) => return self.adopt(h).await,
                Choice::Add { dn, sam } => match self.add(&dn, names.new, &sam).await {
                    Ok(()) => return created(&self.read_back_all(&[dn.as_str()]).await?, &dn),
                    Err(e) if lost_a_race(&e) => {
                        tracing::info!(error = %e, "a name was taken meanwhile; looking again");
                        tracing::debug!(upn = %upn, "the name taken meanwhile");
                        last = Some(e);
                    }
                    Err(e) => return Err(e),
                },
            }
        }
        let why = last.map(|e| e.to_string()).unwrap_or_default();
        Err(Error::new(
            ErrorKind::AlreadyExists,
            format!(
                "add {upn}: its names kept being taken ({CREATE_ATTEMPTS} attempts; last: {why})"
            ),
        ))
    }

    /// A phase of creates, a chunk at a time; one outcome per account, in order.
    pub(crate) async fn create_all(&self, news: &[&NewUser], cx: &ApplyContext) -> Vec<Outcome> {
        let mut out = Vec::with_capacity(news.len());
        for chunk in news.chunks(CHUNK) {
            if cx.is_stopped() {
                out.extend(chunk.iter().map(|_| Err(Stop::not_applied())));
                continue;
            }
            out.extend(self.create_chunk(chunk).await);
            cx.written(chunk.len());
        }
        out
    }

    /// One chunk: one search for the holders of every name, the adds, one search to read
    /// the new accounts back. Whatever goes wrong for one account alone is that account's.
    async fn create_chunk(&self, chunk: &[&NewUser]) -> Vec<Outcome> {
        let mut named: Vec<Result<Names<'_>>> = Vec::with_capacity(chunk.len());
        for new in chunk {
            named.push(self.names(new).await);
        }
        let ready: Vec<&Names<'_>> = named.iter().filter_map(|n| n.as_ref().ok()).collect();
        let what = format!(
            "look up who holds the names of {} new accounts",
            ready.len()
        );
        let holders = match self.holders(&what, &ready).await {
            Ok(h) => h,
            // The chunk's search failed: each account tries alone.
            Err(e) => {
                tracing::warn!(error = %e, "the chunk's look-up failed; creating one by one");
                let mut each: Vec<Step<'_, Outcome>> = Vec::with_capacity(named.len());
                for n in &named {
                    each.push(Box::pin(async move {
                        match n {
                            Ok(names) => self.create_named(names).await,
                            Err(e) => Err(e.replicate()),
                        }
                    }));
                }
                return stream::iter(each)
                    .buffered(self.settings().concurrency)
                    .collect()
                    .await;
            }
        };
        let domain = match self.domain().await {
            Ok(d) => d,
            Err(e) => return chunk.iter().map(|_| Err(e.replicate())).collect(),
        };
        let users_ou = self.settings().users_ou.clone();
        // Add each (or adopt, or refuse). Ok(Ok(dn)): added, to read back; Ok(Err(applied)):
        // done already.
        let (holders, domain, users_ou) = (&holders, &domain, &users_ou);
        let mut each: Vec<Step<'_, Result<std::result::Result<String, Applied>>>> =
            Vec::with_capacity(named.len());
        for n in &named {
            each.push(Box::pin(async move {
                let names = n.as_ref().map_err(Error::replicate)?;
                match names.choose(holders, &domain.dns, users_ou)? {
                    Choice::Adopt(h) => self.adopt(h).await.map(Err),
                    Choice::Add { dn, sam } => match self.add(&dn, names.new, &sam).await {
                        Ok(()) => Ok(Ok(dn)),
                        Err(e) if lost_a_race(&e) => self.create_named(names).await.map(Err),
                        Err(e) => Err(e),
                    },
                }
            }));
        }
        let steps: Vec<Result<std::result::Result<String, Applied>>> = stream::iter(each)
            .buffered(self.settings().concurrency)
            .collect()
            .await;
        let added: Vec<&str> = steps
            .iter()
            .filter_map(|s| match s {
                Ok(Ok(dn)) => Some(dn.as_str()),
                _ => None,
            })
            .collect();
        let read = self.read_back_all(&added).await;
        steps
            .into_iter()
            .map(|step| match step? {
                Err(applied) => Ok(applied),
                Ok(dn) => match &read {
                    Ok(users) => created(users, &dn),
                    Err(e) => Err(e.replicate()),
                },
            })
            .collect()
    }

    /// The accounts at `dns`, in one search of the domain by `distinguishedName`.
    async fn read_back_all(&self, dns: &[&str]) -> Result<Vec<(String, DirectoryUser)>> {
        if dns.is_empty() {
            return Ok(Vec::new());
        }
        let terms: String = dns
            .iter()
            .map(|d| format!("(distinguishedName={})", ldap3::ldap_escape(*d)))
            .collect();
        let attrs = convert::attributes(&self.settings().read_set);
        let nc = self.domain().await?.nc.clone();
        let entries = self
            .conn
            .find(
                &format!("read back {} new accounts", dns.len()),
                &nc,
                &format!("(|{terms})"),
                &attrs,
            )
            .await?;
        let mut users = Vec::with_capacity(entries.len());
        for e in &entries {
            users.push((e.dn.clone(), self.user_of(e).await?));
        }
        Ok(users)
    }
}
