//! The [`HrSource`] trait: where employees come from.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::employee::Employee;
use crate::error::Result;
use crate::id::EmployeeId;

/// An HR record that could not be understood: reported and skipped, never fatal for the others.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRecord {
    /// The record's id, when one could be read.
    pub id: Option<String>,
    /// Why it was rejected (names the offending field).
    pub reason: String,
}

/// The result of reading employees.
#[derive(Clone, Debug, Default)]
pub struct EmployeeListing {
    /// The records that were understood, at most one per id.
    pub employees: Vec<Employee>,
    /// The records that were not.
    pub rejected: Vec<RejectedRecord>,
}

/// The result of reading employees by id ([`HrSource::get_employees`]).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct EmployeeLookup {
    /// The records found and understood.
    pub employees: Vec<Employee>,
    /// The records found but not understood.
    pub rejected: Vec<RejectedRecord>,
    /// Ids the HR system does not know (any more): the same as their absence from a full
    /// listing.
    pub missing: Vec<EmployeeId>,
}

impl EmployeeLookup {
    /// The lookup of `ids` in a full listing: what a source without a by-id read answers.
    #[must_use]
    pub fn from_listing(listing: EmployeeListing, ids: &[EmployeeId]) -> Self {
        let wanted: BTreeSet<&EmployeeId> = ids.iter().collect();
        let employees: Vec<Employee> = listing
            .employees
            .into_iter()
            .filter(|e| wanted.contains(&e.id))
            .collect();
        let rejected: Vec<RejectedRecord> = listing
            .rejected
            .into_iter()
            .filter(|r| {
                r.id.as_deref()
                    .is_some_and(|id| wanted.iter().any(|w| w.as_str() == id))
            })
            .collect();
        let missing = ids
            .iter()
            .filter(|id| {
                !employees.iter().any(|e| &e.id == *id)
                    && !rejected
                        .iter()
                        .any(|r| r.id.as_deref() == Some(id.as_str()))
            })
            .cloned()
            .collect();
        Self {
            employees,
            rejected,
            missing,
        }
    }
}

/// An HR system: the source of truth for who works here.
///
/// # Contract
///
/// - **Reads are complete or fail.** [`list_employees`](Self::list_employees) returns every
///   employee the credentials can see, or an error. A page that could not be read fails the
///   whole listing: a missing page must never look like departed employees.
/// - **Bad records do not sink good ones.** A record that cannot be parsed is returned in
///   [`EmployeeListing::rejected`] with a reason; the others are returned as usual.
/// - **One record per id.** Duplicates (as paging can produce) are removed.
/// - **Absent is not empty.** An attribute the HR system did not return is left out of
///   [`Employee::attributes`]; an attribute returned empty is
///   [`crate::AttributeValue::Empty`].
/// - **Changed-since may over-report.** [`list_employees_changed_since`](Self::list_employees_changed_since)
///   returns at least every employee changed after `since` (it may return more); callers apply
///   their own overlap window. A source without such a filter answers
///   [`crate::ErrorKind::Unsupported`].
/// - **By id, or not at all.** [`get_employees`](Self::get_employees) returns each asked-for
///   id as an employee, a rejected record or a missing id; a failed read fails the lookup (a
///   failed read must not look like a departure). The default reads the full listing and
///   picks the ids: correct, but as costly as a full read, so sources override it.
/// - [`readable_attributes`](Self::readable_attributes) lists the attribute keys the
///   credentials may read, so a missing permission is a configuration error at start-up rather
///   than silently empty values.
#[async_trait]
pub trait HrSource: Send + Sync + fmt::Debug {
    /// Read every employee.
    async fn list_employees(&self) -> Result<EmployeeListing>;

    /// Read the employees changed after `since`.
    async fn list_employees_changed_since(&self, since: DateTime<Utc>) -> Result<EmployeeListing>;

    /// The attribute keys the credentials may read.
    async fn readable_attributes(&self) -> Result<BTreeSet<String>>;

    /// Read these employees (a targeted cycle, docs/rules.md §8).
    async fn get_employees(&self, ids: &[EmployeeId]) -> Result<EmployeeLookup> {
        Ok(EmployeeLookup::from_listing(
            self.list_employees().await?,
            ids,
        ))
    }
}

macro_rules! forward_source {
    ($($wrapper:ty),*) => {$(
        #[async_trait]
        impl<T: HrSource + ?Sized> HrSource for $wrapper {
            async fn list_employees(&self) -> Result<EmployeeListing> {
                (**self).list_employees().await
            }
            async fn list_employees_changed_since(&self, since: DateTime<Utc>) -> Result<EmployeeListing> {
                (**self).list_employees_changed_since(since).await
            }
            async fn readable_attributes(&self) -> Result<BTreeSet<String>> {
                (**self).readable_attributes().await
            }
            async fn get_employees(&self, ids: &[EmployeeId]) -> Result<EmployeeLookup> {
                (**self).get_employees(ids).await
            }
        }
    )*};
}

forward_source!(Box<T>, Arc<T>, &T);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_safe() {
        fn takes(_: Option<Box<dyn HrSource>>) {}
        takes(None);
    }
}
