//! A success answer's body, read as JSON inside the shared retry loop
//! ([`hris_sync_core::retry::retrying`]).

use hris_sync_core::Error;
pub use hris_sync_core::retry::{Step, retrying};

/// A success answer's body read as the documented JSON: [`Step::Done`]; [`Step::Failed`] with
/// the connector's own `transport` error when the body breaks off (worth another try); or
/// [`Step::Fatal`] with an [`ErrorKind::InvalidData`](hris_sync_core::ErrorKind::InvalidData)
/// error naming `what` (a body that is not the documented shape does not get better by asking
/// again).
pub async fn read_json<T: serde::de::DeserializeOwned>(
    what: &str,
    answer: reqwest::Response,
    transport: fn(&str, &reqwest::Error) -> Error,
) -> Step<T> {
    let body = match crate::body::read_capped(what, answer, crate::body::PAGE_CAP, transport).await
    {
        Ok(body) => body,
        Err(e) if e.kind() == hris_sync_core::ErrorKind::InvalidData => return Step::Fatal(e),
        Err(e) => return Step::Failed(e),
    };
    serde_json::from_slice(&body).map_or_else(
        |e| {
            Step::Fatal(Error::new(
                hris_sync_core::ErrorKind::InvalidData,
                format!("{what}: the answer is not the documented JSON: {e}"),
            ))
        },
        Step::Done,
    )
}
