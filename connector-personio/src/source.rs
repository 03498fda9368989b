//! [`PersonioSource`]: core's [`HrSource`] over `GET /v1/company/employees`.

use std::collections::BTreeSet;
use std::fmt;

use async_trait::async_trait;
use hris_sync_core::jiff::Timestamp;
use hris_sync_core::{EmployeeListing, Error, ErrorKind, HrSource, Result};

use crate::client::{Client, Settings};
use crate::config::PersonioBuilder;
use crate::convert;
use crate::model::{AttributesResponse, EmployeesPage};

/// Pages beyond this many are refused: a server that never ends a listing is a bug, not a
/// company of ten million.
const MAX_PAGES: u64 = 100_000;

/// Personio as an [`HrSource`].
///
/// ```no_run
/// # async fn run() -> hris_sync_core::Result<()> {
/// use connector_personio::PersonioSource;
/// use hris_sync_core::HrSource;
///
/// let personio = PersonioSource::from_env().app_id("ACME_HRIS_SYNC").build()?;
/// let listing = personio.list_employees().await?;
/// println!("{} employees, {} unreadable records", listing.employees.len(), listing.rejected.len());
/// # Ok(()) }
/// ```
pub struct PersonioSource {
    client: Client,
}

impl fmt::Debug for PersonioSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PersonioSource").field(&self.client).finish()
    }
}

impl PersonioSource {
    /// A builder with Personio's defaults.
    #[must_use]
    pub fn builder() -> PersonioBuilder {
        PersonioBuilder::default()
    }

    /// A builder filled from `PERSONIO_CLIENT_ID`, `PERSONIO_CLIENT_SECRET` and
    /// `PERSONIO_BASE_URL`.
    #[must_use]
    pub fn from_env() -> PersonioBuilder {
        PersonioBuilder::from_env()
    }

    pub(crate) fn new(settings: Settings) -> Result<Self> {
        Ok(Self {
            client: Client::new(settings)?,
        })
    }

    /// How many times this source called `POST /v1/auth` (at most once per token lifetime,
    /// plus once per refused token).
    #[must_use]
    pub fn auth_calls(&self) -> u64 {
        self.client.auth_calls()
    }

    /// Page through the employee list. `updated_since` narrows it to changed employees.
    async fn employees(&self, updated_since: Option<Timestamp>) -> Result<EmployeeListing> {
        let limit = self.client.settings.page_size;
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut listing = EmployeeListing::default();
        let mut offset: u64 = 0;
        for page_number in 0..MAX_PAGES {
            let mut query = vec![("limit", limit.to_string()), ("offset", offset.to_string())];
            if let Some(since) = updated_since {
                query.push((
                    "updated_since",
                    since.strftime("%Y-%m-%dT%H:%M:%S").to_string(),
                ));
            }
            // Any failed page fails the whole listing: a missing page must never look like
            // departed employees.
            let page: EmployeesPage = self
                .client
                .get_json("/v1/company/employees", &query)
                .await?;
            let count = page.data.len();
            let (mut new, mut known) = (0usize, 0usize);
            for record in &page.data {
                match convert::employee(record) {
                    Ok(e) => {
                        if seen.insert(e.id.to_string()) {
                            new += 1;
                            listing.employees.push(e);
                        } else {
                            known += 1;
                        }
                    }
                    Err(rejected) => {
                        tracing::warn!(id = ?rejected.id, reason = %rejected.reason, "skipping an unreadable Personio record");
                        listing.rejected.push(rejected);
                    }
                }
            }
            tracing::debug!(page = page_number, offset, count, new, total_pages = ?page.metadata.as_ref().and_then(|m| m.total_pages), "read a page of employees");
            // A short or empty page ends the listing (total_pages is not trusted alone). A page
            // larger than asked means the server ignored paging and sent everything at once.
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            if count != limit {
                return Ok(listing);
            }
            // A full page that the metadata calls the last one, with every announced employee
            // read, ends the listing without asking for an empty page. Both must agree:
            // `total_pages` alone is not trusted.
            if let Some(m) = &page.metadata {
                let last_page =
                    matches!((m.current_page, m.total_pages), (Some(c), Some(t)) if c + 1 >= t);
                let all_read = m
                    .total_elements
                    .is_some_and(|t| u64::try_from(seen.len()).unwrap_or(0) >= t);
                if last_page && all_read {
                    return Ok(listing);
                }
            }
            // A full page of ids already read means the server is repeating itself: the listing
            // cannot be trusted to be complete.
            if known == count {
                return Err(Error::new(
                    ErrorKind::InvalidData,
                    format!(
                        "GET /v1/company/employees: the page at offset {offset} repeats                          employees already read; the listing is not reliable"
                    ),
                ));
            }
            offset += u64::try_from(count).unwrap_or(u64::MAX);
        }
        Err(Error::new(
            ErrorKind::InvalidData,
            format!("GET /v1/company/employees: more than {MAX_PAGES} pages; refusing to go on"),
        ))
    }

    /// Check that the credentials may read every attribute in `required` (use
    /// [`hris_sync_core::Policy::required_attributes`]).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] naming each attribute the credentials may not read.
    pub async fn check_readable(&self, required: &BTreeSet<String>) -> Result<()> {
        let readable = self.readable_attributes().await?;
        let missing: Vec<&str> = required
            .iter()
            .filter(|k| !readable.contains(*k))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::config(format!(
                "the Personio API credentials may not read: {}. Allow them under Settings → \
                 Integrations → API credentials → readable employee attributes",
                missing.join(", ")
            )))
        }
    }
}

#[async_trait]
impl HrSource for PersonioSource {
    async fn list_employees(&self) -> Result<EmployeeListing> {
        self.employees(None).await
    }

    async fn list_employees_changed_since(&self, since: Timestamp) -> Result<EmployeeListing> {
        let overlap = hris_sync_core::jiff::SignedDuration::try_from(self.client.settings.overlap)
            .unwrap_or(hris_sync_core::jiff::SignedDuration::ZERO);
        let from = since.checked_sub(overlap).unwrap_or(since);
        self.employees(Some(from)).await
    }

    async fn readable_attributes(&self) -> Result<BTreeSet<String>> {
        let answer: AttributesResponse = self
            .client
            .get_json("/v1/company/employees/attributes", &[])
            .await?;
        let mut keys: BTreeSet<String> = answer.data.into_iter().map(|a| a.key).collect();
        // The id is always returned; Personio does not list it as an attribute.
        keys.insert("id".to_owned());
        Ok(keys)
    }
}
