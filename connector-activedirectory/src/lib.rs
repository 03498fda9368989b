//! # connector-activedirectory
//!
//! On-premises Active Directory as a [`Directory`](hris_sync_core::Directory) for hris-sync,
//! for hybrid tenants: the accounts live in AD and Entra Connect copies them to the cloud,
//! so the sync writes to AD (docs/rules.md §9). The same core plans; this crate reads and
//! writes over LDAP with [`ldap3`](https://docs.rs/ldap3) on tokio, with TLS by rustls.
//!
//! - **Encrypted, bound as a service account.** `ldaps://` or `ldap://` with StartTLS, checked
//!   against a CA file or the operating system's trust store; a simple bind as `AD_BIND_DN`
//!   with `AD_BIND_PASSWORD`. Plain LDAP is accepted to a loopback address only, and then a
//!   password (`unicodePwd`) is never sent: creates are refused before anything is written.
//! - **Complete reads or none.** Users (`objectCategory=person`, `objectClass=user`: no
//!   computers, managed service accounts or contacts) under the base DN, by paged search (the
//!   simple paged results control), every page on one connection; a failed page fails the
//!   read. Built-in and critical system accounts (`isCriticalSystemObject`) are listed as
//!   [`ObjectKind::BuiltIn`](hris_sync_core::ObjectKind), so the planner knows their names are
//!   taken and never writes them. Ids are `objectGUID`s, stable across renames and moves.
//! - **Incremental reads** by `uSNChanged` above the `highestCommittedUSN` the same domain
//!   controller reported before the last read (`dsServiceName` is kept with it). Another DC,
//!   or a USN that went backwards, is [`CursorExpired`](hris_sync_core::ErrorKind): read
//!   everything.
//! - **Creates that never duplicate.** One search of the domain first asks who holds the new
//!   account's UPN, employee id, `sAMAccountName` (≤ 20 characters, from the UPN's local part,
//!   U3-suffixed on a collision) and `cn` in the target OU. This employee's account found there
//!   is adopted (T4); a UPN held by another account is a typed UPN conflict, so the engine
//!   takes the U3 fallback.
//! - **Only what changed.** Updates replace the changed attributes; an empty HR value deletes
//!   the attribute. Disabling sets the ACCOUNTDISABLE bit of `userAccountControl` and nothing
//!   else (optionally moving the account to a leavers OU); enabling clears it. Nothing is ever
//!   deleted.
//! - **Errors that say what to do**: LDAP result codes map to the core's kinds in one
//!   function; a refusal for lack of rights names the right the service account needs.
//!
//! This crate owns its configuration: the `[active_directory]` section
//! ([`ActiveDirectorySection`]), and what it declares to the policy ([`traits`]): attribute
//! names in `[[mapping]]` are AD attribute names (`title`, `department`,
//! `physicalDeliveryOfficeName`, `l`, `telephoneNumber` …; see [`vocabulary`]), and `ad`
//! may stand for `target` there.
//!
//! ```no_run
//! use connector_activedirectory::AdBuilder;
//! use hris_sync_core::{Directory, Policy};
//! use hris_sync_core::policy::{ConfigFile, SourceTraits};
//!
//! # async fn run() -> hris_sync_core::Result<()> {
//! let file = ConfigFile::from_toml(r#"
//!     [directory]
//!     kind = "active_directory"
//!     [active_directory]
//!     url = "ldaps://dc1.corp.example"
//!     base_dn = "OU=Staff,DC=corp,DC=example"
//!     users_ou = "OU=New,OU=Staff,DC=corp,DC=example"
//!     disabled_ou = "OU=Leavers,OU=Staff,DC=corp,DC=example"
//!     [upn]
//!     domain = "corp.example"
//!     [[mapping]]
//!     source = "position"
//!     ad = "title"
//! "#)?;
//! let policy: Policy = file.validate(&SourceTraits::default(), &connector_activedirectory::traits())?;
//! let ad = AdBuilder::from_env()          // AD_BIND_DN, AD_BIND_PASSWORD
//!     .config(&file)?
//!     .policy(&policy)
//!     .build()?;
//! let snapshot = ad.list_users().await?;
//! println!("{} accounts", snapshot.users.len());
//! # Ok(())
//! # }
//! ```
//!
//! With the feature `samba`, the module `samba` starts a throw-away Samba AD domain
//! controller on loopback for tests and benchmarks.

mod config;
mod conn;
mod connector;
mod convert;
mod create;
mod directory;
mod dn;
mod error;
mod groups;
mod model;
mod names;
mod read;
mod sam;
#[cfg(feature = "samba")]
pub mod samba;
mod section;
mod vocabulary;
mod write;

pub use config::{AdBuilder, DEFAULT_PAGE_SIZE};
pub use connector::{CONNECTOR, CREDENTIALS};
pub use directory::ActiveDirectory;
pub use sam::{MAX_LEN as MAX_SAM_ACCOUNT_NAME_LEN, SamSchema};
pub use section::{ActiveDirectorySection, SECTION};
pub use vocabulary::{ad_name, mappable, traits, vocabulary};
/// The LDAP attributes this connector declares, as constants.
pub mod attributes {
    pub use crate::vocabulary::{
        CITY, COMPANY, COUNTRY, DEPARTMENT, DIVISION, EMPLOYEE_TYPE, EXTENSION_ATTRIBUTES, MAIL,
        MOBILE, OFFICE, POSTAL_CODE, PREFERRED_LANGUAGE, STATE, STREET_ADDRESS, TELEPHONE_NUMBER,
        TITLE,
    };
}
