//! Paging: complete listings or none.

use crate::support::Connect as _;
use hris_sync_core::{ErrorKind, HrSource};
use hris_sync_sims::personio::Fault;

use crate::support::{company, list, list_all, list_err, seeded, sim};

// Three pages with a record repeated across a page edge and a short last page: every employee
// once, and the listing stops at the short page.
#[tokio::test(flavor = "current_thread")]
async fn three_pages_duplicate_across_pages_short_last_page() {
    let sim = seeded(250).await;
    sim.duplicate_at_page_edges(true);
    let personio = sim.source().build().unwrap();
    let listing = personio.list_employees().await.unwrap();
    let mut ids: Vec<u32> = listing
        .employees
        .iter()
        .map(|e| e.id.as_str().parse().unwrap())
        .collect();
    assert_eq!(ids.len(), 250, "every employee exactly once");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 250);
    assert!(listing.rejected.is_empty());
    assert_eq!(
        sim.counts().employees,
        3,
        "three pages, stopped at the short one"
    );
    let queries: Vec<String> = sim
        .seen()
        .into_iter()
        .filter(|s| s.path == "GET /v1/company/employees")
        .map(|s| s.query)
        .collect();
    assert_eq!(
        queries,
        [
            "limit=100&offset=0",
            "limit=100&offset=100",
            "limit=100&offset=200"
        ]
    );
}

// An exact multiple of the page size ends at the last page when the metadata and the count
// agree: no empty page is asked for.
#[tokio::test(flavor = "current_thread")]
async fn exact_multiple_ends_without_an_empty_page() {
    let sim = seeded(200).await;
    list_all(&sim, 200).await;
    assert_eq!(sim.counts().employees, 2);
}

// A middle page that keeps failing fails the whole listing: no partial result.
#[tokio::test(flavor = "current_thread")]
async fn failing_middle_page_fails_the_listing() {
    let sim = seeded(250).await;
    sim.fail_page(100, Fault::Status(500), 100);
    let personio = sim.source().build().unwrap();
    let err = personio.list_employees().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient, "{err}");
    assert!(!err.is_retryable(), "retries were spent: {err}");
    assert!(err.message().contains("HTTP 500"), "{err}");
    // 1 good page + 1 + 5 retries of the failing one (+ the pages read alongside it).
    let requests = sim.counts().employees;
    assert!((7..=10).contains(&requests), "{requests}");
}

// A page that fails once (5xx, then a dropped connection) is retried and the listing completes.
#[tokio::test(flavor = "current_thread")]
async fn transient_failures_are_retried() {
    let sim = seeded(150).await;
    sim.fail_page(100, Fault::Status(503), 1);
    sim.inject([Fault::Drop]);
    list_all(&sim, 150).await;
    assert_eq!(sim.counts().faults, 2);
}

// A full page of ids already read means the server is repeating itself: an error, not an end.
#[tokio::test(flavor = "current_thread")]
async fn repeated_full_page_is_an_error() {
    let sim = seeded(100).await;
    for i in 1..=100 {
        sim.push_raw(serde_json::json!({
            "type": "Employee",
            "attributes": {
                "id": {"label": "ID", "value": i, "type": "integer", "universal_id": "id"},
                "status": {"label": "Status", "value": "active", "type": "standard", "universal_id": "status"}
            }
        }));
    }
    let err = list_err(&sim).await;
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert!(err.message().contains("repeats"), "{err}");
}

// updated_since narrows the listing and is sent in Personio's format.
#[tokio::test(flavor = "current_thread")]
async fn changed_since_uses_updated_since() {
    let sim = sim().await;
    let staff = company(30);
    let cutoff = staff[19].updated_at.unwrap();
    sim.seed(staff);
    let exact = sim
        .source()
        .overlap(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let listing = exact.list_employees_changed_since(cutoff).await.unwrap();
    let ids: Vec<&str> = listing.employees.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 10, "{ids:?}");
    assert!(ids.iter().all(|id| id.parse::<u32>().unwrap() > 20));
    let q = sim
        .seen()
        .into_iter()
        .find(|s| s.query.contains("updated_since"))
        .unwrap()
        .query;
    assert!(
        q.contains(&format!(
            "updated_since={}",
            cutoff.format("%Y-%m-%dT%H%%3A%M%%3A%S")
        )),
        "{q}"
    );
    // The default overlap reads from 15 hours earlier; every record here changed within 30
    // minutes, so all of them come back.
    let wide = sim.source().build().unwrap();
    assert_eq!(
        wide.list_employees_changed_since(cutoff)
            .await
            .unwrap()
            .employees
            .len(),
        30
    );
}

// Injected latency delays the answer, and the listing completes.
#[tokio::test(flavor = "current_thread")]
async fn latency_is_survived() {
    let sim = seeded(5).await;
    sim.inject([Fault::Latency(std::time::Duration::from_millis(300))]);
    let start = std::time::Instant::now();
    list_all(&sim, 5).await;
    assert!(start.elapsed() >= std::time::Duration::from_millis(300));
}

/// A simulator whose pages hold at most `n` records whatever the limit (T9).
async fn short_pages(n: u32) -> hris_sync_sims::personio::PersonioSim {
    hris_sync_sims::personio::PersonioSim::start(hris_sync_sims::personio::SimConfig {
        short_pages: Some(n),
        ..crate::support::config()
    })
    .await
    .unwrap()
}

// T9: pages shorter than the limit while the metadata counts more employees are read on from
// where they stopped; the listing is complete, never cut at the first short page.
#[tokio::test(flavor = "current_thread")]
async fn t9_short_pages_mid_listing_are_read_on() {
    let sim = short_pages(40).await;
    sim.seed(company(261));
    let listing = list(&sim).await;
    assert_eq!(
        listing.employees.len(),
        261,
        "every employee, not the first 40"
    );
    assert_eq!(sim.counts().employees, 7, "⌈261/40⌉ pages");
}

// T9: a page with nothing new while the metadata announces more fails the listing.
#[tokio::test(flavor = "current_thread")]
async fn t9_an_empty_page_before_the_announced_end_fails() {
    let sim = short_pages(0).await;
    sim.seed(company(30));
    let err = list_err(&sim).await;
    assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");
    assert!(err.message().contains("T9"), "{err}");
}
