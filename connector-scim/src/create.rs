//! Creates that never duplicate (T4): a create whose answer is a 409, or is lost, asks who
//! holds the `userName` (and who carries the employee id): this employee's account is
//! adopted, another's is U3's collision, and a create whose answer was lost is repeated only
//! when nobody holds either.

use std::sync::atomic::AtomicBool;

use hris_sync_core::raw::{Applied, DirectoryProperty as P, NewUser, Outcome, PropertyValue};
use hris_sync_core::{DirectoryUser, Error, ErrorKind, Result};
use hris_sync_http::{Step, retrying};
use reqwest::Method;

use crate::ScimDirectory;
use crate::client::Request;
use crate::convert;
use crate::vocabulary::is_standard;

/// Who holds a create's `userName`.
enum Holder {
    /// An account carrying this employee's id: adopt it.
    Ours(DirectoryUser),
    /// Another account (this id) holds the name.
    Other(String),
    /// Nobody readable holds it, and nobody carries the employee id.
    Nobody,
}

impl ScimDirectory {
    pub(crate) async fn create(&self, new: &NewUser) -> Outcome {
        self.check_new(new)?;
        let body = convert::create_body(new, self.settings().send_password);
        let request = Request {
            what: "POST /Users",
            method: Method::POST,
            url: self.client.url(&["Users"]),
            body: Some(&body),
            if_match: None,
            conflict: Some("userPrincipalName"),
        };
        let refreshed = AtomicBool::new(false);
        retrying(
            &self.settings().tuning.http.retry,
            "SCIM",
            "POST /Users",
            || async {
                let error = match self.client.once(&request, &refreshed).await {
                    Step::Done(answer) => {
                        return match self.created(answer).await {
                            Ok(applied) => Step::Done(applied),
                            Err(e) => Step::Fatal(e),
                        };
                    }
                    Step::Again => return Step::Again,
                    Step::Fatal(e) if e.kind() != ErrorKind::AlreadyExists => {
                        return Step::Fatal(e);
                    }
                    Step::Fatal(e) | Step::Failed(e) => e,
                };
                // A 409, or a lost answer after which the create may have happened: the holder
                // of the name decides.
                let conflict = error.kind() == ErrorKind::AlreadyExists;
                match self.holder(new).await {
                    Ok(Holder::Ours(user)) => Step::Done(Applied::Adopted(Box::new(user))),
                    Ok(Holder::Other(id)) => Step::Fatal(held_by_other(new, &id)),
                    // A 409 nobody visible explains (a provider that hides some users from
                    // filters): the name is taken all the same (U3).
                    Ok(Holder::Nobody) if conflict => Step::Fatal(error),
                    Err(e) if conflict => Step::Fatal(e),
                    // Nobody holds it: the create did not happen, and is sent again.
                    Ok(Holder::Nobody) | Err(_) => Step::Failed(error),
                }
            },
        )
        .await
    }

    /// The created account from the answer's body, or read from its `Location` (on the
    /// configured host only) when the provider sent no body.
    async fn created(&self, answer: crate::client::Answer) -> Outcome {
        if let Some(user) = answer.body.as_ref().and_then(|b| self.adopt_resource(b)) {
            return Ok(Applied::Created(Box::new(user)));
        }
        let Some(location) = answer.location else {
            return Err(Error::new(
                ErrorKind::InvalidData,
                "POST /Users: HTTP 201 with neither a User resource nor a Location",
            ));
        };
        let url = self.client.check_link("POST /Users", &location)?;
        let body = self
            .client
            .get("GET {Location}", url)
            .await?
            .body
            .unwrap_or_default();
        self.adopt_resource(&body)
            .map(|u| Applied::Created(Box::new(u)))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidData,
                    "GET {Location} of a created user: no User resource",
                )
            })
    }

    async fn holder(&self, new: &NewUser) -> Result<Holder> {
        let by_name = self.find("userName", &new.user_principal_name).await?;
        if let Some(user) = by_name.into_iter().next() {
            if user.employee_id() == Some(new.employee_id.as_str()) {
                return Ok(Holder::Ours(adopted(user)));
            }
            return Ok(Holder::Other(user.id.as_str().to_owned()));
        }
        // `externalId` is optional to filter on (Atlassian filters by it, others refuse with
        // `invalidFilter`): a refusal is "nobody found", not a failure of the create.
        let by_id = match self.find("externalId", &new.employee_id).await {
            Ok(found) => found,
            Err(e) if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::Unsupported) => {
                tracing::warn!(error = %e, "the provider does not filter by externalId; only userName is asked");
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        Ok(by_id
            .into_iter()
            .next()
            .map_or(Holder::Nobody, |u| Holder::Ours(adopted(u))))
    }

    /// What the provider would refuse, or what the policy forbids, before anything is sent.
    fn check_new(&self, new: &NewUser) -> Result<()> {
        if new.display_name.trim().is_empty() {
            return Err(Error::invalid_input("a new account needs a displayName"));
        }
        let domain = new
            .user_principal_name
            .rsplit_once('@')
            .map(|(_, d)| d.to_lowercase())
            .unwrap_or_default();
        if !self.settings().domains.contains(&domain) {
            return Err(Error::invalid_input(format!(
                "userName {}: the domain {domain:?} is not among [scim] domains {:?}",
                new.user_principal_name,
                self.settings().domains
            )));
        }
        PropertyValue::text(new.employee_id.clone()).check(&P::EMPLOYEE_ID)?;
        PropertyValue::text(new.display_name.clone()).check(&P::DISPLAY_NAME)?;
        for (p, v) in &new.properties {
            if !is_standard(p) && !self.settings().attributes.contains(p) {
                return Err(Error::invalid_input(format!(
                    "'{p}' is no SCIM User attribute this connector writes"
                )));
            }
            v.check(p)?;
        }
        Ok(())
    }
}

fn adopted(user: DirectoryUser) -> DirectoryUser {
    tracing::info!(
        "T4: this employee's SCIM account already exists (an earlier attempt or a concurrent run made it); adopting it"
    );
    user
}

/// The conflict a create meets when another account holds its `userName`.
fn held_by_other(new: &NewUser, holder: &str) -> Error {
    Error::conflict(
        "userPrincipalName",
        format!(
            "POST /Users ({}): the userName is held by another account ({holder})",
            new.user_principal_name
        ),
    )
}
