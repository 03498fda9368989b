use super::*;

fn note(body: &str) -> Result<Notification, Ignored> {
    parse(body.as_bytes(), "4711", &RandomState::new())
}

fn person(id: &str) -> Wanted {
    Wanted::Person(EmployeeId::new(id).unwrap())
}

// Entity-keyed payloads, as Personio's webhook documentation shows them (§6b): the person
// beside the employment or nested in it; every event of the catalogue maps to its person.
#[test]
fn reads_entity_keyed_payloads_of_every_event() {
    for event in EVENTS {
        let n = note(&format!(
            r#"{{"company_id":"4711","event_name":"{event}","occurred_at":"2026-01-01T00:00:00Z","payload":{{"person":{{"id":"48213"}}}}}}"#
        ))
        .unwrap();
        assert_eq!(n.wanted, person("48213"), "{event}");
    }
    let nested = note(r#"{"company_id":"4711","event_name":"employment.terminated","payload":{"employment":{"id":"9f1c","person":{"id":48213}}}}"#).unwrap();
    assert_eq!(nested.wanted, person("48213"));
    let beside = note(r#"{"company_id":"4711","event_name":"employment.updated.cost-centers","payload":{"employment":{"id":"9f1c"},"person":{"id":"48213"}}}"#).unwrap();
    assert_eq!(beside.wanted, person("48213"));
    let nobody = note(r#"{"company_id":"4711","event_name":"employment.updated","payload":{"employment":{"id":"9f1c"}}}"#).unwrap();
    assert_eq!(nobody.wanted, Wanted::Anyone);
    assert!(
        note(r#"{"company_id":"4711","event_name":"absence-period.created","payload":{}}"#)
            .is_err()
    );
    assert!(note("not json").is_err());
    assert!(note(r#"{"company_id":"4711","payload":{}}"#).is_err());
}

// `company_id` is "required for tenant identification": another company's notification is
// not acted on (before, it was).
#[test]
fn another_companys_notification_is_ignored() {
    let other = note(
        r#"{"company_id":"9999","event_name":"person.updated","payload":{"person":{"id":"1"}}}"#,
    );
    assert_eq!(other, Err(Ignored::OtherCompany));
    let none = note(r#"{"event_name":"person.updated","payload":{"person":{"id":"1"}}}"#);
    assert!(matches!(none, Err(Ignored::Unusable(_))));
    assert!(
        note(
            r#"{"company_id":4711,"event_name":"person.updated","payload":{"person":{"id":"1"}}}"#
        )
        .is_ok()
    );
}

// Ids are checked before anything is read: too long, path segments, separators, encodings.
#[test]
fn unusable_person_ids_are_refused() {
    for bad in [
        "..",
        ".",
        "1/../2",
        "%2e%2e",
        "12345678901234567",
        "a b",
        "",
        "é",
        "1?x=2",
    ] {
        let body = serde_json::json!({"company_id": "4711", "event_name": "person.updated", "payload": {"person": {"id": bad}}});
        let r = parse(body.to_string().as_bytes(), "4711", &RandomState::new());
        assert!(matches!(r, Err(Ignored::Unusable(_))), "{bad:?}: {r:?}");
    }
    assert!(person_id("1234567890123456").is_ok());
    assert!(person_id("emp_48-213").is_ok());
}

#[test]
fn duplicates_are_dropped_and_the_batch_merges() {
    let inbox = Inbox::default();
    let at = |event: &str, id: &str, t: &str| {
        parse(
            format!(r#"{{"company_id":"4711","event_name":"{event}","occurred_at":"{t}","payload":{{"person":{{"id":"{id}"}}}}}}"#).as_bytes(),
            "4711",
            &inbox.hasher,
        )
        .unwrap()
    };
    assert!(inbox.offer(at("person.updated", "1", "t1")));
    assert!(!inbox.offer(at("person.updated", "1", "t1")));
    assert!(inbox.offer(at("person.updated", "1", "t2")));
    assert!(inbox.offer(at("person.created", "2", "t2")));
    let batch = inbox.take();
    assert_eq!(batch.people.len(), 2);
    assert!(!batch.anyone);
    assert_eq!(inbox.take(), Batch::default());
    let c = inbox.counts();
    assert_eq!((c.accepted, c.duplicates), (3, 1));
}

// The queue is bounded: past MAX_QUEUED people the next cycle reads everybody (an
// incremental cycle), and the set of names held is emptied.
#[test]
fn the_queue_is_bounded() {
    let inbox = Inbox::default();
    for i in 0..=MAX_QUEUED {
        let n = Notification {
            event: "person.updated".to_owned(),
            wanted: person(&i.to_string()),
            key: i as u64,
        };
        assert!(inbox.offer(n));
    }
    let batch = inbox.take();
    assert!(batch.anyone);
    assert!(batch.people.is_empty());
    assert_eq!(inbox.counts().overflowed, 1);
}

#[test]
fn tokens_compare_exactly() {
    let auth = WebhookAuth::new(SecretString::from("Bearer abc".to_owned()), "Authorization");
    let with = |v: &[u8]| {
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            axum::http::HeaderValue::from_bytes(v).unwrap(),
        );
        auth.admits(&h)
    };
    assert!(with(b"Bearer abc"));
    assert!(!with(b"Bearer abd"));
    assert!(!with(b"Bearer ab"));
    assert!(!with(b"Bearer abc "));
    assert!(!auth.admits(&HeaderMap::new()));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    // Webhook bodies are the internet's: whatever arrives, parsing answers, never panics
    // (issue 23 point 7).
    #[test]
    fn any_body_parses_or_is_refused(
        body in hris_sync_core::testkit::hostile::body(),
        shaped in hris_sync_core::testkit::hostile::object_of(&[
            "company_id", "event_name", "occurred_at", "payload", "person", "employment", "id", "meta",
        ]),
    ) {
        let hasher = RandomState::new();
        let _ = parse(&body, "4711", &hasher);
        let _ = parse(shaped.to_string().as_bytes(), "4711", &hasher);
    }
}
