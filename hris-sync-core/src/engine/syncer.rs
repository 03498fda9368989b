//! [`Syncer`]: one cycle is read → plan → guard → apply → report.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use std::time::Duration;

use chrono::{DateTime, Utc};
use tracing::Instrument;

use super::audit::{self, AuditRecord, AuditSink, NoAudit};
use super::report::{self, SyncReport};
use super::state::{STATE_VERSION, StateStore, SyncState};
use std::sync::Arc;

use crate::apply::{ActionOutcome, Checkpoint, apply_plan_saving};
use crate::control::{ApplyContext, NoProgress, Progress, Stop};
use crate::credentials::{CredentialSink, DiscardCredentials};
use crate::directory::Directory;
use crate::employee::Employee;
use crate::error::{ErrorKind, Result};
use crate::guard::{self, LastRunCounts};
use crate::id::EmployeeId;
use crate::policy::Policy;
use crate::reconcile::{Action, Plan, plan_with_groups, plan_with_history};
use crate::source::{HrSource, RejectedRecord};
use crate::user::DirectoryUser;

mod groups;
mod targeted;

/// How a cycle runs.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// Write to the directory; `false` only plans (a dry run).
    pub apply: bool,
    /// Ignore incremental state and read everything.
    pub full: bool,
    /// Apply disables the S7 guard would hold.
    pub allow_mass_disable: bool,
    /// Read everything again after this long (default one day).
    pub full_sync_period: Duration,
}

/// Builder-style setters, so a host can write
/// `SyncOptions::default().apply(true).full_sync_period(Duration::from_secs(6 * 3600))` and
/// keep compiling when options are added. The fields stay public for struct literals.
impl SyncOptions {
    /// Options for a dry run: plan, write nothing.
    #[must_use]
    pub fn dry_run() -> Self {
        Self::default()
    }

    crate::raw::setters! {
        /// Write to the directory (`false`: only plan).
        apply: bool => apply;
        /// Ignore incremental state and read everything.
        full: bool => full;
        /// Apply disables the S7 guard would hold (an operator's explicit decision).
        allow_mass_disable: bool => allow_mass_disable;
        /// Read everything again after this long (default one day).
        full_sync_period: Duration => full_sync_period;
    }
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            apply: false,
            full: false,
            allow_mass_disable: false,
            full_sync_period: Duration::from_secs(24 * 3600),
        }
    }
}

/// What a cycle did.
#[derive(Debug)]
#[non_exhaustive]
pub struct CycleResult {
    /// The plan (without held disables).
    pub plan: Plan,
    /// Disables and group removals held by the guards (S7, G2).
    pub held: Vec<Action>,
    /// Outcomes, when applied.
    pub outcomes: Option<Vec<ActionOutcome>>,
    /// The report.
    pub report: SyncReport,
    /// Whether the reads were full (not incremental).
    pub full_read: bool,
    /// Where the time went.
    pub timings: Timings,
    /// Actions not sent because a stop was requested ([`Syncer::with_stop`]); they are in the
    /// report as failed with the reason "not applied".
    pub interrupted: usize,
}

/// Wall-clock time of a cycle's phases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timings {
    /// Start-up checks and both reads.
    pub read: Duration,
    /// `plan` and the guard.
    pub plan: Duration,
    /// Applying the plan.
    pub apply: Duration,
}

impl CycleResult {
    /// The exit status of docs/rules.md §4: 0 all applied (or planned), 1 some action failed, 3 held
    /// by S7. (2, bad configuration, is for errors before a result exists.)
    #[must_use]
    pub fn exit_code(&self) -> i32 {
        if self.report.summary.failed > 0 {
            1
        } else if !self.held.is_empty() {
            3
        } else {
            0
        }
    }
}

/// The exit status for an error that stopped a cycle: 2 for configuration and credentials, 3
/// for the source-drop guard, 1 for the rest.
#[must_use]
pub fn exit_code_for(error: &crate::Error) -> i32 {
    match error.kind() {
        ErrorKind::InvalidConfig | ErrorKind::Unauthenticated | ErrorKind::PermissionDenied => 2,
        ErrorKind::Aborted => 3,
        _ => 1,
    }
}

/// The sync engine: holds the connectors, the policy and the state store.
///
/// ```
/// use std::sync::Arc;
/// use hris_sync_core::chrono::{DateTime, Utc};
/// use hris_sync_core::engine::{MemoryStateStore, SyncOptions, Syncer};
/// use hris_sync_core::memory::{MemoryDirectory, MemorySource};
/// use hris_sync_core::{Credential, Employee, EmployeeId, EmployeeStatus, Policy};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> hris_sync_core::Result<()> {
/// let mut ada = Employee::new(EmployeeId::new("7")?, EmployeeStatus::Active);
/// ada.first_name = Some("Ada".into());
/// ada.last_name = Some("Lovelace".into());
/// ada.email = Some("ada@private.example".into());
/// let policy = Policy::with_domain("example.com")?;
/// let mut syncer = Syncer::new(
///     Box::new(MemorySource::new([ada])),
///     Box::new(MemoryDirectory::new(["example.com"])),
///     policy,
///     Box::new(MemoryStateStore::default()),
/// )
/// .with_credential_sink(Arc::new(|c: Credential| async move {
///     assert_eq!(c.upn, "ada.lovelace@example.com");
///     Ok(())
/// }));
/// let now: DateTime<Utc> = "2025-10-01T08:00:00Z".parse().expect("an instant");
/// let options = SyncOptions::dry_run().apply(true);
/// let result = syncer.run_cycle(now, &options).await?;
/// assert_eq!(result.report.summary.created, 1);
/// # Ok(()) }
/// ```
pub struct Syncer {
    source: Box<dyn HrSource>,
    directory: Box<dyn Directory>,
    policy: Arc<Policy>,
    store: Box<dyn StateStore>,
    credentials: Arc<dyn CredentialSink>,
    progress: Arc<dyn Progress>,
    audit: Arc<dyn AuditSink>,
    /// Cycles run by this engine, and a random tag of it, for the audit records' run ids.
    cycles: u64,
    tag: u16,
    stop: Stop,
    checked: bool,
    /// The groups' members read by the start-up check, for the first cycle to use.
    group_reads: Option<crate::reconcile::GroupMembers>,
}

impl fmt::Debug for Syncer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Syncer")
            .field("source", &self.source)
            .field("directory", &self.directory)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Syncer {
    /// An engine over these connectors, policy and state store. New accounts' passwords are
    /// dropped unless [`Syncer::with_credential_sink`] sets a sink.
    pub fn new(
        source: Box<dyn HrSource>,
        directory: Box<dyn Directory>,
        policy: Policy,
        store: Box<dyn StateStore>,
    ) -> Self {
        Self {
            source,
            directory,
            policy: Arc::new(policy),
            store,
            credentials: Arc::new(DiscardCredentials),
            progress: Arc::new(NoProgress),
            audit: Arc::new(NoAudit),
            cycles: 0,
            tag: random_tag(),
            stop: Stop::new(),
            checked: false,
            group_reads: None,
        }
    }

    crate::raw::setters! {
        /// Receive each new account's one-time password (never logged, never reported).
        with_credential_sink: Arc<dyn CredentialSink> => credentials;
        /// Keep an audit trail: each applied, failed, held or skipped action of an applying
        /// cycle becomes an [`AuditRecord`] handed to the sink, after each apply phase.
        with_audit_sink: Arc<dyn AuditSink> => audit;
        /// Be told how far each apply has come (a progress bar).
        with_progress: Arc<dyn Progress> => progress;
        /// Stop at the next safe point once the [`Stop`] is requested (a shutdown signal): no apply
        /// starts after it, an apply finishes the phase and the requests in flight, the state is
        /// saved, and the cycle returns its report with [`CycleResult::interrupted`] counting
        /// what was not sent.
        with_stop: Stop => stop;
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Start-up checks, once per engine: the HR credentials may read every attribute the
    /// policy needs, the UPN domain is verified in the directory, and every listed group
    /// exists and may have its membership kept (G3).
    async fn check(&mut self) -> Result<()> {
        if self.checked {
            return Ok(());
        }
        self.directory
            .read_set()
            .check_covers(&crate::raw::ReadSet::for_policy(&self.policy))?;
        let readable = self.source.readable_attributes().await?;
        self.policy.check_readable(&readable)?;
        let domains = self.directory.verified_domains().await?;
        self.policy.check_domain(&domains)?;
        self.check_groups().await?;
        self.checked = true;
        Ok(())
    }

    /// Run one cycle at `now`.
    ///
    /// # Errors
    /// When a check fails, a read fails (a failed page fails the whole cycle), the source-drop
    /// guard stops the run, or the state cannot be read or written. Failed *actions* are not
    /// errors: they are in the report.
    pub async fn run_cycle(
        &mut self,
        now: DateTime<Utc>,
        options: &SyncOptions,
    ) -> Result<CycleResult> {
        let span = tracing::info_span!("sync_cycle", apply = options.apply);
        self.cycle(now, options, None).instrument(span).await
    }

    /// Run a cycle for `ids` only (provision on demand: a hire who starts today): a targeted
    /// cycle ([`Syncer::run_targeted_cycle`]) when the saved snapshot allows one, else a cycle
    /// that reads everything; either way the whole company is planned, the guards judge the
    /// whole plan, and only the actions of `ids` are applied. Everyone else's pending changes
    /// wait for the next cycle.
    ///
    /// # Errors
    /// As [`Syncer::run_cycle`].
    pub async fn run_cycle_for(
        &mut self,
        now: DateTime<Utc>,
        ids: &BTreeSet<EmployeeId>,
        options: &SyncOptions,
    ) -> Result<CycleResult> {
        let span = tracing::info_span!("cycle_for", employees = ids.len(), apply = options.apply);
        self.targeted(now, ids, options, true)
            .instrument(span)
            .await
    }

    async fn cycle(
        &mut self,
        now: DateTime<Utc>,
        options: &SyncOptions,
        scope: Option<&BTreeSet<EmployeeId>>,
    ) -> Result<CycleResult> {
        let started = std::time::Instant::now();
        let mut timings = Timings::default();
        self.check()
            .instrument(tracing::info_span!("checks"))
            .await?;
        let previous = self.store.load().await?;
        let mut state = previous.clone().unwrap_or_default();
        let stale = targeted::full_read_due(&state, now, options);
        let mut full = options.full
            || previous.is_none()
            || state.cursor.is_none()
            || state.watermark.is_none()
            || stale;

        // Read the HR system.
        let (employees, rejected) = self
            .read_employees(&state, full)
            .instrument(tracing::info_span!("read_hr", full))
            .await?;
        if full {
            guard::check_source_drop(employees.len(), state.last_counts, &self.policy.safety)?;
        }

        // Read the directory; an expired change feed means a full read.
        let users = match self
            .read_users(&mut state, full)
            .instrument(tracing::info_span!("read_directory", full))
            .await
        {
            Err(e) if e.kind() == ErrorKind::CursorExpired => {
                tracing::warn!("the directory's change feed expired; reading everything");
                full = true;
                self.read_users(&mut state, true).await?
            }
            other => other?,
        };
        let saved = std::mem::take(&mut state.groups);
        let groups = self
            .read_groups(&saved, &mut state.history, full)
            .instrument(tracing::info_span!("read_groups", full))
            .await?;
        tracing::info!(
            employees = employees.len(),
            users = users.len(),
            groups = groups.len(),
            rejected = rejected.len(),
            full,
            "read"
        );

        timings.read = started.elapsed();
        self.plan_and_apply(
            now,
            options,
            scope,
            Read {
                previous,
                state,
                employees,
                users,
                groups,
                rejected,
                full,
                timings,
            },
        )
        .await
    }

    /// Plan what was read, guard, apply, remember. `scope` limits the actions to these
    /// employees (a targeted cycle): the plan is made against every employee and account, so
    /// links, UPNs and managers see the whole company, and then only the scope's actions run.
    async fn plan_and_apply(
        &mut self,
        now: DateTime<Utc>,
        options: &SyncOptions,
        scope: Option<&BTreeSet<EmployeeId>>,
        read: Read,
    ) -> Result<CycleResult> {
        let Read {
            previous,
            mut state,
            employees,
            users,
            groups,
            rejected,
            full,
            mut timings,
        } = read;
        self.cycles += 1;
        let run = format!(
            "{}-{:04x}-{}",
            now.format("%Y%m%dT%H%M%SZ"),
            self.tag,
            self.cycles
        );
        let planning = std::time::Instant::now();
        // Plan and guard.
        // The planner is pure CPU work (about 0.8 s for 100,000 new employees): it runs on the
        // runtime's blocking pool, so the host's other tasks keep running.
        let (mut plan, employees, users, history, groups) = {
            let policy = Arc::clone(&self.policy);
            let history = std::mem::take(&mut state.history);
            let span = tracing::info_span!("plan");
            crate::blocking::off_runtime(move || {
                let _span = span.entered();
                let plan = if policy.groups.is_empty() {
                    plan_with_history(&employees, &users, &policy, now, &history)
                } else {
                    plan_with_groups(&employees, &users, &policy, now, &history, &groups)
                };
                (plan, employees, users, history, groups)
            })
            .await?
        };
        state.history = history;
        // S7 judges the whole plan, with the disables of the last day, before a targeted
        // cycle keeps only its people's actions (docs/rules.md §8).
        let safety = &self.policy.safety;
        let earlier = state.history.recent_disables_at(now);
        let mut held =
            guard::hold_disables_after(&mut plan, safety, options.allow_mass_disable, earlier);
        if !held.is_empty() {
            tracing::warn!(held = held.len(), earlier, "S7: mass disable held");
        }
        let held_removals =
            guard::hold_group_removals(&mut plan, safety, options.allow_mass_disable, &held);
        if !held_removals.is_empty() {
            tracing::warn!(held = held_removals.len(), "G2: group removals held");
        }
        held.extend(held_removals);
        if let Some(scope) = scope {
            plan.keep_only(scope);
            held.retain(|a| a.employee_id().is_some_and(|id| scope.contains(id)));
        }
        let recorded = state.history.group_members.clone();
        tracing::info!(
            actions = plan.actions.len(),
            skipped = plan.skipped.len(),
            notices = plan.notices.len(),
            "planned"
        );
        for n in &plan.notices {
            tracing::info!(employee = %n.employee_id, notice = %n.reason, "notice");
        }

        timings.plan = planning.elapsed();
        let applying = std::time::Instant::now();
        // Apply, saving the history after each phase (S6).
        let outcomes = if options.apply && !plan.actions.is_empty() {
            let cx = ApplyContext::new(self.stop.clone(), Arc::clone(&self.progress));
            let checkpoint = SaveHistory {
                store: self.store.as_ref(),
                base: previous.unwrap_or_default(),
                audit: self.audit.as_ref(),
                at: now,
                run: &run,
            };
            let outcomes = apply_plan_saving(
                &plan,
                self.directory.as_ref(),
                &mut state.history,
                self.credentials.as_ref(),
                &cx,
                &checkpoint,
            )
            .instrument(tracing::info_span!("apply", actions = plan.actions.len()))
            .await;
            if !options.allow_mass_disable {
                let disabled = outcomes
                    .iter()
                    .filter(|o| matches!(o.action, Action::Disable { .. }) && o.result.is_ok())
                    .count();
                state
                    .history
                    .recent_disables
                    .extend(std::iter::repeat_n(now, disabled));
            }
            let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
            for o in outcomes.iter().filter(|o| o.result.is_err()) {
                if let Err(e) = &o.result {
                    if e.kind() != ErrorKind::Aborted {
                        tracing::warn!(kind = o.action.kind(), employee = o.action.employee_id().map_or("", EmployeeId::as_str), error = %e, "action failed");
                    }
                }
            }
            tracing::info!(applied = outcomes.len() - failed, failed, "applied");
            Some(outcomes)
        } else {
            None
        };
        let interrupted = outcomes.as_ref().map_or(0, |o| {
            o.iter()
                .filter(|o| matches!(&o.result, Err(e) if e.kind() == ErrorKind::Aborted))
                .count()
        });
        if interrupted > 0 {
            tracing::warn!(
                not_applied = interrupted,
                "stopped: actions left for the next run"
            );
        }

        timings.apply = applying.elapsed();
        // Remember.
        state.groups = match &outcomes {
            Some(o) => groups::after_writes(groups, o, &recorded, &state.history),
            None => groups,
        };
        state.version = STATE_VERSION;
        state.employees = employees;
        state.users = users;
        if scope.is_none() {
            // A targeted read says nothing about the others: the next changed-since read
            // still starts where the last complete one did.
            state.watermark = Some(now);
        }
        if full {
            state.last_full_sync = Some(now);
            state.last_counts = Some(LastRunCounts {
                employees: state.employees.len(),
            });
        }
        if options.apply {
            self.store.save(&state).await?;
        }
        if options.apply {
            // Held and skipped actions, once the writes are recorded.
            let unwritten: Vec<AuditRecord> = held
                .iter()
                .map(report::held_entry)
                .chain(plan.skipped.iter().map(report::skip))
                .chain(rejected.iter().map(report::rejected))
                .map(|e| AuditRecord::of_entry(now, &run, e))
                .collect();
            audit::send(self.audit.as_ref(), &unwritten).await;
        }
        let report = SyncReport::build(&plan, outcomes.as_deref(), &held, &rejected);
        Ok(CycleResult {
            plan,
            held,
            outcomes,
            report,
            full_read: full,
            timings,
            interrupted,
        })
    }

    async fn read_employees(
        &self,
        state: &SyncState,
        full: bool,
    ) -> Result<(Vec<Employee>, Vec<RejectedRecord>)> {
        match (full, state.watermark) {
            (false, Some(since)) => {
                let changed = self.source.list_employees_changed_since(since).await?;
                let mut merged: BTreeMap<EmployeeId, Employee> = state
                    .employees
                    .iter()
                    .map(|e| (e.id.clone(), e.clone()))
                    .collect();
                for e in changed.employees {
                    merged.insert(e.id.clone(), e);
                }
                Ok((merged.into_values().collect(), changed.rejected))
            }
            _ => {
                let listing = self.source.list_employees().await?;
                Ok((listing.employees, listing.rejected))
            }
        }
    }

    async fn read_users(&self, state: &mut SyncState, full: bool) -> Result<Vec<DirectoryUser>> {
        match (&state.cursor, full) {
            (Some(cursor), false) => {
                let changes = self.directory.list_user_changes(cursor).await?;
                let mut merged: BTreeMap<_, DirectoryUser> = state
                    .users
                    .iter()
                    .map(|u| (u.id.clone(), u.clone()))
                    .collect();
                for id in &changes.removed {
                    merged.remove(id);
                }
                for mut u in changes.changed {
                    // A change feed reports managers only when they changed.
                    u.manager_id = match changes.managers.get(&u.id) {
                        Some(m) => m.clone(),
                        None => merged.get(&u.id).and_then(|old| old.manager_id.clone()),
                    };
                    merged.insert(u.id.clone(), u);
                }
                state.cursor = changes.cursor.or_else(|| state.cursor.clone());
                Ok(merged.into_values().collect())
            }
            _ => {
                let snapshot = self.directory.list_users().await?;
                state.cursor = snapshot.cursor;
                Ok(snapshot.users)
            }
        }
    }
}

/// What a cycle read, handed to [`Syncer::plan_and_apply`].
struct Read {
    previous: Option<SyncState>,
    state: SyncState,
    employees: Vec<Employee>,
    users: Vec<DirectoryUser>,
    /// The listed groups' members.
    groups: crate::reconcile::GroupMembers,
    rejected: Vec<RejectedRecord>,
    full: bool,
    timings: Timings,
}

/// The checkpoint of a cycle: the previous state with the history so far, so a crash
/// mid-apply keeps every recorded disable (S6) and nothing half-read.
/// Two random bytes telling engines (processes) apart in run ids, even at the same `now`.
fn random_tag() -> u16 {
    let mut b = [0u8; 2];
    // Without the OS's random source, the tag is 0: run ids still differ by time and count.
    let _ = getrandom::fill(&mut b);
    u16::from_le_bytes(b)
}

struct SaveHistory<'a> {
    store: &'a dyn StateStore,
    base: SyncState,
    audit: &'a dyn AuditSink,
    at: DateTime<Utc>,
    run: &'a str,
}

#[async_trait::async_trait]
impl Checkpoint for SaveHistory<'_> {
    async fn save(&self, history: &crate::reconcile::SyncHistory) -> Result<()> {
        let mut saved = self.base.clone();
        saved.version = STATE_VERSION;
        saved.history = history.clone();
        self.store.save(&saved).await
    }

    async fn phase_applied(&self, outcomes: &[crate::apply::PhaseOutcome<'_>]) {
        let records: Vec<AuditRecord> = outcomes
            .iter()
            .map(|o| {
                let (status, note) = match o.result {
                    Ok(()) => (
                        report::Status::Applied,
                        (!o.warnings.is_empty()).then(|| o.warnings.join("; ")),
                    ),
                    Err(e) => (report::Status::Failed, Some(e.to_string())),
                };
                let account = o.account.map(|a| a.as_str().to_owned());
                AuditRecord::of(self.at, self.run, o.action, account, status, note)
            })
            .collect();
        audit::send(self.audit, &records).await;
    }
}

#[cfg(test)]
mod options_tests {
    use super::*;

    #[test]
    fn setters_match_the_fields() {
        let o = SyncOptions::dry_run()
            .apply(true)
            .full(true)
            .allow_mass_disable(true)
            .full_sync_period(Duration::from_secs(60));
        assert!(o.apply && o.full && o.allow_mass_disable);
        assert_eq!(o.full_sync_period, Duration::from_secs(60));
        let d = SyncOptions::dry_run();
        assert!(!d.apply && !d.full && !d.allow_mass_disable);
        assert_eq!(d.full_sync_period, Duration::from_secs(24 * 3600));
    }
}
