//! [`ScimDirectory`]: the [`Directory`] over SCIM 2.0, and its reads.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{PoisonError, RwLock};

use async_trait::async_trait;
use futures_util::stream::{self, StreamExt as _};
use hris_sync_core::raw::{
    DeltaCursor, GroupInfo, Operation, Outcome, ReadSet, UserChanges, UserSnapshot,
};
use hris_sync_core::{ApplyContext, Directory, DirectoryUser, Error, ErrorKind, Result, Stop};
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::client::Client;
use crate::config::{ScimBuilder, Settings};
use crate::convert::{self, Seen};
use crate::filter;
use crate::json;
use crate::provider::Provider;

/// A SCIM 2.0 service provider as a [`Directory`]: accounts are SCIM Users, joined to HR by
/// `externalId`, created with `POST /Users`, changed with `PATCH`, deactivated with
/// `active = false` and never deleted. Built by [`ScimBuilder`].
#[derive(Debug)]
pub struct ScimDirectory {
    pub(crate) client: Client,
    provider: OnceCell<Provider>,
    /// What the last reads saw of each user, by SCIM id.
    seen: RwLock<BTreeMap<String, Seen>>,
}

impl ScimDirectory {
    /// A builder with nothing set.
    #[must_use]
    pub fn builder() -> ScimBuilder {
        ScimBuilder::default()
    }

    pub(crate) fn new(settings: Settings) -> Result<Self> {
        Ok(Self {
            client: Client::new(settings)?,
            provider: OnceCell::new(),
            seen: RwLock::new(BTreeMap::new()),
        })
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.client.settings
    }

    /// What the provider supports, read on first use.
    pub(crate) async fn provider(&self) -> Result<Provider> {
        self.provider
            .get_or_try_init(|| Provider::read(&self.client))
            .await
            .copied()
    }

    /// What was last seen of a user.
    pub(crate) fn seen(&self, id: &str) -> Option<Seen> {
        self.seen
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    /// Keep (`Some`) or forget what is known of a user.
    pub(crate) fn remember(&self, id: &str, seen: Option<Seen>) {
        let mut map = self.seen.write().unwrap_or_else(PoisonError::into_inner);
        match seen {
            Some(s) => map.insert(id.to_owned(), s),
            None => map.remove(id),
        };
    }

    /// A resource read as a user; what to keep of it is kept.
    pub(crate) fn adopt_resource(&self, resource: &Value) -> Option<DirectoryUser> {
        let (user, seen) = convert::user(resource, &self.settings().read_set)?;
        self.remember(user.id.as_str(), Some(seen));
        Some(user)
    }

    /// Every User resource, page by page (RFC 7644 §3.4.2.4): `startIndex` moves on by the
    /// resources received (a provider may answer fewer than asked), to `totalResults`. An
    /// empty page before that, or fewer distinct users than `totalResults` at the end, fails
    /// the read: a missing page must never look like departed employees.
    async fn list_all(&self) -> Result<Vec<Value>> {
        let count = self
            .provider()
            .await?
            .page_size(self.settings().tuning.page_size)
            .to_string();
        let mut start: u64 = 1;
        let mut resources: Vec<Value> = Vec::new();
        let mut total: u64;
        let mut pages = 0u64;
        loop {
            let url = filter::with_query(
                self.client.url(&["Users"]),
                &[("startIndex", &start.to_string()), ("count", &count)],
            );
            let what = format!("GET /Users?startIndex={start}");
            let page = self.client.get(&what, url).await?.body.unwrap_or_default();
            total = json::count(&page, "totalResults").ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidData,
                    format!("{what}: the ListResponse has no totalResults"),
                )
            })?;
            let items = json::entries(&page, "Resources");
            pages += 1;
            if items.is_empty() {
                if start <= total {
                    return Err(Error::new(
                        ErrorKind::Transient,
                        format!(
                            "{what}: an empty page although totalResults is {total}: the \
                             listing is incomplete, so nothing is planned from it"
                        ),
                    ));
                }
                break;
            }
            start += items.len() as u64;
            resources.extend(items.iter().cloned());
            if start > total {
                break;
            }
            if pages > total {
                return Err(Error::new(
                    ErrorKind::InvalidData,
                    format!("GET /Users: {pages} pages for {total} users; the paging does not end"),
                ));
            }
        }
        let distinct: BTreeSet<&str> = resources
            .iter()
            .filter_map(|r| json::text(r, "id"))
            .collect();
        // A resource without an id is counted (it is left out, and said, when read), so a
        // malformed record does not fail every read; a user missed between shifting pages
        // does.
        let unidentified = resources
            .iter()
            .filter(|r| json::text(r, "id").is_none())
            .count();
        if ((distinct.len() + unidentified) as u64) < total {
            return Err(Error::new(
                ErrorKind::Transient,
                format!(
                    "GET /Users: {} distinct users read of the {total} the provider counts (the \
                     listing changed while it was read); read again",
                    distinct.len()
                ),
            ));
        }
        Ok(resources)
    }

    /// The users matching `attr eq "value"` that really match (a provider that ignores a
    /// filter answers everyone): by filter where the provider filters, else from the
    /// listing. A 404 is no match (some providers answer it for an empty result).
    pub(crate) async fn find(&self, attr: &str, value: &str) -> Result<Vec<DirectoryUser>> {
        let matches = |r: &Value| {
            json::text(r, attr).is_some_and(|v| {
                if attr.eq_ignore_ascii_case("userName") {
                    v.eq_ignore_ascii_case(value)
                } else {
                    v == value
                }
            })
        };
        let resources = if self.provider().await?.filter {
            let url = filter::with_query(
                self.client.url(&["Users"]),
                &[("filter", &filter::eq(attr, value))],
            );
            match self
                .client
                .get(&format!("GET /Users?filter={attr} eq …"), url)
                .await
            {
                Ok(answer) => json::entries(&answer.body.unwrap_or_default(), "Resources").to_vec(),
                Err(e) if e.kind() == ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(e),
            }
        } else {
            self.list_all().await?
        };
        Ok(resources
            .iter()
            .filter(|r| matches(r))
            .filter_map(|r| self.adopt_resource(r))
            .collect())
    }

    /// One user, read again (`GET /Users/{id}`).
    pub(crate) async fn read_user(&self, id: &str) -> Result<(DirectoryUser, Seen)> {
        let answer = self
            .client
            .get("GET /Users/{id}", self.client.url(&["Users", id]))
            .await?;
        let body = answer.body.unwrap_or_default();
        let (user, mut seen) =
            convert::user(&body, &self.settings().read_set).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidData,
                    "GET /Users/{id}: the answer is no User resource",
                )
            })?;
        if seen.etag.is_none() {
            seen.etag = answer.etag;
        }
        self.remember(id, Some(seen.clone()));
        Ok((user, seen))
    }
}

#[async_trait]
impl Directory for ScimDirectory {
    async fn list_users(&self) -> Result<UserSnapshot> {
        let resources = self.list_all().await?;
        let mut seen = BTreeMap::new();
        let mut users = Vec::with_capacity(resources.len());
        for r in &resources {
            if let Some((user, s)) = convert::user(r, &self.settings().read_set) {
                seen.insert(user.id.as_str().to_owned(), s);
                users.push(user);
            }
        }
        *self.seen.write().unwrap_or_else(PoisonError::into_inner) = seen;
        tracing::info!(users = users.len(), "read the SCIM service provider");
        // SCIM has no change feed: every read is a full one.
        Ok(UserSnapshot {
            users,
            cursor: None,
        })
    }

    async fn list_user_changes(&self, _cursor: &DeltaCursor) -> Result<UserChanges> {
        Err(Error::new(
            ErrorKind::Unsupported,
            "SCIM has no change feed; every read is a full one",
        ))
    }

    /// The configured domains; asking also reads `/ServiceProviderConfig`, so a provider
    /// without PATCH, or wrong credentials, stop the run at start-up.
    async fn verified_domains(&self) -> Result<Vec<String>> {
        self.provider().await?;
        Ok(self.settings().domains.clone())
    }

    fn read_set(&self) -> ReadSet {
        self.settings().read_set.clone()
    }

    async fn read_group(&self, id: &str) -> Result<GroupInfo> {
        self.group(id).await
    }

    /// Targeted look-ups: `externalId eq`, then `userName eq` for each address (by filter
    /// where the provider filters, else from the listing).
    async fn find_users(
        &self,
        employee_id: &str,
        addresses: &[String],
    ) -> Result<Vec<DirectoryUser>> {
        let mut found = self.find("externalId", employee_id).await?;
        for address in addresses {
            found.extend(self.find("userName", address).await?);
        }
        found.sort_by(|a, b| a.id.cmp(&b.id));
        found.dedup_by(|a, b| a.id == b.id);
        Ok(found)
    }

    async fn apply(&self, operations: &[Operation]) -> Vec<Outcome> {
        self.apply_with(operations, &ApplyContext::default()).await
    }

    async fn apply_with(&self, operations: &[Operation], cx: &ApplyContext) -> Vec<Outcome> {
        let each: Vec<_> = operations
            .iter()
            .map(|op| async move {
                if cx.is_stopped() {
                    return Err(Stop::not_applied());
                }
                let outcome = self.apply_one(op).await;
                cx.written(1);
                outcome
            })
            .collect();
        stream::iter(each)
            .buffered(self.settings().tuning.concurrency)
            .collect()
            .await
    }
}
