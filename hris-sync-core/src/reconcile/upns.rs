//! U3, U4: handing out UPNs to new accounts (and to renames under U6's option) in the order
//! employees joined, so the earliest keeps the plain form run after run.

use crate::property::{DirectoryProperty, PropertyValue};

use super::plan::{Action, Change};
use super::reason::Reason;
use super::{Account, Planner, UpnRequest};

impl<'a> Planner<'a> {
    pub(super) fn assign_upns(&mut self) {
        let mut requests = std::mem::take(&mut self.upn_requests);
        // A create, and often a manager action, per request.
        self.plan.actions.reserve(requests.len() * 2);
        // U4: by created_at (records without one last), then id.
        requests.sort_by(|a, b| {
            let key = |r: &UpnRequest<'_>| (r.employee.created_at.is_none(), r.employee.created_at);
            key(a)
                .cmp(&key(b))
                .then_with(|| a.employee.id.cmp(&b.employee.id))
        });
        for request in requests {
            let e = request.employee;
            let candidates = match self.policy.upn.candidates(e) {
                Ok(c) => c,
                Err(problem) => {
                    if request.rename_of.is_none() {
                        self.skip(e, None, false, Reason::Upn(problem));
                    }
                    continue;
                }
            };
            let free = |upn: &String| !self.index.is_taken(upn);
            if let Some(user) = request.rename_of {
                let current = user.user_principal_name.to_lowercase();
                if current == candidates.plain || Some(&current) == candidates.suffixed.as_ref() {
                    continue;
                }
                let next = Some(candidates.plain.clone())
                    .filter(free)
                    .or_else(|| candidates.suffixed.clone().filter(free));
                match next {
                    Some(upn) => {
                        self.index.take(upn.clone());
                        if let Some((_, changes, _)) = self.updates.get_mut(&e.id) {
                            changes.insert(
                                DirectoryProperty::USER_PRINCIPAL_NAME,
                                Change {
                                    from: Some(PropertyValue::Text(
                                        user.user_principal_name.clone(),
                                    )),
                                    to: Some(PropertyValue::Text(upn)),
                                },
                            );
                        }
                    }
                    None => self.notice(e, Reason::UpnTaken(candidates.plain)),
                }
                continue;
            }
            let (upn, fallback_upn) = if free(&candidates.plain) {
                let fallback = candidates.suffixed.filter(free);
                (candidates.plain, fallback)
            } else if let Some(suffixed) = candidates.suffixed.filter(free) {
                (suffixed, None)
            } else {
                self.skip(e, None, false, Reason::UpnTaken(candidates.plain));
                continue;
            };
            self.index.take(upn.clone());
            self.create(request, upn, fallback_upn);
        }
    }

    fn create(&mut self, request: UpnRequest<'a>, upn: String, fallback_upn: Option<String>) {
        let e = request.employee;
        let (mut properties, warnings) = request.desired.into_create();
        let mut name = |p: DirectoryProperty, raw: Option<String>| match properties.remove(&p) {
            Some(PropertyValue::Text(t)) => t,
            _ => raw.unwrap_or_default(),
        };
        let display_name = name(DirectoryProperty::DISPLAY_NAME, e.display_name());
        let given_name = name(
            DirectoryProperty::GIVEN_NAME,
            e.first_name().map(str::to_owned),
        );
        let surname = name(DirectoryProperty::SURNAME, e.last_name().map(str::to_owned));
        self.accounts
            .insert(&e.id, Account::Created(&e.id, self.plan.actions.len()));
        self.plan.actions.push(Action::Create {
            employee_id: e.id.clone(),
            upn,
            fallback_upn,
            display_name,
            given_name,
            surname,
            account_enabled: !request.starts_disabled,
            properties,
            warnings,
            access_pass: self.access_pass(e),
        });
    }

    /// The pass for a new account: usable from the hire date at the configured local time, or
    /// at once when that is already past (or the hire date unknown).
    fn access_pass(&self, e: &crate::employee::Employee) -> Option<crate::raw::AccessPassRequest> {
        let policy = self.policy.access_pass.as_ref()?;
        let start = e
            .hire_date
            .and_then(|d| {
                crate::time::local_instant(d, policy.start, self.policy.lifecycle.timezone)
            })
            .filter(|t| *t > self.now);
        Some(crate::raw::AccessPassRequest {
            start,
            lifetime_minutes: policy.lifetime_minutes,
            usable_once: policy.usable_once,
        })
    }
}
