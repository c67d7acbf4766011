use calloff_app::{auth, notifications, people, AppError};
use calloff_domain::role::Role;
use calloff_test_support::{on_both_databases, Backend, TestApp};

on_both_databases!(
    an_admin_invites_and_the_link_works_once_before_it_expires,
    admins_manage_only_their_own_people
);

const PASSWORD: &str = "correct horse battery";

async fn an_admin_invites_and_the_link_works_once_before_it_expires(backend: Backend) {
    let t = TestApp::init(backend).await;
    let admin = t.actor("admin@camden.example").await;
    let buyer = t.buyer().await;
    assert!(matches!(
        people::invite(&t.app, &buyer, "new@camden.example", &[Role::Buyer]).await,
        Err(AppError::Forbidden(_))
    ));
    let err = people::invite(&t.app, &admin, "not an email", &[Role::SupplierUser])
        .await
        .unwrap_err();
    let fields: Vec<String> = err.field_errors().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["email", "roles"]);
    let taken = people::invite(&t.app, &admin, "buyer@camden.example", &[Role::Buyer])
        .await
        .unwrap_err();
    assert!(
        matches!(taken, AppError::Invalid(ref e) if e.field == "email"),
        "{taken:?}"
    );

    let token = people::invite(
        &t.app,
        &admin,
        "New.Buyer@Camden.Example",
        &[Role::Buyer, Role::Approver],
    )
    .await
    .unwrap();
    assert!(
        auth::sign_in(&t.app, "new.buyer@camden.example", PASSWORD)
            .await
            .is_err(),
        "not before accepting"
    );
    let short = people::accept(&t.app, &token, "Nia New", "short").await.unwrap_err();
    assert!(matches!(short, AppError::Invalid(ref e) if e.field == "password"));
    people::accept(&t.app, &token, "Nia New", PASSWORD).await.unwrap();
    let joined = auth::sign_in(&t.app, "new.buyer@camden.example", PASSWORD)
        .await
        .unwrap()
        .actor;
    assert_eq!(joined.organisation_id, admin.organisation_id);
    assert_eq!(joined.name, "Nia New");
    assert!(joined.has(Role::Buyer) && joined.has(Role::Approver));
    let told = notifications::list(&t.app, &joined).await.unwrap();
    assert!(
        told[0].link.ends_with(&token),
        "the invitation is emailed with its link"
    );
    // Once only.
    let again = people::accept(&t.app, &token, "Someone Else", PASSWORD)
        .await
        .unwrap_err();
    assert!(
        matches!(again, AppError::Conflict(ref e) if e.message.contains("already been used")),
        "{again:?}"
    );
    assert!(matches!(
        people::accept(&t.app, "made-up", "X", PASSWORD).await,
        Err(AppError::NotFound(_))
    ));

    // Expired after seven days.
    let late = people::invite(&t.app, &admin, "late@camden.example", &[Role::Buyer])
        .await
        .unwrap();
    t.clock.advance(chrono::Duration::days(8));
    let expired = people::accept(&t.app, &late, "Lee Late", PASSWORD).await.unwrap_err();
    assert!(
        matches!(expired, AppError::Conflict(ref e) if e.message.contains("expired")),
        "{expired:?}"
    );
    assert!(auth::sign_in(&t.app, "late@camden.example", PASSWORD).await.is_err());
}

async fn admins_manage_only_their_own_people(backend: Backend) {
    let t = TestApp::init(backend).await;
    let admin = t.actor("admin@camden.example").await;
    let camden_buyer = t.buyer().await;
    let hackney_buyer = t.actor("buyer@hackney.example").await;
    let listed = people::list(&t.app, &admin).await.unwrap();
    assert!(
        listed.iter().all(|u| u.email.ends_with("@camden.example")),
        "{listed:?}"
    );
    assert_eq!(listed.len(), 4);

    people::set_roles(&t.app, &admin, &camden_buyer.user_id, &[Role::Buyer, Role::Approver])
        .await
        .unwrap();
    assert!(t.buyer().await.has(Role::Approver));
    let other = people::set_roles(&t.app, &admin, &hackney_buyer.user_id, &[Role::Approver])
        .await
        .unwrap_err();
    assert!(matches!(other, AppError::NotFound(_)), "{other:?}");
    let self_demote = people::set_roles(&t.app, &admin, &admin.user_id, &[Role::Buyer])
        .await
        .unwrap_err();
    assert!(matches!(self_demote, AppError::Invalid(ref e) if e.field == "roles"));
    let wrong_role = people::set_roles(&t.app, &admin, &camden_buyer.user_id, &[Role::FrameworkManager])
        .await
        .unwrap_err();
    assert!(matches!(wrong_role, AppError::Invalid(ref e) if e.field == "roles"));

    let session = auth::sign_in(&t.app, "buyer@camden.example", calloff_app::demo::DEMO_PASSWORD)
        .await
        .unwrap();
    people::deactivate(&t.app, &admin, &camden_buyer.user_id).await.unwrap();
    assert!(
        matches!(
            auth::session(&t.app, &session.token).await,
            Err(AppError::Unauthenticated)
        ),
        "sessions end"
    );
    assert!(
        auth::sign_in(&t.app, "buyer@camden.example", calloff_app::demo::DEMO_PASSWORD)
            .await
            .is_err()
    );
    assert!(matches!(
        people::deactivate(&t.app, &admin, &admin.user_id).await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        people::deactivate(&t.app, &admin, &hackney_buyer.user_id).await,
        Err(AppError::NotFound(_))
    ));
}
