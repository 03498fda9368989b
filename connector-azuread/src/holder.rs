//! T4, the UPN holder decides: after a create met `ObjectConflict` or has an unknown outcome,
//! find out who holds its UPN — this employee's account (made by an earlier attempt or a run
//! racing this one), someone else, or nobody readable.

use std::time::Instant;

use hris_sync_core::raw::NewUser;
use hris_sync_core::{DirectoryUser, Error, Result};

/// The conflict a create meets when another account holds its UPN.
pub(crate) fn held_by_other(upn: &str, holder: &str) -> Error {
    Error::conflict(
        "userPrincipalName",
        format!("POST /users ({upn}): the UPN is held by another account ({holder})"),
    )
}

use crate::client::Client;
use crate::convert;
use crate::model::{Page, UserWire};

/// Who holds a create's UPN.
pub(crate) enum Holder {
    /// An account carrying this employee's id (found by UPN or by `employeeId`): adopt it.
    Ours(DirectoryUser),
    /// Another account (this id) holds the UPN: the conflict stands.
    Other(String),
    /// No readable account holds it, and none carries the employee id.
    Nobody,
}

/// Look the UPN up, then the employee id. With `wait`, a "nobody" answer is asked again with
/// back-off until the consistency wait is spent, because an account made a moment ago may
/// not be readable yet (T3).
pub(crate) async fn find(client: &Client, new: &NewUser, wait: bool) -> Result<Holder> {
    let started = Instant::now();
    let mut round = 0u32;
    loop {
        let by_upn = lookup(client, "userPrincipalName", &new.user_principal_name).await?;
        if let Some(user) = by_upn {
            if user.employee_id() == Some(new.employee_id.as_str()) {
                return Ok(Holder::Ours(found(new, user)));
            }
            return Ok(Holder::Other(user.id.as_str().to_owned()));
        }
        if let Some(user) = lookup(client, "employeeId", &new.employee_id).await? {
            return Ok(Holder::Ours(found(new, user)));
        }
        if !wait {
            return Ok(Holder::Nobody);
        }
        round += 1;
        match crate::batch::lag_delay(client, round, started.elapsed()) {
            Some(d) => tokio::time::sleep(d).await,
            None => return Ok(Holder::Nobody),
        }
    }
}

fn found(new: &NewUser, user: DirectoryUser) -> DirectoryUser {
    // Names of people are personal data: at info the event, at debug who it is.
    tracing::info!(
        employee = new.employee_id.as_str(),
        "T4: this employee's account already exists (an earlier attempt or a concurrent run made it); adopting it"
    );
    tracing::debug!(upn = %new.user_principal_name, held_by = %user.user_principal_name, "adopted");
    user
}

/// `GET /users?$filter=<field> eq '<value>'` (OData-escaped): the first match.
async fn lookup(client: &Client, field: &str, value: &str) -> Result<Option<DirectoryUser>> {
    Ok(lookup_all(client, field, value).await?.into_iter().next())
}

/// `GET /users?$filter=<field> eq '<value>'` (OData-escaped): every match of the first page
/// (a look-up by a unique or near-unique value; more than 100 matches are not expected).
pub(crate) async fn lookup_all(
    client: &Client,
    field: &str,
    value: &str,
) -> Result<Vec<DirectoryUser>> {
    let managed = &client.settings.tuning.managed;
    let mut url = reqwest::Url::parse(&client.graph_url("/users"))
        .map_err(|e| Error::config(format!("GRAPH_BASE_URL: {e}")))?;
    url.query_pairs_mut()
        .append_pair(
            "$filter",
            &format!("{field} eq '{}'", convert::odata_string(value)),
        )
        .append_pair("$select", &convert::select(managed));
    let what = format!("GET /users?$filter={field}");
    let page: Page<UserWire> = client.get_json(&what, url.as_str()).await?;
    Ok(page
        .value
        .into_iter()
        .map(|w| convert::user(w, managed))
        .collect())
}
