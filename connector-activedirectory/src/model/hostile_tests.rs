//! LDAP entries are remote input: whatever a directory server returns, reading it as a user
//! or a group never panics (issue 23 point 7), nor does taking a DN apart.

use std::collections::BTreeMap;

use hris_sync_core::DirectoryUserId;
use hris_sync_core::raw::ReadSet;
use hris_sync_core::testkit::hostile;
use proptest::prelude::*;

use super::Entry;

/// The attributes the connector reads, lower case as entries hold them, with range forms.
const NAMES: &[&str] = &[
    "userprincipalname",
    "samaccountname",
    "employeeid",
    "useraccountcontrol",
    "mail",
    "iscriticalsystemobject",
    "admincount",
    "objectclass",
    "displayname",
    "givenname",
    "sn",
    "department",
    "title",
    "manager",
    "member",
    "member;range=0-1499",
    "member;range=1500-*",
    "member;range=x-y",
    "member;range=-",
    "cn",
];

fn entry() -> impl Strategy<Value = Entry> {
    (
        hostile::text(),
        proptest::collection::btree_map(
            proptest::sample::select(NAMES).prop_map(str::to_owned),
            proptest::collection::vec(hostile::text(), 0..3),
            0..10,
        ),
        proptest::option::of(any::<[u8; 16]>()),
    )
        .prop_map(
            |(dn, attrs, guid): (String, BTreeMap<String, Vec<String>>, _)| Entry {
                dn,
                attrs,
                guid,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn entries_and_dns_never_panic(e in entry()) {
        let read_set = ReadSet::everything();
        let _ = crate::convert::user(&e, &read_set, "demo.local", |m| {
            Some(DirectoryUserId::new(format!("dn:{m}")))
        });
        let _ = (e.uac(), e.is_critical(), e.is_protected(), e.is_user(), e.ranged("member"));
        let _ = crate::dn::rdns(&e.dn);
        let _ = crate::dn::normalize(&e.dn);
        let _ = crate::dn::parent(&e.dn);
        let _ = crate::dn::rdn_value(crate::dn::first_rdn(&e.dn));
        let _ = crate::dn::dns_name(&e.dn);
    }
}
