//! Secrets over a whole run: every `tracing` event at trace level, the report, errors and
//! `Debug` output hold no client secret, no token and no generated password.

use hris_sync_cli::demo::Connect as _;
use std::sync::{Arc, Mutex};

use hris_sync_cli::demo;
use hris_sync_core::Credential;
use hris_sync_core::engine::SyncOptions;
use hris_sync_core::testkit::CapturedLogs;

#[test]
fn no_secret_in_logs_reports_errors_or_debug() {
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let passwords: Arc<Mutex<Vec<String>>> = Arc::default();
    // A closure is a credential sink.
    let kept = Arc::clone(&passwords);
    let sink = move |credential: Credential| {
        kept.lock()
            .unwrap()
            .push(credential.secret.expose().to_owned());
        async { Ok(()) }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (texts, personio_secret, graph_secret) = runtime.block_on(async {
        let now = "2026-11-27T09:00:00Z".parse().unwrap();
        let mut d = demo::start(now).await.unwrap();
        d.syncer = d.syncer.with_credential_sink(Arc::new(sink));
        let options = SyncOptions {
            apply: true,
            ..SyncOptions::default()
        };
        let first = d.syncer.run_cycle(now, &options).await.unwrap();
        d.graph.revoke_tokens();
        d.personio.revoke_tokens();
        let second = d.syncer.run_cycle(now, &options).await.unwrap();
        // A failing run: the Personio secret is wrong.
        let policy = demo::policy().unwrap();
        let bad = d
            .personio
            .connect()
            .client_secret("not-the-secret")
            .build()
            .unwrap();
        let mut failing = hris_sync_core::engine::Syncer::new(
            Box::new(bad),
            Box::new(demo::directory_for(d.graph.connect(), &policy).unwrap()),
            policy,
            Box::new(hris_sync_core::engine::MemoryStateStore::default()),
        );
        let err = failing.run_cycle(now, &options).await.unwrap_err();
        let texts = vec![
            first.report.to_json(),
            second.report.to_json(),
            format!("{first:?}"),
            format!("{:?}", d.syncer),
            format!("{err} {err:?}"),
        ];
        (
            texts,
            hris_sync_sims::personio::SimConfig::default().client_secret,
            hris_sync_sims::graph::SimConfig::default().client_secret,
        )
    });
    let logs = logs.text();
    assert!(logs.contains("sync_cycle"), "trace output was captured");
    let passwords = passwords.lock().unwrap().clone();
    assert!(
        passwords.len() > 50,
        "passwords were generated: {}",
        passwords.len()
    );
    for text in texts.iter().chain(std::iter::once(&logs)) {
        assert!(
            !text.contains(&personio_secret),
            "the Personio secret leaked"
        );
        assert!(!text.contains(&graph_secret), "the Graph secret leaked");
        assert!(!text.contains("papi-sim-0"), "a Personio token leaked");
        assert!(
            !text.contains("eyJ0eXAiOiJKV1Qi.sim"),
            "a Graph token leaked"
        );
        for p in &passwords {
            assert!(!text.contains(p.as_str()), "a generated password leaked");
        }
    }
}

// Names of people are personal data: at info level (what an operator keeps) no UPN appears;
// they are logged at debug (issue 23 point 7).
#[test]
fn no_upn_in_the_info_log() {
    let logs = CapturedLogs::default();
    let _guard = logs.install_at(tracing::Level::INFO);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let now = "2026-11-27T09:00:00Z".parse().unwrap();
        let mut d = demo::start(now).await.unwrap();
        let options = SyncOptions {
            apply: true,
            ..SyncOptions::default()
        };
        let first = d.syncer.run_cycle(now, &options).await.unwrap();
        assert!(first.report.summary.created > 0);
    });
    let text = logs.text();
    assert!(text.contains("applied"), "the info log is captured: {text}");
    assert!(!text.contains("@demo.com"), "{text}");
}
