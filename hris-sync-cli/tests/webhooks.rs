//! docs/rules.md §8 end to end: `hris-sync --watch --listen` with `PERSONIO_WEBHOOK_TOKEN` receives
//! Personio notifications over HTTP and applies each change by a targeted cycle, without
//! listing the company again; a bad token is refused; a flood is acked and merged.

use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use hris_sync_core::raw::PropertyValue;
use hris_sync_core::{AttributeValue, Employee, EmployeeId};
use serde_json::json;

use crate::cli::{Sims, against, scratch, sims, stops_cleanly, watching_with};
use crate::common::now;

const TOKEN: &str = "Bearer hook-secret-7Qx";

/// Polls `check` every 50 ms for up to two minutes (the cycle runs in another process).
async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn account(sims: &Sims, id: &str) -> Option<hris_sync_core::DirectoryUser> {
    sims.graph
        .users()
        .into_iter()
        .find(|u| u.employee_id.as_deref() == Some(id))
}

/// An active employee with an enabled account after the first cycle.
fn linked_active(sims: &Sims) -> Vec<Employee> {
    sims.personio
        .employees()
        .into_iter()
        .filter(|e| {
            e.status == hris_sync_core::EmployeeStatus::Active
                && e.termination_date.is_none()
                && account(sims, e.id.as_str()).is_some_and(|u| u.account_enabled)
        })
        .collect()
}

/// A notification as Personio's webhook documentation shapes it (entity-keyed, §6b).
fn note(event: &str, person: &str, at: &str) -> serde_json::Value {
    let payload = if event.starts_with("employment.") {
        json!({"employment": {"id": "0b6f3c1e-employment"}, "person": {"id": person}})
    } else {
        json!({"person": {"id": person}})
    };
    json!({"company_id": "4711", "event_name": event, "occurred_at": at, "payload": payload})
}

/// `hris-sync --apply --watch --interval INTERVAL --listen 127.0.0.1:0 --debounce DEBOUNCE` with
/// the webhook token, against `sims`: the running child and the address it listens on.
async fn watching(
    sims: &Sims,
    config: &std::path::Path,
    state: &std::path::Path,
    interval: &str,
    debounce: &str,
) -> (std::process::Child, String) {
    let args = ["--interval", interval, "--debounce", debounce];
    watching_with(
        sims,
        config,
        state,
        &args,
        &[("PERSONIO_WEBHOOK_TOKEN", TOKEN)],
    )
    .await
}

/// [`watching`] with a debounce of a second, on a fresh configuration and state: the
/// scratch directory (keep it while the child runs), the child and its address.
async fn receiving(
    sims: &Sims,
    interval: &str,
) -> (tempfile::TempDir, std::process::Child, String) {
    let (dir, config, state) = scratch();
    let (child, addr) = watching(sims, &config, &state, interval, "1s").await;
    (dir, child, addr)
}

/// Wait (up to two minutes) until the watching sync at `addr` has finished a cycle.
async fn first_cycle(http: &reqwest::Client, addr: &str) {
    let started = Instant::now();
    loop {
        let text = http
            .get(format!("http://{addr}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if cycles(&text) >= 1 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no first cycle"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn cycles(metrics: &str) -> u64 {
    metrics
        .lines()
        .find(|l| l.starts_with("hris_sync_cycles_total{result=\"success\"}"))
        .and_then(|l| l.rsplit_once(' '))
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_apply_hire_move_and_leave_by_targeted_cycles() {
    let sims = sims().await;
    let (_dir, child, addr) = receiving(&sims, "1h").await;
    let http = reqwest::Client::new();
    let hook = format!("http://{addr}/webhooks/personio");
    let metrics = || {
        let req = http.get(format!("http://{addr}/metrics"));
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let post = |body: serde_json::Value, token: Option<&'static str>| {
        let mut req = http.post(&hook).json(&body);
        if let Some(t) = token {
            req = req.header("authorization", t);
        }
        async move { req.send().await.unwrap().status().as_u16() }
    };
    // A notification with the token: acknowledged with 200.
    let announce = |event: &'static str, person: &str, at: &'static str| {
        let sent = post(note(event, person, at), Some(TOKEN));
        async move { assert_eq!(sent.await, 200, "{event}") }
    };
    let started = Instant::now();
    first_cycle(&http, &addr).await;
    let listings = sims.personio.counts().employees;

    // Refused without the token, or with another one; nothing queued.
    assert_eq!(post(note("person.created", "1", "t0"), None).await, 401);
    assert_eq!(
        post(note("person.created", "1", "t0"), Some("Bearer guess")).await,
        401
    );

    // A hire, a department move and a leaver, each announced by its own notification.
    let mut staff = linked_active(&sims);
    let mover = staff.pop().expect("an active linked employee");
    let leaver = staff.pop().expect("another one");
    let mut hire = mover.clone();
    hire.id = EmployeeId::new("9001").unwrap();
    hire.first_name = Some("Webhook".to_owned());
    hire.last_name = Some("Hire".to_owned());
    hire.email = Some("webhook.hire@demo.com".to_owned());
    hire.supervisor_id = None;
    sims.personio.seed([hire]);
    announce("person.created", "9001", "t1").await;
    until("the hire's account", || account(&sims, "9001").is_some()).await;

    let mut moved = mover.clone();
    moved
        .attributes
        .insert("department".to_owned(), AttributeValue::text("Webhook Ops"));
    sims.personio.seed([moved]);
    announce("employment.updated", mover.id.as_str(), "t2").await;
    until("the move", || {
        account(&sims, mover.id.as_str()).and_then(|u| {
            u.properties
                .get(&connector_azuread::properties::DEPARTMENT)
                .cloned()
        }) == Some(PropertyValue::text("Webhook Ops"))
    })
    .await;

    let mut gone = leaver.clone();
    gone.termination_date = Some(now().date_naive() - hris_sync_core::chrono::Days::new(3));
    sims.personio.seed([gone]);
    announce("employment.terminated", leaver.id.as_str(), "t3").await;
    until("the leaver disabled", || {
        account(&sims, leaver.id.as_str()).is_some_and(|u| !u.account_enabled)
    })
    .await;
    assert_eq!(
        sims.personio.counts().employees,
        listings,
        "targeted cycles read by id, never the whole list"
    );
    assert!(sims.personio.counts().by_id >= 3);

    // A flood: 1,000 notifications about five people, many of them repeats, at once. Every
    // one is acked within Personio's 3 s, and they become a few cycles, not a thousand.
    let before = cycles(&metrics().await);
    let people: Vec<String> = staff.iter().take(5).map(|e| e.id.to_string()).collect();
    let bodies: Vec<serde_json::Value> = (0..1000)
        .map(|i| {
            note(
                "person.updated",
                &people[i % people.len()],
                &format!("f{}", i % 40),
            )
        })
        .collect();
    let flood = Instant::now();
    let slowest = stream::iter(bodies)
        .map(|b| {
            let req = http.post(&hook).header("authorization", TOKEN).json(&b);
            async move {
                let sent = Instant::now();
                let status = req.send().await.unwrap().status().as_u16();
                (status, sent.elapsed())
            }
        })
        .buffer_unordered(64)
        .fold(Duration::ZERO, |slowest, (status, took)| async move {
            assert_eq!(status, 200);
            slowest.max(took)
        })
        .await;
    let flooded = flood.elapsed();
    assert!(slowest < Duration::from_secs(3), "slowest ack {slowest:?}");
    // Wait for the cycles to settle: no new one for three debounce windows.
    let mut last = (cycles(&metrics().await), Instant::now());
    while last.0 == before || last.1.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now_cycles = cycles(&metrics().await);
        if now_cycles != last.0 {
            last = (now_cycles, Instant::now());
        }
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "cycles never settled"
        );
    }
    let flood_cycles = last.0 - before;
    let text = metrics().await;
    assert!(
        text.contains("hris_sync_webhooks_total{result=\"refused\"} 2\n"),
        "{text}"
    );
    // Three changes, then 40 distinct (person, time) pairs among the thousand.
    assert!(
        text.contains("hris_sync_webhooks_total{result=\"accepted\"} 43\n"),
        "{text}"
    );
    assert!(
        text.contains("hris_sync_webhooks_total{result=\"duplicate\"} 960\n"),
        "{text}"
    );
    // At most one cycle per debounce window (1 s) while the flood lasted, and one after it:
    // on a loaded machine the flood takes longer, never more cycles per second.
    let bound = 2 + flooded.as_secs();
    assert!(
        (1..=bound).contains(&flood_cycles),
        "1,000 notifications in {flooded:?} became {flood_cycles} cycles"
    );

    stops_cleanly(child).await;
}

// `hris-sync --webhooks register URL | list | delete ID` against the simulator's `/v2/webhooks`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscription_is_managed_from_the_command_line() {
    use crate::cli::{run_async, text};
    let sims = sims().await;
    let (_dir, config, state) = scratch();
    let url = "https://hris-sync.example.com/webhooks/personio";
    let webhooks = |args: &[&str]| {
        let mut c = against(&sims, &config, &state);
        c.env("PERSONIO_WEBHOOK_TOKEN", TOKEN)
            .arg("--webhooks")
            .args(args);
        run_async(c)
    };
    let out = webhooks(&["register", url]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("registered: wh-"),
        "{}",
        text(&out.stdout)
    );
    let out = webhooks(&["register", url]).await;
    assert!(
        text(&out.stdout).starts_with("already registered"),
        "{}",
        text(&out.stdout)
    );
    let held = sims.personio.webhooks();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].status, "ENABLED");
    assert_eq!(held[0].token.as_deref(), Some(TOKEN));
    let out = webhooks(&["list"]).await;
    assert!(text(&out.stdout).contains(url), "{}", text(&out.stdout));
    assert!(
        !text(&out.stdout).contains("hook-secret"),
        "the token is never shown"
    );
    let out = webhooks(&["delete", &held[0].id]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(sims.personio.webhooks().is_empty());
    let out = webhooks(&["frobnicate"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--webhooks"),
        "{}",
        text(&out.stderr)
    );
}

// The whole loop with Personio's own deliveries: the simulator announces each change to the
// subscription `hris-sync --webhooks register` made, duplicated and out of order, and the watching
// sync applies every change by targeted cycles, with no list read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_personio_deliveries_drive_the_sync() {
    use hris_sync_cli::demo;
    use hris_sync_sims::graph::{GraphSim, SimConfig as GraphConfig};
    use hris_sync_sims::personio::{Chaos, PersonioSim, SimConfig as PersonioConfig};

    use crate::cli::run_async;

    let personio = PersonioSim::start(PersonioConfig {
        loopback_webhooks: true,
        ..PersonioConfig::default()
    })
    .await
    .unwrap();
    personio.seed(demo::employees(now()));
    let graph = GraphSim::start(GraphConfig::default()).await.unwrap();
    graph.seed(demo::tenant(now()).0).unwrap();
    let sims = Sims { personio, graph };
    let (_dir, config, state) = scratch();
    let (child, addr) = watching(&sims, &config, &state, "1h", "1s").await;
    let mut register = against(&sims, &config, &state);
    register.env("PERSONIO_WEBHOOK_TOKEN", TOKEN).args([
        "--webhooks",
        "register",
        &format!("http://{addr}/webhooks/personio"),
    ]);
    let out = run_async(register).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::cli::text(&out.stderr)
    );
    until("the first cycle", || {
        sims.graph.users().iter().any(|u| u.employee_id.is_some())
            && sims.graph.counts().creates > 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let listings = sims.personio.counts().employees;

    sims.personio.webhook_chaos(
        Chaos {
            drop: 0.0,
            duplicate: 0.5,
            delay: 0.5,
            max_delay: Duration::from_millis(400),
        },
        7,
    );
    let mut staff = linked_active(&sims);
    let movers: Vec<Employee> = staff.drain(..staff.len().min(4)).collect();
    for (i, e) in movers.iter().enumerate() {
        let mut moved = e.clone();
        moved.attributes.insert(
            "department".to_owned(),
            AttributeValue::text(format!("Delivered {i}")),
        );
        sims.personio.seed([moved]);
    }
    for (i, e) in movers.iter().enumerate() {
        until("each move applied", || {
            account(&sims, e.id.as_str()).and_then(|u| {
                u.properties
                    .get(&connector_azuread::properties::DEPARTMENT)
                    .cloned()
            }) == Some(PropertyValue::text(format!("Delivered {i}")))
        })
        .await;
    }
    let p = sims.personio.counts();
    assert_eq!(p.employees, listings, "targeted cycles only");
    assert!(p.notifications >= 4 && p.deliveries >= 4, "{p:?}");

    stops_cleanly(child).await;
}

// docs/rules.md §8: the periodic schedule is absolute. Notifications about one unchanged
// person arrive every 300 ms, faster than the 3 s interval, while another person's
// department changes with no webhook (Personio sends none for a job change). The periodic
// cycle still runs and the change lands. Before, every notification restarted the wait, so
// only targeted cycles ran and the change never landed while notifications kept coming.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_never_starve_the_periodic_cycle() {
    let sims = sims().await;
    let (_dir, child, addr) = receiving(&sims, "3s").await;
    let http = reqwest::Client::new();
    let started = Instant::now();
    first_cycle(&http, &addr).await;
    let mut staff = linked_active(&sims);
    let busy = staff.pop().expect("an active linked employee");
    let silent = staff.pop().expect("another one");
    let mut moved = silent.clone();
    moved
        .attributes
        .insert("department".to_owned(), AttributeValue::text("Job Change"));
    // Changed after the fixed --now, so the changed-since read of the periodic cycle sees it.
    moved.updated_at = Some(now() + hris_sync_core::chrono::TimeDelta::minutes(5));
    sims.personio.seed([moved]);

    let hook = format!("http://{addr}/webhooks/personio");
    let landed = || {
        account(&sims, silent.id.as_str()).and_then(|u| {
            u.properties
                .get(&connector_azuread::properties::DEPARTMENT)
                .cloned()
        }) == Some(PropertyValue::text("Job Change"))
    };
    let mut sent = 0u32;
    // Notifications keep coming for as long as the change has not landed: with a 3 s
    // interval it lands within seconds; the bound only ends a run that never lands.
    while !landed() {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the unannounced change never landed ({sent} notifications)"
        );
        let body = note("person.updated", busy.id.as_str(), &format!("n{sent}"));
        let status = http
            .post(&hook)
            .header("authorization", TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 200);
        sent += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(sent > 0);
    stops_cleanly(child).await;
}

// `[personio] company_id` is required with the webhook receiver on: another company's
// notifications must never drive this tenant's sync. Exit 2, naming the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receiver_needs_the_company_id() {
    use crate::cli::{run_async, text};
    let sims = sims().await;
    let (_dir, config, state) = scratch();
    let without = std::fs::read_to_string(&config)
        .unwrap()
        .replace("company_id = \"4711\"\n", "");
    std::fs::write(&config, without).unwrap();
    let mut c = against(&sims, &config, &state);
    c.args(["--watch", "--listen", "127.0.0.1:0"])
        .env("PERSONIO_WEBHOOK_TOKEN", TOKEN);
    let out = run_async(c).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("company_id"),
        "{}",
        text(&out.stderr)
    );
}
