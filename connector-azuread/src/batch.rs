//! Writes: operations packed into `$batch` requests of at most 20, several in flight, each
//! sub-response mapped to its own outcome; throttled and transient sub-requests retried alone.
//!
//! Two real-tenant rules shape the retries:
//!
//! - **T3, replication lag.** An account this client created a moment ago may answer 404 to a
//!   write, and so may a manager `$ref` naming it. Such a 404 is retried with back-off for up
//!   to the consistency wait before it counts as failed.
//! - **T4, the UPN holder decides.** A create is never repeated blindly, and a UPN conflict is
//!   not taken at its word. When a create's outcome is unknown (no answer, a whole-batch 429
//!   or 5xx, a 5xx sub-response) or it met `ObjectConflict`, the UPN and the employee id are
//!   looked up ([`crate::holder`]). An account carrying this employee's id is adopted; only
//!   another holder (or none readable by the end of the wait) is a conflict the engine answers
//!   with the fallback UPN.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use hris_sync_core::raw::{Applied, Operation, Outcome};
use hris_sync_core::retry::{RetryPolicy, jitter};
use hris_sync_core::{ApplyContext, Error, ErrorKind, Stop};

use crate::client::{BatchOutcome, Client};
use crate::convert;
use crate::error::{error_for_status, parse_retry_after};
use crate::holder::{self, Holder};
use crate::model::{AccessPassWire, BatchItemResponse, BatchRequest, UserWire};

/// Graph's limit of sub-requests per `$batch`.
pub(crate) const MAX_BATCH: usize = 20;

/// Holder look-ups run at once (each is one or two GETs).
const LOOKUPS_IN_FLIGHT: usize = 8;

/// What one sub-request came to.
enum Step {
    Done(Outcome),
    /// Try again. `ambiguous`: a create that may have run; `lagging`: a 404 on an account
    /// created in this run (T3).
    Again {
        error: Error,
        ambiguous: bool,
        lagging: bool,
    },
    /// A create met `ObjectConflict` on its UPN: ask the holder (T4).
    Conflict(Error),
}

/// Where one operation stands.
struct Track {
    attempts: u32,
    lag_attempts: u32,
    ambiguous: bool,
    last_error: Option<Error>,
}

pub(crate) async fn apply(client: &Client, ops: &[Operation], cx: &ApplyContext) -> Vec<Outcome> {
    let started = Instant::now();
    let mut outcomes: Vec<Option<Outcome>> =
        std::iter::repeat_with(|| None).take(ops.len()).collect();
    let mut track: Vec<Track> = (0..ops.len())
        .map(|_| Track {
            attempts: 0,
            lag_attempts: 0,
            ambiguous: false,
            last_error: None,
        })
        .collect();
    let mut pending: Vec<usize> = (0..ops.len()).collect();
    let policy = &client.settings.tuning.http.retry;
    while !pending.is_empty() {
        // Creates that may have run are looked up before they are sent again (T4).
        let (recheck, mut send): (Vec<usize>, Vec<usize>) = std::mem::take(&mut pending)
            .into_iter()
            .partition(|i| track[*i].ambiguous && matches!(ops[*i], Operation::Create(_)));
        for (i, found) in lookups(client, ops, &recheck, false).await {
            track[i].ambiguous = false;
            match found {
                // Nobody made it: send it again.
                Ok(Holder::Nobody) => send.push(i),
                found => outcomes[i] = Some(settle(client, &ops[i], found, None)),
            }
        }
        send.sort_unstable();
        let chunks: Vec<Vec<usize>> = send.chunks(MAX_BATCH).map(<[usize]>::to_vec).collect();
        let results: Vec<Vec<(usize, Step)>> = stream::iter(chunks)
            .map(|chunk| async move {
                // A stop lets the batches in flight finish and sends no new one.
                if cx.is_stopped() {
                    return chunk
                        .into_iter()
                        .map(|i| (i, Step::Done(Err(Stop::not_applied()))))
                        .collect();
                }
                let steps = send_chunk(client, ops, chunk).await;
                cx.written(
                    steps
                        .iter()
                        .filter(|(_, s)| matches!(s, Step::Done(_)))
                        .count(),
                );
                steps
            })
            .buffer_unordered(client.settings.tuning.batches_in_flight)
            .collect()
            .await;
        let mut wait = Duration::ZERO;
        let mut conflicts = Vec::new();
        for (i, step) in results.into_iter().flatten() {
            let error = match step {
                Step::Done(outcome) => {
                    outcomes[i] = Some(outcome);
                    continue;
                }
                Step::Conflict(e) => {
                    track[i].last_error = Some(e);
                    conflicts.push(i);
                    continue;
                }
                Step::Again {
                    error,
                    ambiguous,
                    lagging,
                } => {
                    let t = &mut track[i];
                    let delay = if lagging {
                        t.lag_attempts += 1;
                        lag_delay(client, t.lag_attempts, started.elapsed())
                    } else {
                        t.attempts += 1;
                        policy.delay_within(t.attempts - 1, &error, jitter(), started.elapsed())
                    };
                    match delay {
                        Some(d) => {
                            wait = wait.max(d);
                            t.ambiguous |= ambiguous;
                            t.last_error = Some(error);
                            pending.push(i);
                            continue;
                        }
                        None if lagging => Error::new(
                            ErrorKind::NotFound,
                            format!(
                                "{} (T3: still not found {:.0} s after the account was created)",
                                error.message(),
                                started.elapsed().as_secs_f64()
                            ),
                        ),
                        None => RetryPolicy::give_up_after(error, t.attempts, started.elapsed()),
                    }
                }
            };
            if track[i].ambiguous || matches!(ops[i], Operation::Create(_)) && error.is_retryable()
            {
                // The last attempt of a create may have run: the holder decides (T4).
                conflicts.push(i);
                track[i].last_error = Some(error);
            } else {
                outcomes[i] = Some(Err(error));
            }
        }
        for (i, found) in lookups(client, ops, &conflicts, true).await {
            let last = track[i].last_error.take();
            outcomes[i] = Some(settle(client, &ops[i], found, last));
        }
        if pending.is_empty() {
            break;
        }
        pending.sort_unstable();
        if cx.is_stopped() {
            for i in pending.drain(..) {
                outcomes[i] = Some(Err(Stop::not_applied()));
            }
            break;
        }
        tracing::warn!(
            retrying = pending.len(),
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "retrying throttled, failed or not yet replicated Graph writes"
        );
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = cx.stop().requested() => {}
        }
    }
    outcomes
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            o.unwrap_or_else(|| {
                Err(RetryPolicy::give_up(
                    track[i].last_error.take().unwrap_or_else(|| {
                        Error::new(ErrorKind::Transient, "Graph write: retries spent")
                    }),
                ))
            })
        })
        .collect()
}

/// The wait before retry `n` of a write that met replication lag, or `None` once the
/// consistency wait is spent (T3).
pub(crate) fn lag_delay(client: &Client, n: u32, elapsed: Duration) -> Option<Duration> {
    let bound = client.settings.tuning.consistency_wait;
    if elapsed >= bound {
        return None;
    }
    let step = client
        .settings
        .tuning
        .http
        .retry
        .backoff(n.saturating_sub(1), jitter())
        .max(Duration::from_millis(1));
    Some(step.min(bound - elapsed))
}

/// The outcome of a create once its UPN's holder is known (T4). `last` is the error the
/// create last met: a UPN conflict keeps Graph's wording with a note on the holder.
fn settle(
    client: &Client,
    op: &Operation,
    found: hris_sync_core::Result<Holder>,
    last: Option<Error>,
) -> Outcome {
    match (found, last) {
        (Ok(Holder::Ours(user)), _) => {
            // Remembered as this run's account (T3), reported as adopted.
            client.note_created(user.id.as_str());
            Ok(Applied::Adopted(Box::new(user)))
        }
        (Ok(Holder::Other(id)), Some(e)) if e.is_upn_conflict() => {
            Err(e.with_note(&format!(" (T4: held by account {id}, not this employee's)")))
        }
        (Ok(Holder::Other(id)), _) => Err(holder::held_by_other(upn_of(op), &id)),
        // T4: no readable account holds the UPN by the end of the wait (a deleted user keeps
        // it for 30 days): the conflict stands, the fallback applies.
        (Ok(Holder::Nobody), Some(e)) if e.is_upn_conflict() => {
            Err(e.with_note(" (T4: no readable account holds this UPN or this employee id)"))
        }
        (Ok(Holder::Nobody), Some(e)) => Err(e),
        (Ok(Holder::Nobody), None) => Err(Error::new(ErrorKind::Other, "Graph write: no outcome")),
        (Err(e), _) => Err(e),
    }
}

/// Ask who holds the UPN of each create at `indices`, several at once. `wait`: keep asking
/// while nobody readable holds it (T3/T4); otherwise ask once.
async fn lookups(
    client: &Client,
    ops: &[Operation],
    indices: &[usize],
    wait: bool,
) -> Vec<(usize, hris_sync_core::Result<Holder>)> {
    stream::iter(indices.iter().copied())
        .map(|i| async move {
            let found = match &ops[i] {
                Operation::Create(new) => holder::find(client, new, wait).await,
                _ => Ok(Holder::Nobody),
            };
            (i, found)
        })
        .buffer_unordered(LOOKUPS_IN_FLIGHT)
        .collect()
        .await
}

/// Send one `$batch` of up to 20 operations and map each sub-response.
async fn send_chunk(client: &Client, ops: &[Operation], chunk: Vec<usize>) -> Vec<(usize, Step)> {
    let base = client.graph_base();
    let requests = chunk
        .iter()
        .map(|i| convert::batch_item(i.to_string(), &ops[*i], &base))
        .collect();
    let batch = BatchRequest { requests };
    let taken = client.pace_writes(chunk.len()).await;
    let answer = client.post_batch(&batch).await;
    client.writes_answered(taken, chunk.len()).await;
    match answer {
        BatchOutcome::Answered(answer) => {
            let mut by_id: BTreeMap<String, BatchItemResponse> = answer
                .responses
                .into_iter()
                .map(|r| (r.id.clone(), r))
                .collect();
            chunk
                .into_iter()
                .map(|i| {
                    let step = match by_id.remove(&i.to_string()) {
                        Some(r) => sub_response(client, &ops[i], r),
                        None => Step::Again {
                            error: Error::new(
                                ErrorKind::Transient,
                                "POST /$batch: no sub-response for a request",
                            ),
                            ambiguous: true,
                            lagging: false,
                        },
                    };
                    (i, step)
                })
                .collect()
        }
        BatchOutcome::Refused(error) => chunk
            .into_iter()
            .map(|i| {
                let step = if error.is_retryable() {
                    Step::Again {
                        error: error.replicate(),
                        ambiguous: false,
                        lagging: false,
                    }
                } else {
                    Step::Done(Err(error.replicate()))
                };
                (i, step)
            })
            .collect(),
        BatchOutcome::Unknown(error) => chunk
            .into_iter()
            .map(|i| {
                // Retried whatever the kind: the writes may not have happened.
                let kind = match error.kind() {
                    ErrorKind::Throttled => ErrorKind::Throttled,
                    _ => ErrorKind::Transient,
                };
                let mut again = Error::new(kind, error.message());
                if let Some(after) = error.retry_after() {
                    again = again.with_retry_after(after);
                }
                (
                    i,
                    Step::Again {
                        error: again,
                        ambiguous: true,
                        lagging: false,
                    },
                )
            })
            .collect(),
    }
}

fn upn_of(op: &Operation) -> &str {
    match op {
        Operation::Create(new) => &new.user_principal_name,
        _ => "",
    }
}

fn what(op: &Operation) -> String {
    match op {
        Operation::Create(new) => format!("POST /users ({})", new.user_principal_name),
        Operation::Update { user, changes }
            if changes.contains_key(&crate::properties::EMPLOYEE_LEAVE_DATE_TIME) =>
        {
            format!("PATCH /users/{user} (employeeLeaveDateTime)")
        }
        Operation::Update { user, .. } => format!("PATCH /users/{user}"),
        Operation::SetManager {
            user,
            manager: Some(_),
        } => format!("PUT /users/{user}/manager/$ref"),
        Operation::SetManager {
            user,
            manager: None,
        } => format!("DELETE /users/{user}/manager/$ref"),
        Operation::RevokeSessions { user } => format!("POST /users/{user}/revokeSignInSessions"),
        Operation::CreateAccessPass { user, .. } => {
            format!("POST /users/{user}/authentication/temporaryAccessPassMethods")
        }
        Operation::AddMember { group, user } => {
            format!("POST /groups/{group}/members/$ref ({user})")
        }
        Operation::RemoveMember { group, user } => {
            format!("DELETE /groups/{group}/members/{user}/$ref")
        }
    }
}

/// The `error.message` of a Graph error body ("" without one).
fn body_message(body: Option<&serde_json::Value>) -> &str {
    body.and_then(|b| b.pointer("/error/message"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
}

/// Whether `op` names an account this client created (as its target or as the manager).
fn names_new_account(client: &Client, op: &Operation) -> bool {
    let manager = match op {
        Operation::SetManager {
            manager: Some(m), ..
        } => Some(m),
        _ => None,
    };
    op.target()
        .into_iter()
        .chain(manager)
        .any(|id| client.created_here(id.as_str()))
}

fn sub_response(client: &Client, op: &Operation, r: BatchItemResponse) -> Step {
    let status = r.status;
    client.settings.tuning.http.stats.answered(status);
    if (200..300).contains(&status) {
        return Step::Done(match op {
            Operation::Create(new) => {
                let created = r
                    .body
                    .and_then(|b| serde_json::from_value::<UserWire>(b).ok());
                match created {
                    Some(wire) => {
                        client.note_created(&wire.id);
                        Ok(Applied::Created(Box::new(convert::created_user(
                            new,
                            wire,
                            &client.settings.tuning.managed,
                        ))))
                    }
                    None => Err(Error::new(
                        ErrorKind::InvalidData,
                        format!("{}: created, but the answer holds no user", what(op)),
                    )),
                }
            }
            Operation::CreateAccessPass { .. } => r
                .body
                .and_then(|b| serde_json::from_value::<AccessPassWire>(b).ok())
                .map(|wire| Applied::AccessPass(Box::new(convert::access_pass(wire))))
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidData,
                        format!("{}: created, but the answer holds no pass", what(op)),
                    )
                }),
            _ => Ok(Applied::Done),
        });
    }
    // Removing a manager that is already gone (a repeated DELETE) reached the desired state,
    // and so did removing a member that is no member (G4).
    if status == 404
        && matches!(
            op,
            Operation::SetManager { manager: None, .. } | Operation::RemoveMember { .. }
        )
    {
        return Step::Done(Ok(Applied::Done));
    }
    // T3: a membership naming an account made moments ago may be refused as a missing
    // reference while it replicates.
    if status == 400
        && names_new_account(client, op)
        && body_message(r.body.as_ref()).contains("do not exist")
    {
        let error = error_for_status(&what(op), status, None, r.body.as_ref());
        return Step::Again {
            error,
            ambiguous: false,
            lagging: true,
        };
    }
    // G4: adding a member that is one already.
    if status == 400
        && matches!(op, Operation::AddMember { .. })
        && body_message(r.body.as_ref()).contains("added object references already exist")
    {
        return Step::Done(Ok(Applied::Done));
    }
    let retry_after = parse_retry_after(
        r.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
            .map(|(_, v)| v.as_str()),
    );
    let error = error_for_status(&what(op), status, retry_after, r.body.as_ref());
    if matches!(op, Operation::Create(_)) && error.is_upn_conflict() {
        return Step::Conflict(error);
    }
    if status == 404 && names_new_account(client, op) {
        return Step::Again {
            error,
            ambiguous: false,
            lagging: true,
        };
    }
    if error.is_retryable() {
        let ambiguous = matches!(op, Operation::Create(_)) && status >= 500;
        Step::Again {
            error,
            ambiguous,
            lagging: false,
        }
    } else {
        Step::Done(Err(error))
    }
}
