//! [`EntraDirectory`]: core's [`Directory`] over Microsoft Graph v1.0.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use hris_sync_core::raw::{
    DeltaCursor, DirectoryProperty, Operation, Outcome, PropertyValue, ReadSet, UserChanges,
    UserSnapshot,
};
use hris_sync_core::{
    ApplyContext, Directory, DirectoryUser, DirectoryUserId, Error, ErrorKind, Result,
};
use reqwest::Url;

use crate::batch;
use crate::client::{Client, Settings};
use crate::config::GraphBuilder;
use crate::convert;
use crate::model::{Domain, Page, Reference, UserWire};

/// Pages beyond this many are refused: a listing that never ends is a server bug.
pub(crate) const MAX_PAGES: usize = 100_000;

/// Microsoft Entra ID as a [`Directory`].
///
/// Build it from the policy, so it reads exactly what the planner compares:
///
/// ```no_run
/// # async fn run() -> hris_sync_core::Result<()> {
/// use connector_azuread::EntraDirectory;
/// use hris_sync_core::{Directory, Policy};
///
/// let policy = Policy::from_toml(
///     r#"
///     [upn]
///     domain = "example.com"
///     [[mapping]]
///     personio = "department"
///     entra = "department"
///     "#,
/// )?;
/// // AZURE_TENANT_ID, AZURE_CLIENT_ID and a credential from the environment.
/// let entra = EntraDirectory::from_env().policy(&policy).build()?;
/// let snapshot = entra.list_users().await?;
/// println!("{} users", snapshot.users.len());
/// # Ok(()) }
/// ```
pub struct EntraDirectory {
    pub(crate) client: Client,
}

impl fmt::Debug for EntraDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EntraDirectory").field(&self.client).finish()
    }
}

impl EntraDirectory {
    /// A builder with the global cloud's defaults.
    #[must_use]
    pub fn builder() -> GraphBuilder {
        GraphBuilder::default()
    }

    /// A builder filled from `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`,
    /// `AZURE_AUTHORITY_HOST` and `GRAPH_BASE_URL`.
    #[must_use]
    pub fn from_env() -> GraphBuilder {
        GraphBuilder::from_env()
    }

    pub(crate) fn new(settings: Settings) -> Result<Self> {
        Ok(Self {
            client: Client::new(settings)?,
        })
    }

    /// How many tokens this directory fetched.
    #[must_use]
    pub fn token_calls(&self) -> u64 {
        self.client.token_calls()
    }

    pub(crate) fn url(&self, path: &str, query: &[(&str, String)]) -> Result<String> {
        let mut url = Url::parse(&self.client.graph_url(path))
            .map_err(|e| Error::config(format!("GRAPH_BASE_URL: {e}")))?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url.into())
    }

    /// Follow `@odata.nextLink` verbatim until a page has none (or carries a delta link).
    /// Any failed page fails the whole read.
    async fn pages(&self, what: &str, first: String) -> Result<(Vec<UserWire>, Option<String>)> {
        let mut url = first;
        let mut users = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: Page<UserWire> = self.client.get_json(what, &url).await?;
            users.extend(page.value);
            match (page.next_link, page.delta_link) {
                (Some(next), _) => url = next,
                (None, delta) => {
                    if let Some(link) = &delta {
                        self.client.check_link(what, link)?;
                    }
                    return Ok((users, delta));
                }
            }
        }
        Err(Error::new(
            ErrorKind::InvalidData,
            format!("{what}: more than {MAX_PAGES} pages"),
        ))
    }

    fn select(&self) -> String {
        convert::select(&self.client.settings.tuning.managed)
    }

    /// The delta `$select`: the same properties, plus `manager` when managers are read.
    fn delta_select(&self) -> String {
        let mut s = self.select();
        if self.client.settings.tuning.managers {
            s.push_str(",manager");
        }
        s
    }
}

#[async_trait]
impl Directory for EntraDirectory {
    async fn list_users(&self) -> Result<UserSnapshot> {
        let managed = &self.client.settings.tuning.managed;
        if self.client.settings.tuning.managers {
            // Managers come with a full delta round (`$select=…,manager`, pages of up to 200),
            // which also ends with the change-feed position. `/users` with `$expand=manager`
            // would cap pages at 100.
            let first = self.url("/users/delta", &[("$select", self.delta_select())])?;
            let (wires, delta) = self.pages("GET /users/delta", first).await?;
            let users = merge_feed(wires, managed)
                .into_values()
                .filter_map(|entry| match entry {
                    FeedEntry::Changed { mut user, manager } => {
                        user.manager_id = manager.flatten();
                        Some(*user)
                    }
                    FeedEntry::Removed => None,
                })
                .collect();
            return Ok(UserSnapshot {
                users,
                cursor: delta.map(DeltaCursor::new),
            });
        }
        // Take the change-feed position first: anything that changes while the list is read
        // shows up in the next delta (read twice is harmless; missed is not).
        let latest = self.url(
            "/users/delta",
            &[
                ("$select", self.delta_select()),
                ("$deltatoken", "latest".to_owned()),
            ],
        )?;
        let (_, delta) = self.pages("GET /users/delta", latest).await?;
        let query = [("$select", self.select()), ("$top", "999".to_owned())];
        let (wires, _) = self
            .pages("GET /users", self.url("/users", &query)?)
            .await?;
        Ok(UserSnapshot {
            users: wires
                .into_iter()
                .map(|w| convert::user(w, managed))
                .collect(),
            cursor: delta.map(DeltaCursor::new),
        })
    }

    async fn list_user_changes(&self, cursor: &DeltaCursor) -> Result<UserChanges> {
        let what = "GET /users/delta";
        let (wires, delta) = match self.pages(what, cursor.as_str().to_owned()).await {
            Ok(read) => read,
            // T7: a stored delta link the service no longer takes (any 4xx but 401, 403 and
            // 429, which say nothing about the link) means a full read, not a failed cycle.
            Err(e) if stale_cursor(&e) => {
                return Err(Error::new(
                    ErrorKind::CursorExpired,
                    format!("{what}: the stored delta link was refused ({e}); a full read follows"),
                ));
            }
            Err(e) => return Err(e),
        };
        let Some(delta) = delta else {
            return Err(Error::new(
                ErrorKind::InvalidData,
                "GET /users/delta: the last page carries no @odata.deltaLink",
            ));
        };
        let managed = &self.client.settings.tuning.managed;
        let mut changes = UserChanges {
            cursor: Some(DeltaCursor::new(delta)),
            ..UserChanges::default()
        };
        for (id, entry) in merge_feed(wires, managed) {
            match entry {
                FeedEntry::Removed => changes.removed.push(DirectoryUserId::new(id)),
                FeedEntry::Changed { user, manager } => {
                    if let Some(m) = manager {
                        changes.managers.insert(user.id.clone(), m);
                    }
                    changes.changed.push(*user);
                }
            }
        }
        Ok(changes)
    }

    async fn read_group(&self, id: &str) -> Result<hris_sync_core::raw::GroupInfo> {
        self.group(id).await
    }

    /// Targeted look-ups: `employeeId eq`, then `userPrincipalName eq` and `mail eq` for each
    /// address (without managers: the planner's manager pass needs the supervisor's account,
    /// which is looked up by its employee id the same way).
    async fn find_users(
        &self,
        employee_id: &str,
        addresses: &[String],
    ) -> Result<Vec<DirectoryUser>> {
        let mut found = crate::holder::lookup_all(&self.client, "employeeId", employee_id).await?;
        for address in addresses {
            for field in ["userPrincipalName", "mail"] {
                match crate::holder::lookup_all(&self.client, field, address).await {
                    Ok(users) => found.extend(users),
                    // A tenant (or a stand-in) that will not filter on this field: the other
                    // look-ups still answer.
                    Err(e) if e.kind() == ErrorKind::InvalidInput => {
                        tracing::warn!(field, error = %e, "a look-up was refused; left out");
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        found.sort_by(|a, b| a.id.cmp(&b.id));
        found.dedup_by(|a, b| a.id == b.id);
        Ok(found)
    }

    fn read_set(&self) -> ReadSet {
        // `convert::select` always asks for the names, and for every managed property.
        let settings = &self.client.settings;
        ReadSet::of(
            ReadSet::NAMES
                .into_iter()
                .chain(settings.tuning.managed.iter().cloned()),
            settings.tuning.managers,
        )
    }

    /// `GET /domains` (T1: `Domain.Read.All`; `GET /organization` would need
    /// `Directory.Read.All`), keeping the verified ones.
    async fn verified_domains(&self) -> Result<Vec<String>> {
        let url = self.url("/domains", &[("$select", "id,isVerified".to_owned())])?;
        let page: Page<Domain> = self.client.get_json("GET /domains", &url).await?;
        Ok(page
            .value
            .into_iter()
            .filter(|d| d.is_verified)
            .map(|d| d.id)
            .collect())
    }

    async fn apply(&self, operations: &[Operation]) -> Vec<Outcome> {
        self.apply_with(operations, &ApplyContext::default()).await
    }

    async fn apply_with(&self, operations: &[Operation], cx: &ApplyContext) -> Vec<Outcome> {
        match &self.client.settings.tuning.usage_location {
            Some(code) => {
                batch::apply(&self.client, &with_usage_location(operations, code), cx).await
            }
            None => batch::apply(&self.client, operations, cx).await,
        }
    }
}

/// The operations with `usageLocation` set on each create that does not set it already
/// (`[entra] usage_location`: Graph refuses a license to a user without one).
fn with_usage_location(operations: &[Operation], code: &str) -> Vec<Operation> {
    operations
        .iter()
        .cloned()
        .map(|mut op| {
            if let Operation::Create(new) = &mut op {
                new.properties
                    .entry(crate::properties::USAGE_LOCATION)
                    .or_insert_with(|| PropertyValue::text(code));
            }
            op
        })
        .collect()
}

/// What a delta round finally says about one user.
enum FeedEntry {
    /// Changed (or still there), with its manager change when the feed carried one
    /// (`Some(None)`: the manager was removed).
    Changed {
        user: Box<DirectoryUser>,
        manager: Option<Option<DirectoryUserId>>,
    },
    /// Deleted (`@removed`).
    Removed,
}

/// T7: merge a delta round by id, in feed order. A user may be listed several times; the
/// last entry wins (a change after a removal revives it, a removal after a change removes
/// it), and a manager change seen earlier in the round is kept unless a later one replaces
/// it.
fn merge_feed(
    wires: Vec<UserWire>,
    managed: &std::collections::BTreeSet<DirectoryProperty>,
) -> BTreeMap<String, FeedEntry> {
    let mut merged: BTreeMap<String, FeedEntry> = BTreeMap::new();
    for mut wire in wires {
        let id = wire.id.clone();
        if wire.removed.is_some() {
            merged.insert(id, FeedEntry::Removed);
            continue;
        }
        let manager = wire.manager_delta.take().map(manager_of);
        let earlier = match merged.remove(&id) {
            Some(FeedEntry::Changed { manager, .. }) => manager,
            _ => None,
        };
        merged.insert(
            id,
            FeedEntry::Changed {
                user: Box::new(convert::user(wire, managed)),
                manager: manager.or(earlier),
            },
        );
    }
    merged
}

/// The manager named by `manager@delta`: the reference not marked `@removed`, or none.
fn manager_of(refs: Vec<Reference>) -> Option<DirectoryUserId> {
    refs.into_iter()
        .find(|r| r.removed.is_none())
        .map(|r| DirectoryUserId::new(r.id))
}

/// Whether a failed read of a stored delta link means "start over" (T7).
fn stale_cursor(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::CursorExpired
            | ErrorKind::InvalidInput
            | ErrorKind::NotFound
            | ErrorKind::AlreadyExists
    )
}
