use calloff_app::change_requests;
use calloff_app::proposals::{self, Proposal};
use calloff_app::{auth, demo, notifications, Actor, AppError};
use calloff_domain::change_control::ChangeInput;
use calloff_domain::governance::{
    DecisionInput, Outcome, ProposalInput, ProposalStatus, MAX_COMMENT_LEN, MAX_RATIONALE_LEN, MAX_REASON_LEN,
    MAX_RESPONSE_LEN, MAX_TITLE_LEN,
};
use calloff_domain::ids::ProposalId;
use calloff_domain::organisation::{OrgIdentifier, Organisation, OrganisationKind, Verification};
use calloff_domain::role::Role;
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    a_proposal_is_raised_supported_answered_deferred_and_accepted,
    accepted_onto_the_roadmap_declined_and_the_roadmap_order,
    bad_input_is_refused_naming_the_field_and_writes_nothing,
    each_organisation_has_one_vote_even_when_two_race,
    only_customers_raise_and_support_and_auditors_only_read,
    retried_creates_with_the_same_idempotency_key_make_one,
);

fn change(sku: &str, title: &str) -> ProposalInput {
    ProposalInput {
        kind: "change".into(),
        sku: Some(sku.into()),
        title: title.into(),
        rationale: "Our field teams travel to EU partner cities every month and pay roaming by the day.".into(),
        ..ProposalInput::default()
    }
}

fn decision(decision: &str, outcome: Option<&str>, reason: &str) -> DecisionInput {
    DecisionInput {
        decision: decision.into(),
        outcome: outcome.map(str::to_string),
        target_quarter: None,
        reason: reason.into(),
    }
}

/// A user of a London body that has no demo user yet.
async fn customer_at(t: &TestApp, organisation: &str, email: &str, roles: &[Role]) -> Actor {
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    let org = calloff_store::organisations::find_by_name(&mut conn, organisation)
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    auth::create_user(&t.app, &org.id, email, "Test Person", demo::DEMO_PASSWORD, roles)
        .await
        .unwrap();
    t.actor(email).await
}

/// A supplier that is not on the framework, with a user.
async fn other_supplier(t: &TestApp) -> Actor {
    let org = Organisation {
        id: calloff_domain::ids::OrganisationId::generate(),
        name: "Other Networks Ltd".into(),
        kind: OrganisationKind::Supplier,
        identifiers: vec![OrgIdentifier::parse("GB-COH", "ZZ000002").unwrap()],
        verification: Verification::Verified,
    };
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    calloff_store::organisations::insert(&mut conn, &org, "2026-11-26T10:00:00.000Z")
        .await
        .unwrap();
    drop(conn);
    auth::create_user(
        &t.app,
        &org.id,
        "supplier@othernetworks.example",
        "Otto Other",
        demo::DEMO_PASSWORD,
        &[Role::SupplierUser],
    )
    .await
    .unwrap();
    t.actor("supplier@othernetworks.example").await
}

async fn audit_actions(t: &TestApp, id: &ProposalId) -> Vec<String> {
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    calloff_store::audit::entries_for_subject(&mut conn, id.as_str())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry.action)
        .collect()
}

async fn audit_length(t: &TestApp) -> i64 {
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    calloff_store::audit::head(&mut conn).await.unwrap().0
}

async fn events(t: &TestApp, actor: &Actor) -> Vec<String> {
    notifications::list(&t.app, actor)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.event)
        .collect()
}

fn conflict_on(result: Result<Proposal, AppError>, field: &str) {
    assert!(
        matches!(&result, Err(AppError::Conflict(e)) if e.field == field),
        "expected a conflict on {field}: {result:?}"
    );
}

async fn a_proposal_is_raised_supported_answered_deferred_and_accepted(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (camden, supplier) = (t.buyer().await, t.supplier().await);
    let hackney = t.actor("buyer@hackney.example").await;
    let manager = t.actor("manager@rbkc.example").await;
    let camden_approver = t.actor("approver@camden.example").await;

    let raised = proposals::raise(
        &t.app,
        &camden,
        &t.framework_id,
        &change("l4-sim-5gb", "EU roaming on the 5 GB SIM"),
        None,
    )
    .await
    .unwrap();
    let id = raised.proposal.id.clone();
    let p = &raised.proposal;
    assert_eq!(
        (p.status, p.support_count),
        (ProposalStatus::Open, 1),
        "the raiser's support counts"
    );
    assert_eq!(p.item_sku.as_deref(), Some("L4-SIM-5GB"));
    assert_eq!(p.lot_number, Some(4));
    assert_eq!(p.organisation_name, "London Borough of Camden");
    // The manager and the supplier hear of it; the raiser follows it.
    assert_eq!(events(&t, &manager).await, ["proposal.raised"]);
    assert_eq!(events(&t, &supplier).await, ["proposal.raised"]);
    let view = proposals::view(&t.app, &camden, &id).await.unwrap();
    assert!(view.following && !view.allowed.support && view.allowed.comment);
    assert_eq!(view.votes[0].organisation_name, "London Borough of Camden");

    let supported = proposals::support(&t.app, &hackney, &id).await.unwrap();
    assert_eq!(supported.support_count, 2);
    conflict_on(proposals::support(&t.app, &camden_approver, &id).await, "vote");
    proposals::comment(&t.app, &hackney, &id, "Hackney's housing officers need this too.", None)
        .await
        .unwrap();
    proposals::comment(&t.app, &supplier, &id, "We can add a roaming bolt-on.", None)
        .await
        .unwrap();

    let responded = proposals::respond(&t.app, &supplier, &id, "EU roaming costs £1.20 a month more per SIM.")
        .await
        .unwrap();
    assert!(responded.supplier_response.as_deref().unwrap().contains("£1.20"));
    assert_eq!(responded.responded_by_name.as_deref(), Some("Sam Supplier"));
    // Followers (the raiser, and Hackney's buyer who supported and commented) hear of it; the
    // supplier does not hear of its own response.
    assert!(events(&t, &camden).await.contains(&"proposal.responded".to_string()));
    assert!(events(&t, &hackney).await.contains(&"proposal.responded".to_string()));
    assert_eq!(events(&t, &supplier).await, ["proposal.raised"]);
    let updated = proposals::respond(&t.app, &supplier, &id, "Now £0.95 a month more per SIM.")
        .await
        .unwrap();
    assert_eq!(
        updated.supplier_response.as_deref(),
        Some("Now £0.95 a month more per SIM.")
    );

    // Hackney's buyer stops following and hears nothing more; the manager starts.
    assert!(!proposals::follow(&t.app, &hackney, &id, false).await.unwrap());
    assert!(proposals::follow(&t.app, &manager, &id, true).await.unwrap());
    let hackney_heard = events(&t, &hackney).await.len();

    let deferred = proposals::decide(
        &t.app,
        &manager,
        &id,
        &decision("defer", None, "Waiting for the mobile tariff review in March"),
    )
    .await
    .unwrap();
    assert_eq!(deferred.status, ProposalStatus::Deferred);
    assert!(events(&t, &camden).await.contains(&"proposal.deferred".to_string()));
    // A deferred proposal still takes support and comments, and may be decided again.
    let westminster = customer_at(&t, "City of Westminster", "buyer@westminster.example", &[Role::Buyer]).await;
    assert_eq!(
        proposals::support(&t.app, &westminster, &id)
            .await
            .unwrap()
            .support_count,
        3
    );
    let accepted = proposals::decide(
        &t.app,
        &manager,
        &id,
        &decision(
            "accept",
            Some("change_request"),
            "Three boroughs need it and the price is fair",
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        (accepted.status, accepted.outcome),
        (ProposalStatus::Accepted, Some(Outcome::ChangeRequest))
    );
    assert_eq!(accepted.decided_by_name.as_deref(), Some("Fran Manager"));
    assert!(events(&t, &camden).await.contains(&"proposal.accepted".to_string()));
    assert!(events(&t, &westminster)
        .await
        .contains(&"proposal.accepted".to_string()));
    assert_eq!(events(&t, &hackney).await.len(), hackney_heard, "unfollowed");
    assert!(
        !events(&t, &manager).await.contains(&"proposal.accepted".to_string()),
        "not told of their own decision"
    );

    // Accepted is final: no more decisions, support, comments or responses.
    let again = proposals::decide(&t.app, &manager, &id, &decision("decline", None, "Changed my mind")).await;
    conflict_on(again, "decision");
    let haringey = customer_at(
        &t,
        "London Borough of Haringey",
        "buyer@haringey.example",
        &[Role::Buyer],
    )
    .await;
    conflict_on(proposals::support(&t.app, &haringey, &id).await, "vote");
    assert!(matches!(
        proposals::comment(&t.app, &camden, &id, "Thanks", None).await,
        Err(AppError::Conflict(e)) if e.field == "comment"
    ));
    conflict_on(proposals::respond(&t.app, &supplier, &id, "Late").await, "response");

    // The supplier answers it with a change request; each links to the other.
    let view = proposals::view(&t.app, &supplier, &id).await.unwrap();
    assert!(view.allowed.answer_with_change_request && !view.allowed.respond);
    assert_eq!(
        proposals::awaiting_change_requests(&t.app, &t.framework_id)
            .await
            .unwrap()
            .len(),
        1
    );
    let request = change_requests::propose_answering(
        &t.app,
        &supplier,
        &t.framework_id,
        "EU roaming on the 5 GB SIM",
        &[ChangeInput {
            kind: "price".into(),
            sku: "L4-SIM-5GB".into(),
            effective_from: "2027-01-01".into(),
            price: Some("6.45".into()),
            ..ChangeInput::default()
        }],
        Some(&id),
    )
    .await
    .unwrap();
    assert_eq!(request.proposal_id.as_ref(), Some(&id));
    let view = proposals::view(&t.app, &camden, &id).await.unwrap();
    assert_eq!(view.change_requests[0].id, request.id);
    assert!(events(&t, &camden)
        .await
        .contains(&"proposal.change_requested".to_string()));

    assert_eq!(
        audit_actions(&t, &id).await,
        [
            "proposal.raised",
            "proposal.supported",
            "proposal.commented",
            "proposal.commented",
            "proposal.responded",
            "proposal.responded",
            "proposal.unfollowed",
            "proposal.followed",
            "proposal.deferred",
            "proposal.supported",
            "proposal.accepted",
        ]
    );
}

async fn accepted_onto_the_roadmap_declined_and_the_roadmap_order(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (camden, supplier) = (t.buyer().await, t.supplier().await);
    let hackney = t.actor("buyer@hackney.example").await;
    let manager = t.actor("manager@rbkc.example").await;
    let new_product = |title: &str, lot: Option<i64>| ProposalInput {
        kind: "new_product".into(),
        lot,
        title: title.into(),
        rationale: "Schools and libraries want this.".into(),
        ..ProposalInput::default()
    };
    let backup = proposals::raise(
        &t.app,
        &hackney,
        &t.framework_id,
        &new_product("UK-only cloud backup", Some(2)),
        None,
    )
    .await
    .unwrap()
    .proposal;
    assert_eq!((backup.lot_number, backup.item_id.clone()), (Some(2), None));
    let retire = ProposalInput {
        kind: "retire".into(),
        sku: Some("L3-SIP-CH".into()),
        title: "Retire the SIP channel".into(),
        rationale: "Nobody buys it now that Teams Phone is on the framework.".into(),
        ..ProposalInput::default()
    };
    let retire = proposals::raise(&t.app, &camden, &t.framework_id, &retire, None)
        .await
        .unwrap()
        .proposal;
    proposals::support(&t.app, &camden, &backup.id).await.unwrap();

    // The roadmap lists the most supported first.
    let roadmap = proposals::roadmap(&t.app, &supplier, &t.framework_id, None)
        .await
        .unwrap();
    let titles: Vec<&str> = roadmap.proposals.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["UK-only cloud backup", "Retire the SIP channel"]);
    assert!(roadmap.standing.is_supplier() && !roadmap.standing.is_customer());

    let mut onto_roadmap = decision("accept", Some("roadmap"), "On the cloud roadmap");
    onto_roadmap.target_quarter = Some("2027-Q2".into());
    let accepted = proposals::decide(&t.app, &manager, &backup.id, &onto_roadmap)
        .await
        .unwrap();
    assert_eq!(accepted.outcome, Some(Outcome::Roadmap));
    assert_eq!(
        accepted.target_quarter.map(|q| q.to_string()).as_deref(),
        Some("2027-Q2")
    );
    assert!(events(&t, &hackney).await.contains(&"proposal.accepted".to_string()));
    let declined = proposals::decide(
        &t.app,
        &manager,
        &retire.id,
        &decision("decline", None, "Three councils still use SIP channels"),
    )
    .await
    .unwrap();
    assert_eq!(declined.status, ProposalStatus::Declined);
    conflict_on(
        proposals::decide(&t.app, &manager, &retire.id, &decision("defer", None, "Later")).await,
        "decision",
    );
    // A roadmap item cannot be answered by a change request.
    let answering = change_requests::propose_answering(
        &t.app,
        &supplier,
        &t.framework_id,
        "Backup",
        &[ChangeInput {
            kind: "withdraw".into(),
            sku: "L3-SIP-CH".into(),
            effective_from: "2027-01-01".into(),
            ..ChangeInput::default()
        }],
        Some(&backup.id),
    )
    .await;
    assert!(
        matches!(&answering, Err(AppError::Invalid(e)) if e.field == "proposal_id"),
        "{answering:?}"
    );

    let open = proposals::roadmap(&t.app, &camden, &t.framework_id, Some(ProposalStatus::Declined))
        .await
        .unwrap();
    assert_eq!(open.proposals.len(), 1);
    assert_eq!(
        open.proposals[0].decision_reason.as_deref(),
        Some("Three councils still use SIP channels")
    );
}

async fn bad_input_is_refused_naming_the_field_and_writes_nothing(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (camden, supplier) = (t.buyer().await, t.supplier().await);
    let manager = t.actor("manager@rbkc.example").await;
    let id = proposals::raise(&t.app, &camden, &t.framework_id, &change("L4-SIM-5GB", "Roaming"), None)
        .await
        .unwrap()
        .proposal
        .id;
    let before = audit_length(&t).await;
    let fields = |e: AppError| -> Vec<String> { e.field_errors().into_iter().map(|f| f.field).collect() };

    let refused = |input: ProposalInput| {
        let (t, camden) = (&t, &camden);
        async move {
            proposals::raise(&t.app, camden, &t.framework_id, &input, None)
                .await
                .unwrap_err()
        }
    };
    let empty = refused(ProposalInput {
        title: " ".into(),
        rationale: String::new(),
        ..change("L4-SIM-5GB", "")
    })
    .await;
    assert_eq!(fields(empty), ["title", "rationale"]);
    let oversized = refused(ProposalInput {
        title: "t".repeat(MAX_TITLE_LEN + 1),
        rationale: "r".repeat(MAX_RATIONALE_LEN + 1),
        ..change("L4-SIM-5GB", "")
    })
    .await;
    assert_eq!(fields(oversized), ["title", "rationale"]);
    assert_eq!(fields(refused(change("NO-SUCH-SKU", "Unknown")).await), ["sku"]);
    assert_eq!(
        fields(
            refused(ProposalInput {
                kind: "wish".into(),
                ..change("L4-SIM-5GB", "Wish")
            })
            .await
        ),
        ["kind"]
    );
    let lot_nine = ProposalInput {
        kind: "new_product".into(),
        sku: None,
        lot: Some(9),
        ..change("", "Lot nine")
    };
    assert_eq!(fields(refused(lot_nine).await), ["lot"]);

    for body in [String::new(), "c".repeat(MAX_COMMENT_LEN + 1)] {
        let e = proposals::comment(&t.app, &camden, &id, &body, None).await.unwrap_err();
        assert_eq!(fields(e), ["comment"]);
    }
    for response in [" ".to_string(), "r".repeat(MAX_RESPONSE_LEN + 1)] {
        let e = proposals::respond(&t.app, &supplier, &id, &response).await.unwrap_err();
        assert_eq!(fields(e), ["response"]);
    }
    for reason in [String::new(), "r".repeat(MAX_REASON_LEN + 1)] {
        let e = proposals::decide(&t.app, &manager, &id, &decision("decline", None, &reason))
            .await
            .unwrap_err();
        assert_eq!(fields(e), ["reason"]);
    }
    let e = proposals::decide(&t.app, &manager, &id, &decision("accept", None, "Yes"))
        .await
        .unwrap_err();
    assert_eq!(fields(e), ["outcome"]);
    let mut past = decision("accept", Some("roadmap"), "Yes");
    past.target_quarter = Some("2025-Q1".into());
    let e = proposals::decide(&t.app, &manager, &id, &past).await.unwrap_err();
    assert_eq!(fields(e), ["target_quarter"]);

    // Nothing was written: no proposal, comment, response, decision or audit entry.
    assert_eq!(audit_length(&t).await, before);
    let roadmap = proposals::roadmap(&t.app, &camden, &t.framework_id, None)
        .await
        .unwrap();
    assert_eq!(roadmap.proposals.len(), 1);
    let p = &roadmap.proposals[0];
    assert_eq!(
        (p.status, p.comment_count, p.supplier_response.clone()),
        (ProposalStatus::Open, 0, None)
    );
}

async fn each_organisation_has_one_vote_even_when_two_race(backend: Backend) {
    let t = TestApp::init(backend).await;
    let hackney = t.actor("buyer@hackney.example").await;
    let id = proposals::raise(
        &t.app,
        &hackney,
        &t.framework_id,
        &change("L4-SIM-5GB", "Roaming"),
        None,
    )
    .await
    .unwrap()
    .proposal
    .id;
    let before = audit_length(&t).await;
    // Two people of the same organisation press "Support" at the same moment.
    let (buyer, approver) = (t.buyer().await, t.actor("approver@camden.example").await);
    let (a, b) = tokio::join!(
        proposals::support(&t.app, &buyer, &id),
        proposals::support(&t.app, &approver, &id)
    );
    let results = [a, b];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    let refused = results.into_iter().find(Result::is_err).unwrap();
    conflict_on(refused, "vote");
    // A second vote from the raising organisation is refused too.
    conflict_on(proposals::support(&t.app, &hackney, &id).await, "vote");

    let view = proposals::view(&t.app, &buyer, &id).await.unwrap();
    assert_eq!(view.proposal.support_count, 2);
    assert_eq!(view.votes.len(), 2);
    assert!(!view.allowed.support);
    assert_eq!(
        audit_length(&t).await,
        before + 1,
        "only the vote that counted is audited"
    );
}

async fn only_customers_raise_and_support_and_auditors_only_read(backend: Backend) {
    let t = TestApp::init(backend).await;
    let (camden, supplier) = (t.buyer().await, t.supplier().await);
    let manager = t.actor("manager@rbkc.example").await;
    let auditor = t.actor("auditor@rbkc.example").await;
    let other = other_supplier(&t).await;
    let input = change("L4-SIM-5GB", "Roaming");
    for who in [&supplier, &manager, &auditor, &other] {
        let refused = proposals::raise(&t.app, who, &t.framework_id, &input, None).await;
        assert!(
            matches!(refused, Err(AppError::Forbidden(_))),
            "{}: {refused:?}",
            who.email
        );
    }
    // A body waiting for verification cannot raise proposals yet.
    let pending = calloff_app::registration::Registration {
        organisation_name: "Governance Academy".into(),
        kind: "school".into(),
        identifier_scheme: "GB-EDU".into(),
        identifier: "100996".into(),
        your_name: "Pat Pending".into(),
        email: "pat@academy.example".into(),
        password: demo::DEMO_PASSWORD.into(),
        ..Default::default()
    };
    calloff_app::registration::register(&t.app, &pending).await.unwrap();
    let pat = t.actor("pat@academy.example").await;
    let refused = proposals::raise(&t.app, &pat, &t.framework_id, &input, None).await;
    assert!(
        matches!(&refused, Err(AppError::Forbidden(why)) if why.contains("not yet verified")),
        "{refused:?}"
    );

    let id = proposals::raise(&t.app, &camden, &t.framework_id, &input, None)
        .await
        .unwrap()
        .proposal
        .id;
    for who in [&supplier, &manager, &auditor] {
        assert!(matches!(
            proposals::support(&t.app, who, &id).await,
            Err(AppError::Forbidden(_))
        ));
        proposals::view(&t.app, who, &id).await.unwrap();
    }
    // Auditors read, and change nothing.
    let seen = proposals::view(&t.app, &auditor, &id).await.unwrap();
    assert_eq!(seen.allowed, proposals::ProposalActions::default());
    assert!(matches!(
        proposals::comment(&t.app, &auditor, &id, "Noted", None).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        proposals::follow(&t.app, &auditor, &id, true).await,
        Err(AppError::Forbidden(_))
    ));
    // Only the supplier responds; only the manager decides.
    for who in [&camden, &manager] {
        assert!(matches!(
            proposals::respond(&t.app, who, &id, "Yes").await,
            Err(AppError::Forbidden(_))
        ));
    }
    for who in [&camden, &supplier, &auditor] {
        let decided = proposals::decide(&t.app, who, &id, &decision("decline", None, "No")).await;
        assert!(matches!(decided, Err(AppError::Forbidden(_))));
    }
    // A supplier not on the framework does not see its proposals at all.
    assert!(matches!(
        proposals::view(&t.app, &other, &id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        proposals::roadmap(&t.app, &other, &t.framework_id, None).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        proposals::support(&t.app, &other, &id).await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(audit_actions(&t, &id).await, ["proposal.raised"]);
}

async fn retried_creates_with_the_same_idempotency_key_make_one(backend: Backend) {
    let t = TestApp::init(backend).await;
    let camden = t.buyer().await;
    let input = change("L4-SIM-5GB", "Roaming");
    let first = proposals::raise(&t.app, &camden, &t.framework_id, &input, Some("key-1"))
        .await
        .unwrap();
    let again = proposals::raise(&t.app, &camden, &t.framework_id, &input, Some("key-1"))
        .await
        .unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!(first.proposal.id, again.proposal.id);
    let other = proposals::raise(
        &t.app,
        &camden,
        &t.framework_id,
        &change("L4-SIM-5GB", "Something else"),
        Some("key-1"),
    )
    .await;
    assert!(matches!(other, Err(AppError::Conflict(e)) if e.field == "Idempotency-Key"));

    let id = first.proposal.id;
    let said = proposals::comment(&t.app, &camden, &id, "First", Some("c-1"))
        .await
        .unwrap();
    let repeated = proposals::comment(&t.app, &camden, &id, "First", Some("c-1"))
        .await
        .unwrap();
    assert!(repeated.replayed);
    assert_eq!(said.comment.id, repeated.comment.id);
    let view = proposals::view(&t.app, &camden, &id).await.unwrap();
    assert_eq!((view.comments.len(), view.proposal.comment_count), (1, 1));
    assert_eq!(view.comments[0].author_name, "Bola Buyer");
}
