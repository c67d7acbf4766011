//! The authorisation matrix: every route the router serves × every role × own and other
//! organisation (and own and other supplier). A route missing from `rule` fails the test.

use crate::browser::{Browser, Site};
use calloff_app::call_offs::{self, CallOffAction, PlaceCallOff};
use calloff_app::quotes::LineInput;
use calloff_domain::organisation::{OrgIdentifier, Organisation, OrganisationKind, Verification};
use calloff_domain::role::Role;
use calloff_test_support::Backend;
use serde_json::json;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// The code page of a sign-in held for its second factor: without one, back to signing in.
    SecondFactorPage,
    /// Its form: without the sign-in's own form cookie, refused as forged.
    SecondFactorForm,
    /// Signed in, unless the person's roles require two-factor sign-in (turning it off).
    TwoFactorOptional,
    /// Any signed-in user.
    SignedIn,
    /// A signed-in user with the buyer role.
    Buyer,
    /// A supplier user.
    SupplierUser,
    /// A framework manager.
    FrameworkManager,
    /// An organisation admin (acting within their own organisation).
    OrganisationAdmin,
    /// An approver (deciding within their own organisation).
    Approver,
    /// People of the organisation that bought the call-off; others are told it does not exist.
    BuyingOrganisation,
    /// The framework's manager and its suppliers' users.
    FrameworkManagerOrSupplier,
    /// Users of one of the framework's suppliers.
    FrameworkSupplier,
    /// The framework's manager and auditors.
    FrameworkManagerOrAuditor,
    /// Buyers, approvers and organisation admins (their own organisation's figures).
    CustomerPerson,
    /// The framework's manager and the proposing supplier see it; others are told it does not exist.
    ChangeRequestReader,
    /// Readers may see it exists; only the framework's manager may decide.
    ChangeRequestManager,
    /// Those who may see the call-off: its buyer's organisation, its supplier, the framework's
    /// managing authority. Others are told it does not exist.
    CallOffReader,
    /// Readers may see it exists; only its supplier's users may act.
    CallOffSupplier,
    /// Readers may see it exists; only buyers of its organisation may act.
    CallOffBuyer,
    /// A framework's proposals: its customers, its supplier, its manager and auditors; other
    /// suppliers are refused.
    ProposalsReader,
    /// Customers: buyers, approvers and organisation admins of verified eligible organisations.
    Customer,
    /// A proposal: readers see it; others are told it does not exist.
    ProposalReader,
    /// Readers may see it exists; only customers may support it.
    ProposalCustomer,
    /// Readers may see it exists; customers, the supplier and the manager take part (not auditors).
    ProposalParticipant,
    /// Readers may see it exists; only the framework's supplier responds.
    ProposalSupplier,
    /// Readers may see it exists; only the framework's manager decides.
    ProposalManager,
    /// A framework's order register: its manager and auditors; everyone else is refused.
    OrderRegister,
    /// The audit log: auditors.
    Auditor,
    /// A framework's MI returns: its manager, auditors and its suppliers' users (their own);
    /// everyone else, buyers included, is refused.
    ReturnsList,
    /// The levy by month: the framework's manager and auditors.
    LevyReader,
    /// One return: its supplier, the framework's manager and auditors; others are told it does
    /// not exist (another supplier included).
    ReturnReader,
    /// Readers may see it exists; only its supplier's users submit it.
    ReturnSupplier,
    /// A saved quote: buyers only; its owner's organisation (where it is owned or shared) sees
    /// it, buyers elsewhere are told it does not exist.
    SavedQuote,
}

/// The rule for each (method, path); `None` for a route nobody has classified yet.
fn rule(method: &str, path: &str) -> Option<Rule> {
    use Rule::*;
    Some(match (method, path) {
        ("GET", "/sign-in") | ("POST", "/sign-in") | ("POST", "/api/v1/sessions") => Public,
        // The home page: each person's own tasks.
        ("GET", "/") => SignedIn,
        ("GET", "/api/openapi.json") => Public,
        // Open data: anyone, signed out included; what is withheld is not in it.
        ("GET", "/api/v1/ocds/releases" | "/api/v1/ocds/records/{ocid}") => Public,
        // A framework's public page and its JSON twin, and the open-data page listing them.
        ("GET", "/open-data" | "/frameworks/{id}/public" | "/api/v1/frameworks/{id}/public") => Public,
        ("GET" | "POST", "/api/v1/frameworks/{id}/ocds/confidentiality" | "/frameworks/{id}/confidentiality") => {
            FrameworkManager
        }
        ("GET", "/sign-in/code") => SecondFactorPage,
        ("POST", "/sign-in/code") => SecondFactorForm,
        ("POST", "/account/two-factor/turn-off" | "/api/v1/account/two-factor/turn-off") => TwoFactorOptional,
        ("GET", "/account/two-factor" | "/api/v1/account/two-factor") => SignedIn,
        (
            "POST",
            "/account/two-factor/set-up"
            | "/account/two-factor/confirm"
            | "/account/two-factor/recovery-codes"
            | "/api/v1/account/two-factor"
            | "/api/v1/account/two-factor/confirm"
            | "/api/v1/account/two-factor/recovery-codes",
        ) => SignedIn,
        ("GET" | "POST", "/register") | ("POST", "/api/v1/organisations") => Public,
        ("GET" | "POST", "/invitations/{token}") | ("POST", "/api/v1/invitations/{token}") => Public,
        ("GET", "/organisation/people" | "/api/v1/organisation/people") => OrganisationAdmin,
        ("POST", "/organisation/invitations" | "/api/v1/organisation/invitations") => OrganisationAdmin,
        ("POST", "/organisation/people/{id}/{change}" | "/api/v1/organisation/people/{id}/{change}") => {
            OrganisationAdmin
        }
        ("GET", "/frameworks/{id}/eligibility" | "/api/v1/frameworks/{id}/eligibility") => SignedIn,
        ("GET", "/approvals" | "/api/v1/approvals") => Approver,
        ("GET", "/frameworks/{id}/change-requests" | "/api/v1/frameworks/{id}/change-requests") => {
            FrameworkManagerOrSupplier
        }
        ("GET", "/frameworks/{id}/change-requests/new" | "/frameworks/{id}/change-requests/import") => {
            FrameworkSupplier
        }
        ("POST", "/frameworks/{id}/change-requests/import") => FrameworkSupplier,
        // Only the framework's suppliers upload their own MI returns.
        ("GET" | "POST", "/frameworks/{id}/returns/import") | ("POST", "/api/v1/frameworks/{id}/returns/import") => {
            FrameworkSupplier
        }
        // Only the framework's manager sets its management charge.
        ("GET", "/frameworks/{id}/levy-rules/new")
        | ("POST", "/frameworks/{id}/levy-rules" | "/api/v1/frameworks/{id}/levy-rules") => FrameworkManager,
        (
            "POST",
            "/frameworks/{id}/change-requests"
            | "/api/v1/frameworks/{id}/change-requests"
            | "/frameworks/{id}/indexation"
            | "/api/v1/frameworks/{id}/indexation",
        ) => FrameworkSupplier,
        ("GET", "/change-requests/{id}" | "/api/v1/change-requests/{id}") => ChangeRequestReader,
        ("POST", "/change-requests/{id}/{decision}" | "/api/v1/change-requests/{id}/{decision}") => {
            ChangeRequestManager
        }
        ("GET", "/api/v1/items/{id}/versions") => SignedIn,
        ("POST", "/items/{id}/demand-bands" | "/api/v1/items/{id}/demand-bands") => FrameworkManager,
        (
            "GET",
            "/frameworks/{id}/catalogue/as-of"
            | "/api/v1/frameworks/{id}/catalogue/as-of"
            | "/frameworks/{id}/catalogue-settings"
            | "/api/v1/frameworks/{id}/catalogue-settings",
        ) => SignedIn,
        ("POST", "/frameworks/{id}/catalogue-settings" | "/api/v1/frameworks/{id}/catalogue-settings") => {
            FrameworkManager
        }
        ("POST", "/approvals/{id}/decision" | "/api/v1/approvals/{id}/decision") => Approver,
        ("GET", "/approvals/{id}") => BuyingOrganisation,
        ("GET", "/organisation/approval-rules" | "/api/v1/organisation/approval-rules") => SignedIn,
        ("POST", "/organisation/approval-rules" | "/api/v1/organisation/approval-rules") => OrganisationAdmin,
        ("GET", "/organisations/pending" | "/api/v1/organisations/pending") => FrameworkManager,
        ("POST", "/organisations/{id}/{decision}" | "/api/v1/organisations/{id}/{decision}") => FrameworkManager,
        ("POST", "/sign-out") | ("DELETE", "/api/v1/sessions/current") => SignedIn,
        ("GET", "/frameworks" | "/frameworks/{id}" | "/frameworks/{id}/catalogue" | "/items/{id}") => SignedIn,
        (
            "GET",
            "/api/v1/frameworks" | "/api/v1/frameworks/{id}" | "/api/v1/frameworks/{id}/items" | "/api/v1/items/{id}",
        ) => SignedIn,
        ("GET", "/call-offs" | "/api/v1/call-offs") => SignedIn,
        ("GET", "/notifications" | "/api/v1/notifications") => SignedIn,
        // The change feed: everyone signed in, each seeing what their standing allows.
        ("GET", "/api/v1/feed") => SignedIn,
        // The Transparency Code registers: the organisation's own buyers, approvers and admins.
        (
            "GET",
            "/organisation/transparency"
            | "/organisation/transparency/contracts.csv"
            | "/organisation/transparency/spend.csv"
            | "/api/v1/organisation/transparency/contracts"
            | "/api/v1/organisation/transparency/spend",
        ) => CustomerPerson,
        ("POST", "/notifications/read" | "/api/v1/notifications/read") => SignedIn,
        ("GET", "/quote" | "/quote/place") | ("POST", "/quote" | "/quote/lines" | "/call-offs") => Buyer,
        ("POST", "/api/v1/quotes" | "/api/v1/call-offs") => Buyer,
        ("GET" | "POST", "/quotes" | "/api/v1/saved-quotes") => Buyer,
        ("GET", "/invoices") => Buyer,
        ("GET", "/notices") => Buyer,
        ("GET", "/call-offs/{id}/notices/record")
        | ("POST", "/call-offs/{id}/notices" | "/api/v1/call-offs/{id}/notices") => CallOffBuyer,
        (
            "GET",
            "/quotes/{id}" | "/quotes/{id}/csv" | "/api/v1/saved-quotes/{id}" | "/api/v1/saved-quotes/{id}/csv",
        ) => SavedQuote,
        (
            "POST",
            "/quotes/{id}/open"
            | "/quotes/{id}/shares"
            | "/api/v1/saved-quotes/{id}"
            | "/api/v1/saved-quotes/{id}/shares",
        ) => SavedQuote,
        // Deleting: each checked on a quote of its own (below), as the owner's check deletes it.
        ("GET" | "POST", "/quotes/{id}/delete") | ("DELETE", "/api/v1/saved-quotes/{id}") => SavedQuote,
        ("GET", "/supplier/inbox") => SupplierUser,
        ("GET" | "POST", "/organisation/supplier-status" | "/api/v1/organisation/supplier-status") => SupplierUser,
        (
            "GET",
            "/call-offs/{id}"
            | "/call-offs/{id}/order-form"
            | "/api/v1/call-offs/{id}"
            | "/api/v1/call-offs/{id}/notices"
            | "/call-offs/{id}/notices/{notice}/ocds"
            | "/api/v1/call-offs/{id}/notices/{notice}/ocds",
        ) => CallOffReader,
        ("POST", "/call-offs/{id}/milestones" | "/api/v1/call-offs/{id}/milestones") => CallOffSupplier,
        ("POST", "/api/v1/call-offs/{id}/variations" | "/api/v1/call-offs/{id}/variations/preview")
        | ("GET" | "POST", "/call-offs/{id}/vary") => CallOffBuyer,
        // Actions are checked with one the supplier takes and one the buyer takes.
        ("GET" | "POST", "/call-offs/{id}/{action}") | ("POST", "/api/v1/call-offs/{id}/{action}") => CallOffSupplier,
        ("GET", "/call-offs/{id}/invoices/new")
        | ("POST", "/call-offs/{id}/invoices" | "/api/v1/call-offs/{id}/invoices") => CallOffSupplier,
        // The test invoice is on the test call-off: its readers read the invoice.
        ("GET", "/api/v1/call-offs/{id}/invoices" | "/invoices/{id}" | "/api/v1/invoices/{id}") => CallOffReader,
        ("POST", "/invoices/{id}/decision" | "/api/v1/invoices/{id}/decision") => CallOffBuyer,
        ("GET", "/api/v1/frameworks/{id}/spend") => SignedIn,
        ("GET", "/frameworks/{id}/spend") => FrameworkManagerOrAuditor,
        ("GET", "/organisation/spend" | "/api/v1/organisation/spend") => CustomerPerson,
        ("GET", "/invoices/{id}/ubl" | "/api/v1/invoices/{id}/ubl") => CallOffReader,
        ("GET" | "POST", "/invoices/upload") | ("POST", "/api/v1/invoices") => SupplierUser,
        ("GET", "/frameworks/{id}/proposals" | "/api/v1/frameworks/{id}/proposals") => ProposalsReader,
        ("GET", "/frameworks/{id}/proposals/new")
        | ("POST", "/frameworks/{id}/proposals" | "/api/v1/frameworks/{id}/proposals") => Customer,
        ("GET", "/proposals/{id}" | "/api/v1/proposals/{id}") => ProposalReader,
        ("POST", "/proposals/{id}/support" | "/api/v1/proposals/{id}/votes") => ProposalCustomer,
        (
            "POST",
            "/proposals/{id}/comments"
            | "/api/v1/proposals/{id}/comments"
            | "/proposals/{id}/follow"
            | "/proposals/{id}/unfollow"
            | "/api/v1/proposals/{id}/follow",
        )
        | ("DELETE", "/api/v1/proposals/{id}/follow") => ProposalParticipant,
        ("POST", "/proposals/{id}/response" | "/api/v1/proposals/{id}/response") => ProposalSupplier,
        ("POST", "/proposals/{id}/decision" | "/api/v1/proposals/{id}/decision") => ProposalManager,
        ("GET", "/frameworks/{id}/call-offs" | "/api/v1/frameworks/{id}/call-offs") => OrderRegister,
        ("GET", "/audit") => Auditor,
        ("GET", "/frameworks/{id}/returns" | "/api/v1/frameworks/{id}/returns") => ReturnsList,
        ("GET", "/api/v1/frameworks/{id}/levy") => LevyReader,
        (
            "GET",
            "/returns/{id}"
            | "/api/v1/returns/{id}"
            | "/returns/{id}/levy-invoice"
            | "/api/v1/returns/{id}/levy-invoice",
        ) => ReturnReader,
        (
            "POST",
            "/returns/{id}/submit"
            | "/api/v1/returns/{id}/submit"
            | "/returns/{id}/no-business"
            | "/api/v1/returns/{id}/no-business"
            | "/returns/{id}/correction"
            | "/api/v1/returns/{id}/correction",
        ) => ReturnSupplier,
        _ => return None,
    })
}

struct Person {
    label: &'static str,
    email: Option<&'static str>,
    roles: Vec<Role>,
    /// Reads the test call-off (its buyer's organisation, its supplier, the managing authority).
    reads_call_off: bool,
    /// Is a user of the test call-off's supplier.
    its_supplier: bool,
    /// Is a buyer at the test call-off's organisation.
    its_buyer: bool,
    /// Belongs to the test call-off's buying organisation, whatever their role.
    in_buying_org: bool,
}

fn expected(rule: Rule, p: &Person) -> Outcome {
    use Outcome::*;
    match rule {
        Rule::Public => return Allowed,
        Rule::SecondFactorPage => return SignInFirst,
        Rule::SecondFactorForm => return Refused,
        _ => {}
    }
    if p.email.is_none() {
        return SignInFirst;
    }
    // Everyone in the matrix with one of these roles is at a verified body eligible on the framework.
    let customer = [Role::Buyer, Role::Approver, Role::OrganisationAdmin]
        .iter()
        .any(|r| p.roles.contains(r));
    let manager = p.roles.contains(&Role::FrameworkManager);
    let auditor = p.roles.contains(&Role::Auditor);
    let reads_proposals = customer || manager || p.its_supplier || p.roles.contains(&Role::Auditor);
    // Readers of a proposal who may not take this action are refused; others are told it does
    // not exist.
    let proposal = |may: bool| match (reads_proposals, may) {
        (false, _) => Hidden,
        (true, true) => Allowed,
        (true, false) => Refused,
    };
    match rule {
        Rule::Public | Rule::SignedIn => Allowed,
        Rule::SecondFactorPage | Rule::SecondFactorForm => unreachable!("decided above"),
        Rule::TwoFactorOptional => {
            if p.roles.iter().any(|r| r.requires_two_factor()) {
                Refused
            } else {
                Allowed
            }
        }
        Rule::Buyer => {
            if p.roles.contains(&Role::Buyer) {
                Allowed
            } else {
                Refused
            }
        }
        Rule::SupplierUser => {
            if p.roles.contains(&Role::SupplierUser) {
                Allowed
            } else {
                Refused
            }
        }
        Rule::FrameworkManager => {
            if p.roles.contains(&Role::FrameworkManager) {
                Allowed
            } else {
                Refused
            }
        }
        Rule::OrganisationAdmin => {
            if p.roles.contains(&Role::OrganisationAdmin) {
                Allowed
            } else {
                Refused
            }
        }
        Rule::Approver => {
            if p.roles.contains(&Role::Approver) {
                Allowed
            } else {
                Refused
            }
        }
        Rule::FrameworkManagerOrSupplier => {
            if p.roles.contains(&Role::FrameworkManager) || p.its_supplier {
                Allowed
            } else {
                Refused
            }
        }
        Rule::FrameworkManagerOrAuditor => {
            if manager || p.roles.contains(&Role::Auditor) {
                Allowed
            } else {
                Refused
            }
        }
        Rule::CustomerPerson => {
            if customer {
                Allowed
            } else {
                Refused
            }
        }
        Rule::FrameworkSupplier => {
            if p.its_supplier {
                Allowed
            } else {
                Refused
            }
        }
        Rule::ChangeRequestReader => {
            if p.roles.contains(&Role::FrameworkManager) || p.its_supplier {
                Allowed
            } else {
                Hidden
            }
        }
        Rule::ChangeRequestManager => {
            if p.roles.contains(&Role::FrameworkManager) {
                Allowed
            } else if p.its_supplier {
                Refused
            } else {
                Hidden
            }
        }
        Rule::BuyingOrganisation => {
            if p.in_buying_org {
                Allowed
            } else {
                Hidden
            }
        }
        Rule::CallOffReader => {
            if p.reads_call_off {
                Allowed
            } else {
                Hidden
            }
        }
        Rule::CallOffSupplier => match (p.reads_call_off, p.its_supplier) {
            (false, _) => Hidden,
            (true, true) => Allowed,
            (true, false) => Refused,
        },
        Rule::CallOffBuyer => match (p.reads_call_off, p.its_buyer) {
            (false, _) => Hidden,
            (true, true) => Allowed,
            (true, false) => Refused,
        },
        Rule::ProposalsReader => {
            if reads_proposals {
                Allowed
            } else {
                Refused
            }
        }
        Rule::Customer => {
            if customer {
                Allowed
            } else {
                Refused
            }
        }
        Rule::ProposalReader => proposal(true),
        Rule::ProposalCustomer => proposal(customer),
        Rule::ProposalParticipant => proposal(customer || manager || p.its_supplier),
        Rule::ProposalSupplier => proposal(p.its_supplier),
        Rule::ProposalManager => proposal(manager),
        Rule::OrderRegister => {
            if manager || p.roles.contains(&Role::Auditor) {
                Allowed
            } else {
                Refused
            }
        }
        Rule::Auditor => {
            if p.roles.contains(&Role::Auditor) {
                Allowed
            } else {
                Refused
            }
        }
        Rule::ReturnsList => {
            if manager || auditor || p.its_supplier {
                Allowed
            } else {
                Refused
            }
        }
        Rule::LevyReader => {
            if manager || auditor {
                Allowed
            } else {
                Refused
            }
        }
        Rule::ReturnReader => {
            if manager || auditor || p.its_supplier {
                Allowed
            } else {
                Hidden
            }
        }
        Rule::SavedQuote => match (p.roles.contains(&Role::Buyer), p.in_buying_org) {
            (false, _) => Refused,
            (true, true) => Allowed,
            (true, false) => Hidden,
        },
        Rule::ReturnSupplier => match (manager || auditor || p.its_supplier, p.its_supplier) {
            (false, _) => Hidden,
            (true, true) => Allowed,
            (true, false) => Refused,
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Let through: 2xx, a redirect within the site, or a validation or state error (400, 409, 422).
    Allowed,
    SignInFirst,
    Refused,
    Hidden,
}

fn outcome(status: u16, location: Option<&str>, api: bool) -> Outcome {
    match status {
        401 => Outcome::SignInFirst,
        303 if !api && location == Some("/sign-in") => Outcome::SignInFirst,
        403 => Outcome::Refused,
        404 => Outcome::Hidden,
        200..=399 | 400 | 409 | 422 => Outcome::Allowed,
        other => panic!("unexpected status {other}"),
    }
}

async fn api_token(site: &Site, email: &str) -> String {
    let response = site
        .api()
        .post(format!("{}/api/v1/sessions", site.base))
        .json(&json!({
            "email": email,
            "password": calloff_app::demo::DEMO_PASSWORD,
            "code": calloff_test_support::demo_user_has_two_factor(email).then(|| site.t.two_factor_code()),
        }))
        .send()
        .await
        .unwrap();
    response.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_for_every_role_and_organisation() {
    let site = Site::start(Backend::Sqlite).await;
    let t = &site.t;
    // A second supplier, with a user, to stand for "another supplier".
    let other_supplier = Organisation {
        id: calloff_domain::ids::OrganisationId::generate(),
        name: "Other Networks Ltd".into(),
        kind: OrganisationKind::Supplier,
        identifiers: vec![OrgIdentifier::parse("GB-COH", "ZZ000002").unwrap()],
        verification: Verification::Verified,
    };
    let mut conn = t.app.db.pool().acquire().await.unwrap();
    calloff_store::organisations::insert(&mut conn, &other_supplier, "2026-11-26T10:00:00.000Z")
        .await
        .unwrap();
    drop(conn);
    calloff_app::auth::create_user(
        &t.app,
        &other_supplier.id,
        "supplier@othernetworks.example",
        "Otto Other",
        calloff_app::demo::DEMO_PASSWORD,
        &[Role::SupplierUser],
    )
    .await
    .unwrap();

    // The call-off under test: Camden's, ended, so that every action is a conflict for those
    // allowed to try it and nothing changes while the matrix runs.
    let buyer = t.buyer().await;
    let supplier = t.supplier().await;
    let command = PlaceCallOff {
        framework_id: t.framework_id.clone(),
        lines: vec![LineInput {
            sku: "L4-SIM-5GB".into(),
            quantity: 3,
            term_months: 24,
            monthly_usage: None,
        }],
        cost_centre: "IT-4021".into(),
        order: calloff_app::demo::sample_order(&t.app),
    };
    let call_off = call_offs::place(&t.app, &buyer, &command, Some("matrix"))
        .await
        .unwrap()
        .call_off;
    let terminate = CallOffAction::Terminate {
        reason: "matrix".into(),
        ends_on: None,
    };
    for action in [CallOffAction::Accept, CallOffAction::GoLive, terminate] {
        call_offs::act(&t.app, &supplier, &call_off.id, &action).await.unwrap();
    }
    // An invoice on it, for the invoice routes; every decision then is refused or a conflict.
    let invoice = calloff_app::invoices::submit(
        &t.app,
        &supplier,
        &call_off.id,
        &calloff_app::invoices::InvoiceInput {
            number: "MATRIX-1".into(),
            lines: vec![calloff_app::invoices::InvoiceLineInput {
                call_off_line: 1,
                quantity: 3,
                period_start: Some("2026-11-26".into()),
                period_end: Some("2026-11-26".into()),
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    // November's MI return, with that invoice on it: December comes, the supplier submits it,
    // and every later submission, declaration or correction is then a conflict.
    {
        use calloff_app::Clock;
        t.clock.advance(chrono::Duration::days(6));
        assert_eq!(t.clock.now().date_naive().to_string(), "2026-12-02");
    }
    let mi_return = calloff_app::returns::for_framework(&t.app, &supplier, &t.framework_id)
        .await
        .unwrap()[0]
        .record
        .id
        .clone();
    calloff_app::returns::submit(&t.app, &supplier, &mi_return)
        .await
        .unwrap();
    let item_id = calloff_store::catalogue::find_by_sku(
        &mut t.app.db.pool().acquire().await.unwrap(),
        &calloff_domain::catalogue::Sku::parse("L4-SIM-5GB").unwrap(),
    )
    .await
    .unwrap()[0]
        .item
        .id
        .clone();

    // An invitation whose link the matrix follows; the first to follow it joins, the rest are told
    // it has been used.
    let admin = t.actor("admin@camden.example").await;
    let invitation = calloff_app::people::invite(&t.app, &admin, "invited@camden.example", &[Role::Buyer])
        .await
        .unwrap();
    let camden_approver = t.actor("approver@camden.example").await.user_id;
    // A change request of the supplier's, for the change-control routes.
    let change_request = calloff_app::change_requests::propose(
        &t.app,
        &supplier,
        &t.framework_id,
        "Matrix",
        &[calloff_domain::change_control::ChangeInput {
            kind: "withdraw".into(),
            sku: "L3-SIP-CH".into(),
            effective_from: "2027-01-01".into(),
            ..Default::default()
        }],
    )
    .await
    .unwrap()
    .id;
    // Hackney's proposal, for the governance routes: Camden supports it once, and every later
    // vote is a conflict.
    let hackney = t.actor("buyer@hackney.example").await;
    let proposal = calloff_app::proposals::raise(
        &t.app,
        &hackney,
        &t.framework_id,
        &calloff_domain::governance::ProposalInput {
            kind: "change".into(),
            sku: Some("L4-SIM-5GB".into()),
            title: "Matrix".into(),
            rationale: "Matrix".into(),
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap()
    .proposal
    .id
    .to_string();
    // A call-off awaiting Camden's approval, for the approval routes.
    let one_approver = calloff_domain::approval::ApprovalRules::new(
        vec![calloff_domain::approval::Threshold {
            from_value: calloff_domain::money::Money::ZERO,
            approvers: 1,
        }],
        30,
    )
    .unwrap();
    calloff_app::approvals::set_rules(&t.app, &admin, &one_approver)
        .await
        .unwrap();
    let draft = call_offs::place(&t.app, &buyer, &command, Some("matrix-draft"))
        .await
        .unwrap()
        .call_off;
    let approval_request = call_offs::view(&t.app, &buyer, &draft.id).await.unwrap().approvals[0]
        .request
        .id
        .clone();
    // Camden's buyer's saved quote, for the saved-quote routes.
    let saved_quote = calloff_app::saved_quotes::save(
        &t.app,
        &buyer,
        None,
        &calloff_app::saved_quotes::SaveQuote {
            name: "Matrix".into(),
            framework_id: t.framework_id.clone(),
            lines: command.lines.clone(),
        },
    )
    .await
    .unwrap()
    .record
    .id
    .to_string();
    // TfL is on the demo register with no identifier yet, so it waits for verification.
    let pending_org = calloff_store::organisations::find_by_name(
        &mut t.app.db.pool().acquire().await.unwrap(),
        "Transport for London",
    )
    .await
    .unwrap()
    .unwrap()
    .id;
    let person = |label, email: Option<&'static str>, roles: Vec<Role>, reads, its_supplier, its_buyer| Person {
        label,
        email,
        roles,
        reads_call_off: reads,
        its_supplier,
        its_buyer,
        in_buying_org: email.is_some_and(|e| e.ends_with("@camden.example")),
    };
    let people = vec![
        person("anonymous", None, vec![], false, false, false),
        person(
            "buyer, own organisation",
            Some("buyer@camden.example"),
            vec![Role::Buyer],
            true,
            false,
            true,
        ),
        person(
            "approver, own organisation",
            Some("approver@camden.example"),
            vec![Role::Approver],
            true,
            false,
            false,
        ),
        person(
            "organisation admin, own organisation",
            Some("admin@camden.example"),
            vec![Role::OrganisationAdmin],
            true,
            false,
            false,
        ),
        person(
            "buyer, other organisation",
            Some("buyer@hackney.example"),
            vec![Role::Buyer],
            false,
            false,
            false,
        ),
        person(
            "framework manager, managing authority",
            Some("manager@rbkc.example"),
            vec![Role::FrameworkManager],
            true,
            false,
            false,
        ),
        person(
            "auditor",
            Some("auditor@rbkc.example"),
            vec![Role::Auditor],
            false,
            false,
            false,
        ),
        person(
            "supplier user, own supplier",
            Some("supplier@londonict.example"),
            vec![Role::SupplierUser],
            true,
            true,
            false,
        ),
        person(
            "supplier user, other supplier",
            Some("supplier@othernetworks.example"),
            vec![Role::SupplierUser],
            false,
            false,
            false,
        ),
    ];

    let routes = calloff_web::route_table();
    let unclassified: Vec<_> = routes.iter().filter(|(m, p)| rule(m, p).is_none()).collect();
    assert!(
        unclassified.is_empty(),
        "add these routes to the authorisation matrix: {unclassified:?}"
    );

    let mut checked = 0;
    let mut body_checks = 0;
    let mut failures = Vec::new();
    for (method, path) in &routes {
        let base_rule = rule(method, path).unwrap();
        // Routes with an {action} are checked with a supplier's action and with a buyer's.
        let variants: Vec<(&str, Rule)> = if path.contains("{action}") {
            if *method == "GET" {
                vec![("reject", Rule::CallOffSupplier), ("cancel", Rule::CallOffBuyer)]
            } else {
                vec![("accept", Rule::CallOffSupplier), ("cancel", Rule::CallOffBuyer)]
            }
        } else {
            vec![("", base_rule)]
        };
        for (action, rule) in variants {
            let id = if path.starts_with("/frameworks") || path.starts_with("/api/v1/frameworks") {
                t.framework_id.to_string()
            } else if path.starts_with("/invoices/") || path.starts_with("/api/v1/invoices/") {
                invoice.to_string()
            } else if path.contains("/items/") {
                item_id.to_string()
            } else if path.contains("/organisations/") {
                pending_org.to_string()
            } else if path.contains("/proposals/") {
                proposal.clone()
            } else if path.contains("/change-requests/") {
                change_request.clone()
            } else if path.contains("/approvals/") {
                approval_request.clone()
            } else if path.contains("/returns/") {
                mi_return.to_string()
            } else if path.contains("/organisation/people/") {
                camden_approver.to_string()
            } else if (path.starts_with("/quotes/") || path.contains("/saved-quotes/"))
                && (*method == "DELETE" || path.ends_with("/delete"))
            {
                let quote = calloff_app::saved_quotes::SaveQuote {
                    name: format!("Matrix to delete {checked}"),
                    framework_id: t.framework_id.clone(),
                    lines: command.lines.clone(),
                };
                calloff_app::saved_quotes::save(&t.app, &buyer, None, &quote)
                    .await
                    .unwrap()
                    .record
                    .id
                    .to_string()
            } else if path.starts_with("/quotes/") || path.contains("/saved-quotes/") {
                saved_quote.clone()
            } else {
                call_off.id.to_string()
            };
            // Rejecting (with a reason) leaves the organisation pending for the next person.
            let concrete = path
                .replace("{id}", &id)
                .replace("{action}", action)
                .replace("{decision}", "reject")
                .replace("{change}", "roles")
                .replace("{notice}", "UK7")
                .replace("{token}", &invitation)
                .replace(
                    "{ocid}",
                    &format!("{}-{}", calloff_interop::ocds::TEST_OCID_PREFIX, call_off.id),
                );
            for p in &people {
                let api = concrete.starts_with("/api/");
                let (status, location, body) = if api {
                    let token = match p.email {
                        Some(email) => Some(api_token(&site, email).await),
                        None => None,
                    };
                    let url = format!("{}{concrete}", site.base);
                    let client = site.api();
                    // A well-formed body, so that what is checked is who asks, not what they sent.
                    let body = json!({
                        "framework_id": t.framework_id,
                        "lines": [{ "sku": "L4-SIM-5GB", "quantity": 1, "term_months": 24 }],
                        "cost_centre": "IT-4021",
                        "order": crate::browser::order_json(),
                        "reason": "matrix",
                        "organisation_name": "Matrix API Academy",
                        "kind": "school",
                        "identifier_scheme": "GB-EDU",
                        "identifier": "100998",
                        "your_name": "Matrix",
                        "name": "Matrix",
                        "roles": ["buyer"],
                        "email": p.email.unwrap_or("nobody@example.com"),
                        "password": calloff_app::demo::DEMO_PASSWORD,
                        "demand_bands": "",
                        "indexation_cap_bp": 500,
                        "names_buyers": false,
                        "field": "unit_prices",
                        "withhold": false,
                        "sme": false,
                        "vcse": true,
                    });
                    let mut request = match *method {
                        "GET" => client.get(&url),
                        "DELETE" => client.delete(&url),
                        // UBL is XML: a document that is not one, so nothing is recorded.
                        _ if concrete == "/api/v1/invoices" => client
                            .post(&url)
                            .header("Content-Type", "application/xml")
                            .body("<Invoice/>"),
                        // A key per route: a create that succeeds (saving a quote) must not use up the next's.
                        _ => client
                            .post(&url)
                            .json(&body)
                            .header("Idempotency-Key", format!("matrix-probe-{checked}")),
                    };
                    if let Some(token) = token {
                        request = request.bearer_auth(token);
                    }
                    let response = request.send().await.unwrap();
                    (
                        response.status().as_u16(),
                        None,
                        response.text().await.unwrap_or_default(),
                    )
                } else {
                    // A fresh session per check, so signing out or a basket change cannot leak.
                    let browser: Browser = match p.email {
                        Some(email) => site.signed_in(email).await,
                        None => site.browser(),
                    };
                    let mut browser = browser;
                    let page = match (*method, concrete.as_str()) {
                        ("GET", _) => browser.get(&concrete).await,
                        ("POST", path) if path.starts_with("/invitations/") => {
                            let fields = [("name", "Matrix"), ("password", "a long enough password")];
                            browser.submit_public_form(path, &fields).await
                        }
                        ("POST", "/register") => {
                            let fields = [
                                ("known_body", "not_listed"),
                                ("organisation_name", "Matrix Academy"),
                                ("kind", "school"),
                                ("identifier_scheme", "GB-EDU"),
                                ("identifier", "100999"),
                                ("your_name", "Matrix"),
                                ("email", "matrix@academy.example"),
                                ("password", "a long enough password"),
                            ];
                            browser.submit_public_form("/register", &fields).await
                        }
                        // The upload is a multipart form; an empty file asks nothing of the catalogue.
                        ("POST", "/invoices/upload") => {
                            browser.upload("/invoices/upload", &[], "empty.xml", Vec::new()).await
                        }
                        ("POST", path)
                            if path.ends_with("/change-requests/import") || path.ends_with("/returns/import") =>
                        {
                            browser
                                .upload(path, &[("title", "Matrix")], "empty.csv", Vec::new())
                                .await
                        }
                        // Signing in is checked by signing in, with the double-submit cookie.
                        ("POST", "/sign-in") => {
                            let email = p.email.unwrap_or("nobody@example.com");
                            browser.sign_in(email, calloff_app::demo::DEMO_PASSWORD).await
                        }
                        _ => {
                            let fields = [("reason", "matrix"), ("item_id", item_id.as_str())];
                            browser.post(&concrete, &fields).await
                        }
                    };
                    // Signing out succeeds by sending the user to the sign-in page: tell that
                    // apart from being sent there for want of a session.
                    if concrete == "/sign-out" && p.email.is_some() && page.status == 303 {
                        let gone = browser.get("/frameworks").await.location.as_deref() == Some("/sign-in");
                        assert!(gone, "signing out must end the session");
                        (200, None, String::new())
                    } else {
                        (page.status, page.location, page.body)
                    }
                };
                // Bodies, not only statuses: a draft awaiting Camden's approval, and its approval
                // trail, are Camden's business (and its framework manager's, for the draft).
                let is_manager = p.roles.contains(&Role::FrameworkManager) && p.reads_call_off;
                // The audit log is the whole chain, drafts' submissions included: auditors read it
                // all, and only they may open it.
                let audits = concrete == "/audit" && p.roles.contains(&Role::Auditor);
                if !p.in_buying_org && !is_manager && !audits && body.contains(&draft.reference) {
                    failures.push(format!(
                        "{method} {concrete} as {} shows the draft {}",
                        p.label, draft.reference
                    ));
                }
                // A return is its supplier's, its manager's and auditors' business only.
                let reads_returns = p.its_supplier || is_manager || p.roles.contains(&Role::Auditor);
                let schema = concrete == "/api/openapi.json";
                if !reads_returns && !schema && body.contains("-MI-2026-11-") {
                    failures.push(format!("{method} {concrete} as {} shows an MI return", p.label));
                }
                if !p.in_buying_org
                    && !schema
                    && (body.contains("approvals_given") || body.contains("\"decisions\":[{"))
                {
                    failures.push(format!("{method} {concrete} as {} shows an approval trail", p.label));
                }
                body_checks += 1;
                let got = outcome(status, location.as_deref(), api);
                let want = expected(rule, p);
                checked += 1;
                if got != want {
                    failures.push(format!(
                        "{method} {concrete} as {}: expected {want:?}, got {got:?} ({status})",
                        p.label
                    ));
                }
            }
        }
    }
    println!(
        "authorisation matrix: {checked} checks over {} routes and {} people, each with its body checked ({body_checks})",
        routes.len(),
        people.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Nothing in the matrix changed the call-off.
    let after = call_offs::get(&t.app, &buyer, &call_off.id).await.unwrap();
    assert_eq!(after.state, calloff_domain::call_off::CallOffState::Ended);
}
