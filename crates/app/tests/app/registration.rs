use calloff_app::call_offs::{self, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_app::registration::{self, Registration, VerificationDecision};
use calloff_app::{auth, notifications, AppError};
use calloff_domain::organisation::Verification;
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    a_known_body_takes_its_details_from_the_register,
    bad_registrations_name_every_field_and_write_nothing,
    a_registered_body_browses_until_verified
);

fn school() -> Registration {
    Registration {
        organisation_name: "Hackney New School".into(),
        kind: "school".into(),
        identifier_scheme: "GB-EDU".into(),
        identifier: "100271".into(),
        your_name: "Sam Head".into(),
        email: "head@hackneynew.example".into(),
        password: "a long enough password".into(),
        ..Default::default()
    }
}

async fn organisation_count(t: &TestApp) -> usize {
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    calloff_store::organisations::all(&mut conn).await.unwrap().len()
}

async fn bad_registrations_name_every_field_and_write_nothing(backend: Backend) {
    let t = TestApp::init(backend).await;
    let before = organisation_count(&t).await;
    let everything_wrong = Registration {
        organisation_name: " ".into(),
        kind: "castle".into(),
        identifier_scheme: "GB-EDU".into(),
        identifier: "12345".into(),
        your_name: "".into(),
        email: "not-an-email".into(),
        password: "short".into(),
        ..Default::default()
    };
    let err = registration::register(&t.app, &everything_wrong).await.unwrap_err();
    let fields: Vec<String> = err.field_errors().into_iter().map(|e| e.field).collect();
    for field in [
        "organisation_name",
        "kind",
        "identifier",
        "your_name",
        "email",
        "password",
    ] {
        assert!(fields.contains(&field.to_string()), "{field} missing from {fields:?}");
    }
    // Camden's register code is taken.
    let taken = Registration {
        identifier_scheme: "GB-LAE".into(),
        identifier: "CMD".into(),
        kind: "local_authority".into(),
        ..school()
    };
    let err = registration::register(&t.app, &taken).await.unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref e) if e.field == "identifier" && e.message.contains("already registered")),
        "{err:?}"
    );
    // A code outside the register.
    let unknown = Registration {
        identifier_scheme: "GB-LAE".into(),
        identifier: "ZZZ".into(),
        ..school()
    };
    assert!(
        matches!(registration::register(&t.app, &unknown).await, Err(AppError::Invalid(ref e)) if e.field == "identifier")
    );
    // An email already in use.
    let reused = Registration {
        email: "buyer@camden.example".into(),
        ..school()
    };
    let err = registration::register(&t.app, &reused).await.unwrap_err();
    assert!(matches!(err, AppError::Invalid(ref e) if e.field == "email"), "{err:?}");
    assert_eq!(organisation_count(&t).await, before);
}

async fn a_registered_body_browses_until_verified(backend: Backend) {
    let t = TestApp::init(backend).await;
    let org_id = registration::register(&t.app, &school()).await.unwrap();
    let head = auth::sign_in(&t.app, "head@hackneynew.example", "a long enough password")
        .await
        .unwrap()
        .actor;
    let waiting = registration::standing(&t.app, &head).await.unwrap().unwrap();
    assert!(waiting.contains("waiting for a framework manager"), "{waiting}");
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: vec![LineInput {
            sku: "L2-M365-E3".into(),
            quantity: 30,
            term_months: 12,
            monthly_usage: None,
        }],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let err = call_offs::place(&t.app, &head, &command, Some("school-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref e) if e.field == "organisation" && e.message.contains("not yet verified")),
        "{err:?}"
    );

    let manager = t.actor("manager@rbkc.example").await;
    let told = notifications::list(&t.app, &manager).await.unwrap();
    assert_eq!(told[0].event, "organisation.registered");
    let pending = registration::pending(&t.app, &manager).await.unwrap();
    assert!(pending.iter().any(|o| o.id == org_id));
    // Only framework managers decide, and a rejection needs a reason.
    let buyer = t.buyer().await;
    assert!(matches!(
        registration::decide(&t.app, &buyer, &org_id, &VerificationDecision::Verify).await,
        Err(AppError::Forbidden(_))
    ));
    let no_reason = VerificationDecision::Reject { reason: " ".into() };
    assert!(
        matches!(registration::decide(&t.app, &manager, &org_id, &no_reason).await, Err(AppError::Invalid(ref e)) if e.field == "reason")
    );

    let reject = VerificationDecision::Reject {
        reason: "The URN belongs to another school".into(),
    };
    registration::decide(&t.app, &manager, &org_id, &reject).await.unwrap();
    let rejected = registration::standing(&t.app, &head).await.unwrap().unwrap();
    assert!(rejected.contains("The URN belongs to another school"), "{rejected}");
    assert!(notifications::list(&t.app, &head)
        .await
        .unwrap()
        .iter()
        .any(|n| n.event == "organisation.rejected"));

    registration::decide(&t.app, &manager, &org_id, &VerificationDecision::Verify)
        .await
        .unwrap();
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let org = calloff_store::organisations::get(&mut conn, &org_id)
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    assert_eq!(org.verification, Verification::Verified);
    assert!(registration::standing(&t.app, &head).await.unwrap().is_none());
    // Schools are a kind on the demo framework's register, so it can now buy.
    let placed = call_offs::place(&t.app, &head, &command, Some("school-2"))
        .await
        .unwrap();
    assert_eq!(placed.call_off.buyer_id, org_id);
    // Deciding again is a conflict.
    assert!(matches!(
        registration::decide(&t.app, &manager, &org_id, &VerificationDecision::Verify).await,
        Err(AppError::Conflict(_))
    ));
    let history = calloff_app::audit::verify(&t.app).await.unwrap();
    assert!(matches!(history, calloff_app::audit::ChainReport::Intact { .. }));
}

async fn a_known_body_takes_its_details_from_the_register(backend: Backend) {
    // A database without the demo, so that the register's bodies are not yet registered.
    let test_db = calloff_test_support::TestDb::new(backend).await;
    let clock = std::sync::Arc::new(calloff_app::SettableClock::new(calloff_test_support::test_now()));
    let app = calloff_app::App::new(test_db.db.clone(), clock);
    let aerodrome = registration::known_body("GB-EDU-139094").expect("in the seed register");
    assert_eq!(aerodrome.name, "Aerodrome Primary Academy");

    // Nothing chosen is refused on the choice alone; the typed fields, left empty, are not blamed.
    let nothing = Registration {
        known_body: Some(String::new()),
        organisation_name: String::new(),
        identifier: String::new(),
        ..school()
    };
    let err = registration::register(&app, &nothing).await.unwrap_err();
    let fields: Vec<String> = err.field_errors().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["known_body"]);
    let unknown = Registration {
        known_body: Some("GB-EDU-000000".into()),
        ..school()
    };
    let err = registration::register(&app, &unknown).await.unwrap_err();
    assert_eq!(err.field_errors()[0].field, "known_body");

    // A chosen body's name, kind and identifier come from the register, whatever was typed.
    let chosen = Registration {
        known_body: Some("GB-EDU-139094".into()),
        organisation_name: "Something Else".into(),
        kind: "police_force".into(),
        identifier_scheme: "GB-LAE".into(),
        identifier: "ZZZ".into(),
        evidence: "I am the head: see aerodrome.example/staff".into(),
        ..school()
    };
    let id = registration::register(&app, &chosen).await.unwrap();
    let mut conn = app.db.pool().acquire().await.unwrap();
    let org = calloff_store::organisations::get(&mut conn, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(org.name, "Aerodrome Primary Academy");
    assert_eq!(org.kind.as_str(), "school");
    assert_eq!(org.org_id().as_deref(), Some("GB-EDU-139094"));
    let application = calloff_store::organisations::application(&mut conn, &id)
        .await
        .unwrap()
        .unwrap();
    assert!(application.known_body);
    assert_eq!(application.contact_name, "Sam Head");
    assert_eq!(application.contact_email, "head@hackneynew.example");
    assert_eq!(application.evidence, "I am the head: see aerodrome.example/staff");
    drop(conn);

    // Choosing it again is refused on the choice.
    let again = Registration {
        email: "deputy@aerodrome.example".into(),
        ..chosen
    };
    let err = registration::register(&app, &again).await.unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref e) if e.field == "known_body" && e.message.contains("already registered")),
        "{err:?}"
    );

    // A typed identifier is matched against the register; one outside it is not.
    let typed_known = Registration {
        known_body: Some(registration::NOT_LISTED.into()),
        organisation_name: "All Saints".into(),
        identifier: "101787".into(),
        email: "head@allsaints.example".into(),
        ..school()
    };
    let typed_unknown = Registration {
        known_body: None,
        email: "head@new.example".into(),
        ..school()
    };
    let known_id = registration::register(&app, &typed_known).await.unwrap();
    let unknown_id = registration::register(&app, &typed_unknown).await.unwrap();
    let mut conn = app.db.pool().acquire().await.unwrap();
    for (id, matched) in [(known_id, true), (unknown_id, false)] {
        let a = calloff_store::organisations::application(&mut conn, &id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.known_body, matched);
        assert_eq!(a.evidence, "");
    }
}
