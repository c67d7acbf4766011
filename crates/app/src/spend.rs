//! Spend against a framework for its manager (by month, lot, kind of body and customer, and the
//! headroom burn-down with the month the ceiling would be reached), and a buyer organisation's
//! own spend (by cost centre, lot and month) with its contract register.

use crate::{Actor, App, AppError, AppResult};
use calloff_domain::calendar::parse_date;
use calloff_domain::framework::Framework;
use calloff_domain::ids::{FrameworkId, OrganisationId};
use calloff_domain::money::Money;
use calloff_domain::organisation::OrganisationKind;
use calloff_domain::role::Role;
use calloff_store::spend::{self, Contract, CustomerSpend};
use chrono::{Datelike, NaiveDate};

/// Customers listed by name on the manager's page.
pub const TOP_CUSTOMERS: usize = 10;
/// Contracts ending within this many days are flagged for renewal.
pub const RENEWAL_NOTICE_DAYS: i64 = 90;
/// Most contracts in a buyer's register.
pub const MAX_CONTRACTS: i64 = 500;
/// Months of commitment the forecast averages.
pub const FORECAST_MONTHS: usize = 12;

/// Commitment month by month against the ceiling, and when, at the recent rate, it is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BurnDown {
    pub ceiling: Money,
    /// Committed by the end of each month (`YYYY-MM`) in which call-offs were placed.
    pub committed: Vec<(String, Money)>,
    /// The average committed per month over the last months with commitments.
    pub monthly_rate: Option<Money>,
    /// The first day of the month in which the ceiling would be reached at that rate.
    pub ceiling_reached: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct FrameworkReport {
    pub framework: Framework,
    pub totals: crate::invoices::FrameworkSpend,
    pub by_month: Vec<(String, Money)>,
    /// Lot number, title and net invoiced.
    pub by_lot: Vec<(u32, String, Money)>,
    pub by_kind: Vec<(OrganisationKind, Money)>,
    /// The largest customers by net invoiced, at most [`TOP_CUSTOMERS`].
    pub top_customers: Vec<CustomerSpend>,
    /// Customers invoiced in all.
    pub customers: usize,
    pub burn_down: BurnDown,
    pub returns: ReturnCounts,
    /// The management charge raised by the returns of each month (`YYYY-MM`).
    pub levy_by_month: Vec<(String, Money)>,
}

/// The framework's MI returns by where they stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReturnCounts {
    pub submitted: usize,
    /// Of those submitted (or declared), how many after their due date.
    pub submitted_late: usize,
    pub no_business: usize,
    /// Open and past their due date.
    pub late: usize,
    /// Open and not yet due.
    pub due: usize,
}

/// The framework's spend, for its manager and auditors (it names customers and their spend).
pub async fn framework_report(app: &App, actor: &Actor, id: &FrameworkId) -> AppResult<FrameworkReport> {
    let totals = crate::invoices::framework_spend(app, actor, id).await?;
    let mut conn = app.db.pool().acquire().await?;
    let record = crate::frameworks::record(&mut conn, id).await?;
    let standing = crate::frameworks::standing_in(&mut conn, actor, &record).await?;
    if !(standing.is_manager() || standing.is_auditor()) {
        return Err(AppError::Forbidden(
            "only the framework's manager and auditors see spend by customer".into(),
        ));
    }
    let by_month = spend::framework_by_month(&mut conn, id).await?;
    let by_lot = invoiced_by_lot(&mut conn, &record.framework).await?;
    let mut customers = spend::framework_by_customer(&mut conn, id).await?;
    let by_kind = by_kind_of_body(&customers);
    customers.sort_by(|a, b| b.net.cmp(&a.net).then(a.name.cmp(&b.name)));
    let count = customers.len();
    customers.truncate(TOP_CUSTOMERS);
    let committed = spend::committed_by_month(&mut conn, id).await?;
    let burn_down = burn_down(record.headroom.ceiling, &committed, app.today());
    drop(conn);
    let mut returns = ReturnCounts::default();
    for r in crate::returns::for_framework(app, actor, id).await? {
        use calloff_domain::mi_return::ReturnStanding;
        match r.standing {
            ReturnStanding::Submitted => returns.submitted += 1,
            ReturnStanding::NoBusiness => returns.no_business += 1,
            ReturnStanding::Late => returns.late += 1,
            ReturnStanding::Due => returns.due += 1,
        }
        returns.submitted_late += usize::from(r.submitted_late);
    }
    let mut levy_by_month: Vec<(String, Money)> = crate::returns::levy_by_month(app, actor, id)
        .await?
        .into_iter()
        .map(|m| (m.month.to_string(), m.charged))
        .collect();
    levy_by_month.sort();
    Ok(FrameworkReport {
        returns,
        levy_by_month,
        framework: record.framework,
        totals,
        by_month,
        by_lot,
        by_kind,
        top_customers: customers,
        customers: count,
        burn_down,
    })
}

/// Net invoiced under the framework by lot, with each lot's title.
pub(crate) async fn invoiced_by_lot(
    conn: &mut calloff_store::Conn,
    framework: &Framework,
) -> AppResult<Vec<(u32, String, Money)>> {
    Ok(spend::framework_by_lot(conn, &framework.id)
        .await?
        .into_iter()
        .map(|(number, net)| {
            let title = framework
                .lots
                .iter()
                .find(|l| l.number == number)
                .map_or_else(|| format!("Lot {number}"), |l| l.title.clone());
            (number, title, net)
        })
        .collect())
}

/// Net invoiced by kind of body, from each customer's, largest first.
pub(crate) fn by_kind_of_body(customers: &[CustomerSpend]) -> Vec<(OrganisationKind, Money)> {
    let mut by_kind: Vec<(OrganisationKind, Money)> = Vec::new();
    for c in customers {
        match by_kind.iter_mut().find(|(k, _)| *k == c.kind) {
            Some((_, net)) => *net = add(*net, c.net),
            None => by_kind.push((c.kind, c.net)),
        }
    }
    by_kind.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.as_str().cmp(b.0.as_str())));
    by_kind
}

fn add(a: Money, b: Money) -> Money {
    Money::from_pence(a.pence().saturating_add(b.pence()))
}

/// Cumulative commitment per month, and the month the ceiling is reached at the average of the
/// last [`FORECAST_MONTHS`] months with commitments (from the month after `today`).
pub fn burn_down(ceiling: Money, per_month: &[(String, Money)], today: NaiveDate) -> BurnDown {
    let mut running = Money::ZERO;
    let committed: Vec<(String, Money)> = per_month
        .iter()
        .map(|(month, net)| {
            running = add(running, *net);
            (month.clone(), running)
        })
        .collect();
    let recent = &per_month[per_month.len().saturating_sub(FORECAST_MONTHS)..];
    let monthly_rate = (!recent.is_empty()).then(|| {
        let sum: i64 = recent.iter().map(|(_, m)| m.pence()).fold(0, i64::saturating_add);
        Money::from_pence(sum / i64::try_from(recent.len()).unwrap_or(1))
    });
    let left = ceiling.pence().saturating_sub(running.pence());
    let ceiling_reached = match monthly_rate {
        Some(rate) if rate.pence() > 0 => {
            let months = if left <= 0 {
                0
            } else {
                (left + rate.pence() - 1) / rate.pence()
            };
            let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
            u32::try_from(months)
                .ok()
                .and_then(|m| first.checked_add_months(chrono::Months::new(m)))
        }
        _ => None,
    };
    BurnDown {
        ceiling,
        committed,
        monthly_rate,
        ceiling_reached,
    }
}

/// A running contract and whether it is due for renewal.
#[derive(Debug, Clone)]
pub struct RegisterEntry {
    pub contract: Contract,
    /// Ends within [`RENEWAL_NOTICE_DAYS`] days.
    pub renewal_due: bool,
}

#[derive(Debug, Clone)]
pub struct OrganisationReport {
    pub organisation_name: String,
    pub by_month: Vec<(String, Money)>,
    pub by_lot: Vec<(u32, Money)>,
    pub by_cost_centre: Vec<(String, Money)>,
    pub contracts: Vec<RegisterEntry>,
    pub invoiced: Money,
}

/// The actor's organisation's own spend and contract register, for its buyers, approvers and
/// admins.
pub async fn organisation_report(app: &App, actor: &Actor) -> AppResult<OrganisationReport> {
    if !actor.has(Role::Buyer) && !actor.has(Role::Approver) && !actor.has(Role::OrganisationAdmin) {
        return Err(AppError::Forbidden(
            "only a buying organisation's buyers, approvers and admins see its spend".into(),
        ));
    }
    let org = &actor.organisation_id;
    let mut conn = app.db.pool().acquire().await?;
    let by_month = spend::buyer_by_month(&mut conn, org).await?;
    let by_lot = spend::buyer_by_lot(&mut conn, org).await?;
    let by_cost_centre = spend::buyer_by_cost_centre(&mut conn, org).await?;
    let today = app.today();
    let contracts = spend::contracts(&mut conn, org, MAX_CONTRACTS)
        .await?
        .into_iter()
        .map(|contract| RegisterEntry {
            renewal_due: renewal_due(&contract, today),
            contract,
        })
        .collect();
    let invoiced = by_month.iter().fold(Money::ZERO, |sum, (_, m)| add(sum, *m));
    Ok(OrganisationReport {
        organisation_name: actor.organisation_name.clone(),
        by_month,
        by_lot,
        by_cost_centre,
        contracts,
        invoiced,
    })
}

/// Whether a running contract ends within [`RENEWAL_NOTICE_DAYS`] of `today`.
fn renewal_due(contract: &Contract, today: NaiveDate) -> bool {
    contract
        .ends_on
        .as_deref()
        .and_then(|e| parse_date(e).ok())
        .is_some_and(|end| (end - today).num_days() <= RENEWAL_NOTICE_DAYS)
}

/// The organisation's running contracts due for renewal, soonest first.
pub(crate) async fn renewals_due(
    conn: &mut calloff_store::Conn,
    org: &OrganisationId,
    today: NaiveDate,
) -> AppResult<Vec<Contract>> {
    let mut due: Vec<Contract> = spend::contracts(conn, org, MAX_CONTRACTS)
        .await?
        .into_iter()
        .filter(|c| renewal_due(c, today))
        .collect();
    due.sort_by(|a, b| a.ends_on.cmp(&b.ends_on));
    Ok(due)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pounds(p: i64) -> Money {
        Money::from_pence(p * 100)
    }

    #[test]
    fn the_ceiling_is_reached_at_the_recent_rate() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let months = [
            ("2026-09".to_string(), pounds(100)),
            ("2026-10".to_string(), pounds(300)),
        ];
        let b = burn_down(pounds(1_000), &months, today);
        assert_eq!(
            b.committed,
            [
                ("2026-09".to_string(), pounds(100)),
                ("2026-10".to_string(), pounds(400))
            ]
        );
        assert_eq!(b.monthly_rate, Some(pounds(200)));
        // £600 left at £200 a month: three months from November.
        assert_eq!(b.ceiling_reached, NaiveDate::from_ymd_opt(2027, 2, 1));
        assert_eq!(burn_down(pounds(1_000), &[], today).ceiling_reached, None);
    }
}
