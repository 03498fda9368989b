//! [`EntraDirectory`]: core's [`Directory`] over Microsoft Graph v1.0.

use std::fmt;

use async_trait::async_trait;
use hris_sync_core::{
    DeltaCursor, Directory, DirectoryUserId, Error, ErrorKind, Operation, Outcome, Result,
    UserChanges, UserSnapshot,
};
use reqwest::Url;

use crate::batch;
use crate::client::{Client, Settings};
use crate::config::GraphBuilder;
use crate::convert;
use crate::model::{Organization, Page, UserWire};

/// Pages beyond this many are refused: a listing that never ends is a server bug.
const MAX_PAGES: usize = 100_000;

/// Microsoft Entra ID as a [`Directory`].
///
/// ```no_run
/// # async fn run() -> hris_sync_core::Result<()> {
/// use connector_azuread::EntraDirectory;
/// use hris_sync_core::{Directory, DirectoryProperty};
///
/// let entra = EntraDirectory::from_env()
///     .manage([DirectoryProperty::Department, DirectoryProperty::JobTitle])
///     .managers(true)
///     .build()?;
/// let snapshot = entra.list_users().await?;
/// println!("{} users", snapshot.users.len());
/// # Ok(()) }
/// ```
pub struct EntraDirectory {
    client: Client,
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

    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<String> {
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
                (None, delta) => return Ok((users, delta)),
            }
        }
        Err(Error::new(
            ErrorKind::InvalidData,
            format!("{what}: more than {MAX_PAGES} pages"),
        ))
    }

    fn select(&self) -> String {
        convert::select(&self.client.settings.managed)
    }

    /// The delta `$select`: the same properties, plus `manager` when managers are read.
    fn delta_select(&self) -> String {
        let mut s = self.select();
        if self.client.settings.managers {
            s.push_str(",manager");
        }
        s
    }
}

#[async_trait]
impl Directory for EntraDirectory {
    async fn list_users(&self) -> Result<UserSnapshot> {
        let managed = &self.client.settings.managed;
        if self.client.settings.managers {
            // Managers come with a full delta round (`$select=…,manager`, pages of up to 200),
            // which also ends with the change-feed position. `/users` with `$expand=manager`
            // would cap pages at 100.
            let first = self.url("/users/delta", &[("$select", self.delta_select())])?;
            let (wires, delta) = self.pages("GET /users/delta", first).await?;
            let users = wires
                .into_iter()
                .filter(|w| w.removed.is_none())
                .map(|mut w| {
                    let manager = w
                        .manager_delta
                        .take()
                        .and_then(|refs| refs.into_iter().next());
                    let mut u = convert::user(w, managed);
                    u.manager_id = manager.map(|r| DirectoryUserId::new(r.id));
                    u
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
        let (wires, delta) = self
            .pages("GET /users/delta", cursor.as_str().to_owned())
            .await?;
        let Some(delta) = delta else {
            return Err(Error::new(
                ErrorKind::InvalidData,
                "GET /users/delta: the last page carries no @odata.deltaLink",
            ));
        };
        let managed = &self.client.settings.managed;
        let mut changes = UserChanges {
            cursor: Some(DeltaCursor::new(delta)),
            ..UserChanges::default()
        };
        for mut wire in wires {
            if wire.removed.is_some() {
                changes.removed.push(DirectoryUserId::new(wire.id));
                continue;
            }
            let manager = wire.manager_delta.take();
            let user = convert::user(wire, managed);
            if let Some(refs) = manager {
                changes.managers.insert(
                    user.id.clone(),
                    refs.into_iter().next().map(|r| DirectoryUserId::new(r.id)),
                );
            }
            changes.changed.push(user);
        }
        Ok(changes)
    }

    async fn verified_domains(&self) -> Result<Vec<String>> {
        let url = self.url(
            "/organization",
            &[("$select", "verifiedDomains".to_owned())],
        )?;
        let page: Page<Organization> = self.client.get_json("GET /organization", &url).await?;
        Ok(page
            .value
            .into_iter()
            .flat_map(|o| o.verified_domains)
            .map(|d| d.name)
            .collect())
    }

    async fn apply(&self, operations: &[Operation]) -> Vec<Outcome> {
        batch::apply(&self.client, operations).await
    }
}
