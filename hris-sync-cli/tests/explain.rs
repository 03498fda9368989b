//! `hris-sync explain ID` (docs/rules.md §13), on the simulators seeded with the demo
//! company: the three questions an administrator asks most, answered step by step, with
//! nothing written.

use hris_sync_cli::demo::cast;

use crate::cli::{against, on_sims, run_async, scratch, sims, succeeded};

async fn explain(sims: &crate::cli::Sims, config: &std::path::Path, id: &str, now: &str) -> String {
    let mut c = on_sims(sims);
    c.args(["explain", id, "--now", now, "--config"])
        .arg(config);
    succeeded(c).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_answers_why_step_by_step_and_writes_nothing() {
    let sims = sims().await;
    let (dir, config, state) = scratch();
    let now = "2026-11-27T09:00:00Z";

    // Not linked: the only account with the email is disabled, and it keeps its UPN.
    let x = explain(&sims, &config, cast::DISABLED_MATCH, now).await;
    eprintln!("{x}");
    assert!(x.contains("[no] S2 by email"), "{x}");
    assert!(
        x.contains("disabled: a disabled account is never linked"),
        "{x}"
    );
    assert!(x.contains("Outcome\n  create "), "{x}");
    assert!(
        x.contains("\"Иванова\" → locale table (De) \"Иванова\" → transliterated"),
        "{x}"
    );

    // A leaver on the day of their termination in UTC, already the next day in Berlin.
    let x = explain(&sims, &config, cast::LEAVER, "2026-11-26T23:30:00Z").await;
    eprintln!("{x}");
    assert!(x.contains("today is 2026-11-27 in Europe/Berlin"), "{x}");
    assert!(x.contains("[no] S5 termination date"), "{x}");
    assert!(x.contains("  disable "), "{x}");
    // An hour earlier it is still the 26th in Berlin: still employed.
    let x = explain(&sims, &config, cast::LEAVER, "2026-11-26T22:30:00Z").await;
    assert!(
        x.contains("still employed today (2026-11-26 in Europe/Berlin)"),
        "{x}"
    );
    assert!(!x.contains("  disable "), "{x}");

    // A name collision: the first Hans Müller has his account (provisioned on demand), so
    // the second gets the employee id as a suffix.
    let mut first = against(&sims, &config, &state);
    first.args(["--apply", "--only", cast::HANS_FIRST]);
    succeeded(first).await;
    let writes = sims.graph.counts();
    let x = explain(&sims, &config, cast::HANS_SECOND, now).await;
    eprintln!("{x}");
    assert!(x.contains("[no] U2/U3 plain"), "{x}");
    assert!(
        x.contains(&format!("employee {})", cast::HANS_FIRST)),
        "{x}"
    );
    assert!(x.contains("hans.mueller_1021@demo.com"), "{x}");

    // As data, and nothing was written by any of it.
    let mut c = on_sims(&sims);
    c.args([
        "explain",
        cast::HANS_SECOND,
        "--format",
        "json",
        "--now",
        now,
        "--config",
    ])
    .arg(&config);
    let out = run_async(c).await;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["employee_id"], cast::HANS_SECOND);
    assert_eq!(json["outcome"][0]["kind"], "create");
    assert_eq!(sims.graph.counts().creates, writes.creates);
    drop(dir);
}

// `explain --demo` needs no configuration and no credentials: the demo's simulators.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_runs_on_the_demo() {
    let mut c = crate::cli::sync();
    c.args(["explain", cast::DISABLED_MATCH, "--demo"]);
    let stdout = succeeded(c).await;
    let x = stdout;
    assert!(x.contains("[no] S2 by email"), "{x}");
    assert!(x.contains("olga.ivanova_1011@demo.com"), "{x}");
}
