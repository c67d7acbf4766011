//! The framework overview: ceiling, committed value, headroom and % used, overall and per lot.

use crate::{Actor, App, AppError, AppResult};
use calloff_domain::framework::{Framework, Headroom, Lot};
use calloff_domain::ids::FrameworkId;
use calloff_domain::money::Money;
use calloff_domain::organisation::{Organisation, OrganisationKind, Verification};
use calloff_domain::standing::{BuyingStatus, FrameworkStanding};
use calloff_store::audit::ChainHead;
use calloff_store::call_offs::Saved;
use calloff_store::frameworks::FrameworkRecord;
use calloff_store::{catalogue, frameworks, organisations, with_retries, Conn};

#[derive(Debug, Clone)]
pub struct LotOverview {
    pub lot: Lot,
    /// `None` when the lot has no ceiling of its own.
    pub headroom: Option<Headroom>,
    pub item_count: i64,
}

#[derive(Debug, Clone)]
pub struct FrameworkOverview {
    pub framework: Framework,
    pub authority: Option<Organisation>,
    pub suppliers: Vec<Organisation>,
    pub headroom: Headroom,
    pub lots: Vec<LotOverview>,
    pub eligible_bodies: i64,
    /// Saved on call-offs that went ahead (against list prices, and through quantity tiers and
    /// demand bands): by everyone, and by the actor's organisation.
    pub savings: Saved,
    pub savings_own: Saved,
    /// What the actor may do there, so that the page offers only that.
    pub standing: FrameworkStanding,
}

/// Every signed-in user may see every framework's overview: headroom is public information.
pub async fn list(app: &App, _actor: &Actor) -> AppResult<Vec<Framework>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(frameworks::all(&mut conn)
        .await?
        .into_iter()
        .map(|r| r.framework)
        .collect())
}

pub async fn overview(app: &App, actor: &Actor, id: &FrameworkId) -> AppResult<FrameworkOverview> {
    let mut conn = app.db.pool().acquire().await?;
    let record = self::record(&mut conn, id).await?;
    let standing = standing_in(&mut conn, actor, &record).await?;
    if !standing.reads_framework() {
        return Err(AppError::NotFound("framework".into()));
    }
    let counts = catalogue::count_by_lot(&mut conn, id).await?;
    let authority = organisations::get(&mut conn, &record.framework.authority).await?;
    let mut suppliers = Vec::new();
    for supplier in &record.framework.suppliers {
        if let Some(org) = organisations::get(&mut conn, supplier).await? {
            suppliers.push(org);
        }
    }
    let lots = record
        .framework
        .lots
        .iter()
        .map(|lot| LotOverview {
            lot: lot.clone(),
            headroom: record
                .lot_headroom
                .iter()
                .find(|(n, _)| *n == lot.number)
                .and_then(|(_, h)| *h),
            item_count: counts
                .iter()
                .find(|(n, _)| *n == lot.number)
                .map(|(_, c)| *c)
                .unwrap_or(0),
        })
        .collect();
    let eligible_bodies = frameworks::eligible_count(&mut conn, id).await?;
    let by_buyer = calloff_store::call_offs::savings_by_buyer(&mut conn, id).await?;
    let total = |pick: fn(&Saved) -> Money| Money::from_pence(by_buyer.iter().map(|(_, s)| pick(s).pence()).sum());
    let savings = Saved {
        against_list: total(|s| s.against_list),
        through_volume: total(|s| s.through_volume),
    };
    let savings_own = by_buyer
        .iter()
        .find(|(b, _)| *b == actor.organisation_id)
        .map_or(Saved::default(), |(_, s)| *s);
    Ok(FrameworkOverview {
        framework: record.framework,
        authority,
        suppliers,
        headroom: record.headroom,
        lots,
        eligible_bodies,
        savings,
        savings_own,
        standing,
    })
}

/// A framework's eligibility register: the kinds of body admitted and the bodies named.
#[derive(Debug, Clone)]
pub struct EligibilityRegister {
    pub framework: Framework,
    pub kinds: Vec<calloff_domain::organisation::OrganisationKind>,
    pub named: Vec<Organisation>,
}

/// Every signed-in user may read who may buy through a framework.
pub async fn eligibility(app: &App, _actor: &Actor, id: &FrameworkId) -> AppResult<EligibilityRegister> {
    let mut conn = app.db.pool().acquire().await?;
    let record = self::record(&mut conn, id).await?;
    let register = frameworks::register(&mut conn, id).await?;
    let mut named = Vec::with_capacity(register.named.len());
    for org in &register.named {
        if let Some(org) = organisations::get(&mut conn, org).await? {
            named.push(org);
        }
    }
    named.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(EligibilityRegister {
        framework: record.framework,
        kinds: register.kinds,
        named,
    })
}

/// A framework with its lots, without the figures an overview gathers.
pub async fn get(app: &App, _actor: &Actor, id: &FrameworkId) -> AppResult<Framework> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(record(&mut conn, id).await?.framework)
}

/// A framework for pages that only read (the catalogue), trusted for up to
/// [`crate::recent::BROWSING_MAX_AGE`] after it was read.
pub async fn get_for_browsing(app: &App, actor: &Actor, id: &FrameworkId) -> AppResult<Framework> {
    if let Some(framework) = app.browsing.frameworks.get(id) {
        return Ok(framework);
    }
    let framework = get(app, actor, id).await?;
    app.browsing.frameworks.put(id.clone(), framework.clone());
    Ok(framework)
}

/// What the actor's organisation is to the framework as a buyer.
async fn buying_status(conn: &mut Conn, actor: &Actor, id: &FrameworkId) -> AppResult<BuyingStatus> {
    let Some(org) = organisations::get(conn, &actor.organisation_id).await? else {
        return Ok(BuyingStatus::Unregistered);
    };
    Ok(if org.kind == OrganisationKind::Supplier {
        BuyingStatus::Supplier
    } else if org.verification != Verification::Verified {
        BuyingStatus::Unverified
    } else if frameworks::is_eligible(conn, id, &org.id).await? {
        BuyingStatus::Eligible
    } else {
        BuyingStatus::NotEligible
    })
}

/// The actor's standing towards the framework (see [`FrameworkStanding`]), which every use case
/// asks what they may see and do there.
pub(crate) async fn standing_in(
    conn: &mut Conn,
    actor: &Actor,
    record: &FrameworkRecord,
) -> AppResult<FrameworkStanding> {
    let f = &record.framework;
    let buying = buying_status(conn, actor, &f.id).await?;
    Ok(FrameworkStanding::of(
        &actor.organisation_id,
        &actor.roles,
        &f.authority,
        &f.suppliers,
        buying,
    ))
}

/// The actor's standing towards a framework, for pages that offer only what it allows.
pub async fn standing(app: &App, actor: &Actor, id: &FrameworkId) -> AppResult<FrameworkStanding> {
    let mut conn = app.db.pool().acquire().await?;
    let record = record(&mut conn, id).await?;
    standing_in(&mut conn, actor, &record).await
}

/// The framework as stored, or "not found".
pub(crate) async fn record(conn: &mut Conn, id: &FrameworkId) -> AppResult<FrameworkRecord> {
    frameworks::get(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("framework".into()))
}

/// The framework manager's catalogue settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CatalogueSettings {
    /// The most an annual indexation may raise prices, in basis points (100 = 1%).
    #[schema(minimum = 0, maximum = 2500)]
    pub indexation_cap_bp: i64,
    /// Whether item pages name the bodies that bought each item.
    pub names_buyers: bool,
}

/// The highest indexation cap a manager may set: 25% a year.
pub const MAX_INDEXATION_CAP_BP: i64 = 2_500;

pub async fn catalogue_settings(app: &App, _actor: &Actor, id: &FrameworkId) -> AppResult<CatalogueSettings> {
    let mut conn = app.db.pool().acquire().await?;
    record(&mut conn, id).await?;
    Ok(CatalogueSettings {
        indexation_cap_bp: frameworks::indexation_cap_bp(&mut conn, id).await?,
        names_buyers: frameworks::names_buyers(&mut conn, id).await?,
    })
}

/// The framework manager sets the indexation cap and whether buyers are named, audited.
pub async fn set_catalogue_settings(
    app: &App,
    actor: &Actor,
    id: &FrameworkId,
    settings: CatalogueSettings,
) -> AppResult<CatalogueSettings> {
    let mut conn = app.db.pool().acquire().await?;
    let framework = record(&mut conn, id).await?;
    let standing = standing_in(&mut conn, actor, &framework).await?;
    drop(conn);
    if !standing.may_change_catalogue_settings() {
        return Err(AppError::Forbidden(
            "only the framework's manager can change its catalogue settings".into(),
        ));
    }
    if !(0..=MAX_INDEXATION_CAP_BP).contains(&settings.indexation_cap_bp) {
        return Err(AppError::invalid(
            "indexation_cap_bp",
            format!(
                "Enter a cap as a percentage from 0 to {}, for example 3.5",
                MAX_INDEXATION_CAP_BP / 100
            ),
        ));
    }
    let before = catalogue_settings(app, actor, id).await?;
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        frameworks::set_indexation_cap_bp(&mut tx, id, settings.indexation_cap_bp).await?;
        frameworks::set_names_buyers(&mut tx, id, settings.names_buyers).await?;
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            "framework.catalogue_settings_set",
            id.as_str(),
            serde_json::json!({ "before": before, "after": settings }),
        )
        .await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok::<(), AppError>(())
    })
    .await?;
    Ok(settings)
}
