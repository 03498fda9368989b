//! Writes: operations packed into `$batch` requests of at most 20, several in flight, each
//! sub-response mapped to its own outcome; throttled and transient sub-requests retried alone.
//!
//! A create is never repeated blindly: when a create may have run (the batch got no answer,
//! or its sub-request failed with a 5xx), its UPN is looked up first. If the account exists
//! with this employee's id it counts as created; if someone else holds the UPN it is a UPN
//! conflict; only if nobody holds it is the create sent again.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use hris_sync_core::retry::{RetryPolicy, jitter};
use hris_sync_core::{Applied, DirectoryUser, Error, ErrorKind, Operation, Outcome};

use crate::client::{BatchOutcome, Client};
use crate::convert;
use crate::error::{error_for_status, parse_retry_after};
use crate::model::{BatchItemResponse, BatchRequest, Page, UserWire};

/// Graph's limit of sub-requests per `$batch`.
pub(crate) const MAX_BATCH: usize = 20;

/// What one sub-request came to.
enum Step {
    Done(Outcome),
    /// Try again; `ambiguous` when a create may have run.
    Again {
        error: Error,
        ambiguous: bool,
    },
}

pub(crate) async fn apply(client: &Client, ops: &[Operation]) -> Vec<Outcome> {
    let mut outcomes: Vec<Option<Outcome>> =
        std::iter::repeat_with(|| None).take(ops.len()).collect();
    let mut pending: Vec<usize> = (0..ops.len()).collect();
    let mut ambiguous: BTreeSet<usize> = BTreeSet::new();
    let mut last_error: BTreeMap<usize, Error> = BTreeMap::new();
    let policy = &client.settings.retry;
    for round in 0..=policy.max_retries {
        // Creates that may have run are looked up before they are sent again.
        let mut send = Vec::with_capacity(pending.len());
        for i in std::mem::take(&mut pending) {
            if ambiguous.remove(&i) {
                if let Operation::Create(new) = &ops[i] {
                    match lookup_created(client, &new.user_principal_name, &new.employee_id).await {
                        Ok(Some(outcome)) => {
                            outcomes[i] = Some(outcome);
                            continue;
                        }
                        Ok(None) => {}
                        Err(e) => {
                            last_error.insert(i, e);
                            pending.push(i);
                            continue;
                        }
                    }
                }
            }
            send.push(i);
        }
        let chunks: Vec<Vec<usize>> = send.chunks(MAX_BATCH).map(<[usize]>::to_vec).collect();
        let results: Vec<Vec<(usize, Step)>> = stream::iter(chunks)
            .map(|chunk| send_chunk(client, ops, chunk))
            .buffer_unordered(client.settings.batches_in_flight)
            .collect()
            .await;
        let mut wait = Duration::ZERO;
        for (i, step) in results.into_iter().flatten() {
            match step {
                Step::Done(outcome) => outcomes[i] = Some(outcome),
                Step::Again {
                    error,
                    ambiguous: maybe_ran,
                } => {
                    let delay = policy.delay(round, &error, jitter());
                    match delay {
                        Some(d) => {
                            wait = wait.max(d);
                            if maybe_ran {
                                ambiguous.insert(i);
                            }
                            last_error.insert(i, error);
                            pending.push(i);
                        }
                        None => outcomes[i] = Some(Err(RetryPolicy::give_up(error))),
                    }
                }
            }
        }
        if pending.is_empty() {
            break;
        }
        pending.sort_unstable();
        tracing::warn!(
            round = round + 1,
            retrying = pending.len(),
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "retrying throttled or failed Graph writes"
        );
        tokio::time::sleep(wait).await;
    }
    outcomes
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            o.unwrap_or_else(|| {
                Err(RetryPolicy::give_up(last_error.remove(&i).unwrap_or_else(
                    || Error::new(ErrorKind::Transient, "Graph write: retries spent"),
                )))
            })
        })
        .collect()
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
                        },
                    };
                    (i, step)
                })
                .collect()
        }
        BatchOutcome::Refused(error) => {
            let retryable = error.is_retryable();
            chunk
                .into_iter()
                .map(|i| {
                    let step = if retryable {
                        Step::Again {
                            error: error.replicate(),
                            ambiguous: false,
                        }
                    } else {
                        Step::Done(Err(error.replicate()))
                    };
                    (i, step)
                })
                .collect()
        }
        BatchOutcome::Unknown(error) => chunk
            .into_iter()
            .map(|i| {
                (
                    i,
                    Step::Again {
                        error: Error::new(ErrorKind::Transient, error.message()),
                        ambiguous: true,
                    },
                )
            })
            .collect(),
    }
}

fn what(op: &Operation) -> String {
    match op {
        Operation::Create(new) => format!("POST /users ({})", new.user_principal_name),
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
    }
}

fn sub_response(client: &Client, op: &Operation, r: BatchItemResponse) -> Step {
    let status = r.status;
    if (200..300).contains(&status) {
        return Step::Done(match op {
            Operation::Create(_) => {
                let created = r
                    .body
                    .and_then(|b| serde_json::from_value::<UserWire>(b).ok());
                match created {
                    Some(wire) => Ok(Applied::Created(Box::new(convert::user(
                        wire,
                        &client.settings.managed,
                    )))),
                    None => Err(Error::new(
                        ErrorKind::InvalidData,
                        format!("{}: created, but the answer holds no user", what(op)),
                    )),
                }
            }
            _ => Ok(Applied::Done),
        });
    }
    // Removing a manager that is already gone (a repeated DELETE) reached the desired state.
    if status == 404 && matches!(op, Operation::SetManager { manager: None, .. }) {
        return Step::Done(Ok(Applied::Done));
    }
    let retry_after = parse_retry_after(
        r.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
            .map(|(_, v)| v.as_str()),
    );
    let error = error_for_status(&what(op), status, retry_after, r.body.as_ref());
    if error.is_retryable() {
        let ambiguous = matches!(op, Operation::Create(_)) && status >= 500;
        Step::Again { error, ambiguous }
    } else {
        Step::Done(Err(error))
    }
}

/// After a create that may have run: the account, if it exists with this employee id;
/// a UPN conflict if someone else holds the UPN; `None` if nobody does.
async fn lookup_created(
    client: &Client,
    upn: &str,
    employee_id: &str,
) -> hris_sync_core::Result<Option<Outcome>> {
    let managed = &client.settings.managed;
    let mut url = reqwest::Url::parse(&client.graph_url("/users"))
        .map_err(|e| Error::new(ErrorKind::Other, format!("Graph URL: {e}")))?;
    url.query_pairs_mut()
        .append_pair(
            "$filter",
            &format!("userPrincipalName eq '{}'", convert::odata_string(upn)),
        )
        .append_pair("$select", &convert::select(managed));
    let page: Page<UserWire> = client
        .get_json("GET /users?$filter=userPrincipalName", url.as_str())
        .await?;
    let Some(found) = page.value.into_iter().next() else {
        return Ok(None);
    };
    let user: DirectoryUser = convert::user(found, managed);
    if user.employee_id() == Some(employee_id) {
        tracing::info!(
            upn,
            "a create that got no answer had run; using the account it made"
        );
        Ok(Some(Ok(Applied::Created(Box::new(user)))))
    } else {
        Ok(Some(Err(Error::conflict(
            "userPrincipalName",
            format!("POST /users ({upn}): the UPN is held by another account"),
        ))))
    }
}
