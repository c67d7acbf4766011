//! Customer governance: a framework's roadmap of proposals, raising one, and a proposal's page
//! with its support, comments, the supplier's response, the manager's decision and following.
//! Each action is its own form that posts back; errors re-show the page with a summary.

use super::{error_page, new_idempotency_key, render, Fields};
use crate::html::{
    csrf_field, error_for, input, layout, paragraphs, radios, select, short_date, success_banner, summary_list,
    textarea, timestamp, Chrome, Input, Radio, Radios, Section, Select,
};
use crate::session::{PageUser, SignedInForm};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::proposals::{self, Proposal, ProposalView, Roadmap};
use calloff_app::{catalogue, AppError};
use calloff_domain::framework::Framework;
use calloff_domain::governance::{
    DecisionInput, Outcome, ProposalInput, ProposalKind, ProposalStatus, MAX_RATIONALE_LEN, MAX_TITLE_LEN,
};
use calloff_domain::ids::{FrameworkId, ItemId, ProposalId};
use calloff_domain::money::group_thousands;
use calloff_domain::FieldError;
use maud::{html, Markup};
use serde::Deserialize;

pub fn status_tag(status: ProposalStatus) -> Markup {
    let colour = match status {
        ProposalStatus::Open => "govuk-tag--blue",
        ProposalStatus::Accepted => "govuk-tag--green",
        ProposalStatus::Deferred => "govuk-tag--yellow",
        ProposalStatus::Declined => "govuk-tag--red",
    };
    html! { strong class={ "govuk-tag " (colour) } { (status.label()) } }
}

/// What an accepted proposal became, in words.
fn outcome_text(p: &Proposal) -> Option<String> {
    match (p.outcome, p.target_quarter) {
        (Some(Outcome::Roadmap), Some(q)) => Some(format!("On the roadmap for {}", q.label())),
        (Some(o), _) => Some(o.label().to_string()),
        (None, _) => None,
    }
}

/// The kind of proposal, and the item or lot it is about.
fn about(p: &Proposal) -> String {
    match (&p.item_sku, p.lot_number) {
        (Some(sku), _) => format!("{}: {sku}", p.kind.label()),
        (None, Some(lot)) => format!("{}, lot {lot}", p.kind.label()),
        (None, None) => p.kind.label().to_string(),
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn roadmap_page(user: &PageUser, roadmap: &Roadmap) -> Markup {
    let actor = &user.session.actor;
    let f = &roadmap.framework;
    let chrome = Chrome {
        title: "Proposals and roadmap",
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors: &[],
    };
    let group = |status: ProposalStatus| -> Vec<&Proposal> {
        roadmap.proposals.iter().filter(|p| p.status == status).collect()
    };
    layout(
        chrome,
        html! {
            (crate::html::back_link(&format!("/frameworks/{}", f.id), "Back to the framework"))
            span class="govuk-caption-l" { (f.reference) }
            h1 class="govuk-heading-l" { "Proposals and roadmap" }
            p class="govuk-body" {
                "Customers of " (f.title) " propose new products, changes to items and retiring items. "
                "Other customer organisations support them, one vote each; the supplier responds; the framework manager decides."
            }
            @if roadmap.standing.may_raise_proposals() {
                a class="govuk-button" data-module="govuk-button" href={ "/frameworks/" (f.id) "/proposals/new" } { "Raise a proposal" }
            }
            @if roadmap.proposals.is_empty() {
                p class="govuk-body" { "There are no proposals yet." }
            } @else {
                nav aria-label="Proposals by status" {
                    ul class="govuk-list" {
                        @for status in ProposalStatus::ALL {
                            li { a class="govuk-link" href={ "#" (status.as_str()) } { (status.label()) " (" (group(status).len()) ")" } }
                        }
                    }
                }
                @for status in ProposalStatus::ALL {
                    @let proposals = group(status);
                    h2 class="govuk-heading-m" id=(status.as_str()) { (status.label()) }
                    @if proposals.is_empty() {
                        p class="govuk-body" { "No " (status.label().to_lowercase()) " proposals." }
                    } @else {
                        table class="govuk-table" {
                            caption class="govuk-table__caption govuk-visually-hidden" { (status.label()) " proposals, most supported first" }
                            thead class="govuk-table__head" { tr class="govuk-table__row" {
                                th scope="col" class="govuk-table__header" { "Proposal" }
                                th scope="col" class="govuk-table__header" { "Raised by" }
                                th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Support" }
                                th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Comments" }
                                @if status != ProposalStatus::Open {
                                    th scope="col" class="govuk-table__header" { "Decision" }
                                }
                            } }
                            tbody class="govuk-table__body" {
                                @for p in proposals {
                                    tr class="govuk-table__row" {
                                        td class="govuk-table__cell" {
                                            a class="govuk-link" href={ "/proposals/" (p.id) } { (p.title) }
                                            br;
                                            span class="govuk-body-s" { (about(p)) }
                                        }
                                        td class="govuk-table__cell" { (p.organisation_name) br; span class="govuk-body-s" { (short_date(&p.created_at)) } }
                                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (p.support_count) }
                                        td class="govuk-table__cell govuk-table__cell--numeric calloff-numeric" { (p.comment_count) }
                                        @if status != ProposalStatus::Open {
                                            td class="govuk-table__cell" {
                                                @if let Some(outcome) = outcome_text(p) { (outcome) br; }
                                                @if let Some(at) = &p.decided_at { span class="govuk-body-s" { (short_date(at)) } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

#[derive(Deserialize)]
pub struct StatusQuery {
    status: Option<String>,
}

pub async fn roadmap(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(query): Query<StatusQuery>,
) -> Response {
    let actor = &user.session.actor;
    let status = match query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match ProposalStatus::parse(s) {
            Ok(s) => Some(s),
            Err(e) => return error_page(Some(actor), &e.into()),
        },
    };
    match proposals::roadmap(&state.app, actor, &FrameworkId::from_stored(id), status).await {
        Ok(roadmap) => render(StatusCode::OK, roadmap_page(&user, &roadmap)),
        Err(e) => error_page(Some(actor), &e),
    }
}

/// What the proposal form holds.
struct Typed<'a> {
    input: &'a ProposalInput,
    idempotency_key: &'a str,
}

fn new_page(user: &PageUser, framework: &Framework, errors: &[FieldError], typed: Typed<'_>) -> Markup {
    let chrome = Chrome {
        title: "Raise a proposal",
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors,
    };
    let kinds: Vec<Radio> = ProposalKind::ALL
        .iter()
        .map(|k| Radio {
            value: k.as_str(),
            label: k.label(),
            hint: Some(match k {
                ProposalKind::NewProduct => "Something the catalogue does not sell yet",
                ProposalKind::Change => "To an item's specification, terms or price",
                ProposalKind::Retire => "Taking an item out of the catalogue",
            }),
        })
        .collect();
    let mut lots = vec![(String::new(), "Not sure".to_string())];
    lots.extend(
        framework
            .lots
            .iter()
            .map(|l| (l.number.to_string(), format!("Lot {}: {}", l.number, l.title))),
    );
    let input_typed = typed.input;
    let lot = input_typed.lot.map(|l| l.to_string()).unwrap_or_default();
    let title_hint = format!("Up to {MAX_TITLE_LEN} characters");
    let rationale_hint = format!(
        "What you need and why, and who else it would help. Up to {} characters.",
        group_thousands(MAX_RATIONALE_LEN as u64)
    );
    layout(
        chrome,
        html! {
            (crate::html::back_link(&format!("/frameworks/{}/proposals", framework.id), "Back to proposals"))
            span class="govuk-caption-l" { (framework.reference) }
            h1 class="govuk-heading-l" { "Raise a proposal" }
            p class="govuk-body" {
                "Your organisation's support counts from the start, and you will be told when the supplier responds and when the framework manager decides."
            }
            form method="post" action={ "/frameworks/" (framework.id) "/proposals" } novalidate {
                (csrf_field(&user.session.csrf_token))
                input type="hidden" name="idempotency_key" value=(typed.idempotency_key);
                (radios(Radios {
                    name: "kind",
                    legend: "What are you proposing?",
                    legend_class: Some("govuk-fieldset__legend--s"),
                    hint: None,
                    error: error_for(errors, "kind"),
                    items: &kinds,
                    checked: &input_typed.kind,
                }))
                (input(Input {
                    error: error_for(errors, "sku").or(error_for(errors, "item_id")),
                    width_class: Some("govuk-input--width-20"),
                    spellcheck: Some(false),
                    hint: Some("For a change or a retirement: the item's SKU, shown on its page, for example L4-SIM-5GB"),
                    ..Input::text("sku", "Item SKU", input_typed.sku.as_deref().unwrap_or_default())
                }))
                (select(Select {
                    name: "lot",
                    label: "Lot",
                    hint: Some("For a new product: the lot it belongs in, if you know"),
                    error: error_for(errors, "lot"),
                    options: &lots,
                    selected: &lot,
                }))
                (input(Input { error: error_for(errors, "title"), hint: Some(&title_hint), ..Input::text("title", "Title", &input_typed.title) }))
                (textarea("rationale", "Rationale", &input_typed.rationale, Some(&rationale_hint), error_for(errors, "rationale")))
                button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" { "Raise proposal" }
            }
        },
    )
}

#[derive(Deserialize)]
pub struct NewQuery {
    /// Arriving from an item's page: the item to change.
    item: Option<String>,
}

pub async fn new_form(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(query): Query<NewQuery>,
) -> Response {
    let actor = &user.session.actor;
    let record = match proposals::may_raise(&state.app, actor, &FrameworkId::from_stored(id)).await {
        Ok(r) => r,
        Err(e) => return error_page(Some(actor), &e),
    };
    let mut typed = ProposalInput::default();
    if let Some(item) = query.item.filter(|i| !i.is_empty()) {
        if let Ok(item) = catalogue::item(&state.app, actor, &ItemId::from_stored(item)).await {
            typed.kind = ProposalKind::Change.as_str().into();
            typed.sku = Some(item.sku.to_string());
        }
    }
    let key = new_idempotency_key();
    render(
        StatusCode::OK,
        new_page(
            &user,
            &record.framework,
            &[],
            Typed {
                input: &typed,
                idempotency_key: &key,
            },
        ),
    )
}

fn typed_proposal(fields: &Fields) -> ProposalInput {
    let optional = |name: &str| Some(fields.text(name)).filter(|t| !t.is_empty());
    ProposalInput {
        kind: fields.text("kind"),
        item_id: None,
        sku: optional("sku"),
        lot: optional("lot").and_then(|l| l.parse().ok()),
        title: fields.get("title").unwrap_or_default().to_string(),
        rationale: fields.get("rationale").unwrap_or_default().to_string(),
    }
}

pub async fn raise(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    let record = match proposals::may_raise(&state.app, actor, &framework_id).await {
        Ok(r) => r,
        Err(e) => return error_page(Some(actor), &e),
    };
    let input = typed_proposal(&fields);
    if fields
        .get("lot")
        .is_some_and(|l| !l.trim().is_empty() && input.lot.is_none())
    {
        let errors = [FieldError::new("lot", "Choose a lot from the list")];
        let key = fields.text("idempotency_key");
        let typed = Typed {
            input: &input,
            idempotency_key: &key,
        };
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            new_page(&user, &record.framework, &errors, typed),
        );
    }
    let key = Some(fields.text("idempotency_key")).filter(|k| !k.is_empty());
    match proposals::raise(&state.app, actor, &framework_id, &input, key.as_deref()).await {
        Ok(raised) => Redirect::to(&format!("/proposals/{}?done=raised", raised.proposal.id)).into_response(),
        Err(e) if !e.field_errors().is_empty() => {
            // The same form sent again after a change: offer a fresh key, so that sending it
            // once more raises this proposal rather than finding the first.
            let reused = e.field_errors().iter().any(|f| f.field == "Idempotency-Key");
            let errors: Vec<FieldError> = e
                .field_errors()
                .into_iter()
                .map(|f| {
                    if f.field == "Idempotency-Key" {
                        FieldError::new(
                            "title",
                            "You already raised a proposal from this form. Send it again to raise this one as well.",
                        )
                    } else {
                        f
                    }
                })
                .collect();
            let fresh = new_idempotency_key();
            let same = fields.text("idempotency_key");
            let typed = Typed {
                input: &input,
                idempotency_key: if reused { &fresh } else { &same },
            };
            let status = if reused {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            render(status, new_page(&user, &record.framework, &errors, typed))
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

/// What the proposal page's forms hold when one of them is sent back with errors.
#[derive(Default)]
struct Forms {
    comment: String,
    comment_key: Option<String>,
    response: Option<String>,
    decision: String,
    target_quarter: String,
    reason: String,
}

/// The decision form's one set of radios, as (radio value, decision, outcome).
const DECISIONS: [(&str, &str, Option<&str>, &str); 4] = [
    (
        "accept_change_request",
        "accept",
        Some("change_request"),
        "Accept: the supplier proposes it as a catalogue change request",
    ),
    (
        "accept_roadmap",
        "accept",
        Some("roadmap"),
        "Accept: put it on the framework's roadmap",
    ),
    ("decline", "decline", None, "Decline"),
    ("defer", "defer", None, "Defer: decide later"),
];

fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "raised" => "Proposal raised: your organisation supports it and you follow it",
        "supported" => "Your organisation now supports this proposal",
        "commented" => "Comment added",
        "responded" => "Response saved, and followers told",
        "decided" => "Decision recorded, and followers told",
        "followed" => "You now follow this proposal",
        "unfollowed" => "You no longer follow this proposal",
        _ => return None,
    })
}

fn proposal_page(user: &PageUser, view: &ProposalView, errors: &[FieldError], forms: &Forms, done: &str) -> Markup {
    let actor = &user.session.actor;
    let p = &view.proposal;
    let allowed = view.allowed;
    let chrome = Chrome {
        title: &p.title,
        actor: Some(actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors,
    };
    let action = |what: &str| format!("/proposals/{}/{what}", p.id);
    let decisions: Vec<Radio> = DECISIONS
        .iter()
        .map(|(value, _, _, label)| Radio {
            value,
            label,
            hint: None,
        })
        .collect();
    let mut quarters = vec![(String::new(), "No target".to_string())];
    quarters.extend(view.target_quarters.iter().map(|q| (q.to_string(), q.label())));
    let response = forms
        .response
        .as_deref()
        .or(p.supplier_response.as_deref())
        .unwrap_or_default();
    let comment_key = forms.comment_key.clone().unwrap_or_else(new_idempotency_key);
    let reads_change_requests = view.standing.sees_change_requests();
    layout(
        chrome,
        html! {
            (crate::html::back_link(&format!("/frameworks/{}/proposals", view.framework.id), "Back to proposals"))
            @if let Some(heading) = notice(done) { (success_banner(heading)) }
            span class="govuk-caption-l" { (view.framework.reference) ": proposal" }
            h1 class="govuk-heading-l" { (p.title) }
            (summary_list(&[
                ("Status", html! {
                    (status_tag(p.status))
                    @if let Some(outcome) = outcome_text(p) { " " (outcome) }
                }),
                ("Proposes", html! {
                    (p.kind.label())
                    @if let (Some(item), Some(sku)) = (&p.item_id, &p.item_sku) {
                        ": " a class="govuk-link" href={ "/items/" (item) } { (sku) " " (p.item_name.as_deref().unwrap_or_default()) }
                    }
                }),
                ("Lot", html! { @if let Some(lot) = p.lot_number { (lot) } @else { "Not given" } }),
                ("Raised by", html! { (p.raised_by_name) ", " (p.organisation_name) ", " (timestamp(&p.created_at)) }),
                ("Support", html! { (plural(p.support_count, "organisation", "organisations")) }),
                ("Followers", html! { (plural(view.followers, "person", "people")) }),
            ]))
            h2 class="govuk-heading-m" { "Rationale" }
            (paragraphs(&p.rationale))

            // Error summaries link to `vote`.
            h2 class="govuk-heading-m" id="vote" { "Support" }
            @if view.votes.is_empty() {
                p class="govuk-body" { "No organisation supports it yet." }
            } @else {
                ul class="govuk-list govuk-list--bullet" {
                    @for v in &view.votes { li { (v.organisation_name) } }
                }
            }
            @if allowed.support {
                form method="post" action=(action("support")) {
                    (csrf_field(&user.session.csrf_token))
                    p class="govuk-body" { "Each organisation has one vote. Supporting it also makes you a follower." }
                    button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" {
                        "Support for " (actor.organisation_name)
                    }
                }
            } @else if view.standing.is_customer() && view.votes.iter().any(|v| v.organisation_id == actor.organisation_id) {
                p class="govuk-body" { (actor.organisation_name) " supports this proposal." }
            }

            // Without the form, the heading is what an error about the response links to.
            h2 class="govuk-heading-m" id=[(!allowed.respond).then_some("response")] { "The supplier's response" }
            @if let Some(text) = &p.supplier_response {
                (paragraphs(text))
                p class="govuk-body-s" {
                    "From " (p.responded_by_name.as_deref().unwrap_or("the supplier"))
                    @if let Some(at) = &p.responded_at { ", " (timestamp(at)) }
                }
            } @else {
                p class="govuk-body" { "The supplier has not responded yet." }
            }
            @if allowed.respond {
                form method="post" action=(action("response")) novalidate {
                    (csrf_field(&user.session.csrf_token))
                    (textarea("response", if p.supplier_response.is_some() { "Update your response" } else { "Your response" }, response,
                        Some("Followers are told. You can update it until the framework manager decides."), error_for(errors, "response")))
                    button type="submit" class="govuk-button" data-module="govuk-button" { "Save response" }
                }
            }

            h2 class="govuk-heading-m" id=[(!allowed.decide).then_some("decision")] { "Decision" }
            @if let (Some(reason), Some(at)) = (&p.decision_reason, &p.decided_at) {
                (summary_list(&[
                    ("Decision", html! { (status_tag(p.status)) @if let Some(outcome) = outcome_text(p) { " " (outcome) } }),
                    ("Reason", html! { span class="calloff-prose" { (reason) } }),
                    ("Decided by", html! { (p.decided_by_name.as_deref().unwrap_or("The framework manager")) ", " (timestamp(at)) }),
                ]))
                @if p.status == ProposalStatus::Deferred { p class="govuk-body" { "A deferred proposal can be decided again later." } }
            } @else {
                p class="govuk-body" { "The framework manager has not decided yet." }
            }
            @if !view.change_requests.is_empty() {
                h3 class="govuk-heading-s" { "Change requests answering it" }
                ul class="govuk-list" {
                    @for r in &view.change_requests {
                        li {
                            @if reads_change_requests {
                                a class="govuk-link" href={ "/change-requests/" (r.id) } { (r.title) }
                            } @else { (r.title) }
                            " (" (r.status.label().to_lowercase()) ")"
                        }
                    }
                }
            }
            @if allowed.answer_with_change_request {
                a class="govuk-button govuk-button--secondary" data-module="govuk-button"
                    href={ "/frameworks/" (p.framework_id) "/change-requests/new?proposal=" (p.id) } { "Propose the change request" }
            }
            @if allowed.decide {
                form method="post" action=(action("decision")) novalidate {
                    (csrf_field(&user.session.csrf_token))
                    (radios(Radios {
                        name: "decision",
                        legend: "Your decision",
                        legend_class: Some("govuk-fieldset__legend--s"),
                        hint: Some("Accepted and declined are final; a deferred proposal can be decided again."),
                        error: error_for(errors, "decision").or(error_for(errors, "outcome")),
                        items: &decisions,
                        checked: &forms.decision,
                    }))
                    (select(Select {
                        name: "target_quarter",
                        label: "Target quarter, for a roadmap item (optional)",
                        hint: None,
                        error: error_for(errors, "target_quarter"),
                        options: &quarters,
                        selected: &forms.target_quarter,
                    }))
                    (textarea("reason", "Reason", &forms.reason, Some("Customers, the supplier and the audit record will see this"), error_for(errors, "reason")))
                    button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" { "Record decision" }
                }
            }

            h2 class="govuk-heading-m" id=[(!allowed.comment).then_some("comment")] { "Comments (" (view.comments.len()) ")" }
            @if view.comments.is_empty() {
                p class="govuk-body" { "No comments yet." }
            }
            @for c in &view.comments {
                div class="govuk-!-margin-bottom-6" {
                    p class="govuk-body-s govuk-!-margin-bottom-1" {
                        strong { (c.author_name) ", " (c.organisation_name) } " – " (timestamp(&c.created_at))
                    }
                    (paragraphs(&c.body))
                }
            }
            @if allowed.comment {
                form method="post" action=(action("comments")) novalidate {
                    (csrf_field(&user.session.csrf_token))
                    input type="hidden" name="idempotency_key" value=(comment_key);
                    (textarea("comment", "Add a comment", &forms.comment, Some("Everyone who can see this proposal will see your name and organisation"), error_for(errors, "comment")))
                    button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" data-prevent-double-click="true" { "Add comment" }
                }
            }

            @if allowed.follow {
                h2 class="govuk-heading-m" { "Following" }
                @if view.following {
                    form method="post" action=(action("unfollow")) {
                        (csrf_field(&user.session.csrf_token))
                        p class="govuk-body" { "You follow this proposal: you are told when the supplier responds and when the framework manager decides." }
                        button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Stop following" }
                    }
                } @else {
                    form method="post" action=(action("follow")) {
                        (csrf_field(&user.session.csrf_token))
                        p class="govuk-body" { "Follow it to be told when the supplier responds and when the framework manager decides." }
                        button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Follow this proposal" }
                    }
                }
            }
            p class="govuk-body" { a class="govuk-link" href={ "/frameworks/" (p.framework_id) "/proposals" } { "All proposals on " (view.framework.reference) } }
        },
    )
}

#[derive(Deserialize)]
pub struct Notice {
    done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Response {
    let actor = &user.session.actor;
    match proposals::view(&state.app, actor, &ProposalId::from_stored(id)).await {
        Ok(view) => render(
            StatusCode::OK,
            proposal_page(
                &user,
                &view,
                &[],
                &Forms::default(),
                notice.done.as_deref().unwrap_or_default(),
            ),
        ),
        Err(e) => error_page(Some(actor), &e),
    }
}

/// After an action: back to the page with a notice, or the page again with its errors (422 for
/// bad input, 409 when the proposal's state refused it).
async fn after(
    state: &AppState,
    user: &PageUser,
    id: &ProposalId,
    result: Result<(), AppError>,
    done: &str,
    forms: Forms,
) -> Response {
    let actor = &user.session.actor;
    let status = match &result {
        Ok(()) => return Redirect::to(&format!("/proposals/{id}?done={done}")).into_response(),
        Err(AppError::Invalid(_) | AppError::InvalidFields(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        Err(AppError::Conflict(_)) => StatusCode::CONFLICT,
        Err(e) => return error_page(Some(actor), e),
    };
    let errors = result.err().map(|e| e.field_errors()).unwrap_or_default();
    match proposals::view(&state.app, actor, id).await {
        Ok(view) => render(status, proposal_page(user, &view, &errors, &forms, "")),
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn support(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, .. }: SignedInForm,
) -> Response {
    let id = ProposalId::from_stored(id);
    let result = proposals::support(&state.app, &user.session.actor, &id)
        .await
        .map(|_| ());
    after(&state, &user, &id, result, "supported", Forms::default()).await
}

pub async fn comment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let id = ProposalId::from_stored(id);
    let body = fields.get("comment").unwrap_or_default().to_string();
    let key = Some(fields.text("idempotency_key")).filter(|k| !k.is_empty());
    let mut key_for_form = key.clone();
    let result = proposals::comment(&state.app, &user.session.actor, &id, &body, key.as_deref())
        .await
        .map(|_| ())
        .map_err(|e| match e {
            // The form sent again after an edit: offer a fresh key, so that sending it once more
            // adds this comment rather than finding the first.
            AppError::Conflict(f) if f.field == "Idempotency-Key" => {
                key_for_form = None;
                AppError::Conflict(FieldError::new(
                    "comment",
                    "You already sent a comment from this form. Send it again to add this one as well.",
                ))
            }
            e => e,
        });
    let forms = Forms {
        comment: body,
        comment_key: key_for_form,
        ..Forms::default()
    };
    after(&state, &user, &id, result, "commented", forms).await
}

pub async fn respond(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let id = ProposalId::from_stored(id);
    let response = fields.get("response").unwrap_or_default().to_string();
    let result = proposals::respond(&state.app, &user.session.actor, &id, &response)
        .await
        .map(|_| ());
    let forms = Forms {
        response: Some(response),
        ..Forms::default()
    };
    after(&state, &user, &id, result, "responded", forms).await
}

pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, fields }: SignedInForm,
) -> Response {
    let id = ProposalId::from_stored(id);
    let chosen = fields.text("decision");
    let (decision, outcome) = DECISIONS
        .iter()
        .find(|(value, ..)| *value == chosen)
        .map_or((chosen.clone(), None), |(_, decision, outcome, _)| {
            (decision.to_string(), outcome.map(str::to_string))
        });
    let input = DecisionInput {
        decision,
        outcome,
        target_quarter: Some(fields.text("target_quarter")),
        reason: fields.get("reason").unwrap_or_default().to_string(),
    };
    let result = proposals::decide(&state.app, &user.session.actor, &id, &input)
        .await
        .map(|_| ());
    let forms = Forms {
        decision: chosen,
        target_quarter: fields.text("target_quarter"),
        reason: input.reason.clone(),
        ..Forms::default()
    };
    after(&state, &user, &id, result, "decided", forms).await
}

pub async fn follow(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, .. }: SignedInForm,
) -> Response {
    let id = ProposalId::from_stored(id);
    let result = proposals::follow(&state.app, &user.session.actor, &id, true)
        .await
        .map(|_| ());
    after(&state, &user, &id, result, "followed", Forms::default()).await
}

pub async fn unfollow(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInForm { user, .. }: SignedInForm,
) -> Response {
    let id = ProposalId::from_stored(id);
    let result = proposals::follow(&state.app, &user.session.actor, &id, false)
        .await
        .map(|_| ());
    after(&state, &user, &id, result, "unfollowed", Forms::default()).await
}
