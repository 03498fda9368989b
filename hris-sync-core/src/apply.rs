//! Applying a [`Plan`] to a [`Directory`].
//!
//! Phases run in the order of docs/rules.md §5: links, creates, updates, the manager pass,
//! disables and enables, then group memberships (after every create, so a new hire's account
//! exists when it joins its groups). Each phase is one [`Directory::apply`] call, so a connector can batch
//! and parallelise inside it. A failed action never stops the others; every action gets an
//! outcome. A create whose UPN turns out to be taken is retried once with the plan's fallback
//! UPN (U5). Passwords are generated here, handed to the caller's [`CredentialSink`] once, and
//! dropped.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::control::{ApplyContext, Stop};
pub use crate::credentials::{Credential, CredentialSink, DiscardCredentials, Secret};
use crate::directory::Directory;
use crate::error::{Error, ErrorKind, Result};
use crate::id::{DirectoryUserId, EmployeeId};
use crate::operation::{Applied, Changes, NewUser, Operation};
use crate::password::Password;
use crate::property::{DirectoryProperty, PropertyValue};
use crate::reconcile::{Action, ChangeSet, Plan, SyncHistory, UserRef};

/// The outcome of one planned action.
#[derive(Debug)]
pub struct ActionOutcome {
    /// The action, as planned (for a create that fell back, `upn` is the UPN actually used).
    pub action: Action,
    /// `Ok` when the action's own write succeeded (for a disable: the account is disabled).
    pub result: Result<()>,
    /// Follow-up writes that failed after the action itself succeeded (T6: revoking a
    /// leaver's sessions, setting the leave date), and notes such as an adopted account (T4).
    /// They are reported; they never undo or block the action.
    pub warnings: Vec<String>,
}

pub use crate::control::{NoProgress, Progress};

/// Saves the history after each apply phase (S6: a crash or a stop never loses a recorded
/// disable). An error is logged; the apply goes on.
#[async_trait]
pub trait Checkpoint: Send + Sync {
    /// Save `history`, the record so far.
    ///
    /// # Errors
    /// When it could not be saved; the apply goes on and the end of the cycle saves again.
    async fn save(&self, history: &SyncHistory) -> Result<()>;

    /// The phase just applied, each of its actions with its account and result (for an
    /// audit trail). Called before [`save`](Self::save) of the same phase; by default
    /// nothing.
    async fn phase_applied(&self, outcomes: &[PhaseOutcome<'_>]) {
        let _ = outcomes;
    }
}

/// One action of a phase just applied.
#[derive(Debug)]
pub struct PhaseOutcome<'a> {
    /// The action (a create that fell back carries the UPN used).
    pub action: &'a Action,
    /// The account written, when known (a create's new account, once made).
    pub account: Option<&'a DirectoryUserId>,
    /// Its result.
    pub result: &'a Result<()>,
    /// Its warnings.
    pub warnings: &'a [String],
}

/// No checkpoints: the caller saves the history once the apply is over.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoCheckpoint;

#[async_trait]
impl Checkpoint for NoCheckpoint {
    async fn save(&self, _: &SyncHistory) -> Result<()> {
        Ok(())
    }
}

/// Apply `plan` to `directory`, updating `history` (S6) with the accounts disabled or created
/// disabled. Returns one outcome per action, in plan order.
pub async fn apply_plan(
    plan: &Plan,
    directory: &dyn Directory,
    history: &mut SyncHistory,
    credentials: &dyn CredentialSink,
) -> Vec<ActionOutcome> {
    apply_plan_with(
        plan,
        directory,
        history,
        credentials,
        &ApplyContext::default(),
    )
    .await
}

/// [`apply_plan`] under `cx`: no phase starts after a stop (its actions are failed with
/// [`Stop::not_applied`], and the directory stops between its own requests); progress is
/// reported after each phase and as the directory answers.
pub async fn apply_plan_with(
    plan: &Plan,
    directory: &dyn Directory,
    history: &mut SyncHistory,
    credentials: &dyn CredentialSink,
    cx: &ApplyContext,
) -> Vec<ActionOutcome> {
    apply_plan_saving(plan, directory, history, credentials, cx, &NoCheckpoint).await
}

/// [`apply_plan_with`], handing the history to `checkpoint` after each phase that wrote.
pub async fn apply_plan_saving(
    plan: &Plan,
    directory: &dyn Directory,
    history: &mut SyncHistory,
    credentials: &dyn CredentialSink,
    cx: &ApplyContext,
    checkpoint: &dyn Checkpoint,
) -> Vec<ActionOutcome> {
    let total = plan.actions.len();
    let mut done = 0usize;
    let mut results: Vec<Option<Result<()>>> = plan.actions.iter().map(|_| None).collect();
    let mut warnings: Vec<Vec<String>> = plan.actions.iter().map(|_| Vec::new()).collect();
    let mut actions = plan.actions.clone();
    let mut created: BTreeMap<EmployeeId, DirectoryUserId> = BTreeMap::new();
    cx.progress().begin(total);
    for phase in 0..=Action::LAST_PHASE {
        let indices: Vec<usize> = (0..actions.len())
            .filter(|i| actions[*i].phase() == phase)
            .collect();
        if indices.is_empty() {
            continue;
        }
        if cx.is_stopped() {
            for &i in &indices {
                results[i] = Some(Err(Stop::not_applied()));
            }
            continue;
        }
        let phase_name = actions[indices[0]].kind();
        done += indices.len();
        // S6, write-ahead: the record that the sync disables an account (or creates it
        // disabled) is saved before the write is sent, so a crash at any instant keeps it.
        let intended = record_intents(&indices, &actions, history);
        if intended > 0 {
            if let Err(e) = checkpoint.save(history).await {
                // A leaver is disabled all the same: keeping them enabled would be worse.
                tracing::error!(phase = phase_name, error = %e, "could not save the record of the writes about to be sent");
            }
        }
        if phase == 1 {
            create_phase(
                &indices,
                &mut actions,
                &mut results,
                &mut warnings,
                directory,
                &mut created,
                history,
                credentials,
                cx,
            )
            .await;
        } else {
            other_phase(
                &indices,
                &actions,
                &mut results,
                &mut warnings,
                directory,
                &created,
                cx,
            )
            .await;
            for &i in &indices {
                if let Some(Ok(())) = results[i] {
                    match &actions[i] {
                        Action::Disable { user_id, .. } => {
                            history.disabled_by_sync.insert(user_id.clone());
                        }
                        Action::Enable {
                            user_id,
                            employee_id,
                            ..
                        } => {
                            history.disabled_by_sync.remove(user_id);
                            history.creating_disabled.remove(employee_id);
                        }
                        // G2: which memberships the sync added.
                        Action::AddMember { user, group_id, .. } => {
                            if let Ok(id) = resolve(user, &created) {
                                history
                                    .group_members
                                    .entry(group_id.clone())
                                    .or_default()
                                    .insert(id);
                            }
                        }
                        Action::RemoveMember {
                            user_id, group_id, ..
                        } => {
                            if let Some(members) = history.group_members.get_mut(group_id) {
                                members.remove(user_id);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        if intended > 0 {
            settle_intents(&indices, &actions, &results, history);
        }
        let unknown: Result<()> = Err(Error::new(ErrorKind::Other, "not applied"));
        let applied: Vec<PhaseOutcome<'_>> = indices
            .iter()
            .map(|&i| PhaseOutcome {
                action: &actions[i],
                account: account_of(&actions[i], &created),
                result: results[i].as_ref().unwrap_or(&unknown),
                warnings: &warnings[i],
            })
            .collect();
        checkpoint.phase_applied(&applied).await;
        cx.progress().advance(phase_name, done, total);
        if let Err(e) = checkpoint.save(history).await {
            tracing::error!(phase = phase_name, error = %e, "could not save the state after this phase");
        }
    }
    actions
        .into_iter()
        .zip(results)
        .zip(warnings)
        .map(|((action, result), warnings)| ActionOutcome {
            action,
            result: result.unwrap_or_else(|| Err(Error::new(ErrorKind::Other, "not applied"))),
            warnings,
        })
        .collect()
}

/// The account an action writes: its own, or the one a create of this run made.
fn account_of<'a>(
    action: &'a Action,
    created: &'a BTreeMap<EmployeeId, DirectoryUserId>,
) -> Option<&'a DirectoryUserId> {
    match action {
        Action::Link { user_id, .. }
        | Action::Update { user_id, .. }
        | Action::Disable { user_id, .. }
        | Action::Enable { user_id, .. }
        | Action::RemoveMember { user_id, .. } => Some(user_id),
        Action::Create { employee_id, .. } => created.get(employee_id),
        Action::SetManager { user, .. } | Action::AddMember { user, .. } => match user {
            UserRef::Existing(id) => Some(id),
            UserRef::Pending(e) => created.get(e),
        },
    }
}

/// Write-ahead for S6: before a phase is sent, record each disable's account in
/// `disabled_by_sync` and each create-disabled (a pre-hire) by its employee in
/// `creating_disabled`. Returns how many were recorded that were not on record before.
fn record_intents(indices: &[usize], actions: &[Action], history: &mut SyncHistory) -> usize {
    let mut added = 0;
    for &i in indices {
        let fresh = match &actions[i] {
            Action::Disable { user_id, .. } => history.disabled_by_sync.insert(user_id.clone()),
            Action::Create {
                employee_id,
                account_enabled: false,
                ..
            } => history.creating_disabled.insert(employee_id.clone()),
            _ => false,
        };
        added += usize::from(fresh);
    }
    added
}

/// After a phase: forget the intents whose write surely did not happen (refused, or never
/// sent). A write whose outcome is unknown (a lost connection, a 5xx after retries) keeps its
/// record: the next plan disables the account again if it is still enabled, and a rehire of
/// an account that was disabled after all is enabled (S6).
fn settle_intents(
    indices: &[usize],
    actions: &[Action],
    results: &[Option<Result<()>>],
    history: &mut SyncHistory,
) {
    for &i in indices {
        let Some(Err(e)) = &results[i] else { continue };
        if !surely_not_written(e) {
            continue;
        }
        match &actions[i] {
            Action::Disable { user_id, .. } => {
                history.disabled_by_sync.remove(user_id);
            }
            Action::Create {
                employee_id,
                account_enabled: false,
                ..
            } => {
                history.creating_disabled.remove(employee_id);
            }
            _ => {}
        }
    }
}

/// Whether a failed write certainly changed nothing: the service refused it, or it was never
/// sent (a stop).
fn surely_not_written(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::InvalidConfig
            | ErrorKind::Unauthenticated
            | ErrorKind::PermissionDenied
            | ErrorKind::NotFound
            | ErrorKind::AlreadyExists
            | ErrorKind::InvalidInput
            | ErrorKind::Unsupported
            | ErrorKind::Aborted
    )
}

/// A phase other than creates: one operation per action, then the T6 follow-ups of the
/// disables that went through.
async fn other_phase(
    indices: &[usize],
    actions: &[Action],
    results: &mut [Option<Result<()>>],
    warnings: &mut [Vec<String>],
    directory: &dyn Directory,
    created: &BTreeMap<EmployeeId, DirectoryUserId>,
    cx: &ApplyContext,
) {
    let mut ops = Vec::new();
    let mut owners = Vec::new();
    let mut follow_ups = Vec::new();
    for &i in indices {
        match to_operation(&actions[i], created) {
            Ok((op, after)) => {
                ops.push(op);
                owners.push(i);
                follow_ups.extend(after.into_iter().map(|(what, op)| (i, what, op)));
            }
            Err(e) => results[i] = Some(Err(e)),
        }
    }
    for (i, outcome) in owners.iter().zip(directory.apply_with(&ops, cx).await) {
        results[*i] = Some(outcome.map(|_| ()));
    }
    // T6: revoking sessions and setting the leave date run only after the disable went
    // through, as writes of their own; a failure is reported and the account stays
    // disabled. They belong to the disable in flight, so a stop does not skip them.
    let follow_ups: Vec<(usize, &'static str, Operation)> = follow_ups
        .into_iter()
        .filter(|(i, _, _)| matches!(results[*i], Some(Ok(()))))
        .collect();
    let ops: Vec<Operation> = follow_ups.iter().map(|(_, _, op)| op.clone()).collect();
    for ((i, what, _), outcome) in follow_ups.iter().zip(directory.apply(&ops).await) {
        if let Err(e) = outcome {
            tracing::warn!(employee = actions[*i].employee_id().map_or("", EmployeeId::as_str), error = %e, "{what} failed; the account stays disabled");
            warnings[*i].push(format!("{what} failed: {e}"));
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn create_phase(
    indices: &[usize],
    actions: &mut [Action],
    results: &mut [Option<Result<()>>],
    warnings: &mut [Vec<String>],
    directory: &dyn Directory,
    created: &mut BTreeMap<EmployeeId, DirectoryUserId>,
    history: &mut SyncHistory,
    credentials: &dyn CredentialSink,
    cx: &ApplyContext,
) {
    let mut pending: Vec<(usize, String)> = indices
        .iter()
        .filter_map(|&i| match &actions[i] {
            Action::Create { upn, .. } => Some((i, upn.clone())),
            _ => None,
        })
        .collect();
    // Accounts this phase made itself (not adopted), for their access passes.
    let mut made_here: Vec<(usize, DirectoryUserId)> = Vec::new();
    // First attempt with the planned UPN; a UPN conflict falls back once (U5).
    for attempt in 0..2 {
        let mut ops = Vec::new();
        let mut owners = Vec::new();
        for (i, upn) in &pending {
            match new_user(&actions[*i], upn) {
                Ok((op, password)) => {
                    ops.push(op);
                    owners.push((*i, upn.clone(), password));
                }
                Err(e) => results[*i] = Some(Err(e)),
            }
        }
        let mut retry = Vec::new();
        let answers = directory.apply_with(&ops, cx).await;
        for ((i, upn, password), outcome) in owners.into_iter().zip(answers) {
            let Action::Create {
                employee_id,
                fallback_upn,
                account_enabled,
                upn: planned,
                ..
            } = &mut actions[i]
            else {
                continue;
            };
            let made = match outcome {
                Ok(Applied::Created(user)) => Ok((user, false)),
                Ok(Applied::Adopted(user)) => Ok((user, true)),
                Ok(Applied::Done | Applied::AccessPass(_)) => Err(Error::new(
                    ErrorKind::InvalidData,
                    format!("the directory did not return the account created for {upn}"),
                )),
                Err(e) => Err(e),
            };
            match made {
                Ok((user, adopted)) => {
                    *planned = user.user_principal_name.clone();
                    if adopted {
                        // Its password was set by the attempt that made it, not this one.
                        warnings[i].push(format!(
                            "T4: {} already held this employee's account (made by an earlier \
                             attempt or a concurrent run); it was adopted, not created again",
                            user.user_principal_name
                        ));
                    } else {
                        let credential = Credential::new(
                            employee_id.clone(),
                            user.user_principal_name.clone(),
                            Secret::Password(password),
                        );
                        if let Some(w) = deliver(credentials, credential).await {
                            warnings[i].push(w);
                        }
                        made_here.push((i, user.id.clone()));
                    }
                    if !*account_enabled && (!adopted || !user.account_enabled) {
                        history.disabled_by_sync.insert(user.id.clone());
                    }
                    history.creating_disabled.remove(employee_id);
                    created.insert(employee_id.clone(), user.id.clone());
                    results[i] = Some(Ok(()));
                }
                Err(e) if attempt == 0 && e.is_upn_conflict() && fallback_upn.is_some() => {
                    if let Some(next) = fallback_upn.take() {
                        retry.push((i, next));
                    }
                }
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        if retry.is_empty() {
            break;
        }
        pending = retry;
    }
    access_passes(&made_here, actions, warnings, directory, credentials).await;
}

/// `[onboarding]`: a Temporary Access Pass for each account this phase made (not for one it
/// adopted, which had its pass from the attempt that made it), delivered like a password. A
/// failure is a warning: the account stays created.
async fn access_passes(
    made_here: &[(usize, DirectoryUserId)],
    actions: &[Action],
    warnings: &mut [Vec<String>],
    directory: &dyn Directory,
    credentials: &dyn CredentialSink,
) {
    let mut owners = Vec::new();
    let mut ops = Vec::new();
    for (i, user) in made_here {
        if let Action::Create {
            access_pass: Some(request),
            ..
        } = &actions[*i]
        {
            owners.push(*i);
            ops.push(Operation::CreateAccessPass {
                user: user.clone(),
                request: request.clone(),
            });
        }
    }
    if ops.is_empty() {
        return;
    }
    for (i, outcome) in owners.into_iter().zip(directory.apply(&ops).await) {
        let action = &actions[i];
        // A create always names its employee.
        let Some(employee) = action.employee_id().cloned() else {
            continue;
        };
        match outcome {
            Ok(Applied::AccessPass(pass)) => {
                let credential = Credential::new(employee, action.upn(), Secret::AccessPass(*pass));
                if let Some(w) = deliver(credentials, credential).await {
                    warnings[i].push(w);
                }
            }
            Ok(_) => warnings[i].push(
                "creating a Temporary Access Pass: the directory returned no pass".to_owned(),
            ),
            Err(e) => {
                tracing::warn!(employee = action.employee_id().map_or("", EmployeeId::as_str), error = %e, "creating a Temporary Access Pass failed; the account was created");
                warnings[i].push(format!("creating a Temporary Access Pass failed: {e}"));
            }
        }
    }
}

/// Hands `credential` to the sink; a failure becomes the action's warning (the account stays).
async fn deliver(credentials: &dyn CredentialSink, credential: Credential) -> Option<String> {
    let kind = credential.secret.kind();
    let employee = credential.employee_id.clone();
    let upn = credential.upn.clone();
    match credentials.deliver(credential).await {
        Ok(()) => None,
        Err(e) => {
            tracing::error!(employee = %employee, kind, error = %e, "a new account's credential could not be delivered");
            tracing::debug!(employee = %employee, upn = %upn, "the account whose credential was not delivered");
            Some(format!(
                "{UNDELIVERED}: the {kind} for {upn} could not be delivered ({e}); reset it in the directory"
            ))
        }
    }
}

/// The start of the warning on a create whose first credential was not delivered.
pub const UNDELIVERED: &str = "credential not delivered";

fn new_user(action: &Action, upn: &str) -> Result<(Operation, Password)> {
    let Action::Create {
        employee_id,
        display_name,
        given_name,
        surname,
        account_enabled,
        properties,
        ..
    } = action
    else {
        return Err(Error::new(ErrorKind::Other, "not a create"));
    };
    let password = Password::generate()?;
    let mail_nickname = upn.split('@').next().unwrap_or(upn).to_owned();
    let new = NewUser {
        user_principal_name: upn.to_owned(),
        mail_nickname,
        display_name: display_name.clone(),
        given_name: Some(given_name.clone()).filter(|s| !s.is_empty()),
        surname: Some(surname.clone()).filter(|s| !s.is_empty()),
        employee_id: employee_id.to_string(),
        account_enabled: *account_enabled,
        password: password.clone(),
        properties: properties.clone(),
    };
    Ok((Operation::Create(Box::new(new)), password))
}

fn to_changes(changes: &ChangeSet) -> Changes {
    changes
        .iter()
        .map(|(p, c)| (p.clone(), c.to.clone()))
        .collect()
}

fn resolve(
    r: &UserRef,
    created: &BTreeMap<EmployeeId, DirectoryUserId>,
) -> Result<DirectoryUserId> {
    match r {
        UserRef::Existing(id) => Ok(id.clone()),
        UserRef::Pending(e) => created.get(e).cloned().ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("the account of employee {e} was not created in this run"),
            )
        }),
    }
}

/// A write that follows an action once it succeeded, named for the report.
type FollowUp = (&'static str, Operation);

/// The operation for a non-create action, and the writes that follow it (T6: a disable is
/// `accountEnabled = false` alone; revoking sessions and the leave date come after it).
fn to_operation(
    action: &Action,
    created: &BTreeMap<EmployeeId, DirectoryUserId>,
) -> Result<(Operation, Vec<FollowUp>)> {
    Ok(match action {
        Action::Link {
            user_id, changes, ..
        }
        | Action::Update {
            user_id, changes, ..
        } => (
            Operation::Update {
                user: user_id.clone(),
                changes: to_changes(changes),
            },
            Vec::new(),
        ),
        Action::SetManager { user, to, .. } => (
            Operation::SetManager {
                user: resolve(user, created)?,
                manager: to.as_ref().map(|m| resolve(m, created)).transpose()?,
            },
            Vec::new(),
        ),
        Action::Disable {
            user_id,
            revoke_sessions,
            leave_date,
            ..
        } => {
            let mut changes = Changes::new();
            changes.insert(
                DirectoryProperty::ACCOUNT_ENABLED,
                Some(PropertyValue::Bool(false)),
            );
            let mut after = Vec::new();
            if *revoke_sessions {
                after.push((
                    "revoking sign-in sessions",
                    Operation::RevokeSessions {
                        user: user_id.clone(),
                    },
                ));
            }
            if let Some(leave_date) = leave_date {
                let mut leave = Changes::new();
                leave.insert(
                    leave_date.attribute.clone(),
                    Some(PropertyValue::Text(leave_date.at.clone())),
                );
                after.push((
                    "setting the leave date",
                    Operation::Update {
                        user: user_id.clone(),
                        changes: leave,
                    },
                ));
            }
            (
                Operation::Update {
                    user: user_id.clone(),
                    changes,
                },
                after,
            )
        }
        Action::Enable { user_id, .. } => {
            let mut changes = Changes::new();
            changes.insert(
                DirectoryProperty::ACCOUNT_ENABLED,
                Some(PropertyValue::Bool(true)),
            );
            (
                Operation::Update {
                    user: user_id.clone(),
                    changes,
                },
                Vec::new(),
            )
        }
        Action::AddMember { user, group_id, .. } => (
            Operation::AddMember {
                group: group_id.clone(),
                user: resolve(user, created)?,
            },
            Vec::new(),
        ),
        Action::RemoveMember {
            user_id, group_id, ..
        } => (
            Operation::RemoveMember {
                group: group_id.clone(),
                user: user_id.clone(),
            },
            Vec::new(),
        ),
        Action::Create { .. } => {
            return Err(Error::new(ErrorKind::Other, "create outside its phase"));
        }
    })
}
