//! The status page (docs/rules.md §13) in a real browser: `hris-sync --watch --listen` on the
//! simulators, the page loaded by headless Chromium (`--dump-dom`), the rendered rows checked.
//! `.ci/run` installs Debian's `chromium`; without it the test says it is skipped, and with
//! `HRIS_SYNC_REQUIRE_CHROMIUM=1` (CI) that is a failure. `HRIS_SYNC_SCREENSHOT=FILE` also
//! saves a screenshot of the page (how `docs/status-page.png` was made).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cli::{scratch, sims, stops_cleanly, watching};

fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("HRIS_SYNC_REQUIRE_CHROMIUM").is_none(),
            "HRIS_SYNC_REQUIRE_CHROMIUM is set, but no chromium is installed"
        );
        eprintln!(
            "SKIPPED (the status page browser test): chromium is needed (apt-get install chromium)"
        );
    }
    found
}

/// `chromium --headless` with a profile of its own, the sandbox off (CI runs as root).
fn headless(program: &str, profile: &std::path::Path) -> Command {
    let mut c = Command::new(program);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .stdin(Stdio::null())
    .stderr(Stdio::null());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_renders_in_a_browser() {
    let Some(program) = chromium() else { return };
    let sims = sims().await;
    let (dir, config, state) = scratch();
    let (child, addr) = watching(&sims, &config, &state).await;
    let http = reqwest::Client::new();
    let waited = Instant::now();
    loop {
        let page = http.get(format!("http://{addr}/")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["cache-control"], "no-store");
        assert!(
            page.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'")
        );
        if page.text().await.unwrap().contains("<td>periodic</td>") {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "no cycle on the page"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let url = format!("http://{addr}/");
    let profile = dir.path().join("chromium");
    let mut dump = headless(program, &profile);
    dump.args(["--dump-dom", &url]);
    let out = tokio::task::spawn_blocking(move || dump.output())
        .await
        .unwrap()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(dom.contains("<h1>hris-sync status</h1>"), "{dom}");
    let cycles = dom
        .split("<table id=\"cycles\">")
        .nth(1)
        .expect("the cycles table")
        .split("</table>")
        .next()
        .unwrap();
    let rows: Vec<&str> = cycles.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 1, "one cycle so far: {cycles}");
    let creates = sims.graph.counts().creates;
    assert!(
        rows[0].contains(&format!("<td>periodic</td><td>{creates}</td>")),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains("class=\"ok\">ok</td>"), "{}", rows[0]);
    assert!(dom.contains("<svg id=\"chart\""), "the chart is drawn");
    assert!(dom.contains("Not receiving"), "{dom}");
    eprintln!(
        "status page, as Chromium rendered it:\n{}",
        &dom[..dom.len().min(1500)]
    );

    if let Some(file) = std::env::var_os("HRIS_SYNC_SCREENSHOT") {
        let mut shot = headless(program, &profile);
        shot.arg(format!(
            "--screenshot={}",
            std::path::Path::new(&file).display()
        ))
        .args(["--window-size=1100,760", &url]);
        let done = tokio::task::spawn_blocking(move || shot.status())
            .await
            .unwrap()
            .unwrap();
        assert!(done.success());
    }

    stops_cleanly(child).await;
}
