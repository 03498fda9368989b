//! Groups through Graph (docs/rules.md §10, G3, G4) against the simulator, which answers
//! each group kind, membership write and permission as Graph does.

use crate::support::Connect as _;
use connector_azuread::properties as P;
use std::time::Duration;

use hris_sync_core::raw::{Applied, GroupRefusal, Operation};
use hris_sync_core::testkit::{self, Kit};
use hris_sync_core::{Directory, DirectoryUserId, ErrorKind};
use hris_sync_sims::graph::{GraphSim, SimConfig, SimGroup};

use crate::support::{config, create, denied, kit_directory, users};
use hris_sync_core::testkit::directory::one;

const GROUP: &str = "0b1c2d3e-0000-4000-8000-00000000f1a0";

fn with_groups() -> SimConfig {
    let mut c = config();
    c.permissions.push("GroupMember.ReadWrite.All".to_owned());
    c
}

#[tokio::test(flavor = "current_thread")]
async fn the_kit_passes_with_a_group() {
    let sim = GraphSim::start(with_groups()).await.unwrap();
    sim.seed_group(SimGroup::security(GROUP, "Finance"));
    let entra = kit_directory(&sim);
    testkit::directory::run_all(
        &entra,
        &Kit::new("demo.com", "kitg")
            .with_attributes(P::DEPARTMENT, P::JOB_TITLE)
            .with_group(GROUP),
    )
    .await
    .unwrap();
    assert!(sim.counts().memberships >= 2, "{:?}", sim.counts());
}

#[tokio::test(flavor = "current_thread")]
async fn g3_each_kind_graph_will_not_write_is_refused_and_a_microsoft_365_group_is_not() {
    let sim = GraphSim::start(with_groups()).await.unwrap();
    let entra = sim.directory().build().unwrap();
    let kinds = [
        ("dyn", GroupRefusal::Dynamic),
        ("role", GroupRefusal::RoleAssignable),
        ("dl", GroupRefusal::MailEnabled),
        ("onprem", GroupRefusal::OnPremises),
    ];
    for (i, (kind, refusal)) in kinds.iter().enumerate() {
        let id = format!("0b1c2d3e-0000-4000-8000-00000000000{i}");
        let mut g = SimGroup::security(&id, *kind);
        match *kind {
            "dyn" => g.group_types = vec!["DynamicMembership".into()],
            "role" => g.is_assignable_to_role = true,
            "dl" => {
                g.mail_enabled = true;
                g.security_enabled = false;
            }
            _ => g.on_premises_sync_enabled = Some(true),
        }
        sim.seed_group(g);
        let info = entra.read_group(&id).await.unwrap();
        assert_eq!(info.refusal, Some(*refusal), "{kind}");
        // Graph refuses the writes too: the start-up check is not the only barrier.
        sim.seed(users(1)).ok();
        let err = one(
            &entra,
            Operation::AddMember {
                group: id.clone(),
                user: users(1)[0].id.clone(),
            },
        )
        .await
        .unwrap_err();
        let want = if *kind == "role" {
            ErrorKind::PermissionDenied
        } else {
            ErrorKind::InvalidInput
        };
        assert_eq!(err.kind(), want, "{kind}: {err}");
    }
    let mut unified = SimGroup::security("0b1c2d3e-0000-4000-8000-0000000000aa", "All company");
    unified.group_types = vec!["Unified".into()];
    unified.mail_enabled = true;
    sim.seed_group(unified);
    assert_eq!(
        entra
            .read_group("0b1c2d3e-0000-4000-8000-0000000000aa")
            .await
            .unwrap()
            .refusal,
        None
    );
    let err = entra
        .read_group("0b1c2d3e-0000-4000-8000-0000000000ff")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test(flavor = "current_thread")]
async fn members_are_read_page_by_page_and_only_users_are_listed() {
    let sim = GraphSim::start(with_groups()).await.unwrap();
    let staff = users(2500);
    sim.seed(staff.clone()).unwrap();
    let mut g = SimGroup::security(GROUP, "Everyone");
    g.members = staff.iter().map(|u| u.id.clone()).collect();
    g.other_members.insert("a-nested-group".into());
    sim.seed_group(g);
    let before = sim.counts().groups;
    let info = sim
        .directory()
        .build()
        .unwrap()
        .read_group(GROUP)
        .await
        .unwrap();
    assert_eq!(info.members.len(), 2500);
    assert!(
        !info
            .members
            .contains(&DirectoryUserId::new("a-nested-group"))
    );
    assert_eq!(
        sim.counts().groups - before,
        1 + 3,
        "the group and ⌈2500/999⌉ pages"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn without_the_permission_the_error_names_it() {
    let sim = GraphSim::start(config()).await.unwrap();
    sim.seed_group(SimGroup::security(GROUP, "Finance"));
    let entra = sim.directory().build().unwrap();
    let err = entra.read_group(GROUP).await.unwrap_err();
    denied(&err, "GroupMember.ReadWrite.All");
}

#[tokio::test(flavor = "current_thread")]
async fn g4_a_new_hire_joins_its_group_despite_replication_lag() {
    let mut c = with_groups();
    // 0.3 s at the tests' scale, within the connector's consistency wait (0.6 s).
    c.replication_lag = Duration::from_secs(30);
    let sim = GraphSim::start(c).await.unwrap();
    sim.seed_group(SimGroup::security(GROUP, "Finance"));
    let entra = sim.directory().build().unwrap();
    let Ok(Applied::Created(hire)) = one(&entra, create("hire@demo.com", "77")).await else {
        panic!("created");
    };
    // Invisible for a while: the add meets 404 and waits it out (T3), in $batch.
    let batches = sim.counts().batch;
    let added = one(
        &entra,
        Operation::AddMember {
            group: GROUP.into(),
            user: hire.id.clone(),
        },
    )
    .await;
    assert!(matches!(added, Ok(Applied::Done)), "{added:?}");
    assert!(sim.group(GROUP).unwrap().members.contains(&hire.id));
    assert!(sim.counts().batch > batches + 1, "retried until visible");
}
