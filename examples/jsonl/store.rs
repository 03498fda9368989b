//! [`JsonlDirectory`]: the accounts file, read whole and rewritten whole.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write as _;
use std::path::PathBuf;

use hris_sync_core::policy::Vocabulary;
use hris_sync_core::raw::{
    Applied, DeltaCursor, DirectoryProperty as P, NewUser, Operation, Outcome, PropertyValue,
    ReadSet, UserChanges, UserSnapshot,
};
use hris_sync_core::{
    Directory, DirectoryUser, DirectoryUserId, Error, ErrorKind, Result, async_trait,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

/// One line of the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Account {
    id: String,
    upn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    employee_id: Option<String>,
    enabled: bool,
    display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    surname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    manager: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    attributes: BTreeMap<String, PropertyValue>,
}

/// Accounts in a JSON-lines file (see the module documentation of `jsonl`).
pub struct JsonlDirectory {
    path: PathBuf,
    domains: Vec<String>,
    vocabulary: Vocabulary,
    /// One writer at a time: a batch reads the file, changes it and writes it back.
    writing: Mutex<()>,
}

impl fmt::Debug for JsonlDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonlDirectory")
            .field("path", &self.path)
            .field("domains", &self.domains)
            .finish_non_exhaustive()
    }
}

/// The same error again, for each operation it sank (errors are not `Clone`).
fn again(e: &Error) -> Error {
    Error::new(e.kind(), e.message().to_owned())
}

fn io(what: &str, e: &dyn fmt::Display) -> Error {
    Error::new(ErrorKind::Other, format!("{what}: {e}"))
}

impl JsonlDirectory {
    /// The accounts in `path` (none yet when it does not exist), whose UPNs use `domains`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] when `path` is a directory or `domains` is empty.
    pub fn open(path: impl Into<PathBuf>, domains: Vec<String>) -> Result<Self> {
        let path = path.into();
        if path.is_dir() {
            return Err(Error::config(format!(
                "jsonl.path: {} is a directory, not a file",
                path.display()
            )));
        }
        if domains.is_empty() {
            return Err(Error::config("jsonl.domains: empty"));
        }
        Ok(Self {
            path,
            domains,
            vocabulary: super::vocabulary(),
            writing: Mutex::new(()),
        })
    }

    /// Every account, or the first line that is not one.
    fn read(&self) -> Result<Vec<Account>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&self.path.display().to_string(), &e)),
        };
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| {
                    Error::new(
                        ErrorKind::InvalidData,
                        format!("{}:{}: not an account: {e}", self.path.display(), i + 1),
                    )
                })
            })
            .collect()
    }

    /// Write every account: to a temporary file beside the real one, flushed, then renamed
    /// over it, so a crash leaves the old file or the new one.
    fn write(&self, accounts: &[Account]) -> Result<()> {
        let tmp = self.path.with_extension("jsonl.tmp");
        let save = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            for a in accounts {
                let line = serde_json::to_string(a).map_err(std::io::Error::other)?;
                writeln!(f, "{line}")?;
            }
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        };
        save().map_err(|e| io(&self.path.display().to_string(), &e))
    }

    fn user(&self, a: &Account) -> DirectoryUser {
        let mut u = DirectoryUser::new(a.id.as_str(), a.upn.as_str());
        u.employee_id.clone_from(&a.employee_id);
        u.account_enabled = a.enabled;
        u.manager_id = a.manager.as_deref().map(DirectoryUserId::new);
        let names = [
            (P::DISPLAY_NAME, Some(&a.display_name)),
            (P::GIVEN_NAME, a.given_name.as_ref()),
            (P::SURNAME, a.surname.as_ref()),
        ];
        for (p, v) in names {
            if let Some(v) = v {
                u.properties.insert(p, PropertyValue::text(v.as_str()));
            }
        }
        for (name, v) in &a.attributes {
            if let Some(p) = self.vocabulary.get(name) {
                u.properties.insert(p.clone(), v.clone());
            }
        }
        u
    }

    /// The declared, mappable attribute a write names.
    fn declared(&self, p: &P) -> Result<&P> {
        self.vocabulary
            .get(p.name())
            .filter(|d| !d.is_sync_managed())
            .ok_or_else(|| Error::invalid_input(format!("unknown attribute '{p}'")))
    }

    fn check_upn(&self, accounts: &[Account], upn: &str, except: Option<&str>) -> Result<()> {
        let domain = upn.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        if !self.domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
            return Err(Error::invalid_input(format!(
                "userPrincipalName {upn}: {domain:?} is not one of the domains"
            )));
        }
        PropertyValue::text(upn).check(&P::USER_PRINCIPAL_NAME)?;
        match accounts
            .iter()
            .find(|a| a.upn.eq_ignore_ascii_case(upn) && Some(a.id.as_str()) != except)
        {
            Some(holder) => Err(Error::conflict(
                "userPrincipalName",
                format!("{upn} is taken by {}", holder.id),
            )),
            None => Ok(()),
        }
    }

    fn create(&self, accounts: &mut Vec<Account>, new: &NewUser) -> Outcome {
        // T4: this employee's account under this UPN exists already (an answer lost).
        if let Some(a) = accounts.iter().find(|a| {
            a.employee_id.as_deref() == Some(new.employee_id.as_str())
                && a.upn.eq_ignore_ascii_case(&new.user_principal_name)
        }) {
            return Ok(Applied::Adopted(Box::new(self.user(a))));
        }
        self.check_upn(accounts, &new.user_principal_name, None)?;
        let text = |p: &P, v: &str| PropertyValue::text(v).check(p);
        text(&P::DISPLAY_NAME, &new.display_name)?;
        text(&P::EMPLOYEE_ID, &new.employee_id)?;
        for (p, v) in [(P::GIVEN_NAME, &new.given_name), (P::SURNAME, &new.surname)] {
            if let Some(v) = v {
                text(&p, v)?;
            }
        }
        let mut attributes = BTreeMap::new();
        for (p, v) in &new.properties {
            let declared = self.declared(p)?;
            v.check(declared)?;
            attributes.insert(declared.name().to_owned(), v.clone());
        }
        let next = accounts.len() + 1;
        let account = Account {
            id: format!("acct-{next:06}"),
            upn: new.user_principal_name.clone(),
            employee_id: Some(new.employee_id.clone()),
            enabled: new.account_enabled,
            display_name: new.display_name.clone(),
            given_name: new.given_name.clone(),
            surname: new.surname.clone(),
            manager: None,
            attributes,
        };
        let user = self.user(&account);
        accounts.push(account);
        Ok(Applied::Created(Box::new(user)))
    }

    fn update(
        &self,
        accounts: &mut [Account],
        id: &DirectoryUserId,
        changes: &hris_sync_core::raw::Changes,
    ) -> Outcome {
        let i = position(accounts, id)?;
        let mut a = accounts[i].clone();
        for (p, v) in changes {
            let text = |v: &Option<PropertyValue>| -> Result<Option<String>> {
                match v {
                    None => Ok(None),
                    Some(v) => {
                        v.check(p)?;
                        Ok(v.as_text().map(str::to_owned))
                    }
                }
            };
            if *p == P::ACCOUNT_ENABLED {
                match v {
                    Some(PropertyValue::Bool(on)) => a.enabled = *on,
                    _ => return Err(Error::invalid_input("accountEnabled takes true or false")),
                }
            } else if *p == P::USER_PRINCIPAL_NAME {
                let upn = text(v)?.ok_or_else(|| Error::invalid_input("a UPN is required"))?;
                self.check_upn(accounts, &upn, Some(&a.id))?;
                a.upn = upn;
            } else if *p == P::DISPLAY_NAME {
                a.display_name =
                    text(v)?.ok_or_else(|| Error::invalid_input("a display name is required"))?;
            } else if *p == P::EMPLOYEE_ID {
                a.employee_id = text(v)?;
            } else if *p == P::GIVEN_NAME {
                a.given_name = text(v)?;
            } else if *p == P::SURNAME {
                a.surname = text(v)?;
            } else if *p == P::MAIL_NICKNAME {
                // Not kept: the UPN's local part is enough here.
            } else {
                let declared = self.declared(p)?;
                match v {
                    Some(v) => {
                        v.check(declared)?;
                        a.attributes.insert(declared.name().to_owned(), v.clone());
                    }
                    None => {
                        a.attributes.remove(declared.name());
                    }
                }
            }
        }
        accounts[i] = a;
        Ok(Applied::Done)
    }

    fn apply_one(&self, accounts: &mut Vec<Account>, op: &Operation) -> Outcome {
        match op {
            Operation::Create(new) => self.create(accounts, new),
            Operation::Update { user, changes } => self.update(accounts, user, changes),
            Operation::SetManager { user, manager } => {
                let i = position(accounts, user)?;
                if let Some(m) = manager {
                    position(accounts, m)?;
                }
                accounts[i].manager = manager.as_ref().map(|m| m.as_str().to_owned());
                Ok(Applied::Done)
            }
            Operation::RevokeSessions { .. }
            | Operation::CreateAccessPass { .. }
            | Operation::AddMember { .. }
            | Operation::RemoveMember { .. } => Err(Error::new(
                ErrorKind::Unsupported,
                "an accounts file has no sessions, access passes or groups",
            )),
        }
    }
}

fn position(accounts: &[Account], id: &DirectoryUserId) -> Result<usize> {
    accounts
        .iter()
        .position(|a| a.id == id.as_str())
        .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("no account {id}")))
}

#[async_trait]
impl Directory for JsonlDirectory {
    async fn list_users(&self) -> Result<UserSnapshot> {
        let accounts = self.read()?;
        Ok(UserSnapshot {
            users: accounts.iter().map(|a| self.user(a)).collect(),
            cursor: None,
        })
    }

    async fn list_user_changes(&self, _cursor: &DeltaCursor) -> Result<UserChanges> {
        Err(Error::new(
            ErrorKind::Unsupported,
            "an accounts file has no change feed; read it whole",
        ))
    }

    async fn verified_domains(&self) -> Result<Vec<String>> {
        Ok(self.domains.clone())
    }

    fn read_set(&self) -> ReadSet {
        ReadSet::everything()
    }

    async fn apply(&self, operations: &[Operation]) -> Vec<Outcome> {
        let _one_writer = self.writing.lock().await;
        let mut accounts = match self.read() {
            Ok(a) => a,
            Err(e) => return operations.iter().map(|_| Err(again(&e))).collect(),
        };
        let before = accounts.clone();
        let outcomes: Vec<Outcome> = operations
            .iter()
            .map(|op| self.apply_one(&mut accounts, op))
            .collect();
        if accounts == before {
            return outcomes;
        }
        match self.write(&accounts) {
            Ok(()) => outcomes,
            // Nothing was saved: every write of this batch failed.
            Err(e) => outcomes
                .into_iter()
                .map(|o| match o {
                    Ok(Applied::Created(_) | Applied::Done) => Err(again(&e)),
                    other => other,
                })
                .collect(),
        }
    }
}
