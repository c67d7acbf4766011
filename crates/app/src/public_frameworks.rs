//! A framework as anyone may see it, signed in or not (issue 12): what it is, who may use it,
//! the ceiling and headroom, spend by kind of body and lot, and where its open data is. Nothing
//! its manager withholds from the open data (ADR 0017) is given here either: while call-off
//! values are withheld, no figure summed from them is (committed, headroom, invoiced), since a
//! total read before and after a call-off is published gives that call-off's value; the counts
//! of call-offs stay, as the releases give them too.

use crate::{App, AppError, AppResult};
use calloff_domain::framework::{Framework, FrameworkStatus, Headroom};
use calloff_domain::ids::FrameworkId;
use calloff_domain::money::Money;
use calloff_domain::organisation::OrganisationKind;
use calloff_interop::ocds::WithheldField;
use calloff_store::{frameworks, invoices, organisations, spend, Conn};

/// A lot's ceiling and, unless withheld, what is committed and invoiced in it.
#[derive(Debug, Clone)]
pub struct PublicLot {
    pub number: u32,
    pub title: String,
    /// `None` when the lot has no ceiling of its own.
    pub ceiling: Option<Money>,
    /// `None` without a lot ceiling, or while call-off values are withheld.
    pub headroom: Option<Headroom>,
    /// Call-offs with lines in the lot.
    pub call_offs: i64,
    /// Net invoiced in the lot; `None` while call-off values are withheld.
    pub invoiced: Option<Money>,
}

/// Call-offs, and unless withheld the net invoiced, of one kind of body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindSpend {
    pub kind: OrganisationKind,
    pub call_offs: i64,
    pub invoiced: Option<Money>,
}

#[derive(Debug, Clone)]
pub struct PublicFramework {
    pub framework: Framework,
    /// The framework's contracting process in the open data.
    pub ocid: String,
    pub authority: String,
    pub suppliers: Vec<String>,
    /// The kinds of body every one of which may buy through it.
    pub eligible_kinds: Vec<OrganisationKind>,
    /// Bodies named on its eligibility register besides those kinds.
    pub named_bodies: usize,
    /// Ceiling and committed; `None` while call-off values are withheld (the ceiling is then
    /// `framework.maximum_value`).
    pub headroom: Option<Headroom>,
    /// Net invoiced (credit notes deducted, disputed invoices left out); `None` while withheld.
    pub invoiced: Option<Money>,
    /// Call-offs that commit value: placed, accepted, live or ended.
    pub call_offs: i64,
    pub lots: Vec<PublicLot>,
    pub by_kind: Vec<KindSpend>,
    /// What its manager withholds from the open data, and why.
    pub withheld: Vec<(WithheldField, String)>,
}

impl PublicFramework {
    pub fn values_withheld(&self) -> bool {
        values_withheld(&self.withheld)
    }
}

fn values_withheld(withheld: &[(WithheldField, String)]) -> bool {
    withheld.iter().any(|(f, _)| *f == WithheldField::CallOffValues)
}

fn is_public(status: FrameworkStatus) -> bool {
    // Drafts are not published, as in the open data.
    status != FrameworkStatus::Draft
}

/// Every framework that is not a draft, for the open-data page.
pub async fn list(app: &App) -> AppResult<Vec<Framework>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(frameworks::all(&mut conn)
        .await?
        .into_iter()
        .map(|r| r.framework)
        .filter(|f| is_public(f.status))
        .collect())
}

async fn name_of(conn: &mut Conn, id: &calloff_domain::ids::OrganisationId) -> AppResult<String> {
    Ok(organisations::get(conn, id)
        .await?
        .map_or_else(|| "Unknown".to_string(), |o| o.name))
}

/// A framework for anyone, signed in or not; a draft is not found.
pub async fn framework(app: &App, id: &FrameworkId) -> AppResult<PublicFramework> {
    let mut conn = app.db.pool().acquire().await?;
    let record = crate::frameworks::record(&mut conn, id).await?;
    if !is_public(record.framework.status) {
        return Err(AppError::NotFound("framework".into()));
    }
    let withheld = crate::ocds::read_withheld(&mut conn, id).await?.0;
    let shown = !values_withheld(&withheld);
    let f = &record.framework;
    let authority = name_of(&mut conn, &f.authority).await?;
    let mut suppliers = Vec::new();
    for s in &f.suppliers {
        suppliers.push(name_of(&mut conn, s).await?);
    }
    let register = frameworks::register(&mut conn, id).await?;

    let counts_by_lot = spend::call_offs_by_lot(&mut conn, id).await?;
    let invoiced_by_lot = crate::spend::invoiced_by_lot(&mut conn, f).await?;
    let lots = f
        .lots
        .iter()
        .map(|lot| PublicLot {
            number: lot.number,
            title: lot.title.clone(),
            ceiling: lot.ceiling,
            headroom: record
                .lot_headroom
                .iter()
                .find(|(n, _)| *n == lot.number)
                .and_then(|(_, h)| *h)
                .filter(|_| shown),
            call_offs: counts_by_lot
                .iter()
                .find(|(n, _)| *n == lot.number)
                .map_or(0, |(_, c)| *c),
            invoiced: shown.then(|| {
                invoiced_by_lot
                    .iter()
                    .find(|(n, _, _)| *n == lot.number)
                    .map_or(Money::ZERO, |(_, _, m)| *m)
            }),
        })
        .collect();

    let counts_by_kind = spend::call_offs_by_kind(&mut conn, id).await?;
    let invoiced_by_kind = crate::spend::by_kind_of_body(&spend::framework_by_customer(&mut conn, id).await?);
    let mut by_kind: Vec<KindSpend> = counts_by_kind
        .iter()
        .map(|(kind, n)| KindSpend {
            kind: *kind,
            call_offs: *n,
            invoiced: None,
        })
        .collect();
    for (kind, _) in &invoiced_by_kind {
        if !by_kind.iter().any(|k| k.kind == *kind) {
            by_kind.push(KindSpend {
                kind: *kind,
                call_offs: 0,
                invoiced: None,
            });
        }
    }
    if shown {
        for k in &mut by_kind {
            k.invoiced = Some(
                invoiced_by_kind
                    .iter()
                    .find(|(kind, _)| *kind == k.kind)
                    .map_or(Money::ZERO, |(_, m)| *m),
            );
        }
    }
    by_kind.sort_by(|a, b| {
        b.invoiced
            .cmp(&a.invoiced)
            .then(b.call_offs.cmp(&a.call_offs))
            .then(a.kind.label().cmp(b.kind.label()))
    });

    let call_offs = counts_by_kind.iter().map(|(_, n)| n).sum();
    let invoiced = if shown {
        Some(invoices::invoiced_for_framework(&mut conn, id).await?)
    } else {
        None
    };
    Ok(PublicFramework {
        ocid: format!("{}-{}", app.ocid_prefix().as_str(), f.id.as_str()),
        authority,
        suppliers,
        eligible_kinds: register.kinds,
        named_bodies: register.named.len(),
        headroom: shown.then_some(record.headroom),
        invoiced,
        call_offs,
        lots,
        by_kind,
        withheld,
        framework: record.framework,
    })
}
