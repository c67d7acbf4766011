//! JSON representations. Money is integer pence (`*_pence`) and unit prices integer millionths of
//! a pound (`unit_price_micros`), with display strings beside them.

use calloff_app::approvals::RequestView;
use calloff_app::call_offs::CallOffView;
use calloff_app::frameworks::FrameworkOverview;
use calloff_app::quotes::Quote;
use calloff_app::Actor;
use calloff_domain::approval::ApprovalRules;
use calloff_domain::call_off::{PricedLine, Totals};
use calloff_domain::catalogue::CatalogueItem;
use calloff_domain::framework::{Framework, Headroom};
use calloff_domain::money::Money;
use calloff_domain::organisation::Organisation;
use calloff_domain::pricing::PriceBreaks;
use serde_json::{json, Value};

fn money(m: Money) -> Value {
    json!({ "pence": m.pence(), "display": m.to_string() })
}

pub fn actor(a: &Actor) -> Value {
    json!({
        "id": a.user_id, "name": a.name, "email": a.email,
        "organisation": { "id": a.organisation_id, "name": a.organisation_name },
        "roles": a.roles,
    })
}

pub fn framework_summary(f: &Framework) -> Value {
    json!({
        "id": f.id, "reference": f.reference, "title": f.title, "status": f.status,
        "maximum_value": money(f.maximum_value),
        "start_date": f.term.start.to_string(), "end_date": f.term.end.to_string(),
    })
}

fn headroom(h: &Headroom) -> Value {
    json!({
        "ceiling": money(h.ceiling), "committed": money(h.committed), "headroom": money(h.left()),
        "basis_points_used": h.basis_points_used(),
    })
}

pub fn organisation(o: &Organisation) -> Value {
    json!({
        "id": o.id, "name": o.name, "kind": o.kind,
        "identifiers": o.identifiers.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "verification": o.verification,
    })
}

pub fn framework_overview(o: &FrameworkOverview) -> Value {
    let mut value = framework_summary(&o.framework);
    value["authority"] = o.authority.as_ref().map(organisation).unwrap_or(Value::Null);
    value["suppliers"] = o.suppliers.iter().map(organisation).collect();
    value["eligible_bodies"] = json!(o.eligible_bodies);
    value["spend"] = headroom(&o.headroom);
    value["savings"] = json!({
        "all_buyers": money(o.savings.against_list), "your_organisation": money(o.savings_own.against_list),
    });
    value["volume_savings"] = json!({
        "all_buyers": money(o.savings.through_volume), "your_organisation": money(o.savings_own.through_volume),
    });
    value["lots"] = o
        .lots
        .iter()
        .map(|l| {
            json!({
                "number": l.lot.number, "title": l.lot.title, "item_count": l.item_count,
                "spend": l.headroom.as_ref().map(headroom),
            })
        })
        .collect();
    value
}

pub fn item(i: &CatalogueItem) -> Value {
    json!({
        "id": i.id, "framework_id": i.framework_id, "lot": i.lot_number, "sku": i.sku, "name": i.name,
        "description": i.description, "unit": i.unit, "unit_label": i.unit.label(),
        "unit_price_micros": i.unit_price.micros(), "unit_price_display": i.unit_price.to_string(),
        "minimum_term_months": i.minimum_term_months, "cpv": i.cpv,
        "list_price_micros": i.list_price.map(|p| p.micros()),
        "quantity_tiers": price_breaks(&i.quantity_tiers),
        "demand_bands": price_breaks(&i.demand_bands),
    })
}

/// Price breaks: from how many units each unit price applies.
fn price_breaks(breaks: &PriceBreaks) -> Value {
    breaks
        .iter()
        .map(|b| json!({ "from": b.from, "unit_price_micros": b.unit_price.micros(), "unit_price_display": b.unit_price.to_string() }))
        .collect()
}

fn line(l: &PricedLine) -> Value {
    json!({
        "item_id": l.item_id, "lot": l.lot_number, "sku": l.sku, "name": l.name, "description": l.description,
        "unit": l.unit, "unit_price_micros": l.unit_price.micros(), "unit_price_display": l.unit_price.to_string(),
        "cpv": l.cpv, "quantity": l.quantity, "term_months": l.term_months, "monthly_usage": l.monthly_usage,
        "value": money(l.value),
        "list_price_micros": l.list_price.map(|p| p.micros()),
        "list_value": l.list_value.map(money), "saving": l.saving().map(money),
        "price_basis": l.price_basis, "catalogue_price_micros": l.catalogue_price.map(|p| p.micros()),
        "catalogue_value": l.catalogue_value.map(money), "volume_saving": l.volume_saving().map(money),
        "next_band": l.next_band.map(|n| json!({
            "from": n.from, "more_needed": n.more_needed,
            "unit_price_micros": n.unit_price.micros(), "unit_price_display": n.unit_price.to_string(),
        })),
        "item_version": l.item_version,
    })
}

fn totals(t: &Totals) -> Value {
    json!({ "contract_value": money(t.contract_value), "vat": money(t.vat), "total_inc_vat": money(t.total_inc_vat) })
}

pub fn quote(q: &Quote, advice: &calloff_domain::route_to_market::Advice) -> Value {
    json!({
        "framework_id": q.framework_id, "supplier_id": q.supplier_id,
        "route_to_market": { "route": advice.route, "reasons": advice.reasons },
        "lines": q.lines.iter().map(line).collect::<Vec<_>>(),
        "totals": totals(&q.totals),
    })
}

pub fn call_off(v: &CallOffView) -> Value {
    let c = &v.call_off;
    json!({
        "id": c.id, "reference": c.reference, "state": c.state,
        "framework": { "id": c.framework_id, "reference": v.framework_reference, "title": v.framework_title },
        "buyer": organisation(&v.buyer), "supplier": organisation(&v.supplier), "placed_by": c.placed_by,
        "lines": c.lines.iter().map(line).collect::<Vec<_>>(),
        "totals": totals(&c.totals),
        "rejection_reason": c.rejection_reason,
        "placed_at": c.placed_at, "updated_at": c.updated_at,
        "live_on": v.live_on, "ends_on": v.ends_on,
        "milestones": v.milestones.iter().map(|m| json!({ "name": m.name, "done_on": m.done_on })).collect::<Vec<_>>(),
        "cost_centre": c.cost_centre,
        "approvals": v.approvals.iter().map(approval_request).collect::<Vec<_>>(),
        "variations": v.variations.iter().map(|x| json!({
            "number": x.number, "previous_value": money(x.previous_value), "new_value": money(x.new_value),
            "original_value": money(x.original_value), "over_modification_limit": x.over_limit, "varied_at": x.varied_at,
        })).collect::<Vec<_>>(),
        "change_seq": c.change_seq,
    })
}

pub fn approval_request(v: &RequestView) -> Value {
    let r = &v.request;
    json!({
        "id": r.id, "call_off_id": r.call_off_id, "kind": r.kind, "value": money(r.value),
        "approvers_required": r.approvers_required, "approvals_given": v.approvals_given(), "status": r.status,
        "requested_by": r.requested_by, "requested_at": r.requested_at, "expires_at": r.expires_at,
        "closed_at": r.closed_at,
        "decisions": v.decisions.iter().map(|d| json!({
            "approver": { "id": d.approver_id, "name": d.approver_name }, "decision": d.decision,
            "comment": d.comment, "decided_at": d.decided_at,
        })).collect::<Vec<_>>(),
    })
}

pub fn approval_rules(r: &ApprovalRules) -> Value {
    json!({
        "thresholds": r.thresholds.iter().map(|t| json!({
            "from_value": money(t.from_value), "approvers": t.approvers,
        })).collect::<Vec<_>>(),
        "expiry_days": r.expiry_days,
    })
}

pub fn notification(n: &calloff_app::notifications::Notification) -> Value {
    json!({
        "id": n.id, "event": n.event, "subject": n.subject, "body": n.body, "link": n.link,
        "created_at": n.created_at, "sent_at": n.sent_at, "send_attempts": n.attempts,
        "last_error": n.last_error, "read_at": n.read_at,
    })
}

pub fn change_request(r: &calloff_app::change_requests::RequestSummary) -> Value {
    json!({
        "id": r.id, "framework_id": r.framework_id, "supplier_id": r.supplier_id, "title": r.title,
        "status": r.status, "indexation_basis_points": r.indexation_bp, "change_count": r.change_count,
        "submitted_by": r.submitted_by, "submitted_at": r.submitted_at, "decided_by": r.decided_by,
        "decided_at": r.decided_at, "decision_reason": r.decision_reason, "proposal_id": r.proposal_id,
    })
}

fn details(d: &calloff_domain::change_control::ItemDetails) -> Value {
    json!({
        "lot": d.lot_number, "name": d.name, "description": d.description, "unit": d.unit,
        "unit_price_micros": d.unit_price.micros(), "unit_price_display": d.unit_price.to_string(),
        "minimum_term_months": d.minimum_term_months, "cpv": d.cpv,
        "list_price_micros": d.list_price.map(|p| p.micros()),
        "quantity_tiers": price_breaks(&d.quantity_tiers),
    })
}

pub fn change_request_view(v: &calloff_app::change_requests::RequestView) -> Value {
    let mut value = change_request(&v.request);
    value["changes"] = v
        .changes
        .iter()
        .map(|c| {
            let change = &c.stored.change;
            json!({
                "position": c.stored.position, "kind": change.kind, "sku": change.sku,
                "effective_from": change.effective_from.to_string(), "status": c.stored.status,
                "applied_at": c.stored.applied_at,
                "details": change.details.as_ref().map(details),
                "new_price_micros": change.new_price.map(|p| p.micros()),
                "current": c.current.as_ref().map(item),
                "diff": c.diff.iter().map(|(field, now, proposed)| json!({ "field": field, "now": now, "proposed": proposed })).collect::<Vec<_>>(),
            })
        })
        .collect();
    value["next_after"] = json!(v.next_after);
    value
}

pub fn item_version(v: &calloff_app::change_requests::ItemVersion) -> Value {
    json!({
        "version": v.version, "effective_from": v.effective_from, "withdrawn": v.withdrawn,
        "change_request_id": v.change_request_id, "details": details(&v.details),
        "demand_bands": price_breaks(&v.demand_bands),
    })
}

pub fn catalogue_as_of(v: &calloff_app::catalogue::CatalogueAsOf) -> Value {
    json!({
        "date": v.date.to_string(), "truncated": v.truncated,
        "items": v.items.iter().map(|i| {
            let mut version = item_version(&i.version);
            version["item_id"] = json!(i.id);
            version["sku"] = json!(i.sku);
            version
        }).collect::<Vec<_>>(),
    })
}

pub fn search_results(
    r: &calloff_app::catalogue::SearchResults,
    request: &calloff_app::catalogue::SearchRequest,
) -> Value {
    use calloff_app::catalogue::{PRICE_BANDS, TERM_BANDS};
    json!({
        "items": r.items.iter().map(item).collect::<Vec<_>>(),
        "total": r.total, "page": request.page, "pages": r.pages,
        "facets": {
            "lot": r.lots.iter().map(|(n, c)| json!({ "value": n, "count": c })).collect::<Vec<_>>(),
            "unit": r.units.iter().map(|(u, c)| json!({ "value": u, "label": u.label(), "count": c })).collect::<Vec<_>>(),
            "price_band": r.price_bands.iter().map(|(b, c)| json!({ "value": b, "label": PRICE_BANDS[*b].0, "count": c })).collect::<Vec<_>>(),
            "term_band": r.term_bands.iter().map(|(b, c)| json!({ "value": b, "label": TERM_BANDS[*b].0, "count": c })).collect::<Vec<_>>(),
            "supplier": r.suppliers.iter().map(|(id, name, c)| json!({ "value": id, "label": name, "count": c })).collect::<Vec<_>>(),
        },
        "suggestions": r.suggestions.iter().map(|s| json!({ "label": s.label, "count": s.count, "query": s.request.to_query() })).collect::<Vec<_>>(),
    })
}

pub fn prices_paid(p: &calloff_app::catalogue::PricesPaid) -> Value {
    let price = |u: Option<calloff_domain::money::UnitPrice>| {
        u.map(|u| json!({ "micros": u.micros(), "display": u.to_string() }))
    };
    json!({
        "bodies": p.bodies, "lines": p.lines, "median": price(p.median), "lowest": price(p.lowest),
        "highest": price(p.highest), "buyers": p.buyers,
    })
}

pub fn proposal(p: &calloff_app::proposals::Proposal) -> Value {
    json!({
        "id": p.id, "framework_id": p.framework_id, "kind": p.kind,
        "raised_by": { "organisation": { "id": p.organisation_id, "name": p.organisation_name }, "user": { "id": p.raised_by, "name": p.raised_by_name } },
        "item": p.item_id.as_ref().map(|id| json!({ "id": id, "sku": p.item_sku, "name": p.item_name })),
        "lot": p.lot_number, "title": p.title, "rationale": p.rationale, "status": p.status,
        "outcome": p.outcome, "target_quarter": p.target_quarter.map(|q| q.to_string()),
        "decision": p.decided_at.as_ref().map(|at| json!({
            "reason": p.decision_reason, "decided_at": at,
            "decided_by": { "id": p.decided_by, "name": p.decided_by_name },
        })),
        "supplier_response": p.responded_at.as_ref().map(|at| json!({
            "text": p.supplier_response, "responded_at": at,
            "responded_by": { "id": p.responded_by, "name": p.responded_by_name },
        })),
        "support_count": p.support_count, "comment_count": p.comment_count,
        "created_at": p.created_at, "updated_at": p.updated_at,
    })
}

pub fn proposal_comment(c: &calloff_app::proposals::Comment) -> Value {
    json!({
        "id": c.id, "proposal_id": c.proposal_id, "body": c.body, "created_at": c.created_at,
        "author": { "id": c.author_id, "name": c.author_name },
        "organisation": { "id": c.organisation_id, "name": c.organisation_name },
    })
}

pub fn proposal_view(v: &calloff_app::proposals::ProposalView) -> Value {
    let mut value = proposal(&v.proposal);
    value["supporters"] = v
        .votes
        .iter()
        .map(|vote| json!({ "organisation": { "id": vote.organisation_id, "name": vote.organisation_name }, "supported_at": vote.voted_at }))
        .collect();
    value["comments"] = v.comments.iter().map(proposal_comment).collect();
    value["change_requests"] = v
        .change_requests
        .iter()
        .map(|r| json!({ "id": r.id, "title": r.title, "status": r.status }))
        .collect();
    value["followers"] = json!(v.followers);
    value["you_follow"] = json!(v.following);
    let a = v.allowed;
    value["you_may"] = json!({
        "support": a.support, "comment": a.comment, "respond": a.respond, "decide": a.decide, "follow": a.follow,
        "answer_with_change_request": a.answer_with_change_request,
    });
    value
}
