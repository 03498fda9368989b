//! The Personio v2 API as an HR source (`[personio] api = "v2"`, docs/rules.md §8).
//!
//! - `GET /v2/persons?limit=50`, following `_meta.links.next.href` (absolute or relative,
//!   only ever to the configured base) until a page has none; a cursor that repeats fails the
//!   read rather than loop.
//! - `GET /v2/persons/{id}/employments` per person (v2 has no bulk employments), a few in
//!   flight, paced by the same limiter as v1; the first employment listed is the current one.
//! - `GET /v2/org-units/{id}?type=department` once per department per read, for its name.
//! - By id: `GET /v2/persons/{id}` (404: missing) and its employments.
//!
//! Any failed request fails the read (a missing page must not look like departures); an
//! unreadable person is rejected with a reason, never fatal for the others. Personio
//! documents no rate limits for v2: 429s are waited out with the retry policy's back-off.
//! `updated_at` filters cover persons, not employments, so "changed since" reads everyone
//! (allowed: a changed-since read may over-report).

pub(crate) mod convert;

use std::collections::{BTreeMap, BTreeSet};

use futures_util::stream::{self, StreamExt};
use hris_sync_core::raw::{EmployeeListing, EmployeeLookup};
use hris_sync_core::{EmployeeId, Error, ErrorKind, Result, STANDARD_KEYS};
use serde::Deserialize;
use serde_json::Value;

use crate::client::Client;

/// Persons per page: the v2 maximum.
const PAGE: u32 = 50;
/// Employment reads in flight at once.
const IN_FLIGHT: usize = 4;
/// A listing longer than this many pages is refused (a cursor that never ends).
const MAX_PAGES: usize = 100_000;

/// A v2 collection page: `{"_data": [...], "_meta": {"links": {"next": {"href": …}}}}`.
#[derive(Debug, Deserialize)]
struct Page {
    #[serde(rename = "_data", default)]
    data: Vec<Value>,
    #[serde(rename = "_meta", default)]
    meta: Value,
}

impl Page {
    fn next(&self) -> Option<&str> {
        self.meta["links"]["next"]["href"]
            .as_str()
            .filter(|h| !h.trim().is_empty())
    }
}

/// Every item of a paged collection starting at `path`.
pub(crate) async fn all_pages(client: &Client, what: &str, path: &str) -> Result<Vec<Value>> {
    let mut url = client.follow(what, path)?;
    url.query_pairs_mut()
        .append_pair("limit", &PAGE.to_string());
    let mut items = Vec::new();
    let mut seen = BTreeSet::new();
    for _ in 0..MAX_PAGES {
        let page: Page = client.get_json_at(what, url.clone()).await?;
        items.extend(page.data.iter().cloned());
        let Some(next) = page.next() else {
            return Ok(items);
        };
        let next = onto(&url, client.follow(what, next)?);
        if !seen.insert(next.to_string()) {
            return Err(Error::new(
                ErrorKind::InvalidData,
                format!("{what}: Personio sent the same next link twice; refusing to loop"),
            ));
        }
        url = next;
    }
    Err(Error::new(
        ErrorKind::InvalidData,
        format!("{what}: more than {MAX_PAGES} pages; refusing to go on"),
    ))
}

/// The next page of the collection at `current`: `next` itself when it is on the same path;
/// otherwise its `cursor` moved onto the current path (Personio's published employments
/// example links to `/v2/employments?cursor=…`, an undocumented path, from a person's
/// employments). A link without a cursor stays as it is, and the read then fails on it or
/// repeats (and fails) rather than read another collection.
fn onto(current: &reqwest::Url, next: reqwest::Url) -> reqwest::Url {
    if next.path() == current.path() {
        return next;
    }
    let Some(cursor) = next
        .query_pairs()
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v.into_owned())
    else {
        return next;
    };
    let mut moved = current.clone();
    let kept: Vec<(String, String)> = current
        .query_pairs()
        .filter(|(k, _)| k != "cursor")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    moved
        .query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("cursor", &cursor);
    moved
}

/// Department names by org unit id, read once per read.
#[derive(Default)]
struct Departments(BTreeMap<String, Option<String>>);

impl Departments {
    /// The name of each department the employments name (`None`: Personio does not know it).
    async fn resolve(&mut self, client: &Client, employments: &[Option<Value>]) -> Result<()> {
        let wanted: BTreeSet<String> = employments
            .iter()
            .flatten()
            .filter_map(convert::department_id)
            .filter(|id| !self.0.contains_key(id))
            .collect();
        for id in wanted {
            let path = format!("/v2/org-units/{}", crate::source::url_segment(&id));
            let query = [("type", "department".to_owned())];
            let name = match client.get_json::<Value>(&path, &query).await {
                Ok(unit) => unit["name"].as_str().map(str::to_owned),
                Err(e) if e.kind() == ErrorKind::NotFound => None,
                Err(e) => return Err(e),
            };
            self.0.insert(id, name);
        }
        Ok(())
    }
}

/// The current employment of a person (the first listed), or none; `Err(None)` when the
/// person is gone by the time its employments are read (404).
async fn current_employment(
    client: &Client,
    id: &EmployeeId,
) -> std::result::Result<Option<Value>, Option<Error>> {
    let path = format!(
        "/v2/persons/{}/employments",
        crate::source::url_segment(id.as_str())
    );
    match all_pages(client, "GET /v2/persons/{id}/employments", &path).await {
        Ok(jobs) => Ok(jobs.into_iter().next()),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(None),
        Err(e) => Err(Some(e)),
    }
}

/// Employees from persons: their employments read a few at a time, departments named.
async fn employees(client: &Client, persons: Vec<Value>) -> Result<EmployeeListing> {
    let mut listing = EmployeeListing::default();
    let mut readable = Vec::new();
    for p in persons {
        match convert::person_id(&p) {
            Ok(id) => readable.push((id, p)),
            Err(r) => {
                tracing::warn!(id = ?r.id, reason = %r.reason, "skipping an unreadable Personio person");
                listing.rejected.push(r);
            }
        }
    }
    let ids: Vec<EmployeeId> = readable.iter().map(|(id, _)| id.clone()).collect();
    let answers: Vec<_> = stream::iter(ids)
        .map(|id| async move { current_employment(client, &id).await })
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    // A request failure fails the read; a person gone meanwhile is reported and skipped.
    let mut jobs = Vec::with_capacity(answers.len());
    let mut gone = BTreeSet::new();
    for ((id, _), answer) in readable.iter().zip(answers) {
        match answer {
            Ok(job) => jobs.push(job),
            Err(Some(e)) => return Err(e),
            Err(None) => {
                gone.insert(id.clone());
                jobs.push(None);
            }
        }
    }
    let mut departments = Departments::default();
    departments.resolve(client, &jobs).await?;
    let mut seen = BTreeSet::new();
    for ((id, person), job) in readable.iter().zip(&jobs) {
        if !seen.insert(id.clone()) {
            continue;
        }
        if gone.contains(id) {
            let r = crate::convert::reject(
                Some(id.to_string()),
                "employments: Personio no longer knows this person (404)".to_owned(),
            );
            tracing::warn!(id = %id, reason = %r.reason, "skipping an unreadable Personio person");
            listing.rejected.push(r);
            continue;
        }
        let department = job.as_ref().and_then(convert::department_id);
        let name = match department.as_ref().map(|d| departments.0.get(d)) {
            Some(Some(Some(name))) => Some(name.as_str()),
            Some(_) => {
                let r = crate::convert::reject(
                    Some(id.to_string()),
                    format!(
                        "department: org unit {} not found",
                        department.unwrap_or_default()
                    ),
                );
                tracing::warn!(id = %id, reason = %r.reason, "skipping an unreadable Personio person");
                listing.rejected.push(r);
                continue;
            }
            None => None,
        };
        match convert::employee(person, job.as_ref(), name) {
            Ok(e) => listing.employees.push(e),
            Err(r) => {
                tracing::warn!(id = ?r.id, reason = %r.reason, "skipping an unreadable Personio person");
                listing.rejected.push(r);
            }
        }
    }
    Ok(listing)
}

/// Every person, with employments and departments.
pub(crate) async fn list(client: &Client) -> Result<EmployeeListing> {
    let persons = all_pages(client, "GET /v2/persons", "/v2/persons").await?;
    employees(client, persons).await
}

/// The persons `ids` (404: missing).
pub(crate) async fn lookup(client: &Client, ids: &[EmployeeId]) -> Result<EmployeeLookup> {
    let mut found = Vec::new();
    let mut lookup = EmployeeLookup::default();
    let mut refused = Vec::new();
    for id in ids {
        if let Some(r) = crate::source::unreadable_id(id) {
            refused.push(r);
            continue;
        }
        let path = format!("/v2/persons/{}", crate::source::url_segment(id.as_str()));
        match client.get_json::<Value>(&path, &[]).await {
            Ok(person) => found.push(person),
            Err(e) if e.kind() == ErrorKind::NotFound => lookup.missing.push(id.clone()),
            Err(e) if crate::source::refused_alone(&e) => {
                tracing::warn!(id = %id, error = %e, "Personio refused this person's read; skipping it");
                refused.push(crate::convert::reject(Some(id.to_string()), e.to_string()));
            }
            Err(e) => return Err(e),
        }
    }
    let listing = employees(client, found).await?;
    lookup.employees = listing.employees;
    lookup.rejected = listing.rejected;
    lookup.rejected.extend(refused);
    Ok(lookup)
}

/// What v2 can return: the typed fields, `department`, `position`, and the custom attributes
/// on the first page of persons.
pub(crate) async fn readable(client: &Client) -> Result<BTreeSet<String>> {
    let mut url = client.follow("GET /v2/persons", "/v2/persons")?;
    url.query_pairs_mut()
        .append_pair("limit", &PAGE.to_string());
    let page: Page = client.get_json_at("GET /v2/persons", url).await?;
    let mut keys: BTreeSet<String> = STANDARD_KEYS.iter().map(|k| (*k).to_owned()).collect();
    keys.extend(["department".to_owned(), "position".to_owned()]);
    for person in &page.data {
        for custom in person["custom_attributes"].as_array().into_iter().flatten() {
            if let Some(id) = custom["id"].as_str() {
                keys.insert(id.to_owned());
            }
        }
    }
    Ok(keys)
}
