//! # hris-sync-core
//!
//! The HR-independent, directory-independent heart of hris-sync: it keeps an identity
//! directory in step with an HR system, one way, HR → directory.
//!
//! ```text
//! HrSource ──employees──▶ ┐
//!                         ├─▶ reconcile::plan(employees, users, policy, now) ─▶ Plan ─▶ guard ─▶ apply ─▶ Directory
//! Directory ──users─────▶ ┘        (pure, deterministic, no I/O, no clock)
//! ```
//!
//! The key design decision is that **planning is pure**: [`plan`] takes the employees, the
//! directory's users, the [`Policy`] and the current instant, and returns a [`Plan`] — data
//! that serializes to the same bytes for the same inputs (rule S9). Everything a sync decides
//! (link, create with which UPN, what to update, disable, enable, skip and why) is decided
//! there and can be previewed, diffed and tested without a network. I/O lives behind two small
//! object-safe traits, [`HrSource`] and [`Directory`], implemented by the connector crates, by
//! the in-memory [`memory`] types, and by any wrapper a host cares to write.
//!
//! The rules the planner implements (S1–S10, U1–U6) are in the project's DESIGN document; every
//! [`Reason`] cites the rule it comes from.
//!
//! Around the planner, the [`engine`] runs cycles ([`engine::Syncer`]): full, targeted (a
//! webhook's people) or for named people only ([`engine::Syncer::run_cycle_for`]); it keeps
//! an audit trail through an [`engine::AuditSink`], and [`engine::explain`] tells, step by
//! step, why the planner decides what it decides for one employee.
//!
//! This crate has no HTTP dependency.
//!
//! ## Example
//!
//! ```
//! use hris_sync_core::{
//!     plan, Employee, EmployeeId, EmployeeStatus, DirectoryUser, Policy, Action,
//! };
//!
//! let policy = Policy::from_toml(r#"
//!     [upn]
//!     domain = "demo.com"
//!     [lifecycle]
//!     timezone = "Europe/Berlin"
//! "#)?;
//!
//! let mut zoe = Employee::new(EmployeeId::new("100234")?, EmployeeStatus::Active);
//! zoe.first_name = Some("Zoë".into());
//! zoe.last_name = Some("Müller".into());
//! zoe.email = Some("zoe.mueller@demo.com".into());
//!
//! let admin = DirectoryUser::new("4c7be08b", "admin@demo.com");
//! let now = "2025-10-01T08:00:00Z".parse()?;
//!
//! let plan = plan(&[zoe], &[admin], &policy, now);
//! match &plan.actions[0] {
//!     Action::Create { upn, .. } => assert_eq!(upn, "zoe.mueller@demo.com"),
//!     other => panic!("expected a create, got {other:?}"),
//! }
//! println!("{}", plan.to_json());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod apply;
mod blocking;
pub mod connector;
mod control;
mod credentials;
mod directory;
mod employee;
pub mod engine;
mod error;
pub mod guard;
mod id;
pub mod memory;
mod operation;
pub mod pacing;
mod password;
pub mod policy;
mod property;
mod read_set;
pub mod reconcile;
pub mod retry;
mod retrying;
mod setters;
mod source;
mod stats;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod time;
pub mod transport;
pub mod upn;
mod user;

pub use control::{ApplyContext, NoProgress, Progress, Stop};
pub use credentials::{Credential, CredentialSink, DiscardCredentials, Secret};
pub use directory::Directory;
pub use employee::{AttributeValue, Employee, EmployeeStatus, STANDARD_KEYS};
pub use error::{Error, ErrorKind, Result};
pub use id::{DirectoryUserId, EmployeeId, MAX_EMPLOYEE_ID_LEN};
pub use policy::Policy;
pub use reconcile::{
    Action, GroupMembers, Plan, Reason, SyncHistory, plan, plan_with_groups, plan_with_history,
};
pub use source::HrSource;
pub use stats::RequestStats;
pub use user::{DirectoryUser, ObjectKind};

/// What a connector author uses, apart from what a host uses (the crate root): the operations
/// a [`Directory`] applies and their outcomes, attributes and their values, what a directory
/// reads, listings, passwords, request counts, and the modules for retrying, pacing, transport
/// checks and connector factories. (The split follows OpenDAL's `raw`.)
pub mod raw {
    #[doc(inline)]
    pub use crate::__setters as setters;
    pub use crate::directory::{
        DeltaCursor, GroupInfo, GroupRefusal, UserChanges, UserSnapshot, concerns,
    };
    pub use crate::operation::{
        AccessPass, AccessPassRequest, Applied, Changes, NewUser, Operation, Outcome,
    };
    pub use crate::password::{GENERATED_LEN, Password};
    pub use crate::property::{DirectoryProperty, PropertyKind, PropertyValue, Spec};
    pub use crate::read_set::ReadSet;
    pub use crate::source::{EmployeeListing, EmployeeLookup, RejectedRecord};
    pub use crate::stats::RequestCounts;
    #[cfg(feature = "testkit")]
    pub use crate::testkit;
    pub use crate::{connector, pacing, retry, transport};
}

/// Re-exported so implementors and hosts use the same versions.
pub use async_trait::async_trait;
pub use chrono;
pub use chrono_tz;
pub use secrecy;
