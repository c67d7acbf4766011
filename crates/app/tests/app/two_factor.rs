use calloff_app::auth::{self, Credentials, SessionStage};
use calloff_app::demo::{DEMO_PASSWORD, DEMO_TWO_FACTOR_KEY};
use calloff_app::two_factor;
use calloff_app::{AppError, Clock};
use calloff_domain::role::Role;
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    a_manager_signs_in_with_a_code_that_works_once,
    an_admin_without_two_factor_sets_it_up_before_anything_else,
    racing_sign_ins_with_one_code_let_one_in,
    a_buyer_may_turn_it_on_and_off
);

fn code_now(t: &TestApp) -> String {
    two_factor::code_at(DEMO_TWO_FACTOR_KEY, t.clock.now()).unwrap()
}

fn is_code_error(result: &Result<auth::NewSession, AppError>) -> bool {
    matches!(result, Err(AppError::Invalid(e)) if e.field == "code")
}

async fn a_manager_signs_in_with_a_code_that_works_once(backend: Backend) {
    let t = TestApp::init(backend).await;
    // The password alone holds the sign-in: its token is no session.
    let held = auth::sign_in(&t.app, "manager@rbkc.example", DEMO_PASSWORD)
        .await
        .unwrap();
    assert_eq!(held.stage, SessionStage::SecondFactor);
    assert!(matches!(
        auth::session(&t.app, &held.token).await,
        Err(AppError::Unauthenticated)
    ));
    // A wrong code, an empty one and an absurd one are refused, naming `code`.
    for wrong in ["000000", "", "12345", &"9".repeat(10_000)] {
        let result = auth::complete_second_factor(&t.app, &held.token, wrong, None).await;
        assert!(is_code_error(&result), "{wrong:.10}: {result:?}");
    }
    let code = code_now(&t);
    let session = auth::complete_second_factor(&t.app, &held.token, &code, None)
        .await
        .unwrap();
    assert_eq!(session.stage, SessionStage::Full);
    assert!(!auth::session(&t.app, &session.token).await.unwrap().enrolling);
    // The held sign-in is used up.
    assert!(matches!(
        auth::complete_second_factor(&t.app, &held.token, &code, None).await,
        Err(AppError::Unauthenticated)
    ));
    // The same code again (a replay, or an earlier one) is refused; the next one works.
    let app = &t.app;
    let with_code = |code: String| async move {
        let credentials = Credentials {
            email: "manager@rbkc.example",
            password: DEMO_PASSWORD,
            code: Some(&code),
        };
        auth::sign_in_from(app, credentials, None).await
    };
    assert!(is_code_error(&with_code(code.clone()).await));
    t.clock.advance(chrono::Duration::seconds(30));
    assert_eq!(with_code(code_now(&t)).await.unwrap().stage, SessionStage::Full);
    // A code from two steps ago is refused.
    let old = two_factor::code_at(DEMO_TWO_FACTOR_KEY, t.clock.now() - chrono::Duration::seconds(61)).unwrap();
    t.clock.advance(chrono::Duration::seconds(30));
    assert!(is_code_error(&with_code(old).await));
    // A session waits ten minutes at most for its code.
    let held = auth::sign_in(&t.app, "manager@rbkc.example", DEMO_PASSWORD)
        .await
        .unwrap();
    t.clock.advance(chrono::Duration::minutes(11));
    assert!(matches!(
        auth::complete_second_factor(&t.app, &held.token, &code_now(&t), None).await,
        Err(AppError::Unauthenticated)
    ));
}

async fn an_admin_without_two_factor_sets_it_up_before_anything_else(backend: Backend) {
    let t = TestApp::init(backend).await;
    let camden = t.actor("admin@camden.example").await.organisation_id;
    auth::create_user(
        &t.app,
        &camden,
        "admin2@camden.example",
        "Second Admin",
        DEMO_PASSWORD,
        &[Role::OrganisationAdmin],
    )
    .await
    .unwrap();
    let held = auth::sign_in(&t.app, "admin2@camden.example", DEMO_PASSWORD)
        .await
        .unwrap();
    assert_eq!(held.stage, SessionStage::Enrol);
    let session = auth::session(&t.app, &held.token).await.unwrap();
    assert!(session.enrolling);
    let actor = session.actor;
    let status = two_factor::status(&t.app, &actor).await.unwrap();
    assert!(status.required && !status.enabled);
    // They cannot turn off what they must have.
    assert!(matches!(two_factor::may_turn_off(&actor), Err(AppError::Forbidden(_))));

    let first = two_factor::start_enrolment(&t.app, &actor).await.unwrap();
    // Starting again replaces the key: a code from the first no longer confirms.
    let enrolment = two_factor::start_enrolment(&t.app, &actor).await.unwrap();
    assert_ne!(first.secret, enrolment.secret);
    assert!(enrolment
        .otpauth_uri
        .starts_with("otpauth://totp/calloff:admin2%40camden.example?secret="));
    let stale = two_factor::code_at(&first.secret, t.clock.now()).unwrap();
    let refused = two_factor::confirm_enrolment(&t.app, &actor, &held.token, &stale).await;
    assert!(
        matches!(refused, Err(AppError::Invalid(ref e)) if e.field == "code"),
        "{refused:?}"
    );
    let code = two_factor::code_at(&enrolment.secret, t.clock.now()).unwrap();
    let recovery = two_factor::confirm_enrolment(&t.app, &actor, &held.token, &code)
        .await
        .unwrap();
    assert_eq!(recovery.len(), two_factor::RECOVERY_CODES);
    // The session is now a full one, and a confirmed key is not replaced by starting again.
    assert!(!auth::session(&t.app, &held.token).await.unwrap().enrolling);
    assert!(matches!(
        two_factor::start_enrolment(&t.app, &actor).await,
        Err(AppError::Conflict(_))
    ));
    // Signing in again asks for a code; a recovery code (typed in lower case) works once.
    let held = auth::sign_in(&t.app, "admin2@camden.example", DEMO_PASSWORD)
        .await
        .unwrap();
    assert_eq!(held.stage, SessionStage::SecondFactor);
    let typed = recovery[0].to_lowercase();
    assert_eq!(
        auth::complete_second_factor(&t.app, &held.token, &typed, None)
            .await
            .unwrap()
            .stage,
        SessionStage::Full
    );
    let held = auth::sign_in(&t.app, "admin2@camden.example", DEMO_PASSWORD)
        .await
        .unwrap();
    assert!(is_code_error(
        &auth::complete_second_factor(&t.app, &held.token, &recovery[0], None).await
    ));
    assert_eq!(
        two_factor::status(&t.app, &actor).await.unwrap().recovery_codes_left,
        i64::try_from(two_factor::RECOVERY_CODES).unwrap() - 1
    );
    // Each step is in the audit chain.
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let entries = calloff_store::audit::entries_for_subject(&mut conn, actor.user_id.as_str())
        .await
        .unwrap();
    assert!(entries.iter().any(|e| e.entry.action == "user.two_factor_enabled"));
}

async fn racing_sign_ins_with_one_code_let_one_in(backend: Backend) {
    let t = TestApp::init(backend).await;
    // As many racers as free failures: the losers' wrong codes must not back off the winner.
    let racers = usize::try_from(auth::FREE_FAILURES_PER_ACCOUNT).unwrap();
    let mut held = Vec::new();
    for _ in 0..racers {
        held.push(
            auth::sign_in(&t.app, "manager@rbkc.example", DEMO_PASSWORD)
                .await
                .unwrap()
                .token,
        );
    }
    let code = code_now(&t);
    let tasks: Vec<_> = held
        .into_iter()
        .map(|token| {
            let (app, code) = (t.app.clone(), code.clone());
            tokio::spawn(async move { auth::complete_second_factor(&app, &token, &code, None).await })
        })
        .collect();
    let mut admitted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => admitted += 1,
            Err(AppError::Invalid(e)) if e.field == "code" => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(admitted, 1);
}

async fn a_buyer_may_turn_it_on_and_off(backend: Backend) {
    let t = TestApp::init(backend).await;
    let held = auth::sign_in(&t.app, "buyer@camden.example", DEMO_PASSWORD)
        .await
        .unwrap();
    assert_eq!(held.stage, SessionStage::Full);
    let buyer = held.actor;
    let status = two_factor::status(&t.app, &buyer).await.unwrap();
    assert!(!status.required && !status.enabled);
    let enrolment = two_factor::start_enrolment(&t.app, &buyer).await.unwrap();
    let code = two_factor::code_at(&enrolment.secret, t.clock.now()).unwrap();
    two_factor::confirm_enrolment(&t.app, &buyer, &held.token, &code)
        .await
        .unwrap();
    assert_eq!(
        auth::sign_in(&t.app, "buyer@camden.example", DEMO_PASSWORD)
            .await
            .unwrap()
            .stage,
        SessionStage::SecondFactor
    );
    // Turning off needs a fresh code: the one that confirmed is used.
    assert!(matches!(
        two_factor::turn_off(&t.app, &buyer, &code).await,
        Err(AppError::Invalid(ref e)) if e.field == "code"
    ));
    t.clock.advance(chrono::Duration::seconds(30));
    let code = two_factor::code_at(&enrolment.secret, t.clock.now()).unwrap();
    let new_codes = two_factor::replace_recovery_codes(&t.app, &buyer, &code).await.unwrap();
    assert_eq!(new_codes.len(), two_factor::RECOVERY_CODES);
    two_factor::turn_off(&t.app, &buyer, &new_codes[3]).await.unwrap();
    assert_eq!(
        auth::sign_in(&t.app, "buyer@camden.example", DEMO_PASSWORD)
            .await
            .unwrap()
            .stage,
        SessionStage::Full
    );
}
