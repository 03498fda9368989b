//! Tests of the Active Directory connector against a real Samba AD domain controller,
//! provisioned on loopback for this test binary (feature `samba`). Without Samba on the
//! machine, each test says why it was skipped; with `HRIS_SYNC_REQUIRE_SAMBA=1` (as in CI)
//! a missing DC fails them instead.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod conformance;
mod groups;
mod reads;
mod security;
mod support;
mod writes;
