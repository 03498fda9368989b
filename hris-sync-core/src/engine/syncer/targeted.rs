//! The targeted cycle (docs/rules.md §8): refresh a few employees in the cached snapshot,
//! plan them against everyone, apply only their actions.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use tracing::Instrument as _;

use super::{CycleResult, Read, SyncOptions, Syncer, Timings};
use crate::error::{ErrorKind, Result};
use crate::id::EmployeeId;

impl Syncer {
    /// Run a **targeted cycle** for `ids`: the employees a webhook named.
    ///
    /// It reads those employees from the HR source ([`crate::HrSource::get_employees`]) and
    /// the directory's change feed, merges both into the snapshot the last cycle saved, and
    /// plans the whole company from it, so links, UPN choices and managers are decided exactly
    /// as a full cycle would decide them. Only the actions of `ids` are guarded and applied.
    /// The state is saved with the refreshed employees, but the HR watermark and the time of
    /// the last full read do not move: a targeted read vouches for nobody else.
    ///
    /// With no saved state yet, an empty `ids`, or a last full read older than
    /// [`SyncOptions::full_sync_period`], it runs a normal cycle instead ([`Syncer::run_cycle`],
    /// which then reads everything): a steady stream of notifications never starves the full
    /// read, its source-drop check (S7) and what only a full read sees (docs/rules.md §8).
    ///
    /// # Errors
    /// As [`Syncer::run_cycle`]: a failed read of any of `ids` fails the cycle, before anything
    /// is written.
    pub async fn run_targeted_cycle(
        &mut self,
        now: DateTime<Utc>,
        ids: &BTreeSet<EmployeeId>,
        options: &SyncOptions,
    ) -> Result<CycleResult> {
        let span = tracing::info_span!(
            "targeted_cycle",
            employees = ids.len(),
            apply = options.apply
        );
        self.targeted(now, ids, options, false)
            .instrument(span)
            .await
    }

    /// A targeted cycle for `ids`. Where one is not possible, a cycle that reads everything:
    /// applying only `ids`' actions when `only` (provision on demand), everyone's otherwise
    /// (a webhook's cycle that also catches up).
    pub(super) async fn targeted(
        &mut self,
        now: DateTime<Utc>,
        ids: &BTreeSet<EmployeeId>,
        options: &SyncOptions,
        only: bool,
    ) -> Result<CycleResult> {
        let started = std::time::Instant::now();
        self.check().await?;
        let previous = self.store.load().await?;
        let scope = only.then_some(ids);
        let Some(mut state) = previous.clone().filter(|s| s.last_full_sync.is_some()) else {
            tracing::info!("no snapshot yet: a full read instead of a targeted one");
            return self.cycle(now, options, scope).await;
        };
        if ids.is_empty() || options.full || full_read_due(&state, now, options) {
            return self.cycle(now, options, scope).await;
        }
        let wanted: Vec<EmployeeId> = ids.iter().cloned().collect();
        let lookup = self
            .source
            .get_employees(&wanted)
            .instrument(tracing::info_span!("read_hr", targeted = wanted.len()))
            .await?;
        let mut merged: BTreeMap<EmployeeId, _> = state
            .employees
            .drain(..)
            .map(|e| (e.id.clone(), e))
            .collect();
        for id in &lookup.missing {
            merged.remove(id);
        }
        for e in lookup.employees {
            merged.insert(e.id.clone(), e);
        }
        // A rejected record keeps its last good version: the same as a full read's skip.
        let employees: Vec<_> = merged.into_values().collect();

        let users = match self.read_users(&mut state, false).await {
            Err(e) if e.kind() == ErrorKind::CursorExpired => {
                tracing::warn!("the directory's change feed expired; reading everything");
                self.read_users(&mut state, true).await?
            }
            other => other?,
        };
        let saved = std::mem::take(&mut state.groups);
        let groups = self.read_groups(&saved, &mut state.history, false).await?;
        tracing::info!(
            refreshed = wanted.len(),
            missing = lookup.missing.len(),
            rejected = lookup.rejected.len(),
            "targeted read"
        );
        let timings = Timings {
            read: started.elapsed(),
            ..Timings::default()
        };
        self.plan_and_apply(
            now,
            options,
            Some(ids),
            Read {
                previous,
                state,
                employees,
                users,
                groups,
                rejected: lookup.rejected,
                // The HR side was not read in full, whatever the directory side did.
                full: false,
                timings,
            },
        )
        .await
    }
}

/// Whether the last full read is older than the options' period (or there was none).
pub(super) fn full_read_due(
    state: &crate::engine::state::SyncState,
    now: DateTime<Utc>,
    options: &SyncOptions,
) -> bool {
    state.last_full_sync.is_none_or(|t| {
        (now - t)
            .to_std()
            .is_ok_and(|age| age >= options.full_sync_period)
    })
}
