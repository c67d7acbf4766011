use calloff_app::approvals::{self, Decided, Resubmitted};
use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_app::variations::{self, VariationOutcome};
use calloff_app::{frameworks, notifications, people, Actor, AppError};
use calloff_domain::approval::{ApprovalKind, ApprovalRules, ApprovalStatus, Decision, Threshold};
use calloff_domain::call_off::{CallOff, CallOffState};
use calloff_domain::money::Money;
use calloff_domain::role::Role;
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    approvals_hold_headroom_until_approved_returned_withdrawn_or_expired,
    a_variation_increase_is_approved_under_the_same_rules,
    submissions_nobody_could_approve_are_refused
);

fn line(sku: &str, quantity: i64, term_months: i64) -> LineInput {
    LineInput {
        sku: sku.into(),
        quantity,
        term_months,
        monthly_usage: None,
    }
}

/// Camden's rules: nothing under £10,000; one approver from £10,000; two from £250,000.
async fn camden_rules(t: &TestApp, expiry_days: u32) {
    let admin = t.actor("admin@camden.example").await;
    let threshold = |pounds: i64, approvers: u32| Threshold {
        from_value: Money::from_pounds(pounds),
        approvers,
    };
    let rules = ApprovalRules::new(
        vec![threshold(0, 0), threshold(10_000, 1), threshold(250_000, 2)],
        expiry_days,
    )
    .unwrap();
    approvals::set_rules(&t.app, &admin, &rules).await.unwrap();
    let buyer = t.buyer().await;
    assert_eq!(approvals::rules(&t.app, &buyer).await.unwrap(), rules);
}

async fn submit(t: &TestApp, buyer: &Actor, lines: Vec<LineInput>, key: &str) -> CallOff {
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines,
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    call_offs::place(&t.app, buyer, &command, Some(key))
        .await
        .unwrap()
        .call_off
}

async fn committed(t: &TestApp) -> Money {
    let manager = t.actor("manager@rbkc.example").await;
    frameworks::overview(&t.app, &manager, &t.framework_id)
        .await
        .unwrap()
        .headroom
        .committed
}

/// The framework's committed value is what placed call-offs hold plus what requests awaiting
/// approval hold: nothing is lost or counted twice.
async fn assert_committed_adds_up(t: &TestApp) {
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let (placed, _) = calloff_store::call_offs::committed_sum(&mut conn, &t.framework_id)
        .await
        .unwrap();
    let awaiting = calloff_store::approvals::awaiting_total(&mut conn, &t.framework_id)
        .await
        .unwrap();
    drop(conn);
    assert_eq!(committed(t).await, placed.checked_add(awaiting).unwrap());
    t.assert_audit_intact().await;
}

async fn awaiting_request(t: &TestApp, call_off: &CallOff) -> String {
    let view = call_offs::view(&t.app, &t.buyer().await, &call_off.id).await.unwrap();
    let awaiting = view
        .approvals
        .iter()
        .find(|a| a.request.status == ApprovalStatus::Awaiting)
        .expect("a request awaiting approval");
    awaiting.request.id.clone()
}

async fn inbox_mentions(t: &TestApp, actor: &Actor, text: &str) -> bool {
    notifications::list(&t.app, actor)
        .await
        .unwrap()
        .iter()
        .any(|n| n.subject.contains(text))
}

async fn approvals_hold_headroom_until_approved_returned_withdrawn_or_expired(backend: Backend) {
    let t = TestApp::init(backend).await;
    camden_rules(&t, 30).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let ada = t.actor("approver@camden.example").await;
    let ravi = t.actor("approver2@camden.example").await;

    // Under £10,000: placed at once. 3 SIMs × £5.50 × 24 = £396.
    let small = submit(&t, &buyer, vec![line("L4-SIM-5GB", 3, 24)], "small").await;
    assert_eq!(small.state, CallOffState::Placed);
    assert_eq!(small.cost_centre.as_ref().unwrap().as_str(), "IT-4021");

    // £13,200 needs one approver: a draft that holds its value, unseen by the supplier.
    let medium = submit(&t, &buyer, vec![line("L4-SIM-5GB", 100, 24)], "medium").await;
    assert_eq!(medium.state, CallOffState::Draft);
    assert_eq!(committed(&t).await, Money::from_pounds(13_596));
    assert_committed_adds_up(&t).await;
    assert!(matches!(
        call_offs::get(&t.app, &supplier, &medium.id).await,
        Err(AppError::NotFound(_))
    ));
    notifications::dispatch_placed(&t.app).await.unwrap();
    assert!(!inbox_mentions(&t, &supplier, &medium.reference).await);
    assert!(inbox_mentions(&t, &ada, "Approval needed").await);
    assert!(inbox_mentions(&t, &ravi, "Approval needed").await);
    let listed = approvals::awaiting(&t.app, &ada).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].blocked.is_none());
    let request = awaiting_request(&t, &medium).await;

    // The buyer who submitted it cannot approve it, even holding the approver role.
    let admin = t.actor("admin@camden.example").await;
    people::set_roles(&t.app, &admin, &buyer.user_id, &[Role::Buyer, Role::Approver])
        .await
        .unwrap();
    let buyer = t.buyer().await;
    let own = approvals::decide(&t.app, &buyer, &request, Decision::Approve, "").await;
    assert!(
        matches!(&own, Err(AppError::Conflict(e)) if e.field == "decision" && e.message.contains("own")),
        "{own:?}"
    );
    // A return needs a comment; someone else's organisation cannot see the request at all.
    let bare = approvals::decide(&t.app, &ada, &request, Decision::Return, "  ").await;
    assert!(
        matches!(&bare, Err(AppError::Invalid(e)) if e.field == "comment"),
        "{bare:?}"
    );
    let hackney = t.actor("buyer@hackney.example").await;
    assert!(matches!(
        approvals::decide(&t.app, &hackney, &request, Decision::Approve, "").await,
        Err(AppError::Forbidden(_))
    ));
    let view = call_offs::view(&t.app, &buyer, &medium.id).await.unwrap();
    assert!(
        view.approvals[0].decisions.is_empty(),
        "refused decisions write nothing"
    );

    // Ada approves: the call-off is placed and the supplier hears of it.
    let decided = approvals::decide(&t.app, &ada, &request, Decision::Approve, "In budget").await;
    assert_eq!(decided.unwrap(), Decided::Approved(ApprovalKind::Submission));
    let medium = call_offs::get(&t.app, &supplier, &medium.id).await.unwrap();
    assert_eq!(medium.state, CallOffState::Placed);
    assert_eq!(committed(&t).await, Money::from_pounds(13_596));
    notifications::dispatch_placed(&t.app).await.unwrap();
    assert!(inbox_mentions(&t, &supplier, &medium.reference).await);
    assert!(inbox_mentions(&t, &buyer, "approved").await);
    let again = approvals::decide(&t.app, &ravi, &request, Decision::Approve, "").await;
    assert!(matches!(again, Err(AppError::Conflict(_))), "{again:?}");

    // £396,000 needs two distinct approvers: 3,000 SIMs × £5.50 × 24.
    let big = submit(&t, &buyer, vec![line("L4-SIM-5GB", 3_000, 24)], "big").await;
    assert_eq!(big.state, CallOffState::Draft);
    let request = awaiting_request(&t, &big).await;
    let first = approvals::decide(&t.app, &ada, &request, Decision::Approve, "").await;
    assert_eq!(
        first.unwrap(),
        Decided::Recorded {
            approvals_given: 1,
            approvers_required: 2
        }
    );
    let twice = approvals::decide(&t.app, &ada, &request, Decision::Approve, "").await;
    assert!(
        matches!(&twice, Err(AppError::Conflict(e)) if e.message.contains("already")),
        "{twice:?}"
    );
    // Ravi returns it: the headroom comes back and the buyer is told why.
    let before = committed(&t).await;
    let returned = approvals::decide(&t.app, &ravi, &request, Decision::Return, "Use cost centre MOB-1100").await;
    assert_eq!(returned.unwrap(), Decided::Returned);
    assert_eq!(before.pence() - committed(&t).await.pence(), 39_600_000);
    assert_committed_adds_up(&t).await;
    assert!(inbox_mentions(&t, &buyer, "returned").await);
    let view = call_offs::view(&t.app, &buyer, &big.id).await.unwrap();
    assert_eq!(view.call_off.state, CallOffState::Draft);
    assert_eq!(view.approvals[0].request.status, ApprovalStatus::Returned);
    assert_eq!(view.approvals[0].decisions.len(), 2);

    // Submitted again it holds its value again; withdrawn it lets go; cancelled it is gone,
    // and the supplier never hears of it.
    let bad = approvals::resubmit(&t.app, &buyer, &big.id, Some("")).await;
    assert!(
        matches!(&bad, Err(AppError::Invalid(e)) if e.field == "cost_centre"),
        "{bad:?}"
    );
    let again = approvals::resubmit(&t.app, &buyer, &big.id, Some("MOB-1100"))
        .await
        .unwrap();
    assert!(matches!(again, Resubmitted::AwaitingApproval(_)));
    let view = call_offs::view(&t.app, &buyer, &big.id).await.unwrap();
    assert_eq!(view.call_off.cost_centre.unwrap().as_str(), "MOB-1100");
    assert_eq!(committed(&t).await, before);
    approvals::withdraw(&t.app, &buyer, &big.id).await.unwrap();
    assert_eq!(before.pence() - committed(&t).await.pence(), 39_600_000);
    let withdraw_twice = approvals::withdraw(&t.app, &buyer, &big.id).await;
    assert!(matches!(withdraw_twice, Err(AppError::Conflict(_))));
    let cancel = CallOffAction::Cancel {
        reason: "Bought elsewhere".into(),
    };
    call_offs::act(&t.app, &buyer, &big.id, &cancel).await.unwrap();
    notifications::dispatch_placed(&t.app).await.unwrap();
    assert!(!inbox_mentions(&t, &supplier, &big.reference).await);
    assert_committed_adds_up(&t).await;

    // A submission that waits past the organisation's 30 days expires and lets go.
    let late = submit(&t, &buyer, vec![line("L4-SIM-5GB", 200, 24)], "late").await;
    let request = awaiting_request(&t, &late).await;
    let held = committed(&t).await;
    t.clock.advance(chrono::Duration::days(29));
    assert_eq!(approvals::expire_due(&t.app).await.unwrap(), 0);
    t.clock.advance(chrono::Duration::days(2));
    // The hourly sweep of `calloff serve` expires it.
    assert_eq!(calloff_app::lifecycle::sweep(&t.app).await.unwrap().expired, 1);
    assert_eq!(approvals::expire_due(&t.app).await.unwrap(), 0, "expired once");
    assert_eq!(held.pence() - committed(&t).await.pence(), 2_640_000);
    let after = approvals::decide(&t.app, &ada, &request, Decision::Approve, "").await;
    assert!(matches!(after, Err(AppError::Conflict(_))), "{after:?}");
    assert!(inbox_mentions(&t, &buyer, "expired").await);
    assert_committed_adds_up(&t).await;
    let history = calloff_app::audit::call_off_history(&t.app, &buyer, &late.id)
        .await
        .unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(actions, ["call_off.submitted", "approval.expired"]);
}

async fn a_variation_increase_is_approved_under_the_same_rules(backend: Backend) {
    let t = TestApp::init(backend).await;
    camden_rules(&t, 30).await;
    let (buyer, supplier) = (t.buyer().await, t.supplier().await);
    let ada = t.actor("approver@camden.example").await;
    // £2,640 (20 SIMs × £5.50 × 24), accepted.
    let placed = submit(&t, &buyer, vec![line("L4-SIM-5GB", 20, 24)], "vary").await;
    call_offs::act(&t.app, &supplier, &placed.id, &CallOffAction::Accept)
        .await
        .unwrap();

    // An increase of £1,320 is under £10,000: it applies at once.
    let small = variations::vary(&t.app, &buyer, &placed.id, &[line("L4-SIM-5GB", 30, 24)])
        .await
        .unwrap();
    assert!(matches!(small, VariationOutcome::Applied(_)));
    assert_eq!(committed(&t).await, Money::from_pounds(3_960));

    // An increase of £13,200 needs an approver; meanwhile the lines stand and the increase is held.
    let why = "The library's new wing opens in March";
    let big = variations::vary_because(&t.app, &buyer, &placed.id, &[line("L4-SIM-5GB", 130, 24)], why)
        .await
        .unwrap();
    let VariationOutcome::AwaitingApproval(request) = big else {
        panic!("expected to await approval: {big:?}")
    };
    assert_eq!(request.value, Money::from_pounds(13_200));
    assert_eq!(committed(&t).await, Money::from_pounds(17_160));
    assert_committed_adds_up(&t).await;
    let view = call_offs::view(&t.app, &buyer, &placed.id).await.unwrap();
    assert_eq!(view.call_off.totals.contract_value, Money::from_pounds(3_960));
    let another = variations::vary(&t.app, &buyer, &placed.id, &[line("L4-SIM-5GB", 31, 24)]).await;
    assert!(matches!(&another, Err(AppError::Conflict(e)) if e.message.contains("awaiting approval")));

    let decided = approvals::decide(&t.app, &ada, &request.id, Decision::Approve, "").await;
    assert_eq!(decided.unwrap(), Decided::Approved(ApprovalKind::Variation));
    let view = call_offs::view(&t.app, &buyer, &placed.id).await.unwrap();
    assert_eq!(view.call_off.totals.contract_value, Money::from_pounds(17_160));
    assert_eq!(view.call_off.lines[0].quantity.get(), 130);
    assert_eq!(view.variations.len(), 2);
    // The reason given when it was asked for is kept with the variation it became.
    assert_eq!(view.variations[0].reason, None);
    assert_eq!(view.variations[1].reason.as_deref(), Some(why));
    assert_eq!(committed(&t).await, Money::from_pounds(17_160));

    // A returned increase changes nothing and lets its headroom go.
    let VariationOutcome::AwaitingApproval(request) =
        variations::vary(&t.app, &buyer, &placed.id, &[line("L4-SIM-5GB", 230, 24)])
            .await
            .unwrap()
    else {
        panic!("expected to await approval")
    };
    approvals::decide(&t.app, &ada, &request.id, Decision::Return, "Not this year")
        .await
        .unwrap();
    let view = call_offs::view(&t.app, &buyer, &placed.id).await.unwrap();
    assert_eq!(view.call_off.totals.contract_value, Money::from_pounds(17_160));
    assert_eq!(committed(&t).await, Money::from_pounds(17_160));

    // Terminating with an increase awaiting approval lets that go too.
    let VariationOutcome::AwaitingApproval(_) =
        variations::vary(&t.app, &buyer, &placed.id, &[line("L4-SIM-5GB", 230, 24)])
            .await
            .unwrap()
    else {
        panic!("expected to await approval")
    };
    call_offs::act(
        &t.app,
        &buyer,
        &placed.id,
        &CallOffAction::Cancel {
            reason: "No longer needed".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(committed(&t).await, Money::ZERO);
    assert_committed_adds_up(&t).await;

    // A variation may not take a lot past its direct-award limit.
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    calloff_store::frameworks::set_direct_award(&mut conn, &t.framework_id, 4, true, Some(Money::from_pounds(5_000)))
        .await
        .unwrap();
    drop(conn);
    let within = submit(&t, &buyer, vec![line("L4-SIM-5GB", 20, 24)], "within-limit").await;
    call_offs::act(&t.app, &supplier, &within.id, &CallOffAction::Accept)
        .await
        .unwrap();
    let before = committed(&t).await;
    let over = variations::vary(&t.app, &buyer, &within.id, &[line("L4-SIM-5GB", 40, 24)]).await;
    assert!(
        matches!(&over, Err(AppError::Invalid(e)) if e.message.contains("direct-award limit")),
        "{over:?}"
    );
    assert_eq!(committed(&t).await, before, "a refused variation writes nothing");
    t.assert_audit_intact().await;
}

async fn submissions_nobody_could_approve_are_refused(backend: Backend) {
    let t = TestApp::init(backend).await;
    let admin = t.actor("admin@camden.example").await;
    // Three approvers from £0, but Camden has two.
    let rules = ApprovalRules::new(
        vec![Threshold {
            from_value: Money::ZERO,
            approvers: 3,
        }],
        30,
    )
    .unwrap();
    approvals::set_rules(&t.app, &admin, &rules).await.unwrap();
    let buyer = t.buyer().await;
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: vec![line("L4-SIM-5GB", 3, 24)],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let refused = call_offs::place(&t.app, &buyer, &command, Some("nobody")).await;
    assert!(
        matches!(&refused, Err(AppError::Conflict(e)) if e.field == "approvers" && e.message.contains("2 other")),
        "{refused:?}"
    );
    assert_eq!(committed(&t).await, Money::ZERO);
    assert!(call_offs::list(&t.app, &buyer, None, &Default::default())
        .await
        .unwrap()
        .call_offs
        .is_empty());

    // Bad rules and bad cost centres are refused, naming the field.
    let no_cost_centre = PlaceCallOff {
        cost_centre: " ".into(),
        ..command
    };
    let refused = call_offs::place(&t.app, &buyer, &no_cost_centre, Some("no-cc")).await;
    assert!(matches!(&refused, Err(AppError::Invalid(e)) if e.field == "cost_centre"));
    let not_admin = approvals::set_rules(&t.app, &buyer, &ApprovalRules::default()).await;
    assert!(matches!(not_admin, Err(AppError::Forbidden(_))));
    assert_eq!(approvals::rules(&t.app, &buyer).await.unwrap(), rules);
}
