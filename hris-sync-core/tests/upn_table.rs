//! docs/rules.md §3, U1–U5: a named table of UPN cases, each planned end to end through `plan`.

use hris_sync_core::upn::is_valid_upn;
use hris_sync_core::{DirectoryUser, Employee, Plan, plan};

use crate::support::{emp, now, policy_upn, skipped_for, user};

/// What a case must produce.
enum Expect {
    /// The employee is created with this UPN.
    Upn(&'static str),
    /// The employee is reported (not created) with a reason containing this text.
    Reported(&'static str),
}

struct Case {
    name: &'static str,
    first: &'static str,
    last: &'static str,
    /// Extra `[upn]` settings.
    schema: &'static str,
    /// Existing directory users: (UPN, enabled).
    existing: &'static [(&'static str, bool)],
    /// Other new hires in the same plan who joined earlier: (first, last).
    earlier: &'static [(&'static str, &'static str)],
    expect: Expect,
}

const fn case(name: &'static str, first: &'static str, last: &'static str, expect: Expect) -> Case {
    Case {
        name,
        first,
        last,
        schema: "",
        existing: &[],
        earlier: &[],
        expect,
    }
}

const SEVENTY: &str = "Maximilianefriederikehildegardwilhelminekarolinaaugustaviktoriaelisabe";

fn table() -> Vec<Case> {
    use Expect::{Reported, Upn};
    vec![
        // U1: the German locale table runs before general transliteration.
        case(
            "Müller (ü→ue)",
            "Hans",
            "Müller",
            Upn("hans.mueller@demo.com"),
        ),
        case(
            "Strauß (ß→ss)",
            "Johann",
            "Strauß",
            Upn("johann.strauss@demo.com"),
        ),
        case(
            "Øyvind (Ø→oe)",
            "Øyvind",
            "Hansen",
            Upn("oeyvind.hansen@demo.com"),
        ),
        case(
            "Łukasz (general)",
            "Łukasz",
            "Nowak",
            Upn("lukasz.nowak@demo.com"),
        ),
        case("Zoë (ë→e)", "Zoë", "Smith", Upn("zoe.smith@demo.com")),
        case(
            "François (ç→c)",
            "François",
            "Dubois",
            Upn("francois.dubois@demo.com"),
        ),
        case(
            "José María (space dropped)",
            "José María",
            "García",
            Upn("josemaria.garcia@demo.com"),
        ),
        case(
            "O'Brien (apostrophe dropped)",
            "Liam",
            "O'Brien",
            Upn("liam.obrien@demo.com"),
        ),
        case(
            "Anna-Lena (hyphen dropped)",
            "Anna-Lena",
            "Schmidt",
            Upn("annalena.schmidt@demo.com"),
        ),
        case(
            "van der Berg (spaces dropped)",
            "Jan",
            "van der Berg",
            Upn("jan.vanderberg@demo.com"),
        ),
        case(
            "double spaces",
            "Anna  Maria",
            "Weber  Koch",
            Upn("annamaria.weberkoch@demo.com"),
        ),
        case("王芳 (Han)", "芳", "王", Upn("fang.wang@demo.com")),
        case(
            "王芳 as one given name",
            "王芳",
            "Li",
            Upn("wangfang.li@demo.com"),
        ),
        case(
            "Ольга (Cyrillic)",
            "Ольга",
            "Иванова",
            Upn("olga.ivanova@demo.com"),
        ),
        case(
            "Ελένη (Greek)",
            "Ελένη",
            "Νικολάου",
            Upn("elene.nikolaou@demo.com"),
        ),
        case(
            "Turkish İ (dotted capital)",
            "İpek",
            "Demir",
            Upn("ipek.demir@demo.com"),
        ),
        case(
            "Turkish ı (dotless)",
            "Işıl",
            "Yılmaz",
            Upn("isil.yilmaz@demo.com"),
        ),
        case("Æ (Æ→ae)", "Æsa", "Ærø", Upn("aesa.aeroe@demo.com")),
        case("Å (Å→aa)", "Åsa", "Ståhl", Upn("aasa.staahl@demo.com")),
        case("Œ (œ→oe)", "Zoé", "Cœur", Upn("zoe.coeur@demo.com")),
        case(
            "decomposed umlaut",
            "Hans",
            "Mu\u{308}ller",
            Upn("hans.mueller@demo.com"),
        ),
        case("upper case", "HANS", "MÜLLER", Upn("hans.mueller@demo.com")),
        case("digits kept", "Anna2", "Weber", Upn("anna2.weber@demo.com")),
        case(
            "surrounding whitespace",
            "  Anna ",
            " Weber  ",
            Upn("anna.weber@demo.com"),
        ),
        case(
            "symbols inside a name",
            "An!na",
            "We#ber",
            Upn("anna.weber@demo.com"),
        ),
        case("Đorđe (Đ→d)", "Đorđe", "Đukić", Upn("dorde.dukic@demo.com")),
        case("Þór (Þ→th)", "Þór", "Jónsson", Upn("thor.jonsson@demo.com")),
        case("Ñuñez (ñ→n)", "Íñigo", "Ñuñez", Upn("inigo.nunez@demo.com")),
        case("Japanese kana", "たなか", "Ito", Upn("tanaka.ito@demo.com")),
        // U5: a name that normalizes to nothing is reported, never guessed.
        case(
            "emoji-only first name",
            "🦄🎉",
            "Smith",
            Reported("first_name"),
        ),
        case(
            "symbols-only last name",
            "Anna",
            "---",
            Reported("last_name"),
        ),
        // U2: 64-character local part, name parts truncated.
        case(
            "70-character name truncated",
            SEVENTY,
            "Li",
            Upn("maximilianefriederikehildegardwilhelminekarolinaaugustaviktor.li@demo.com"),
        ),
        // Schema options.
        Case {
            schema: "beginning_part = \"first_letter\"",
            ..case(
                "first-letter mode",
                "Hans",
                "Müller",
                Upn("h.mueller@demo.com"),
            )
        },
        Case {
            schema: "beginning_part = \"first_letter\"",
            ..case(
                "first-letter of a transliterated name",
                "Øyvind",
                "Berg",
                Upn("o.berg@demo.com"),
            )
        },
        Case {
            schema: "end_part = \"first_letter\"",
            ..case(
                "end first-letter mode",
                "Hans",
                "Müller",
                Upn("hans.m@demo.com"),
            )
        },
        Case {
            schema: "separator = \"none\"",
            ..case(
                "no separator",
                "Hans",
                "Müller",
                Upn("hansmueller@demo.com"),
            )
        },
        Case {
            schema: "separator = \"-\"",
            ..case(
                "hyphen separator",
                "Hans",
                "Müller",
                Upn("hans-mueller@demo.com"),
            )
        },
        Case {
            schema: "separator = \"_\"",
            ..case(
                "underscore separator",
                "Hans",
                "Müller",
                Upn("hans_mueller@demo.com"),
            )
        },
        Case {
            schema: "end = \"none\"",
            ..case("no end part", "Hans", "Müller", Upn("hans@demo.com"))
        },
        Case {
            schema: "locale = \"none\"",
            ..case(
                "no locale table (ü→u)",
                "Hans",
                "Müller",
                Upn("hans.muller@demo.com"),
            )
        },
        // U3: collisions.
        Case {
            existing: &[("hans.mueller@demo.com", false)],
            ..case(
                "collision with a disabled user",
                "Hans",
                "Müller",
                Upn("hans.mueller_12345@demo.com"),
            )
        },
        Case {
            existing: &[("Hans.Mueller@Demo.com", true)],
            ..case(
                "collision is case-insensitive",
                "Hans",
                "Müller",
                Upn("hans.mueller_12345@demo.com"),
            )
        },
        Case {
            existing: &[
                ("hans.mueller@demo.com", true),
                ("hans.mueller_12345@demo.com", false),
            ],
            ..case("suffix also taken", "Hans", "Müller", Reported("U3"))
        },
        Case {
            existing: &[(
                "maximilianefriederikehildegardwilhelminekarolinaaugustaviktor.li@demo.com",
                true,
            )],
            ..case(
                "70-character name collides: suffix intact",
                SEVENTY,
                "Li",
                Upn("maximilianefriederikehildegardwilhelminekarolinaaugusta.li_12345@demo.com"),
            )
        },
    ]
}

fn run(case: &Case) -> Plan {
    let policy = policy_upn(case.schema);
    let mut employees: Vec<Employee> = case
        .earlier
        .iter()
        .enumerate()
        .map(|(i, (first, last))| {
            let mut e = emp(&(i + 1).to_string(), first, last);
            e.created_at = Some(crate::support::at("2020-01-01T00:00:00Z"));
            e
        })
        .collect();
    employees.push(emp("12345", case.first, case.last));
    let users: Vec<DirectoryUser> = case
        .existing
        .iter()
        .enumerate()
        .map(|(i, (upn, enabled))| {
            let mut u = user(&format!("u{i}"), upn);
            u.account_enabled = *enabled;
            u
        })
        .collect();
    plan(&employees, &users, &policy, now())
}

// U1–U5: every case of the table.
#[test]
fn upn_table() {
    let cases = table();
    assert!(cases.len() >= 40, "the table has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let plan = run(case);
        let created: Vec<(&str, &str)> = crate::support::creates(&plan)
            .into_iter()
            .filter(|(id, _)| *id == "12345")
            .collect();
        match (&case.expect, created.as_slice()) {
            (Expect::Upn(want), [(_, got)]) => {
                if got != want {
                    failures.push(format!("{}: got {got}, want {want}", case.name));
                }
                if !is_valid_upn(got) {
                    failures.push(format!("{}: {got} breaks Entra's UPN rules", case.name));
                }
                let local = got.split('@').next().unwrap_or_default();
                if local.len() > 64 {
                    failures.push(format!(
                        "{}: local part of {} chars",
                        case.name,
                        local.len()
                    ));
                }
            }
            (Expect::Reported(needle), []) => match skipped_for(&plan, "12345") {
                Some(s) if s.reason.to_string().contains(needle) => {}
                other => failures.push(format!(
                    "{}: want a report with {needle:?}, got {other:?}",
                    case.name
                )),
            },
            (_, got) => failures.push(format!("{}: unexpected creates {got:?}", case.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// U3 + U4: two people who normalize to the same UPN in one plan; the one who joined first
// (created_at) keeps the plain form, whatever their ids.
#[test]
fn u3_u4_collision_inside_one_plan_follows_created_at() {
    let mut early = emp("900", "Hans", "Müller");
    early.created_at = Some(crate::support::at("2020-01-01T00:00:00Z"));
    let mut late = emp("12", "Hans", "Mueller");
    late.created_at = Some(crate::support::at("2023-05-01T00:00:00Z"));
    for employees in [vec![early.clone(), late.clone()], vec![late, early]] {
        let plan = plan(&employees, &[], &crate::support::policy(), now());
        let mut got = crate::support::creates(&plan);
        got.sort_unstable();
        assert_eq!(
            got,
            [
                ("12", "hans.mueller_12@demo.com"),
                ("900", "hans.mueller@demo.com")
            ]
        );
    }
}

// U4: equal created_at falls back to id order (numeric).
#[test]
fn u4_ties_break_by_id() {
    let a = emp("10", "Hans", "Müller");
    let b = emp("9", "Hans", "Müller");
    let plan = plan(&[a, b], &[], &crate::support::policy(), now());
    let mut got = crate::support::creates(&plan);
    got.sort_unstable();
    assert_eq!(
        got,
        [
            ("10", "hans.mueller_10@demo.com"),
            ("9", "hans.mueller@demo.com")
        ]
    );
}

// U3: the fallback UPN for a create-time conflict (U5) is planned alongside the plain one.
#[test]
fn u5_fallback_is_planned() {
    let plan = plan(
        &[emp("7", "Hans", "Müller")],
        &[],
        &crate::support::policy(),
        now(),
    );
    match &plan.actions[0] {
        hris_sync_core::Action::Create {
            upn, fallback_upn, ..
        } => {
            assert_eq!(upn, "hans.mueller@demo.com");
            assert_eq!(fallback_upn.as_deref(), Some("hans.mueller_7@demo.com"));
        }
        other => panic!("{other:?}"),
    }
}
