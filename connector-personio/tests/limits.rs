//! Limits: pacing under Personio's budget, 429 handling, builder validation.

use crate::support::Connect as _;
use std::time::{Duration, Instant};

use connector_personio::PersonioSource;
use hris_sync_core::retry::RetryPolicy;
use hris_sync_core::{ErrorKind, HrSource};
use hris_sync_sims::personio::{Fault, PersonioSim, SimConfig};

use crate::support::{company, list_all, seeded};

// 429 then success; with Retry-After the client waits what was asked.
#[tokio::test(flavor = "current_thread")]
async fn throttled_then_success_waits_retry_after() {
    let sim = seeded(10).await;
    sim.inject([Fault::Throttle(Some(1))]);
    let personio = sim.source().build().unwrap();
    let start = Instant::now();
    let listing = personio.list_employees().await.unwrap();
    assert_eq!(listing.employees.len(), 10);
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        start.elapsed()
    );
    assert_eq!(sim.counts().throttled, 1);
}

// Without Retry-After the client still waits at least a second (Personio's advice).
#[tokio::test(flavor = "current_thread")]
async fn throttled_without_retry_after_waits_a_second() {
    let sim = seeded(10).await;
    sim.inject([Fault::Throttle(None)]);
    let personio = sim.source().retry(RetryPolicy::default()).build().unwrap();
    let start = Instant::now();
    personio.list_employees().await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        start.elapsed()
    );
}

// T10: a day-long Retry-After is capped, and retries stop at the total deadline with an
// error that says what was tried, long before the retry count runs out.
#[tokio::test(flavor = "current_thread")]
async fn retries_stop_at_the_deadline() {
    let sim = seeded(10).await;
    sim.inject(std::iter::repeat_n(Fault::Throttle(Some(86_400)), 60));
    let policy = RetryPolicy {
        max_retries: 50,
        base: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
        min_throttle_wait: Duration::from_millis(50),
        max_retry_after: Duration::from_millis(200),
        deadline: Duration::from_millis(700),
    };
    let personio = sim.source().retry(policy).build().unwrap();
    let err = personio.list_employees().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Throttled, "{err}");
    assert!(err.message().contains("gave up after"), "{err}");
    let throttled = sim.counts().throttled;
    assert!((2..50).contains(&throttled), "{throttled} attempts");
}

// Pacing: twenty pages at the (time-scaled) limits without a single 429.
#[tokio::test(flavor = "current_thread")]
async fn paced_under_the_limits() {
    let sim = seeded(2_000).await;
    list_all(&sim, 2_000).await;
    let counts = sim.counts();
    assert_eq!(counts.employees, 20);
    assert_eq!(counts.throttled, 0);
}

// A client that ignores the budget would be throttled: the simulator enforces it.
#[tokio::test(flavor = "current_thread")]
async fn the_simulator_enforces_the_budget() {
    // Real time here: 15 requests a second.
    let sim = PersonioSim::start(SimConfig::default()).await.unwrap();
    sim.seed(company(40));
    let unpaced = sim
        .source()
        .page_size(1)
        .rate_limits(connector_personio::RateLimits {
            per_second: 1_000,
            per_minute: 100_000,
            ..Default::default()
        })
        .retry(RetryPolicy::default())
        .build()
        .unwrap();
    let listing = unpaced.list_employees().await.unwrap();
    assert_eq!(
        listing.employees.len(),
        40,
        "retries still complete the listing"
    );
    assert!(sim.counts().throttled > 0);
}

// Plain http:// only to loopback; page size within 1–100; UPPER_SNAKE_CASE ids.
#[test]
fn builder_validation() {
    let base = || {
        PersonioSource::builder()
            .client_id("id")
            .client_secret("secret")
    };
    let err = base()
        .base_url("http://api.personio.de")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.message().contains("PERSONIO_BASE_URL"), "{err}");
    assert!(base().base_url("http://127.0.0.1:9").build().is_ok());
    assert!(base().build().is_ok());
    assert!(base().page_size(101).build().is_err());
    assert!(base().page_size(0).build().is_err());
    assert!(base().app_id("acme-sync").build().is_err());
    let missing = PersonioSource::builder()
        .client_id("id")
        .build()
        .unwrap_err();
    assert!(missing.message().contains("PERSONIO_CLIENT_SECRET"));
}

// A host's metrics: every request sent (retries included) and every 429 are counted, as the
// service saw them.
#[tokio::test(flavor = "current_thread")]
async fn requests_and_throttles_are_counted_for_the_host() {
    let sim = seeded(250).await;
    sim.inject([Fault::Throttle(Some(0))]);
    let stats = hris_sync_core::RequestStats::new();
    let personio = sim.source().request_stats(stats.clone()).build().unwrap();
    personio.list_employees().await.unwrap();
    let seen = sim.counts();
    let counted = stats.counts();
    assert_eq!(
        counted.requests,
        seen.auth + seen.employees + seen.attributes
    );
    assert_eq!(counted.throttled, seen.throttled);
    assert_eq!(counted.throttled, 1);
}
