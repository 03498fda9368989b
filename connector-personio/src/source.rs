//! [`PersonioSource`]: core's [`HrSource`] over `GET /v1/company/employees`.

use std::collections::BTreeSet;
use std::fmt;

use async_trait::async_trait;
use futures_util::stream::{self, StreamExt};
use hris_sync_core::chrono::{DateTime, TimeDelta, Utc};
use hris_sync_core::raw::{EmployeeListing, EmployeeLookup};
use hris_sync_core::{EmployeeId, Error, ErrorKind, HrSource, Result};
use serde_json::Value;

use crate::client::{Api, Client, Settings};
use crate::config::PersonioBuilder;
use crate::convert;
use crate::model::{AttributesResponse, EmployeeAnswer, EmployeesPage};

/// A path segment with everything but letters, digits, `-`, `_` and `~` percent-encoded (an
/// id from a webhook is outside input; `.` is encoded too).
pub(crate) fn url_segment(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Why `id` cannot be read by id, if it cannot: a URL resolves `.` and `..` (even
/// percent-encoded, as `%2E%2E`) as path steps, so such an id would read another resource.
pub(crate) fn unreadable_id(id: &EmployeeId) -> Option<hris_sync_core::raw::RejectedRecord> {
    id.as_str().bytes().all(|b| b == b'.').then(|| {
        convert::reject(
            Some(id.to_string()),
            "not an id that can be read by id (a path step)".to_owned(),
        )
    })
}

/// Whether a by-id read's error concerns that id alone (Personio refused the request for it:
/// a 4xx other than 401, 403, 404 and 429), so the id is rejected and the others read on.
pub(crate) fn refused_alone(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::Other)
}

/// Pages beyond this many are refused: a server that never ends a listing is a bug, not a
/// company of ten million.
const MAX_PAGES: u64 = 100_000;

/// Pages requested at once once the first page announced how many there are.
const PAGES_IN_FLIGHT: usize = 4;

/// Whether the listing goes on, and at which offset.
enum Flow {
    Done,
    More(u64),
}

/// Collects pages in order: converts records, drops duplicates, decides when the list ends.
struct Reader {
    limit: usize,
    seen: BTreeSet<String>,
    listing: EmployeeListing,
}

impl Reader {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            seen: BTreeSet::new(),
            listing: EmployeeListing::default(),
        }
    }

    #[allow(clippy::needless_pass_by_value)] // a page is consumed: it is not needed after
    fn take(&mut self, page: EmployeesPage, offset: u64) -> Result<Flow> {
        let count = page.data.len();
        let (mut new, mut known) = (0usize, 0usize);
        for record in &page.data {
            match convert::employee(record) {
                Ok(e) => {
                    if self.seen.insert(e.id.to_string()) {
                        new += 1;
                        self.listing.employees.push(e);
                    } else {
                        known += 1;
                    }
                }
                Err(rejected) => {
                    tracing::warn!(id = ?rejected.id, reason = %rejected.reason, "skipping an unreadable Personio record");
                    self.listing.rejected.push(rejected);
                }
            }
        }
        tracing::debug!(offset, count, new, "read a page of employees");
        // A page larger than asked means the server ignored paging and sent everything at once.
        if count > self.limit {
            return Ok(Flow::Done);
        }
        // Unreadable records count too: the metadata counts every record it holds.
        let read = u64::try_from(self.seen.len() + self.listing.rejected.len()).unwrap_or(u64::MAX);
        let fresh = count - known;
        // What the metadata says is left: by total_elements when given (the better signal),
        // else by total_pages.
        let more_announced = page.metadata.as_ref().and_then(|m| {
            m.total_elements.map(|t| read < t).or_else(|| {
                m.current_page
                    .zip(m.total_pages)
                    .map(|(c, t)| c.saturating_add(1) < t)
            })
        });
        if count < self.limit {
            // T9: a short page ends the listing only when the metadata agrees (or there is
            // none, as in older answers). Otherwise read on from where it stopped; a page
            // with nothing new while more is announced means the listing cannot be finished.
            return match more_announced {
                Some(true) if fresh > 0 => {
                    tracing::debug!(
                        offset,
                        count,
                        "a short page while more are announced; reading on"
                    );
                    Ok(Flow::More(
                        offset + u64::try_from(count).unwrap_or(u64::MAX),
                    ))
                }
                Some(true) => Err(Error::new(
                    ErrorKind::InvalidData,
                    format!(
                        "GET /v1/company/employees: the listing stopped at offset {offset} with \
                         {read} employees read, but the metadata announces more; refusing to \
                         treat it as complete (T9)"
                    ),
                )),
                _ => Ok(Flow::Done),
            };
        }
        // A full page that the metadata calls the last one, with every announced employee
        // read, ends the listing without asking for an empty page. Both must agree.
        if let Some(m) = &page.metadata {
            let last_page =
                matches!((m.current_page, m.total_pages), (Some(c), Some(t)) if c + 1 >= t);
            let all_read = m.total_elements.is_some_and(|t| read >= t);
            if last_page && all_read {
                return Ok(Flow::Done);
            }
        }
        // A full page of ids already read means the server is repeating itself: the listing
        // cannot be trusted to be complete.
        if known == count {
            return Err(Error::new(
                ErrorKind::InvalidData,
                format!(
                    "GET /v1/company/employees: the page at offset {offset} repeats employees \
                     already read; the listing is not reliable"
                ),
            ));
        }
        Ok(Flow::More(
            offset + u64::try_from(count).unwrap_or(u64::MAX),
        ))
    }
}

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

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// How many times this source called `POST /v1/auth` (at most once per token lifetime,
    /// plus once per refused token).
    #[must_use]
    pub fn auth_calls(&self) -> u64 {
        self.client.auth_calls()
    }

    /// `GET /v1/company/employees/{id}`: the record, or `None` for a 404.
    async fn employee(&self, id: &EmployeeId) -> Result<Option<Value>> {
        let path = format!("/v1/company/employees/{}", url_segment(id.as_str()));
        match self.client.get_json::<EmployeeAnswer>(&path, &[]).await {
            Ok(answer) => Ok(Some(answer.data)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One page of the employee list.
    async fn page(
        &self,
        offset: u64,
        updated_since: Option<DateTime<Utc>>,
    ) -> Result<EmployeesPage> {
        let limit = self.client.settings.tuning.page_size;
        let mut query = vec![("limit", limit.to_string()), ("offset", offset.to_string())];
        if let Some(since) = updated_since {
            query.push((
                "updated_since",
                since.format("%Y-%m-%dT%H:%M:%S").to_string(),
            ));
        }
        self.client.get_json("/v1/company/employees", &query).await
    }

    /// Page through the employee list. `updated_since` narrows it to changed employees.
    ///
    /// The first page is read alone. When its metadata announces more pages, those are read
    /// several at a time (still paced under the rate limits) and taken in order; after them,
    /// pages are read one by one until a short page, in case the list grew meanwhile. Any failed
    /// page fails the whole listing: a missing page must never look like departed employees.
    async fn employees(&self, updated_since: Option<DateTime<Utc>>) -> Result<EmployeeListing> {
        let limit = self.client.settings.tuning.page_size;
        let mut reader = Reader::new(usize::try_from(limit).unwrap_or(usize::MAX));
        let first = self.page(0, updated_since).await?;
        let announced = first
            .metadata
            .as_ref()
            .and_then(|m| m.total_pages)
            .unwrap_or(0);
        let mut offset = match reader.take(first, 0)? {
            Flow::Done => return Ok(reader.listing),
            Flow::More(next) => next,
        };
        // Single-use tokens forbid parallel requests: then every page is read in turn.
        // After a short first page (T9) the announced offsets no longer line up.
        if announced > 1 && !self.client.rotating() && offset == u64::from(limit) {
            let offsets: Vec<u64> = (1..announced.min(MAX_PAGES))
                .map(|p| p * u64::from(limit))
                .collect();
            let mut pages = stream::iter(offsets)
                .map(|o| async move { (o, self.page(o, updated_since).await) })
                .buffered(PAGES_IN_FLIGHT);
            while let Some((o, page)) = pages.next().await {
                match reader.take(page?, o)? {
                    Flow::Done => return Ok(reader.listing),
                    Flow::More(next) => offset = next,
                }
                // A short page (T9) shifts every later offset: go on one page at a time.
                if offset != o + u64::from(limit) {
                    break;
                }
            }
        }
        for _ in 0..MAX_PAGES {
            match reader.take(self.page(offset, updated_since).await?, offset)? {
                Flow::Done => return Ok(reader.listing),
                Flow::More(next) => offset = next,
            }
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
        match self.client.settings.tuning.api {
            Api::V2 => crate::v2::list(&self.client).await,
            _ => self.employees(None).await,
        }
    }

    async fn list_employees_changed_since(&self, since: DateTime<Utc>) -> Result<EmployeeListing> {
        if self.client.settings.tuning.api == Api::V2 {
            return crate::v2::list(&self.client).await;
        }
        let overlap =
            TimeDelta::from_std(self.client.settings.tuning.overlap).unwrap_or(TimeDelta::zero());
        let from = since.checked_sub_signed(overlap).unwrap_or(since);
        self.employees(Some(from)).await
    }

    /// One `GET /v1/company/employees/{id}` per id, a few in flight (one at a time where
    /// tokens rotate), paced like every request. A 404 is a missing id; any other failure
    /// fails the lookup.
    async fn get_employees(&self, ids: &[EmployeeId]) -> Result<EmployeeLookup> {
        if self.client.settings.tuning.api == Api::V2 {
            return crate::v2::lookup(&self.client, ids).await;
        }
        let in_flight = if self.client.rotating() {
            1
        } else {
            PAGES_IN_FLIGHT
        };
        let mut lookup = EmployeeLookup::default();
        let mut readable = Vec::with_capacity(ids.len());
        for id in ids {
            match unreadable_id(id) {
                Some(r) => lookup.rejected.push(r),
                None => readable.push(id.clone()),
            }
        }
        let mut answers = stream::iter(readable)
            .map(|id| async move {
                let answer = self.employee(&id).await;
                (id, answer)
            })
            .buffered(in_flight);
        while let Some((id, answer)) = answers.next().await {
            let answer = match answer {
                Err(e) if refused_alone(&e) => {
                    tracing::warn!(id = %id, error = %e, "Personio refused this employee's read; skipping it");
                    lookup
                        .rejected
                        .push(convert::reject(Some(id.to_string()), e.to_string()));
                    continue;
                }
                other => other?,
            };
            match answer {
                None => lookup.missing.push(id),
                Some(record) => match convert::employee(&record) {
                    Ok(e) if e.id == id => lookup.employees.push(e),
                    Ok(e) => lookup.rejected.push(convert::reject(
                        Some(id.to_string()),
                        format!("asked for employee {id}, Personio answered with {}", e.id),
                    )),
                    Err(rejected) => {
                        tracing::warn!(id = ?rejected.id, reason = %rejected.reason, "skipping an unreadable Personio record");
                        lookup.rejected.push(rejected);
                    }
                },
            }
        }
        Ok(lookup)
    }

    async fn readable_attributes(&self) -> Result<BTreeSet<String>> {
        if self.client.settings.tuning.api == Api::V2 {
            return crate::v2::readable(&self.client).await;
        }
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
