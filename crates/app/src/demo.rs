//! The demo: the pan-London ICT framework, its catalogue, every London body, and demo users of
//! every role. Seeding is idempotent: a second run finds the framework and changes nothing.

use crate::{auth, App, AppResult};
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
pub const DEMO_USERS: [(&str, &str, &str, &[Role]); 7] = [
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
        auth::create_user(app, &org.id, email, name, DEMO_PASSWORD, roles).await?;
    }
    Ok(Seeded {
        framework_id,
        created: true,
    })
}

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
        };
        catalogue::insert(&mut tx, &item, &supplier).await?;
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

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}
