//! The demo: the pan-London ICT framework, its catalogue, every London body, and demo users of
//! every role. Seeding is idempotent: a second run finds the framework and changes nothing.

use crate::{auth, Actor, App, AppResult};
use calloff_domain::catalogue::CatalogueItem;
use calloff_domain::framework::{Framework, FrameworkStatus, Lot, Term};
use calloff_domain::ids::{FrameworkId, ItemId, LotId, OrganisationId};
use calloff_domain::money::Money;
use calloff_domain::organisation::{OrgIdentifier, Organisation, OrganisationKind, Verification};
use calloff_domain::role::Role;
use calloff_interop::csv_rows::{parse_organisations, parse_price_list};
use calloff_store::audit::ChainHead;
use calloff_store::{catalogue, frameworks, organisations};
use chrono::NaiveDate;

pub const FRAMEWORK_REFERENCE: &str = "LON-ICT-2025";
pub const FRAMEWORK_TITLE: &str = "Pan-London ICT Services Framework";
pub const MAXIMUM_VALUE: Money = Money::from_pounds(200_000_000);
pub const AUTHORITY: &str = "Royal Borough of Kensington and Chelsea";
pub const SUPPLIER: &str = "London ICT Partnership Ltd (demo supplier)";
/// Every demo user has this password; it is printed when the demo starts.
pub const DEMO_PASSWORD: &str = "calloff-demo-2026";
/// The demo's framework manager and organisation admin sign in with two factors, from this
/// published key (base32; add it to any authenticator app). A real key is never published.
pub const DEMO_TWO_FACTOR_KEY: &str = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U";

const ORGANISATIONS_CSV: &str = include_str!("../seed/organisations.csv");
const CATALOGUE_CSV: &str = include_str!("../seed/catalogue.csv");

/// Lot number, title and ceiling in pounds: the lots' ceilings sum to the framework's.
const LOTS: [(u32, &str, i64); 5] = [
    (1, "Local and wide area networking", 70_000_000),
    (2, "Cloud services", 50_000_000),
    (3, "Fixed telephony", 25_000_000),
    (4, "Mobile telephony", 35_000_000),
    (5, "Unified communications and conferencing", 20_000_000),
];

/// Demo sign-ins: email, name, organisation, roles.
pub const DEMO_USERS: [(&str, &str, &str, &[Role]); 8] = [
    (
        "buyer@camden.example",
        "Bola Buyer",
        "London Borough of Camden",
        &[Role::Buyer],
    ),
    (
        "approver@camden.example",
        "Ada Approver",
        "London Borough of Camden",
        &[Role::Approver],
    ),
    (
        "approver2@camden.example",
        "Ravi Reviewer",
        "London Borough of Camden",
        &[Role::Approver],
    ),
    (
        "admin@camden.example",
        "Omar Admin",
        "London Borough of Camden",
        &[Role::OrganisationAdmin],
    ),
    (
        "buyer@hackney.example",
        "Hana Buyer",
        "London Borough of Hackney",
        &[Role::Buyer],
    ),
    (
        "manager@rbkc.example",
        "Fran Manager",
        AUTHORITY,
        &[Role::FrameworkManager],
    ),
    ("auditor@rbkc.example", "Aud Itor", AUTHORITY, &[Role::Auditor]),
    (
        "supplier@londonict.example",
        "Sam Supplier",
        SUPPLIER,
        &[Role::SupplierUser],
    ),
];

#[derive(Debug, Clone)]
pub struct Seeded {
    pub framework_id: FrameworkId,
    pub created: bool,
}

/// Seeds the demo unless it is already there.
/// Days between placing a demo or test order and the start it asks for.
const SAMPLE_LEAD_DAYS: i64 = 14;

/// Order details for demo and test call-offs, starting a fortnight after the app's today.
pub fn sample_order(app: &App) -> calloff_domain::order::OrderInput {
    calloff_domain::order::OrderInput {
        title: "Network and telephony for the town hall".into(),
        delivery_address: "Town Hall, Judd Street, London WC1H 9JE".into(),
        starts_on: (app.today() + chrono::Duration::days(SAMPLE_LEAD_DAYS)).to_string(),
        purchase_order: "PO-2026-0417".into(),
        contact: calloff_domain::order::ContactInput {
            name: "Sam Patel".into(),
            email: "sam.patel@camden.example".into(),
            phone: "020 7974 4444".into(),
        },
    }
}

/// A demo call-off's title, from its first item.
fn demo_title(lines: &[crate::quotes::LineInput]) -> &'static str {
    match lines.first().map(|l| l.sku.as_str()) {
        Some("L1-ETH-1G") => "Gigabit Ethernet between the civic centre and the depot",
        Some("L2-M365-E3") => "Microsoft 365 E3 licences for office staff",
        Some("L2-IAAS-VM-L") => "Cloud servers for the planning system",
        Some("L3-SIP-CH") => "SIP channels for the switchboard",
        Some("L4-SIM-5GB") => "5 GB SIMs for housing and care staff",
        Some("L4-SIM-30GB") => "30 GB SIMs for ward staff",
        Some("L5-TEAMS-PHONE") => "Teams Phone for the contact centre",
        _ => "ICT services",
    }
}

/// [`sample_order`] with its own title.
pub fn titled_order(app: &App, title: &str) -> calloff_domain::order::OrderInput {
    calloff_domain::order::OrderInput {
        title: title.into(),
        ..sample_order(app)
    }
}

pub async fn seed(app: &App) -> AppResult<Seeded> {
    let mut conn = app.db.pool().acquire().await?;
    if let Some(existing) = frameworks::find_by_reference(&mut conn, FRAMEWORK_REFERENCE).await? {
        return Ok(Seeded {
            framework_id: existing.framework.id,
            created: false,
        });
    }
    drop(conn);
    let framework_id = seed_framework(app, &pan_london_organisations()).await?;
    for (email, name, org_name, roles) in DEMO_USERS {
        let mut conn = app.db.pool().acquire().await?;
        let org = organisations::find_by_name(&mut conn, org_name)
            .await?
            .expect("demo organisations are seeded");
        drop(conn);
        let user = auth::create_user(app, &org.id, email, name, DEMO_PASSWORD, roles).await?;
        if crate::two_factor::required_for(roles) {
            crate::two_factor::enrol_with_secret(app, &user, DEMO_TWO_FACTOR_KEY).await?;
        }
    }
    Ok(Seeded {
        framework_id,
        created: true,
    })
}

/// VAT numbers for the demo's parties to invoices, which PEPPOL addresses by VAT number. They
/// are made up (GB999 and a sequence), not the bodies' real ones.
pub const DEMO_VAT_NUMBERS: [(&str, &str); 8] = [
    (SUPPLIER, "GB999000001"),
    (AUTHORITY, "GB999000002"),
    ("London Borough of Camden", "GB999000003"),
    ("London Borough of Hackney", "GB999000004"),
    ("City of Westminster", "GB999000005"),
    ("Guy's and St Thomas' NHS Foundation Trust", "GB999000006"),
    ("Metropolitan Police Service", "GB999000007"),
    ("London Borough of Islington", "GB999000008"),
];

/// The London bodies from the seed file, plus the demo supplier.
pub fn pan_london_organisations() -> Vec<Organisation> {
    let rows = parse_organisations(ORGANISATIONS_CSV.as_bytes()).expect("the seed organisations file is valid");
    let mut orgs: Vec<Organisation> = rows
        .into_iter()
        .map(|row| Organisation {
            id: OrganisationId::generate(),
            name: row.name,
            kind: row.kind,
            verification: if row.identifier.is_some() {
                Verification::Verified
            } else {
                Verification::Pending
            },
            identifiers: row.identifier.into_iter().collect(),
        })
        .collect();
    orgs.push(Organisation {
        id: OrganisationId::generate(),
        name: SUPPLIER.to_string(),
        kind: OrganisationKind::Supplier,
        // A fictitious company number: the demo supplier is not a real company.
        identifiers: vec![OrgIdentifier::parse("GB-COH", "ZZ000001").expect("valid")],
        verification: Verification::Verified,
    });
    for org in &mut orgs {
        let vat = DEMO_VAT_NUMBERS.iter().find(|(name, _)| *name == org.name);
        if let Some((_, vat)) = vat.filter(|_| !org.identifiers.is_empty()) {
            org.identifiers
                .push(OrgIdentifier::parse(calloff_domain::organisation::VAT_SCHEME, vat).expect("valid"));
        }
    }
    orgs
}

/// Inserts the organisations, the framework, its lots, its eligible bodies and its catalogue in
/// one transaction, with one audit entry.
async fn seed_framework(app: &App, orgs: &[Organisation]) -> AppResult<FrameworkId> {
    let at = app.now_text();
    let find = |name: &str| {
        orgs.iter()
            .find(|o| o.name == name)
            .expect("seeded organisation")
            .id
            .clone()
    };
    let supplier = find(SUPPLIER);
    let framework = Framework {
        id: FrameworkId::generate(),
        reference: FRAMEWORK_REFERENCE.into(),
        title: FRAMEWORK_TITLE.into(),
        authority: find(AUTHORITY),
        suppliers: vec![supplier.clone()],
        lots: LOTS
            .iter()
            .map(|(number, title, ceiling)| Lot {
                id: LotId::generate(),
                number: *number,
                title: title.to_string(),
                ceiling: Some(Money::from_pounds(*ceiling)),
                // A single-supplier framework: every lot may be bought by direct award.
                direct_award_route: true,
                direct_award_limit: None,
            })
            .collect(),
        maximum_value: MAXIMUM_VALUE,
        term: Term::parse(date(2025, 4, 1), date(2029, 3, 31))?,
        status: FrameworkStatus::Live,
    };
    let price_list = parse_price_list(CATALOGUE_CSV.as_bytes()).expect("the seed catalogue file is valid");

    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    for org in orgs {
        organisations::insert(&mut tx, org, &at).await?;
    }
    frameworks::insert(&mut tx, &framework, &at).await?;
    // Every London public body may buy: each kind of body is on the register.
    for kind in OrganisationKind::ALL
        .into_iter()
        .filter(|k| *k != OrganisationKind::Supplier)
    {
        frameworks::add_eligible_kind(&mut tx, &framework.id, kind).await?;
    }
    for row in &price_list {
        let item = CatalogueItem {
            id: ItemId::generate(),
            framework_id: framework.id.clone(),
            lot_number: row.lot,
            sku: row.sku.clone(),
            name: row.name.clone(),
            description: row.description.clone(),
            unit: row.unit,
            unit_price: row.unit_price,
            minimum_term_months: row.minimum_term_months,
            cpv: row.cpv.clone(),
            list_price: None,
            quantity_tiers: Default::default(),
            demand_bands: Default::default(),
        };
        catalogue::insert(&mut tx, &item, &supplier, &framework.term.start.to_string(), None).await?;
    }
    for rule in demo_levy_rules(&framework) {
        calloff_store::returns::insert_levy_rule(&mut tx, &framework.id, &rule, "system", &at).await?;
    }
    head.append(
        &mut tx,
        &at,
        "system",
        "framework.seeded",
        framework.id.as_str(),
        serde_json::json!({
            "reference": framework.reference,
            "maximum_value_pence": framework.maximum_value.pence(),
            "organisations": orgs.len(),
            "catalogue_items": price_list.len(),
        }),
    )
    .await?;
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(framework.id)
}

/// The demo's management charge: 1% of every line from the framework's start, then, from
/// October 2026, a rate per lot (networking and telephony at 1%, cloud at 1.5%, mobile at 0.75%,
/// unified communications at 1.25%), to show a rule changing with the date.
pub fn demo_levy_rules(framework: &Framework) -> Vec<calloff_domain::levy::LevyRule> {
    use calloff_domain::levy::{BasisPoints, LevyRates, LevyRule};
    let bp = |n| BasisPoints::new("rate", n).expect("valid rate");
    vec![
        LevyRule::new(framework.term.start, LevyRates::Flat { rate: bp(100) }).expect("from a month's start"),
        LevyRule::new(
            date(2026, 10, 1),
            LevyRates::PerLot {
                rates: [(1, bp(100)), (2, bp(150)), (3, bp(100)), (4, bp(75)), (5, bp(125))]
                    .into_iter()
                    .collect(),
            },
        )
        .expect("from a month's start"),
    ]
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// A newcomer's walk-through: call-offs in every state, and registrations waiting and refused.
/// Only `calloff demo` adds this; tests start from the bare framework.
pub async fn seed_activity(app: &App) -> AppResult<usize> {
    use crate::call_offs::{self, CallOffAction, PlaceCallOff};
    use crate::quotes::LineInput;
    use crate::registration::{self, Registration, VerificationDecision};

    let sign_in = |email: &'static str| auth::actor_by_email(app, email);
    let (camden, hackney, supplier, manager) = (
        sign_in("buyer@camden.example").await?,
        sign_in("buyer@hackney.example").await?,
        sign_in("supplier@londonict.example").await?,
        sign_in("manager@rbkc.example").await?,
    );
    let mut conn = app.db.pool().acquire().await?;
    let framework_id = frameworks::find_by_reference(&mut conn, FRAMEWORK_REFERENCE)
        .await?
        .map(|r| r.framework.id)
        .ok_or_else(|| crate::AppError::NotFound("demo framework".into()))?;
    drop(conn);
    let line = |sku: &str, quantity: i64, term_months: i64, monthly_usage: Option<i64>| LineInput {
        sku: sku.into(),
        quantity,
        term_months,
        monthly_usage,
    };
    // A buyer, the lines, and what the supplier and buyer then do.
    type Journey<'a> = (&'a Actor, Vec<LineInput>, Vec<(&'a Actor, CallOffAction)>);
    let journeys: Vec<Journey> = vec![
        (&camden, vec![line("L2-M365-E3", 250, 12, None)], vec![]),
        (
            &camden,
            vec![line("L1-ETH-1G", 2, 36, None), line("L1-ETH-INST", 2, 36, None)],
            vec![(&supplier, CallOffAction::Accept)],
        ),
        (
            &camden,
            vec![line("L4-SIM-5GB", 400, 24, None)],
            vec![(&supplier, CallOffAction::Accept), (&supplier, CallOffAction::GoLive)],
        ),
        (
            &camden,
            vec![
                line("L5-TEAMS-PHONE", 50, 12, None),
                line("L3-CALL-GEO", 1, 12, Some(20_000)),
            ],
            vec![
                (&supplier, CallOffAction::Accept),
                (&supplier, CallOffAction::GoLive),
                (
                    &camden,
                    CallOffAction::Terminate {
                        reason: "Moved to the council's new Teams contract".into(),
                        ends_on: None,
                    },
                ),
            ],
        ),
        (
            &camden,
            vec![line("L3-SIP-CH", 30, 36, None)],
            vec![(
                &supplier,
                CallOffAction::Reject {
                    reason: "SIP trunks need a site survey first; please book one".into(),
                },
            )],
        ),
        (
            &camden,
            vec![line("L2-IAAS-VM-S", 5, 12, None)],
            vec![(
                &camden,
                CallOffAction::Cancel {
                    reason: "Ordered under the wrong cost centre".into(),
                },
            )],
        ),
        (&hackney, vec![line("L5-TEAMS-PHONE", 120, 12, None)], vec![]),
    ];
    let count = journeys.len();
    let mut placed_ids = Vec::with_capacity(count);
    for (i, (buyer, lines, steps)) in journeys.into_iter().enumerate() {
        let order = titled_order(app, demo_title(&lines));
        let command = PlaceCallOff {
            framework_id: framework_id.clone(),
            lines,
            cost_centre: "IT-4021".into(),
            order,
        };
        let placed = call_offs::place(app, buyer, &command, Some(&format!("demo-{i}")))
            .await?
            .call_off;
        for (actor, action) in steps {
            call_offs::act(app, actor, &placed.id, &action).await?;
        }
        placed_ids.push(placed.id);
    }
    // The live SIM call-off is varied: fifty more SIMs (before Camden's approval rules exist,
    // so it applies at once), for an amendment in the open data.
    let more_sims = [line("L4-SIM-5GB", 450, 24, None)];
    let why = "Fifty more staff moved to mobile working in the housing repairs team";
    crate::variations::vary_because(app, &camden, &placed_ids[2], &more_sims, why).await?;
    seed_approvals(app, &framework_id, &camden).await?;
    seed_catalogue_changes(app, &framework_id, &supplier, &manager).await?;
    seed_volume_pricing(app, &framework_id, &supplier, &manager, &hackney).await?;
    seed_governance(app, &framework_id, &supplier, &manager).await?;
    seed_spend_history(app, &framework_id).await?;
    let waiting = Registration {
        organisation_name: "Islington Sixth Form Consortium (demo)".into(),
        kind: "school".into(),
        identifier_scheme: "GB-EDU".into(),
        identifier: "999991".into(),
        your_name: "Priya Principal".into(),
        email: "principal@isfc.example".into(),
        password: DEMO_PASSWORD.into(),
        evidence: "I am the consortium's principal: see the staff page at https://isfc.example/about".into(),
        ..Default::default()
    };
    registration::register(app, &waiting).await?;
    let refused = Registration {
        organisation_name: "Thames Co-operative Homes (demo)".into(),
        kind: "housing_association".into(),
        identifier_scheme: "GB-SHPE".into(),
        identifier: "L9991".into(),
        your_name: "Harry Housing".into(),
        email: "harry@thamescoop.example".into(),
        password: DEMO_PASSWORD.into(),
        ..Default::default()
    };
    let refused_id = registration::register(app, &refused).await?;
    let reason = "L9991 is not on the Regulator of Social Housing's register; send your registration certificate";
    registration::decide(
        app,
        &manager,
        &refused_id,
        &VerificationDecision::Reject { reason: reason.into() },
    )
    .await?;
    Ok(count)
}

/// A year of buying and invoicing before today, so the spend pages show real figures: bodies
/// of four kinds place call-offs month by month, the supplier accepts them and goes live on the
/// day, invoices each month of service at its end, and the buyers approve; one invoice is held
/// and disputed, and one credit note given. Runs on a clock of its own, moved a month at a time.
async fn seed_spend_history(app: &App, framework_id: &FrameworkId) -> AppResult<usize> {
    use crate::call_offs::{self, CallOffAction, PlaceCallOff};
    use crate::invoices::{self, InvoiceInput, InvoiceLineInput};
    use crate::quotes::LineInput;
    use calloff_domain::invoice::{InvoiceDecision, InvoiceStatus};
    use chrono::{Datelike, Months, TimeZone};

    let today = app.today();
    let this_month = date(today.year(), today.month(), 1);
    let first = this_month - Months::new(12);
    let at = |day: NaiveDate| {
        chrono::Utc
            .with_ymd_and_hms(day.year(), day.month(), day.day(), 10, 0, 0)
            .single()
            .expect("a real time")
    };
    let clock = std::sync::Arc::new(crate::SettableClock::new(at(first)));
    let past = App::new(app.db.clone(), clock.clone());
    let sign_in = |email: &'static str| auth::actor_by_email(app, email);
    let supplier = sign_in("supplier@londonict.example").await?;
    let (westminster, gstt, met, hackney) = (
        sign_in("buyer@westminster.example").await?,
        sign_in("buyer@gstt.example").await?,
        sign_in("buyer@met.example").await?,
        sign_in("buyer@hackney.example").await?,
    );
    let line = |sku: &str, quantity: i64, term_months: i64| LineInput {
        sku: sku.into(),
        quantity,
        term_months,
        monthly_usage: None,
    };
    // (month from the first, buyer, cost centre, lines)
    let orders: Vec<(u32, &Actor, &str, Vec<LineInput>)> = vec![
        (0, &westminster, "CORP-ICT", vec![line("L4-SIM-5GB", 300, 24)]),
        (0, &gstt, "DIGITAL-01", vec![line("L2-M365-E3", 400, 12)]),
        (
            2,
            &met,
            "NET-OPS",
            vec![line("L1-ETH-1G", 4, 36), line("L1-ETH-INST", 4, 36)],
        ),
        (4, &hackney, "IT-SIP", vec![line("L3-SIP-CH", 40, 36)]),
        (6, &westminster, "CLOUD-02", vec![line("L2-IAAS-VM-L", 12, 12)]),
        (8, &gstt, "WARDS-05", vec![line("L4-SIM-30GB", 250, 24)]),
        (9, &met, "CONTACT-7", vec![line("L5-TEAMS-PHONE", 600, 12)]),
    ];
    let mut conn = app.db.pool().acquire().await?;
    calloff_store::returns::set_onboarded_at(&mut conn, framework_id, &at(first).to_rfc3339()).await?;
    drop(conn);
    let mut live: Vec<(calloff_domain::call_off::CallOff, &Actor)> = Vec::new();
    let mut recorded = 0;
    for month in 0..12u32 {
        let start = first + Months::new(month);
        let end = start + Months::new(1) - chrono::Duration::days(1);
        clock.advance(at(start) - crate::Clock::now(clock.as_ref()));
        for (n, (when, buyer, cost_centre, lines)) in orders.iter().enumerate() {
            if *when != month {
                continue;
            }
            let command = PlaceCallOff {
                framework_id: framework_id.clone(),
                lines: lines.clone(),
                cost_centre: (*cost_centre).into(),
                order: titled_order(&past, demo_title(lines)),
            };
            let placed = call_offs::place(&past, buyer, &command, Some(&format!("demo-history-{n}")))
                .await?
                .call_off;
            call_offs::act(&past, &supplier, &placed.id, &CallOffAction::Accept).await?;
            let went_live = call_offs::act(&past, &supplier, &placed.id, &CallOffAction::GoLive).await?;
            live.push((went_live, *buyer));
        }
        // Last month's MI return, generated from its invoices, submitted on the third: the
        // fourth month's late, on the twelfth.
        if month > 0 {
            let day = if month == 4 { 12 } else { 3 };
            clock.advance(at(start + chrono::Duration::days(day - 1)) - crate::Clock::now(clock.as_ref()));
            crate::returns::open_due_returns(&past, framework_id).await?;
            let previous = calloff_domain::mi_return::Month::of(start - chrono::Duration::days(1));
            for r in crate::returns::for_framework(&past, &supplier, framework_id).await? {
                if r.record.month == previous {
                    crate::returns::submit(&past, &supplier, &r.record.id).await?;
                }
            }
        }
        clock.advance(at(end) - crate::Clock::now(clock.as_ref()));
        for (k, (call_off, buyer)) in live.iter().enumerate() {
            let mut lines = Vec::new();
            for (i, ordered) in call_off.lines.iter().enumerate() {
                let recurring = ordered.unit.charging() != calloff_domain::catalogue::Charging::OneOff;
                let first_month = call_off.placed_at.starts_with(&start.format("%Y-%m").to_string());
                if !recurring && !first_month {
                    continue;
                }
                // The fifth month's SIM invoice charges 50 more than ordered: held, then disputed.
                let extra = if month == 5 && ordered.sku.as_str() == "L4-SIM-5GB" {
                    50
                } else {
                    0
                };
                lines.push(InvoiceLineInput {
                    call_off_line: i64::try_from(i + 1).unwrap_or(1),
                    quantity: i64::from(ordered.quantity.get()) + extra,
                    period_start: recurring.then(|| start.to_string()),
                    period_end: recurring.then(|| end.to_string()),
                });
            }
            let input = InvoiceInput {
                kind: None,
                number: format!("LICT-{}-{:03}", start.format("%Y%m"), k + 1),
                issue_date: Some(end.to_string()),
                credits: None,
                lines,
            };
            let invoice = invoices::submit(&past, &supplier, &call_off.id, &input).await?;
            recorded += 1;
            // The buyers decide all but the last month's, which wait for them.
            if month < 11 {
                let (decision, reason) = match invoice.status {
                    InvoiceStatus::Held => (InvoiceDecision::Dispute, Some("We have 300 SIMs, not 350")),
                    _ => (InvoiceDecision::Approve, None),
                };
                invoices::decide(&past, buyer, &invoice.id, decision, reason).await?;
            }
        }
        // Ten licences unused in the seventh month are credited.
        if month == 7 {
            if let Some((call_off, _)) = live.iter().find(|(c, _)| c.lines[0].sku.as_str() == "L2-M365-E3") {
                let credit = InvoiceInput {
                    kind: Some("credit_note".into()),
                    number: format!("LICT-CN-{}", start.format("%Y%m")),
                    issue_date: Some(end.to_string()),
                    credits: Some(format!("LICT-{}-002", start.format("%Y%m"))),
                    lines: vec![InvoiceLineInput {
                        call_off_line: 1,
                        quantity: 10,
                        period_start: Some(start.to_string()),
                        period_end: Some(end.to_string()),
                    }],
                };
                invoices::submit(&past, &supplier, &call_off.id, &credit).await?;
                recorded += 1;
            }
        }
    }
    Ok(recorded)
}

/// Camden's approval rules (none under £10,000, one approver from £10,000, two from £250,000) and
/// call-offs at each step of approval: awaiting, half-approved, returned, and approved.
async fn seed_approvals(app: &App, framework_id: &FrameworkId, camden: &Actor) -> AppResult<()> {
    use crate::approvals;
    use crate::call_offs::{self, PlaceCallOff};
    use crate::quotes::LineInput;
    use calloff_domain::approval::{ApprovalRules, Decision, Threshold};
    use calloff_domain::money::Money;

    let sign_in = |email: &'static str| auth::actor_by_email(app, email);
    let (admin, ada, ravi) = (
        sign_in("admin@camden.example").await?,
        sign_in("approver@camden.example").await?,
        sign_in("approver2@camden.example").await?,
    );
    let threshold = |pounds: i64, approvers: u32| Threshold {
        from_value: Money::from_pounds(pounds),
        approvers,
    };
    let rules = ApprovalRules::new(vec![threshold(0, 0), threshold(10_000, 1), threshold(250_000, 2)], 30)
        .map_err(crate::AppError::InvalidFields)?;
    approvals::set_rules(app, &admin, &rules).await?;
    let submit = |sku: &str, quantity: i64, term_months: i64, key: &str| {
        let command = PlaceCallOff {
            framework_id: framework_id.clone(),
            lines: vec![LineInput {
                sku: sku.into(),
                quantity,
                term_months,
                monthly_usage: None,
            }],
            cost_centre: "IT-4021".into(),
            order: titled_order(app, &format!("{quantity} × {sku} for the civic centre")),
        };
        let key = key.to_string();
        async move { call_offs::place(app, camden, &command, Some(&key)).await }
    };
    let request_of = |call_off: calloff_domain::call_off::CallOff| async move {
        let mut conn = app.db.pool().acquire().await?;
        let history = approvals::history(&mut conn, &call_off.id).await?;
        history
            .last()
            .map(|v| v.request.id.clone())
            .ok_or_else(|| crate::AppError::NotFound("approval request".into()))
    };
    // Awaiting one approver.
    submit("L1-ETH-1G", 4, 36, "demo-approval-1").await?;
    // Two approvers needed; Ada has approved, Ravi has not yet decided.
    let big = submit("L2-M365-E3", 3_000, 36, "demo-approval-2").await?.call_off;
    approvals::decide(
        app,
        &ada,
        &request_of(big).await?,
        Decision::Approve,
        "Within the digital budget",
    )
    .await?;
    // Returned to the buyer with a comment.
    let returned = submit("L4-SIM-5GB", 900, 24, "demo-approval-3").await?.call_off;
    approvals::decide(
        app,
        &ravi,
        &request_of(returned).await?,
        Decision::Return,
        "Charge this to the mobile-devices cost centre, MOB-1100, and resubmit",
    )
    .await?;
    // Approved, and so placed with the supplier.
    let approved = submit("L5-TEAMS-PHONE", 300, 36, "demo-approval-4").await?.call_off;
    approvals::decide(app, &ada, &request_of(approved).await?, Decision::Approve, "").await?;
    Ok(())
}

/// A 5% indexation cap, a change request waiting for the manager, and an approved one that takes
/// effect next month.
async fn seed_catalogue_changes(
    app: &App,
    framework_id: &FrameworkId,
    supplier: &Actor,
    manager: &Actor,
) -> AppResult<()> {
    use crate::change_requests::{self, Decision};
    use calloff_domain::change_control::ChangeInput;

    let mut conn = app.db.pool().acquire().await?;
    frameworks::set_indexation_cap_bp(&mut conn, framework_id, 500).await?;
    drop(conn);
    let next_month = (app.today() + chrono::Months::new(1)).to_string();
    let change = |kind: &str, sku: &str| ChangeInput {
        kind: kind.into(),
        sku: sku.into(),
        effective_from: next_month.clone(),
        ..ChangeInput::default()
    };
    let waiting = [
        ChangeInput {
            lot: Some(4),
            name: Some("5G SIM, 50 GB a month".into()),
            description: Some("A 5G data SIM with 50 GB a month and EU roaming, for field teams.".into()),
            unit: Some("per month".into()),
            price: Some("11.50".into()),
            list_price: Some("14.00".into()),
            quantity_tiers: Some("100 = 10.75; 1000 = 9.95".into()),
            minimum_term_months: Some(24),
            cpv: Some("64212000-5".into()),
            ..change("add", "L4-SIM-50GB")
        },
        ChangeInput {
            price: Some("5.25".into()),
            ..change("price", "L4-SIM-5GB")
        },
    ];
    change_requests::propose(
        app,
        supplier,
        framework_id,
        "New 50 GB SIM and a cheaper 5 GB SIM",
        &waiting,
    )
    .await?;
    let approved = change_requests::propose(
        app,
        supplier,
        framework_id,
        "Withdraw the ISDN migration service after the switch-off",
        &[change("withdraw", "L3-ISDN-MIG")],
    )
    .await?;
    change_requests::decide(app, manager, &approved.id, &Decision::Approve).await?;
    Ok(())
}

/// Volume pricing: quantity tiers on the 30 GB and unlimited SIMs (an approved change request),
/// demand bands on the 30 GB SIM, and Hackney's order that takes demand past the first band.
async fn seed_volume_pricing(
    app: &App,
    framework_id: &FrameworkId,
    supplier: &Actor,
    manager: &Actor,
    hackney: &Actor,
) -> AppResult<()> {
    use crate::call_offs::{self, CallOffAction, PlaceCallOff};
    use crate::change_requests::{self, Decision};
    use crate::quotes::LineInput;
    use calloff_domain::change_control::ChangeInput;

    let today = app.today().to_string();
    let mut tiers = Vec::new();
    for (sku, tier_text) in [
        ("L4-SIM-30GB", "100 = 8.00; 1000 = 7.50"),
        ("L4-SIM-UNL", "50 = 13.25; 500 = 12.50"),
    ] {
        let item = crate::catalogue::item_by_sku(app, supplier, framework_id, sku)
            .await?
            .ok_or_else(|| crate::AppError::NotFound(format!("demo item {sku}")))?;
        tiers.push(ChangeInput {
            kind: "edit".into(),
            sku: sku.into(),
            effective_from: today.clone(),
            lot: Some(i64::from(item.lot_number)),
            name: Some(item.name),
            description: Some(item.description),
            unit: Some(item.unit.as_str().into()),
            price: Some(item.unit_price.to_string()),
            minimum_term_months: Some(i64::from(item.minimum_term_months)),
            cpv: Some(item.cpv.as_str().into()),
            list_price: None,
            quantity_tiers: Some(tier_text.into()),
        });
    }
    let request = change_requests::propose(app, supplier, framework_id, "Volume tiers for SIMs", &tiers).await?;
    change_requests::decide(app, manager, &request.id, &Decision::Approve).await?;
    let sim = crate::catalogue::item_by_sku(app, manager, framework_id, "L4-SIM-30GB")
        .await?
        .ok_or_else(|| crate::AppError::NotFound("demo item L4-SIM-30GB".into()))?;
    let bands = [("200", "8.20"), ("2000", "7.80")]
        .map(|(from, price)| calloff_domain::pricing::BreakRow {
            from: from.into(),
            unit_price: price.into(),
        })
        .to_vec();
    crate::catalogue::set_demand_bands(
        app,
        manager,
        &sim.id,
        &calloff_domain::pricing::BreaksInput::Typed(bands),
    )
    .await?;
    let command = PlaceCallOff {
        framework_id: framework_id.clone(),
        lines: vec![LineInput {
            sku: "L4-SIM-30GB".into(),
            quantity: 250,
            term_months: 24,
            monthly_usage: None,
        }],
        cost_centre: "HOUSING-220".into(),
        order: titled_order(app, "30 GB SIMs for housing officers"),
    };
    let placed = call_offs::place(app, hackney, &command, Some("demo-volume"))
        .await?
        .call_off;
    // Live, the 250 SIMs count towards demand and reach the first band.
    for action in [CallOffAction::Accept, CallOffAction::GoLive] {
        call_offs::act(app, supplier, &placed.id, &action).await?;
    }
    Ok(())
}

/// Buyers at more London bodies, who raise and support the demo's proposals.
pub const GOVERNANCE_USERS: [(&str, &str, &str); 3] = [
    ("buyer@westminster.example", "Wendy Ashworth", "City of Westminster"),
    (
        "buyer@gstt.example",
        "Gita Thomas",
        "Guy's and St Thomas' NHS Foundation Trust",
    ),
    ("buyer@met.example", "Mark Peel", "Metropolitan Police Service"),
];

/// Customers' proposals in every state, from several London bodies: one open with support,
/// comments and the supplier's response; one accepted onto the roadmap; one accepted as a change
/// request that the supplier has proposed; one declined; one deferred.
async fn seed_governance(app: &App, framework_id: &FrameworkId, supplier: &Actor, manager: &Actor) -> AppResult<()> {
    use crate::change_requests;
    use crate::proposals;
    use calloff_domain::change_control::ChangeInput;
    use calloff_domain::governance::{DecisionInput, ProposalInput, Quarter};
    use calloff_domain::ids::ProposalId;

    let mut people = Vec::new();
    for (email, name, org_name) in GOVERNANCE_USERS {
        let mut conn = app.db.pool().acquire().await?;
        let org = organisations::find_by_name(&mut conn, org_name)
            .await?
            .expect("demo organisations are seeded");
        drop(conn);
        auth::create_user(app, &org.id, email, name, DEMO_PASSWORD, &[Role::Buyer]).await?;
        people.push(auth::actor_by_email(app, email).await?);
    }
    let (camden, hackney) = (
        auth::actor_by_email(app, "buyer@camden.example").await?,
        auth::actor_by_email(app, "buyer@hackney.example").await?,
    );
    let (camden, hackney) = (&camden, &hackney);
    let [westminster, gstt, met] = [&people[0], &people[1], &people[2]];
    let proposal = |kind: &str, sku: Option<&str>, lot: Option<i64>, title: &str, rationale: &str| ProposalInput {
        kind: kind.into(),
        item_id: None,
        sku: sku.map(str::to_string),
        lot,
        title: title.into(),
        rationale: rationale.into(),
    };
    async fn raise(app: &App, who: &Actor, framework_id: &FrameworkId, input: ProposalInput) -> AppResult<ProposalId> {
        Ok(proposals::raise(app, who, framework_id, &input, None)
            .await?
            .proposal
            .id)
    }
    let decision = |decision: &str, outcome: Option<&str>, target: Option<String>, reason: &str| DecisionInput {
        decision: decision.into(),
        outcome: outcome.map(str::to_string),
        target_quarter: target,
        reason: reason.into(),
    };

    // Open: supported, discussed and answered, waiting for the manager.
    let loops = raise(
        app,
        westminster,
        framework_id,
        proposal(
            "change",
            Some("L5-ROOM-KIT-S"),
            None,
            "Add a hearing loop and a captions display to the small meeting room kit",
            "Our customer-facing meeting rooms must be usable by people with hearing loss. Today we buy an induction \
             loop separately, off the framework, for every room we equip.\n\nAdding a certified loop and a captions \
             display to the kit would make every room accessible from the day it is installed.",
        ),
    )
    .await?;
    for who in [camden, hackney, gstt] {
        proposals::support(app, who, &loops).await?;
    }
    proposals::comment(
        app,
        hackney,
        &loops,
        "Our libraries need the same: we have fitted 14 loops separately this year.",
        None,
    )
    .await?;
    proposals::comment(
        app,
        supplier,
        &loops,
        "We are pricing a certified loop with our installer and will respond this week.",
        None,
    )
    .await?;
    proposals::respond(
        app,
        supplier,
        &loops,
        "We can add a certified induction loop, installed and tested, for £420 a room. Live captions are already \
         included with the meeting room licence (L5-ROOM-LIC), so no separate display is needed.",
    )
    .await?;

    // Accepted onto the roadmap, for the quarter after next.
    let backup = raise(
        app,
        hackney,
        framework_id,
        proposal(
            "new_product",
            None,
            Some(2),
            "Managed backup for Google Workspace",
            "Many of Hackney's schools use Google Workspace, not Microsoft 365. The catalogue has Microsoft 365 backup \
             (L2-BKP-M365) but nothing for Google, so schools buy it off-framework at higher prices.",
        ),
    )
    .await?;
    for who in [camden, met] {
        proposals::support(app, who, &backup).await?;
    }
    let target = Quarter::containing(app.today()).next().next().to_string();
    proposals::decide(
        app,
        manager,
        &backup,
        &decision(
        "accept",
        Some("roadmap"),
        Some(target),
        "Schools across several boroughs need it. The supplier will add it once its UK data-residency assessment is done.",
        ),
    )
    .await?;

    // Accepted as a change request, which the supplier has proposed.
    let calls = raise(
        app,
        met,
        framework_id,
        proposal(
            "change",
            Some("L3-CALL-MOB"),
            None,
            "A lower rate for calls to UK mobiles",
            "The Met makes over two million minutes of calls to mobiles a month. At 1.5p a minute the rate is in the \
             middle of the market's range although the framework's volume is at the top of it.",
        ),
    )
    .await?;
    for who in [camden, gstt] {
        proposals::support(app, who, &calls).await?;
    }
    proposals::respond(
        app,
        supplier,
        &calls,
        "With the framework's combined volume we can offer 1.2p a minute from next month.",
    )
    .await?;
    proposals::decide(
        app,
        manager,
        &calls,
        &decision(
            "accept",
            Some("change_request"),
            None,
            "A fair reduction that every customer benefits from; the supplier will propose the new rate.",
        ),
    )
    .await?;
    let next_month = (app.today() + chrono::Months::new(1)).to_string();
    change_requests::propose_answering(
        app,
        supplier,
        framework_id,
        "A lower rate for calls to UK mobiles",
        &[ChangeInput {
            kind: "price".into(),
            sku: "L3-CALL-MOB".into(),
            effective_from: next_month,
            price: Some("0.012".into()),
            ..ChangeInput::default()
        }],
        Some(&calls),
    )
    .await?;

    // Declined.
    let flagship = raise(
        app,
        camden,
        framework_id,
        proposal(
            "retire",
            Some("L4-DEV-HIGH"),
            None,
            "Retire the flagship smartphone",
            "A flagship handset costs three times a mid-range one. Retiring it would steer every body to value.",
        ),
    )
    .await?;
    proposals::decide(
        app,
        manager,
        &flagship,
        &decision(
        "decline",
        None,
        None,
        "Police and NHS clinical teams need flagship devices for secure apps; each body's approval rules already control this spend.",
        ),
    )
    .await?;

    // Deferred to the framework's annual review.
    let private_5g = raise(
        app,
        gstt,
        framework_id,
        proposal(
            "new_product",
            None,
            Some(1),
            "Private 5G for hospital campuses",
            "Our estates and clinical engineering teams want a private 5G network for asset tracking and connected \
             medical devices across our campuses.",
        ),
    )
    .await?;
    proposals::support(app, met, &private_5g).await?;
    proposals::decide(
        app,
        manager,
        &private_5g,
        &decision(
        "defer",
        None,
        None,
        "To be considered at the framework's annual review, alongside the NHS integrated care boards' connectivity strategy.",
        ),
    )
    .await?;
    Ok(())
}
