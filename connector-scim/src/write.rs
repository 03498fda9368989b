//! Writes: updates and managers by PATCH, each computed again from a fresh read when it must
//! be repeated; memberships by PATCH of the group; what SCIM cannot do, refused by name.

use std::sync::atomic::{AtomicBool, Ordering};

use hris_sync_core::raw::{Applied, Changes, DirectoryProperty as P, Operation, Outcome};
use hris_sync_core::{DirectoryUserId, Error, ErrorKind, Result};
use hris_sync_http::{Step, retrying};
use reqwest::Method;
use serde_json::{Value, json};

use crate::ScimDirectory;
use crate::client::Request;
use crate::convert::{self, Seen};
use crate::vocabulary::{Place, is_standard, place};

impl ScimDirectory {
    pub(crate) async fn apply_one(&self, op: &Operation) -> Outcome {
        match op {
            Operation::Create(new) => self.create(new).await,
            Operation::Update { user, changes } => {
                check(changes, &self.settings().attributes)?;
                let entries = changes
                    .keys()
                    .any(|p| matches!(place(p), Some(Place::Typed { .. })));
                self.patch_user(user, entries, |seen, filtered| {
                    convert::patch_ops(changes, seen, filtered)
                })
                .await
            }
            Operation::SetManager { user, manager } => {
                let ops = convert::manager_ops(manager.as_ref());
                self.patch_user(user, false, |_, _| ops.clone()).await
            }
            Operation::AddMember { group, user } => {
                let op =
                    json!({"op": "add", "path": "members", "value": [{"value": user.as_str()}]});
                self.patch_group(group, op).await
            }
            Operation::RemoveMember { group, user } => {
                let path = format!(
                    "members[value eq {}]",
                    Value::String(user.as_str().to_owned())
                );
                self.patch_group(group, json!({"op": "remove", "path": path}))
                    .await
            }
            Operation::RevokeSessions { .. } => Err(Error::new(
                ErrorKind::Unsupported,
                "SCIM has no session revocation (the application signs a deactivated user out, \
                 if it does)",
            )),
            Operation::CreateAccessPass { .. } => Err(Error::new(
                ErrorKind::Unsupported,
                "SCIM issues no access passes",
            )),
        }
    }

    /// PATCH a user with the operations `ops` computes from what is known of it (read first
    /// when nothing is and the operations depend on its `entries` of multi-valued
    /// attributes, or on its ETag). A failure worth repeating (a
    /// 5xx, a throttle, a lost answer, a 412 for a changed ETag) reads the user again and
    /// computes the operations again, so a repeated write never adds an entry twice.
    async fn patch_user<F>(&self, user: &DirectoryUserId, entries: bool, ops: F) -> Outcome
    where
        F: Fn(&Seen, bool) -> Vec<Value>,
    {
        let provider = self.provider().await?;
        let filtered = self.settings().profile.filtered_paths();
        let id = user.as_str();
        let again = AtomicBool::new(false);
        let refreshed = AtomicBool::new(false);
        let what = "PATCH /Users/{id}";
        retrying(&self.settings().tuning.http.retry, "SCIM", what, || async {
            // After a failure, what was known may be stale: read the user again.
            let mut seen = if again.swap(true, Ordering::Relaxed) {
                None
            } else {
                self.seen(id)
            };
            if seen.is_none() && (entries || provider.etag) {
                match self.read_user(id).await {
                    Ok((_, s)) => seen = Some(s),
                    Err(e) if e.is_retryable() => return Step::Failed(e),
                    Err(e) => return Step::Fatal(e),
                }
            }
            let known = seen.unwrap_or_default();
            let list = ops(&known, filtered);
            if list.is_empty() {
                return Step::Done(Applied::Done);
            }
            let body = convert::patch(&list);
            let request = Request {
                what,
                method: Method::PATCH,
                url: self.client.url(&["Users", id]),
                body: Some(&body),
                if_match: known.etag.as_deref().filter(|_| provider.etag),
                conflict: None,
            };
            let answer = match self.client.once(&request, &refreshed).await {
                Step::Done(answer) => answer,
                Step::Again => return Step::Again,
                Step::Fatal(e) => return Step::Fatal(e),
                Step::Failed(e) => return Step::Failed(e),
            };
            // A 200 carries the resource as it now is. After a 204, what is known stays true
            // with the new ETag, unless entries changed or the new version is unknown: then
            // the next write reads the user again.
            match answer.body.as_ref().filter(|b| b.is_object()) {
                Some(resource) => {
                    self.adopt_resource(resource);
                }
                None if !entries && (answer.etag.is_some() || !provider.etag) => {
                    let mut kept = known;
                    kept.etag = answer.etag;
                    self.remember(id, Some(kept));
                }
                None => self.remember(id, None),
            }
            Step::Done(Applied::Done)
        })
        .await
    }

    /// PATCH a group with one operation (RFC 7644 §3.5.2; adding a member twice or removing
    /// a non-member changes nothing), repeated on failures worth repeating.
    async fn patch_group(&self, group: &str, op: Value) -> Outcome {
        let body = convert::patch(&[op]);
        self.client
            .send(&Request {
                what: "PATCH /Groups/{id}",
                method: Method::PATCH,
                url: self.client.url(&["Groups", group]),
                body: Some(&body),
                if_match: None,
                conflict: None,
            })
            .await?;
        Ok(Applied::Done)
    }
}

/// What the provider would refuse, refused before anything is sent: a value of the wrong
/// shape or length, a clear of what cannot be cleared, a name SCIM has no attribute for.
fn check(changes: &Changes, custom: &[P]) -> Result<()> {
    for (p, v) in changes {
        let known = P::MANAGED.contains(p) || is_standard(p) || custom.contains(p);
        if !known {
            return Err(Error::invalid_input(format!(
                "'{p}' is no SCIM User attribute this connector writes"
            )));
        }
        match v {
            Some(v) => v.check(p)?,
            None if !p.is_clearable() => {
                return Err(Error::invalid_input(format!("'{p}' cannot be cleared")));
            }
            None => {}
        }
    }
    Ok(())
}
