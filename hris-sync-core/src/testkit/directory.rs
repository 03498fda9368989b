//! Checks for [`Directory`] implementations.

use std::collections::BTreeMap;

use crate::directory::Directory;
use crate::error::{ErrorKind, Result};
use crate::id::DirectoryUserId;
use crate::operation::{Applied, Changes, NewUser, Operation, Outcome};
use crate::password::Password;
use crate::property::{DirectoryProperty, PropertyKind, PropertyValue};
use crate::user::DirectoryUser;

use super::{Kit, ensure, fail};

/// Run every directory check.
///
/// # Errors
/// The first check that failed, with a message naming it.
pub async fn run_all(dir: &dyn Directory, kit: &Kit) -> Result<()> {
    verified_domains_include_the_kit_domain(dir, kit).await?;
    create_then_list(dir, kit).await?;
    duplicate_upn_is_a_typed_conflict(dir, kit).await?;
    one_outcome_per_operation_in_order(dir, kit).await?;
    update_touches_only_named_properties(dir, kit).await?;
    refuses_what_a_directory_refuses(dir, kit).await?;
    enable_disable_and_revoke(dir, kit).await?;
    manager_set_and_removed(dir, kit).await?;
    unknown_user_is_not_found(dir, kit).await?;
    changes_since_cursor(dir, kit).await?;
    group_membership(dir, kit).await?;
    Ok(())
}

/// The password [`person`] gives every account (long, all four character classes, no name
/// in it: every directory's complexity rule takes it).
pub const PASSWORD: &str = "Kit-Passw0rd-Long-Enough!";

/// An account to create: `upn` for `first last` with `employee_id`, enabled, with
/// [`PASSWORD`] and no attributes (a test sets what it needs with `..person(…)`).
#[must_use]
pub fn person(upn: &str, first: &str, last: &str, employee_id: &str) -> NewUser {
    NewUser {
        mail_nickname: upn.split('@').next().unwrap_or_default().to_owned(),
        user_principal_name: upn.to_owned(),
        display_name: format!("{first} {last}"),
        given_name: Some(first.to_owned()),
        surname: Some(last.to_owned()),
        employee_id: employee_id.to_owned(),
        account_enabled: true,
        password: Password::new(PASSWORD),
        properties: BTreeMap::new(),
    }
}

/// A linked, enabled account `id` holding `upn` for `employee_id`, with `properties` (its
/// names, typically) as text.
#[must_use]
pub fn account(
    id: &str,
    upn: &str,
    employee_id: &str,
    properties: &[(DirectoryProperty, &str)],
) -> DirectoryUser {
    let mut u = DirectoryUser::new(id, upn);
    u.employee_id = Some(employee_id.to_owned());
    for (p, v) in properties {
        u.properties.insert(p.clone(), PropertyValue::text(*v));
    }
    u
}

/// A valid new account for the kit.
#[must_use]
pub fn new_user(kit: &Kit, name: &str, employee_id: &str) -> NewUser {
    person(&kit.upn(name), "Kit", name, employee_id)
}

/// The kit's new account `name` for employee `n`, its first two attributes set to `values`.
fn with_attributes(kit: &Kit, name: &str, n: u32, values: [&str; 2]) -> NewUser {
    let mut new = new_user(kit, name, &kit.employee_id(n));
    for (attribute, value) in kit.attributes.iter().zip(values) {
        new.properties
            .insert(attribute.clone(), PropertyValue::text(value));
    }
    new
}

/// `user`'s `property` is the text `want`.
fn has_text(user: &DirectoryUser, property: &DirectoryProperty, want: &str) -> Result<()> {
    let got = user.property(property);
    ensure(got == Some(&PropertyValue::text(want)), || {
        format!("{property} is {got:?}, not {want:?}")
    })
}

/// Create `new`, which must come back as [`Applied::Created`] (a kit check's helper, and a
/// test's).
///
/// # Errors
/// When the create fails or comes back as anything else, naming it.
pub async fn create(dir: &dyn Directory, new: NewUser) -> Result<DirectoryUser> {
    let upn = new.user_principal_name.clone();
    match one(dir, Operation::Create(Box::new(new))).await {
        Ok(Applied::Created(user)) => Ok(*user),
        Ok(Applied::Done | Applied::AccessPass(_)) => {
            fail(format!("create of {upn} returned no account"))
        }
        Ok(Applied::Adopted(_)) => fail(format!(
            "create of {upn} adopted an existing account where a new one was due"
        )),
        Err(e) => fail(format!("create of {upn} failed: {e}")),
    }
}

/// Apply one operation; its one outcome (an error when the directory answers with more or
/// fewer).
pub async fn one(dir: &dyn Directory, op: Operation) -> Outcome {
    let mut outcomes = dir.apply(std::slice::from_ref(&op)).await;
    match (outcomes.pop(), outcomes.is_empty()) {
        (Some(o), true) => o,
        _ => fail("apply of one operation did not return exactly one outcome"),
    }
}

async fn find(dir: &dyn Directory, id: &DirectoryUserId) -> Result<DirectoryUser> {
    let users = dir.list_users().await?.users;
    match users.into_iter().find(|u| &u.id == id) {
        Some(u) => Ok(u),
        None => fail(format!("user {id} is missing from list_users")),
    }
}

/// An update of `user` setting each property to its value (`None` clears it).
#[must_use]
pub fn update(
    user: &DirectoryUserId,
    changes: &[(DirectoryProperty, Option<PropertyValue>)],
) -> Operation {
    Operation::Update {
        user: user.clone(),
        changes: changes.iter().cloned().collect::<Changes>(),
    }
}

/// The kit's domain is among the verified domains.
///
/// # Errors
/// When it is not, or the call fails.
pub async fn verified_domains_include_the_kit_domain(dir: &dyn Directory, kit: &Kit) -> Result<()> {
    let domains = dir.verified_domains().await?;
    ensure(
        domains.iter().any(|d| d.eq_ignore_ascii_case(&kit.domain)),
        || format!("verified domains {domains:?} lack {}", kit.domain),
    )
}

/// A created account comes back from `list_users` with what was written.
///
/// # Errors
/// When a field differs or the account is missing.
pub async fn create_then_list(dir: &dyn Directory, kit: &Kit) -> Result<()> {
    let new = with_attributes(kit, "create", 1, ["Kit Dept", "Tester"]);
    let created = create(dir, new).await?;
    let listed = find(dir, &created.id).await?;
    ensure(
        listed
            .user_principal_name
            .eq_ignore_ascii_case(&kit.upn("create")),
        || format!("listed UPN {} differs", listed.user_principal_name),
    )?;
    ensure(listed.employee_id == Some(kit.employee_id(1)), || {
        format!("employeeId {:?} differs", listed.employee_id)
    })?;
    ensure(listed.account_enabled, || {
        "created enabled, listed disabled".to_owned()
    })?;
    for (p, want) in [
        (kit.attributes[0].clone(), "Kit Dept"),
        (kit.attributes[1].clone(), "Tester"),
        (DirectoryProperty::DISPLAY_NAME, "Kit create"),
        (DirectoryProperty::GIVEN_NAME, "Kit"),
        (DirectoryProperty::SURNAME, "create"),
    ] {
        let got = listed.property(&p).and_then(PropertyValue::as_text);
        ensure(got == Some(want), || {
            format!("{p} is {got:?}, want {want:?}")
        })?;
    }
    Ok(())
}

/// A second account with the same UPN (in another case) is refused as a UPN conflict.
///
/// # Errors
/// When the duplicate is accepted or refused with another error.
pub async fn duplicate_upn_is_a_typed_conflict(dir: &dyn Directory, kit: &Kit) -> Result<()> {
    create(dir, new_user(kit, "dup", &kit.employee_id(2))).await?;
    let mut again = new_user(kit, "dup", &kit.employee_id(3));
    again.user_principal_name = format!("{}-DUP@{}", kit.prefix.to_uppercase(), kit.domain);
    match one(dir, Operation::Create(Box::new(again))).await {
        Err(e) if e.is_upn_conflict() => Ok(()),
        Err(e) => fail(format!("duplicate UPN refused with the wrong error: {e}")),
        Ok(_) => fail("duplicate UPN was accepted"),
    }
}

/// 25 operations, one of them bad, give 25 outcomes in order; the bad one fails alone.
///
/// # Errors
/// When outcomes are missing, out of order, or the bad one sinks the others.
pub async fn one_outcome_per_operation_in_order(dir: &dyn Directory, kit: &Kit) -> Result<()> {
    let target = create(dir, new_user(kit, "batch", &kit.employee_id(4))).await?;
    let mut ops: Vec<Operation> = (0..25)
        .map(|i| {
            update(
                &target.id,
                &[(
                    kit.attributes[1].clone(),
                    Some(PropertyValue::text(format!("City {i}"))),
                )],
            )
        })
        .collect();
    ops[12] = update(
        &DirectoryUserId::new("00000000-0000-0000-0000-00000000dead"),
        &[(kit.attributes[1].clone(), Some(PropertyValue::text("x")))],
    );
    let outcomes = dir.apply(&ops).await;
    ensure(outcomes.len() == 25, || {
        format!("{} outcomes for 25 operations", outcomes.len())
    })?;
    for (i, o) in outcomes.iter().enumerate() {
        match (i, o) {
            (12, Err(e)) if e.kind() == ErrorKind::NotFound => {}
            (12, other) => return fail(format!("operation 12 (unknown user) gave {other:?}")),
            (_, Ok(Applied::Done)) => {}
            (_, other) => return fail(format!("operation {i} gave {other:?}")),
        }
    }
    Ok(())
}

/// An update changes only the named properties; `None` clears.
///
/// # Errors
/// When another property changes or a clear is not applied.
pub async fn update_touches_only_named_properties(dir: &dyn Directory, kit: &Kit) -> Result<()> {
    let new = with_attributes(kit, "update", 5, ["Before", "Keep"]);
    let user = create(dir, new).await?;
    one(
        dir,
        update(
            &user.id,
            &[(
                kit.attributes[0].clone(),
                Some(PropertyValue::text("After")),
            )],
        ),
    )
    .await?;
    let got = find(dir, &user.id).await?;
    has_text(&got, &kit.attributes[0], "After")?;
    has_text(&got, &kit.attributes[1], "Keep")?;
    one(dir, update(&user.id, &[(kit.attributes[1].clone(), None)])).await?;
    let got = find(dir, &user.id).await?;
    ensure(got.property(&kit.attributes[1]).is_none(), || {
        format!(
            "{} not cleared: {:?}",
            kit.attributes[1],
            got.property(&kit.attributes[1])
        )
    })
}

/// Values over the declared length, empty strings, missing create fields, unverified domains
/// and over-long employee ids are refused as invalid input, as a strict directory refuses
/// them.
///
/// # Errors
/// When one of them is accepted.
pub async fn refuses_what_a_directory_refuses(dir: &dyn Directory, kit: &Kit) -> Result<()> {
    let user = create(dir, new_user(kit, "limits", &kit.employee_id(6))).await?;
    let mut bad_updates = vec![
        (
            "empty string".to_owned(),
            kit.attributes[1].clone(),
            Some(PropertyValue::text("")),
        ),
        (
            "null displayName".to_owned(),
            DirectoryProperty::DISPLAY_NAME,
            None,
        ),
    ];
    if let PropertyKind::Text { max_len } = kit.attributes[0].kind() {
        if let Some(over) = max_len.checked_add(1).filter(|n| *n < 100_000) {
            bad_updates.push((
                format!("{} of {over} characters", kit.attributes[0]),
                kit.attributes[0].clone(),
                Some(PropertyValue::text("d".repeat(over))),
            ));
        }
    }
    for (what, p, v) in bad_updates {
        match one(dir, update(&user.id, &[(p, v)])).await {
            Err(e) if e.kind() == ErrorKind::InvalidInput => {}
            other => return fail(format!("{what}: expected invalid input, got {other:?}")),
        }
    }
    let mut no_name = new_user(kit, "noname", &kit.employee_id(7));
    no_name.display_name = String::new();
    let mut other_domain = new_user(kit, "otherdomain", &kit.employee_id(8));
    other_domain.user_principal_name = format!("{}-otherdomain@unverified.invalid", kit.prefix);
    let long_id = new_user(kit, "longid", "12345678901234567");
    for (what, new) in [
        ("missing displayName", no_name),
        ("unverified domain", other_domain),
        ("17-character employeeId", long_id),
    ] {
        match one(dir, Operation::Create(Box::new(new))).await {
            Err(e) if e.kind() == ErrorKind::InvalidInput => {}
            other => return fail(format!("{what}: expected invalid input, got {other:?}")),
        }
    }
    Ok(())
}

/// `accountEnabled` can be turned off and on; sessions can be revoked (a directory without
/// sessions answers [`ErrorKind::Unsupported`]).
///
/// # Errors
/// When a state does not stick or revocation fails otherwise.
pub async fn enable_disable_and_revoke(dir: &dyn Directory, kit: &Kit) -> Result<()> {
    let user = create(dir, new_user(kit, "lifecycle", &kit.employee_id(9))).await?;
    for enabled in [false, true, false] {
        one(
            dir,
            update(
                &user.id,
                &[(
                    DirectoryProperty::ACCOUNT_ENABLED,
                    Some(PropertyValue::Bool(enabled)),
                )],
            ),
        )
        .await?;
        let got = find(dir, &user.id).await?;
        ensure(got.account_enabled == enabled, || {
            format!("accountEnabled is {}, want {enabled}", got.account_enabled)
        })?;
    }
    match one(
        dir,
        Operation::RevokeSessions {
            user: user.id.clone(),
        },
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::Unsupported => Ok(()),
        Err(e) => Err(e),
    }
}

/// A manager can be set, read back and removed.
///
/// # Errors
/// When the manager does not read back as written.
pub async fn manager_set_and_removed(dir: &dyn Directory, kit: &Kit) -> Result<()> {
    let boss = create(dir, new_user(kit, "boss", &kit.employee_id(10))).await?;
    let report = create(dir, new_user(kit, "report", &kit.employee_id(11))).await?;
    one(
        dir,
        Operation::SetManager {
            user: report.id.clone(),
            manager: Some(boss.id.clone()),
        },
    )
    .await?;
    let got = find(dir, &report.id).await?;
    ensure(got.manager_id.as_ref() == Some(&boss.id), || {
        format!("manager is {:?}", got.manager_id)
    })?;
    one(
        dir,
        Operation::SetManager {
            user: report.id.clone(),
            manager: None,
        },
    )
    .await?;
    let got = find(dir, &report.id).await?;
    ensure(got.manager_id.is_none(), || {
        format!("manager not removed: {:?}", got.manager_id)
    })
}

/// Writing to an unknown user is `NotFound`.
///
/// # Errors
/// When another outcome comes back.
pub async fn unknown_user_is_not_found(dir: &dyn Directory, kit: &Kit) -> Result<()> {
    let ghost = DirectoryUserId::new("00000000-0000-0000-0000-0000000000ff");
    let op = update(
        &ghost,
        &[(
            kit.attributes[1].clone(),
            Some(PropertyValue::text("Nowhere")),
        )],
    );
    match one(dir, op).await {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        other => fail(format!("unknown user gave {other:?}")),
    }
}

/// After a full read, a change shows up in `list_user_changes` (when the directory has a
/// change feed; `Unsupported` passes).
///
/// # Errors
/// When the change is missing.
pub async fn changes_since_cursor(dir: &dyn Directory, kit: &Kit) -> Result<()> {
    let Some(cursor) = dir.list_users().await?.cursor else {
        return Ok(());
    };
    let user = create(dir, new_user(kit, "delta", &kit.employee_id(12))).await?;
    match dir.list_user_changes(&cursor).await {
        Err(e) if e.kind() == ErrorKind::Unsupported => Ok(()),
        Err(e) => Err(e),
        Ok(changes) => ensure(changes.changed.iter().any(|u| u.id == user.id), || {
            format!(
                "created user {} missing from {} changes",
                user.id,
                changes.changed.len()
            )
        }),
    }
}

/// G4 on the kit's group (when it names one): a member is added and removed, each twice
/// (the second time changes nothing and is done), `read_group` shows each state, and an
/// unknown group is `NotFound`.
///
/// # Errors
/// When a state does not read back, a repeated write fails, or the unknown group is found.
pub async fn group_membership(dir: &dyn Directory, kit: &Kit) -> Result<()> {
    let Some(group) = &kit.group else {
        return Ok(());
    };
    let user = create(dir, new_user(kit, "member", &kit.employee_id(13))).await?;
    let before = dir.read_group(group).await?;
    ensure(before.refusal.is_none(), || {
        format!("the kit's group {group} is refused: {:?}", before.refusal)
    })?;
    ensure(!before.members.contains(&user.id), || {
        format!("{} is a member before it was added", user.id)
    })?;
    let add = || Operation::AddMember {
        group: group.clone(),
        user: user.id.clone(),
    };
    let remove = || Operation::RemoveMember {
        group: group.clone(),
        user: user.id.clone(),
    };
    for (what, op, member) in [
        ("add", add(), true),
        ("add again", add(), true),
        ("remove", remove(), false),
        ("remove again", remove(), false),
    ] {
        match one(dir, op).await {
            Ok(Applied::Done) => {}
            other => return fail(format!("{what} of a group member gave {other:?}")),
        }
        let now = dir.read_group(group).await?;
        ensure(now.members.contains(&user.id) == member, || {
            format!("after {what}, membership of {} is {}", user.id, !member)
        })?;
    }
    let ghost = "00000000-0000-0000-0000-0000000000fe";
    match dir.read_group(ghost).await {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        other => fail(format!("an unknown group gave {other:?}")),
    }
}
