//! An in-memory [`HrSource`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::employee::{Employee, STANDARD_KEYS};
use crate::error::Result;
use crate::id::EmployeeId;
use crate::source::{EmployeeListing, EmployeeLookup, HrSource, RejectedRecord};

#[derive(Debug, Default)]
struct State {
    employees: BTreeMap<EmployeeId, Employee>,
    rejected: Vec<RejectedRecord>,
    readable: Option<BTreeSet<String>>,
    full_reads: usize,
    id_reads: usize,
}

/// An in-memory HR system. Records are kept one per id; [`MemorySource::upsert`] replaces.
#[derive(Debug, Default)]
pub struct MemorySource {
    state: Mutex<State>,
}

impl MemorySource {
    /// A source holding `employees` (a later record with the same id replaces an earlier one).
    #[must_use]
    pub fn new(employees: impl IntoIterator<Item = Employee>) -> Self {
        let source = Self::default();
        for e in employees {
            source.upsert(e);
        }
        source
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Add or replace a record.
    pub fn upsert(&self, employee: Employee) {
        self.lock().employees.insert(employee.id.clone(), employee);
    }

    /// Remove a record.
    pub fn remove(&self, id: &EmployeeId) {
        self.lock().employees.remove(id);
    }

    /// Report these records as unparseable on every listing.
    pub fn set_rejected(&self, rejected: Vec<RejectedRecord>) {
        self.lock().rejected = rejected;
    }

    /// Restrict the readable attributes (default: every standard key and every key any record
    /// carries).
    pub fn set_readable(&self, keys: impl IntoIterator<Item = String>) {
        self.lock().readable = Some(keys.into_iter().collect());
    }

    /// How many full listings were read, and how many records were read by id.
    #[must_use]
    pub fn reads(&self) -> (usize, usize) {
        let s = self.lock();
        (s.full_reads, s.id_reads)
    }

    fn listing(&self, keep: impl Fn(&Employee) -> bool) -> EmployeeListing {
        let s = self.lock();
        EmployeeListing {
            employees: s.employees.values().filter(|e| keep(e)).cloned().collect(),
            rejected: s.rejected.clone(),
        }
    }
}

#[async_trait]
impl HrSource for MemorySource {
    async fn list_employees(&self) -> Result<EmployeeListing> {
        self.lock().full_reads += 1;
        Ok(self.listing(|_| true))
    }

    async fn get_employees(&self, ids: &[EmployeeId]) -> Result<EmployeeLookup> {
        let mut s = self.lock();
        s.id_reads += ids.len();
        let mut lookup = EmployeeLookup::default();
        for id in ids {
            if let Some(e) = s.employees.get(id) {
                lookup.employees.push(e.clone());
            } else if let Some(r) = s
                .rejected
                .iter()
                .find(|r| r.id.as_deref() == Some(id.as_str()))
            {
                lookup.rejected.push(r.clone());
            } else {
                lookup.missing.push(id.clone());
            }
        }
        Ok(lookup)
    }

    async fn list_employees_changed_since(&self, since: DateTime<Utc>) -> Result<EmployeeListing> {
        // Records without a modification time are always returned: over-reporting is allowed,
        // missing a change is not.
        Ok(self.listing(|e| e.updated_at.is_none_or(|t| t > since)))
    }

    async fn readable_attributes(&self) -> Result<BTreeSet<String>> {
        let s = self.lock();
        if let Some(r) = &s.readable {
            return Ok(r.clone());
        }
        let mut keys: BTreeSet<String> = STANDARD_KEYS.iter().map(|k| (*k).to_owned()).collect();
        for e in s.employees.values() {
            keys.extend(e.attributes.keys().cloned());
        }
        Ok(keys)
    }
}
