use std::sync::atomic::{AtomicU32, Ordering};

use connector_activedirectory::samba::SambaDc;
use connector_activedirectory::{ActiveDirectory, AdBuilder};
use hris_sync_core::raw::{NewUser, ReadSet};
use hris_sync_core::testkit::directory::{self as kit, person};
use hris_sync_core::{Directory, DirectoryUser};
use ldap3::Ldap;

/// The shared DC, or `None` after saying why the test is skipped
/// (`HRIS_SYNC_REQUIRE_SAMBA=1` makes that a failure).
pub(crate) fn dc() -> Option<&'static SambaDc> {
    SambaDc::for_test("the Active Directory tests")
}

/// A name no other test uses (tests share one domain).
pub(crate) fn unique(stem: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{stem}{}", N.fetch_add(1, Ordering::Relaxed))
}

/// A directory reading everything the tests look at.
pub(crate) fn directory(dc: &SambaDc) -> ActiveDirectory {
    builder(dc).build().unwrap()
}

pub(crate) fn builder(dc: &SambaDc) -> AdBuilder {
    use connector_activedirectory::attributes as A;
    use hris_sync_core::raw::DirectoryProperty as P;
    dc.builder().read_set(ReadSet::of(
        [
            P::DISPLAY_NAME,
            P::GIVEN_NAME,
            P::SURNAME,
            A::DEPARTMENT,
            A::TITLE,
            A::CITY,
            A::OFFICE,
            A::TELEPHONE_NUMBER,
        ],
        true,
    ))
}

/// An account to create, `local@demo.local`.
pub(crate) fn new_user(local: &str, first: &str, last: &str, employee_id: &str) -> NewUser {
    person(&format!("{local}@demo.local"), first, last, employee_id)
}

pub(crate) use hris_sync_core::testkit::directory::one;

/// Create `new`; the test fails unless it comes back created.
pub(crate) async fn create(dir: &dyn Directory, new: NewUser) -> DirectoryUser {
    kit::create(dir, new).await.unwrap()
}
/// Create `unique(stem)@demo.local` for employee `unique(id_stem)`; the account.
pub(crate) async fn hire(
    dir: &dyn Directory,
    stem: &str,
    first: &str,
    last: &str,
    id_stem: &str,
) -> DirectoryUser {
    create(dir, new_user(&unique(stem), first, last, &unique(id_stem))).await
}

pub(crate) async fn listed(
    dir: &dyn Directory,
    id: &hris_sync_core::DirectoryUserId,
) -> DirectoryUser {
    dir.list_users()
        .await
        .unwrap()
        .users
        .into_iter()
        .find(|u| &u.id == id)
        .expect("listed")
}

/// Another LDAP client: the administrator on its own connection.
pub(crate) async fn admin(dc: &SambaDc) -> Ldap {
    dc.admin_ldap().await.unwrap()
}
