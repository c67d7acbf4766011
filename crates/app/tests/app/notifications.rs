use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::notifications::{self, SmtpMailer};
use calloff_app::quotes::LineInput;
use calloff_test_support::smtp_sink::SmtpSink;
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    events_notify_the_right_people_and_the_worker_emails_each_once,
    a_failed_send_is_kept_and_retried_after_a_backoff,
    two_workers_send_each_notification_once,
    approvers_and_buyers_are_emailed_about_approvals,
);

const PUBLIC_URL: &str = "https://calloff.example";

async fn place(t: &TestApp, key: &str) -> calloff_domain::call_off::CallOff {
    let buyer = t.buyer().await;
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: vec![LineInput {
            sku: "L4-SIM-5GB".into(),
            quantity: 10,
            term_months: 24,
            monthly_usage: None,
        }],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    call_offs::place(&t.app, &buyer, &command, Some(key))
        .await
        .unwrap()
        .call_off
}

fn mailer(sink: &SmtpSink) -> SmtpMailer {
    SmtpMailer::new(&sink.url(), "calloff <no-reply@calloff.example>").unwrap()
}

async fn events_notify_the_right_people_and_the_worker_emails_each_once(backend: Backend) {
    let t = TestApp::init(backend).await;
    let supplier = t.supplier().await;
    let buyer = t.buyer().await;
    let call_off = place(&t, "n-1").await;
    let inbox = notifications::list(&t.app, &supplier).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].event, "call_off.placed");
    assert!(inbox[0].subject.contains(&call_off.reference));
    assert!(inbox[0].read_at.is_none() && inbox[0].sent_at.is_none());
    assert!(
        notifications::list(&t.app, &buyer).await.unwrap().is_empty(),
        "the buyer did not ask to hear of their own order"
    );

    call_offs::act(&t.app, &supplier, &call_off.id, &CallOffAction::Accept)
        .await
        .unwrap();
    let buyer_inbox = notifications::list(&t.app, &buyer).await.unwrap();
    assert_eq!(buyer_inbox.len(), 1);
    assert_eq!(buyer_inbox[0].event, "call_off.accepted");

    let sink = SmtpSink::start().await;
    let report = notifications::deliver_due(&t.app, &mailer(&sink), PUBLIC_URL)
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (2, 0));
    let mail = sink.received();
    assert_eq!(mail.len(), 2);
    let to_supplier = mail
        .iter()
        .find(|m| m.to == ["supplier@londonict.example"])
        .expect("mail to the supplier");
    assert!(
        to_supplier.subject().unwrap().contains(&call_off.reference),
        "{to_supplier:?}"
    );
    assert!(
        to_supplier
            .data
            .contains(&format!("{PUBLIC_URL}/call-offs/{}", call_off.id)),
        "{}",
        to_supplier.data
    );
    let to_buyer = mail
        .iter()
        .find(|m| m.to == ["buyer@camden.example"])
        .expect("mail to the buyer");
    assert!(to_buyer.subject().unwrap().ends_with("accepted"), "{to_buyer:?}");

    // Nothing is sent twice.
    let again = notifications::deliver_due(&t.app, &mailer(&sink), PUBLIC_URL)
        .await
        .unwrap();
    assert_eq!((again.sent, again.failed), (0, 0));
    assert_eq!(sink.received().len(), 2);
    assert!(notifications::list(&t.app, &buyer).await.unwrap()[0].sent_at.is_some());
    assert_eq!(notifications::mark_all_read(&t.app, &buyer).await.unwrap(), 1);
    assert!(notifications::list(&t.app, &buyer).await.unwrap()[0].read_at.is_some());
}

async fn a_failed_send_is_kept_and_retried_after_a_backoff(backend: Backend) {
    let t = TestApp::init(backend).await;
    let supplier = t.supplier().await;
    place(&t, "n-2").await;
    let sink = SmtpSink::start().await;
    sink.refuse_next(1);
    let report = notifications::deliver_due(&t.app, &mailer(&sink), PUBLIC_URL)
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (0, 1));
    let kept = &notifications::list(&t.app, &supplier).await.unwrap()[0];
    assert_eq!(kept.attempts, 1);
    assert!(kept.sent_at.is_none());
    assert!(
        kept.last_error.as_deref().unwrap_or_default().contains("451"),
        "{kept:?}"
    );

    // Not due again until the backoff has passed.
    let early = notifications::deliver_due(&t.app, &mailer(&sink), PUBLIC_URL)
        .await
        .unwrap();
    assert_eq!((early.sent, early.failed), (0, 0));
    // A relay that is down is a failure too, and loses nothing.
    t.clock.advance(chrono::Duration::seconds(61));
    let down = SmtpMailer::new("smtp://127.0.0.1:1", "calloff <no-reply@calloff.example>").unwrap();
    let report = notifications::deliver_due(&t.app, &down, PUBLIC_URL).await.unwrap();
    assert_eq!((report.sent, report.failed), (0, 1));
    assert_eq!(notifications::list(&t.app, &supplier).await.unwrap()[0].attempts, 2);
    // The second retry waits twice as long.
    t.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        notifications::deliver_due(&t.app, &mailer(&sink), PUBLIC_URL)
            .await
            .unwrap()
            .sent,
        0
    );
    t.clock.advance(chrono::Duration::seconds(60));
    assert_eq!(
        notifications::deliver_due(&t.app, &mailer(&sink), PUBLIC_URL)
            .await
            .unwrap()
            .sent,
        1
    );
    assert_eq!(sink.received().len(), 1);
    assert!(notifications::list(&t.app, &supplier).await.unwrap()[0]
        .sent_at
        .is_some());
}

async fn two_workers_send_each_notification_once(backend: Backend) {
    let t = TestApp::init(backend).await;
    for i in 0..6 {
        place(&t, &format!("n-3-{i}")).await;
    }
    let sink = SmtpSink::start().await;
    let (a, b) = (mailer(&sink), mailer(&sink));
    let (first, second) = tokio::join!(
        notifications::deliver_due(&t.app, &a, PUBLIC_URL),
        notifications::deliver_due(&t.app, &b, PUBLIC_URL),
    );
    let sent = first.unwrap().sent + second.unwrap().sent;
    assert_eq!(sent, 6);
    assert_eq!(sink.received().len(), 6);
}

async fn approvers_and_buyers_are_emailed_about_approvals(backend: Backend) {
    use calloff_app::approvals;
    use calloff_domain::approval::{ApprovalRules, Decision, Threshold};
    let t = TestApp::init(backend).await;
    let admin = t.actor("admin@camden.example").await;
    let from_zero = Threshold {
        from_value: calloff_domain::money::Money::ZERO,
        approvers: 1,
    };
    let rules = ApprovalRules::new(vec![from_zero], 30).unwrap();
    approvals::set_rules(&t.app, &admin, &rules).await.unwrap();
    let draft = place(&t, "approve-by-mail").await;
    let sink = SmtpSink::start().await;
    notifications::deliver_due(&t.app, &mailer(&sink), PUBLIC_URL)
        .await
        .unwrap();
    let mut to: Vec<String> = sink
        .received()
        .iter()
        .filter(|m| m.subject().unwrap().starts_with("Approval needed"))
        .flat_map(|m| m.to.clone())
        .collect();
    to.sort();
    assert_eq!(to, ["approver2@camden.example", "approver@camden.example"]);
    assert!(
        !sink.received().iter().any(|m| m.to == ["supplier@londonict.example"]),
        "the supplier hears nothing of a draft"
    );

    let ada = t.actor("approver@camden.example").await;
    let request = call_offs::view(&t.app, &t.buyer().await, &draft.id)
        .await
        .unwrap()
        .approvals[0]
        .request
        .id
        .clone();
    approvals::decide(&t.app, &ada, &request, Decision::Approve, "")
        .await
        .unwrap();
    notifications::deliver_due(&t.app, &mailer(&sink), PUBLIC_URL)
        .await
        .unwrap();
    let mail = sink.received();
    let to_buyer = mail
        .iter()
        .find(|m| m.to == ["buyer@camden.example"])
        .expect("mail to the buyer");
    assert!(to_buyer.subject().unwrap().ends_with("approved"), "{to_buyer:?}");
    let to_supplier = mail
        .iter()
        .find(|m| m.to == ["supplier@londonict.example"])
        .expect("the supplier hears once it is placed");
    assert!(to_supplier.subject().unwrap().contains(&draft.reference));
}
