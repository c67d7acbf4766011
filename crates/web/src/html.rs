//! GOV.UK Design System components, rendered with maud. Markup follows govuk-frontend's
//! component templates so that its stylesheet applies unchanged.

use calloff_app::Actor;
use calloff_domain::role::Role;
use calloff_domain::FieldError;
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// What the layout needs to know about the request.
pub struct Chrome<'a> {
    pub title: &'a str,
    pub actor: Option<&'a Actor>,
    pub csrf_token: Option<&'a str>,
    /// The navigation item to mark as current.
    pub section: Section,
    pub errors: &'a [FieldError],
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    None,
    Home,
    Frameworks,
    Quote,
    CallOffs,
    Inbox,
    Notifications,
    Verification,
    People,
    Approvals,
    ApprovalRules,
    AuditLog,
}

/// The HTML id of a field, for error summary links: `lines[0].quantity` → `lines-0-quantity`.
pub fn field_id(field: &str) -> String {
    let mut id = String::with_capacity(field.len());
    for ch in field.chars() {
        if ch.is_ascii_alphanumeric() || ch == '_' {
            id.push(ch.to_ascii_lowercase());
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    id.trim_matches('-').to_string()
}

pub fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
}

pub fn layout(chrome: Chrome<'_>, content: Markup) -> Markup {
    let title = if chrome.errors.is_empty() {
        format!("{} – calloff", chrome.title)
    } else {
        format!("Error: {} – calloff", chrome.title)
    };
    html! {
        (DOCTYPE)
        html lang="en" class="govuk-template" {
            head {
                meta charset="utf-8";
                title { (title) }
                meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover";
                meta name="theme-color" content="#0b0c0c";
                link rel="stylesheet" href="/assets/calloff.css";
            }
            body class="govuk-template__body" {
                a href="#main-content" class="govuk-skip-link" { "Skip to main content" }
                header class="govuk-template__header" {
                    (service_navigation(&chrome))
                }
                div class="govuk-width-container" {
                    @if let Some(actor) = chrome.actor {
                        div class="govuk-!-margin-top-3 calloff-no-print" {
                            p class="govuk-body-s govuk-!-margin-bottom-1" {
                                "Signed in as " strong { (actor.name) } ", " (actor.organisation_name)
                                " (" (roles_label(actor)) "). "
                                a class="govuk-link" href="/account/two-factor" { "Two-factor sign-in" }
                            }
                        }
                    }
                    @let content = content.into_string();
                    main class="govuk-main-wrapper" id="main-content" {
                        (error_summary(&in_page_order(chrome.errors, &content)))
                        (PreEscaped(scroll_tables(&content)))
                    }
                }
                footer class="govuk-footer" {
                    div class="govuk-width-container" {
                        div class="govuk-footer__meta" {
                            div class="govuk-footer__meta-item govuk-footer__meta-item--grow" {
                                p class="govuk-body-s govuk-!-margin-bottom-0" {
                                    "calloff: buying through public-sector framework agreements. "
                                    a class="govuk-footer__link" href="/open-data" { "Open data: every framework, its headroom and spend" }
                                    " · "
                                    a class="govuk-footer__link" href="/api/openapi.json" { "API documentation (OpenAPI)" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The errors in the order their fields come on the page, as the error summary lists them;
/// errors whose field the page does not show come last, in the order given.
fn in_page_order(errors: &[FieldError], content: &str) -> Vec<FieldError> {
    let mut ordered = errors.to_vec();
    ordered.sort_by_cached_key(|e| {
        content
            .find(&format!("id=\"{}\"", field_id(&e.field)))
            .unwrap_or(usize::MAX)
    });
    ordered
}

/// The box a wide table scrolls in on a narrow screen, rather than widening the page. It can be
/// focused, so that keyboard users can scroll it too.
const TABLE_SCROLL: &str = "<div class=\"calloff-table-scroll\" tabindex=\"0\">";

/// Puts every table of the page's content in a [`TABLE_SCROLL`] box, once. Text never holds a
/// raw `<table` (maud escapes it), so only markup is matched.
fn scroll_tables(content: &str) -> String {
    const OPEN: &str = "<table";
    const CLOSE: &str = "</table>";
    const WRAPPED: &str = "<div class=\"calloff-table-scroll\">";
    let mut out = String::with_capacity(content.len() + 256);
    let mut rest = content;
    while let Some(at) = rest.find(OPEN) {
        let before = &rest[..at];
        let wrapped = before.ends_with(WRAPPED) || before.ends_with(TABLE_SCROLL);
        let end = rest[at..].find(CLOSE).map_or(rest.len(), |e| at + e + CLOSE.len());
        out.push_str(before);
        if !wrapped {
            out.push_str(TABLE_SCROLL);
        }
        out.push_str(&rest[at..end]);
        if !wrapped {
            out.push_str("</div>");
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn roles_label(actor: &Actor) -> String {
    actor
        .roles
        .iter()
        .map(|r| r.label().to_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

fn service_navigation(chrome: &Chrome<'_>) -> Markup {
    let unread = crate::session::unread_notifications();
    let mut items: Vec<(&str, &str, Section)> = Vec::new();
    if let Some(actor) = chrome.actor {
        items.push(("Home", "/", Section::Home));
        items.push(("Frameworks", "/frameworks", Section::Frameworks));
        if actor.has(Role::Buyer) {
            items.push(("Quote", "/quote", Section::Quote));
        }
        if actor.has(Role::SupplierUser) {
            items.push(("Supplier inbox", "/supplier/inbox", Section::Inbox));
        } else {
            items.push(("Call-offs", "/call-offs", Section::CallOffs));
        }
        if actor.has(Role::FrameworkManager) {
            items.push(("Verification", "/organisations/pending", Section::Verification));
        }
        if actor.has(Role::Approver) {
            items.push(("Approvals", "/approvals", Section::Approvals));
        }
        if actor.has(Role::OrganisationAdmin) {
            items.push(("People", "/organisation/people", Section::People));
            items.push(("Approval rules", "/organisation/approval-rules", Section::ApprovalRules));
        }
        if calloff_domain::standing::may_read_audit_log(&actor.roles) {
            items.push(("Audit log", "/audit", Section::AuditLog));
        }
        items.push(("Notifications", "/notifications", Section::Notifications));
    }
    html! {
        section aria-label="Service information" class="govuk-service-navigation" data-module="govuk-service-navigation" {
            div class="govuk-width-container" {
                div class="govuk-service-navigation__container" {
                    span class="govuk-service-navigation__service-name" {
                        a href="/" class="govuk-service-navigation__link" { "calloff" }
                    }
                    @if !items.is_empty() {
                        nav aria-label="Menu" class="govuk-service-navigation__wrapper" {
                            ul class="govuk-service-navigation__list" id="navigation" {
                                @for (label, href, section) in &items {
                                    @let current = *section == chrome.section;
                                    @let count = if *section == Section::Notifications { unread.filter(|n| *n > 0) } else { None };
                                    @let text = html! {
                                        (label)
                                        @if let Some(n) = count {
                                            " " span class="calloff-count" { (n) span class="govuk-visually-hidden" { " unread" } }
                                        }
                                    };
                                    li class={ "govuk-service-navigation__item" @if current { " govuk-service-navigation__item--active" } } {
                                        @if current {
                                            a class="govuk-service-navigation__link" href=(href) aria-current="page" {
                                                strong class="govuk-service-navigation__active-fallback" { (text) }
                                            }
                                        } @else {
                                            a class="govuk-service-navigation__link" href=(href) { (text) }
                                        }
                                    }
                                }
                                @if let Some(csrf) = chrome.csrf_token {
                                    li class="govuk-service-navigation__item calloff-sign-out" {
                                        form method="post" action="/sign-out" {
                                            (csrf_field(csrf))
                                            button type="submit" class="govuk-service-navigation__link calloff-link-button" { "Sign out" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn error_summary(errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="govuk-error-summary" data-module="govuk-error-summary" {
                div role="alert" {
                    h2 class="govuk-error-summary__title" { "There is a problem" }
                    div class="govuk-error-summary__body" {
                        ul class="govuk-list govuk-error-summary__list" {
                            @for error in errors {
                                li { a href={ "#" (field_id(&error.field)) } { (error.message) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(token); }
}

pub struct Input<'a> {
    /// The element id; by default derived from the name.
    pub id: Option<&'a str>,
    pub name: &'a str,
    pub label: &'a str,
    pub value: &'a str,
    pub hint: Option<&'a str>,
    pub error: Option<&'a str>,
    pub kind: &'a str,
    pub width_class: Option<&'a str>,
    pub autocomplete: Option<&'a str>,
    pub numeric: bool,
    /// Turn spellcheck off for codes and numbers.
    pub spellcheck: Option<bool>,
    pub label_class: Option<&'a str>,
}

impl<'a> Input<'a> {
    pub fn text(name: &'a str, label: &'a str, value: &'a str) -> Self {
        Input {
            id: None,
            name,
            label,
            value,
            hint: None,
            error: None,
            kind: "text",
            width_class: None,
            autocomplete: None,
            numeric: false,
            spellcheck: None,
            label_class: None,
        }
    }
}

pub fn input(i: Input<'_>) -> Markup {
    let id = i.id.map(str::to_string).unwrap_or_else(|| field_id(i.name));
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let mut described_by = Vec::new();
    if i.hint.is_some() {
        described_by.push(hint_id.clone());
    }
    if i.error.is_some() {
        described_by.push(error_id.clone());
    }
    let described_by = described_by.join(" ");
    let class = format!(
        "govuk-input{}{}",
        if i.error.is_some() { " govuk-input--error" } else { "" },
        i.width_class.map(|w| format!(" {w}")).unwrap_or_default()
    );
    html! {
        div class={ "govuk-form-group" @if i.error.is_some() { " govuk-form-group--error" } } {
            label class={ "govuk-label" @if let Some(c) = i.label_class { " " (c) } } for=(id) { (i.label) }
            @if let Some(hint) = i.hint {
                div id=(hint_id) class="govuk-hint" { (hint) }
            }
            @if let Some(error) = i.error {
                p id=(error_id) class="govuk-error-message" {
                    span class="govuk-visually-hidden" { "Error:" } " " (error)
                }
            }
            input class=(class) id=(id) name=(i.name) type=(i.kind) value=[(!i.value.is_empty()).then_some(i.value)]
                aria-describedby=[(!described_by.is_empty()).then_some(described_by.as_str())]
                autocomplete=[i.autocomplete]
                inputmode=[i.numeric.then_some("numeric")]
                spellcheck=[i.spellcheck.map(|on| if on { "true" } else { "false" })];
        }
    }
}

pub fn textarea(name: &str, label: &str, value: &str, hint: Option<&str>, error: Option<&str>) -> Markup {
    let id = field_id(name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by: Vec<&str> = [hint.map(|_| hint_id.as_str()), error.map(|_| error_id.as_str())]
        .into_iter()
        .flatten()
        .collect();
    let described_by = described_by.join(" ");
    html! {
        div class={ "govuk-form-group" @if error.is_some() { " govuk-form-group--error" } } {
            label class="govuk-label govuk-label--s" for=(id) { (label) }
            @if let Some(hint) = hint { div id=(hint_id) class="govuk-hint" { (hint) } }
            @if let Some(error) = error {
                p id=(error_id) class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (error) }
            }
            textarea class={ "govuk-textarea" @if error.is_some() { " govuk-textarea--error" } } id=(id) name=(name) rows="4"
                aria-describedby=[(!described_by.is_empty()).then_some(described_by.as_str())] { (value) }
        }
    }
}

/// A date as typed into a GOV.UK date input: day, month and year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypedDate {
    pub day: String,
    pub month: String,
    pub year: String,
}

impl TypedDate {
    /// Reads `{name}-day`, `{name}-month` and `{name}-year` from a form.
    pub fn from_fields(fields: &crate::pages::Fields, name: &str) -> Self {
        TypedDate {
            day: fields.text(&format!("{name}-day")),
            month: fields.text(&format!("{name}-month")),
            year: fields.text(&format!("{name}-year")),
        }
    }

    /// The date, if the three parts make a real one within calloff's range of dates.
    pub fn date(&self) -> Option<chrono::NaiveDate> {
        let date = chrono::NaiveDate::from_ymd_opt(
            self.year.parse().ok()?,
            self.month.parse().ok()?,
            self.day.parse().ok()?,
        )?;
        calloff_domain::calendar::in_range(date).ok()
    }
}

/// A GOV.UK date input. The day field's id is the field's id, which error summaries link to.
pub fn date_input(name: &str, legend: &str, hint: &str, value: &TypedDate, error: Option<&str>) -> Markup {
    let id = field_id(name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = if error.is_some() {
        format!("{hint_id} {error_id}")
    } else {
        hint_id.clone()
    };
    let class = |width: &str| {
        format!(
            "govuk-input govuk-date-input__input {width}{}",
            if error.is_some() { " govuk-input--error" } else { "" }
        )
    };
    let parts = [
        ("day", "Day", &value.day, id.clone(), "govuk-input--width-2"),
        (
            "month",
            "Month",
            &value.month,
            format!("{id}-month"),
            "govuk-input--width-2",
        ),
        (
            "year",
            "Year",
            &value.year,
            format!("{id}-year"),
            "govuk-input--width-4",
        ),
    ];
    html! {
        div class={ "govuk-form-group" @if error.is_some() { " govuk-form-group--error" } } {
            fieldset class="govuk-fieldset" role="group" aria-describedby=(described_by) {
                legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { (legend) }
                div id=(hint_id) class="govuk-hint" { (hint) }
                @if let Some(error) = error {
                    p id=(error_id) class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (error) }
                }
                div class="govuk-date-input" id={ (id) "-date" } {
                    @for (part, label, typed, part_id, width) in &parts {
                        div class="govuk-date-input__item" {
                            div class="govuk-form-group" {
                                label class="govuk-label govuk-date-input__label" for=(part_id) { (label) }
                                input class=(class(width)) id=(part_id) name={ (name) "-" (part) } type="text"
                                    inputmode="numeric" value=[(!typed.is_empty()).then_some(typed.as_str())];
                            }
                        }
                    }
                }
            }
        }
    }
}

/// GOV.UK checkboxes. The first box's id is `id_prefix`, which error summaries link to.
pub fn checkboxes(
    name: &str,
    id_prefix: &str,
    legend: &str,
    options: &[(&str, &str, bool)],
    error: Option<&str>,
) -> Markup {
    let error_id = format!("{id_prefix}-error");
    html! {
        div class={ "govuk-form-group" @if error.is_some() { " govuk-form-group--error" } } {
            fieldset class="govuk-fieldset" aria-describedby=[error.map(|_| error_id.as_str())] {
                legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { (legend) }
                @if let Some(error) = error {
                    p id=(error_id) class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (error) }
                }
                div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes" {
                    @for (i, (value, label, checked)) in options.iter().enumerate() {
                        @let id = if i == 0 { id_prefix.to_string() } else { format!("{id_prefix}-{}", i + 1) };
                        div class="govuk-checkboxes__item" {
                            input class="govuk-checkboxes__input" id=(id) name=(name) type="checkbox" value=(value) checked[*checked];
                            label class="govuk-label govuk-checkboxes__label" for=(id) { (label) }
                        }
                    }
                }
            }
        }
    }
}

/// One choice of a set of GOV.UK radios.
pub struct Radio<'a> {
    pub value: &'a str,
    pub label: &'a str,
    pub hint: Option<&'a str>,
}

/// A set of GOV.UK radios. The first radio's id is the field's id, which error summaries link to;
/// the others add `-2`, `-3`…
pub struct Radios<'a> {
    pub name: &'a str,
    pub legend: &'a str,
    /// Added to `govuk-fieldset__legend`, e.g. `govuk-fieldset__legend--s`.
    pub legend_class: Option<&'a str>,
    pub hint: Option<&'a str>,
    pub error: Option<&'a str>,
    pub items: &'a [Radio<'a>],
    /// The value checked, if any.
    pub checked: &'a str,
}

pub fn radios(r: Radios<'_>) -> Markup {
    let id = field_id(r.name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by: Vec<&str> = [r.hint.map(|_| hint_id.as_str()), r.error.map(|_| error_id.as_str())]
        .into_iter()
        .flatten()
        .collect();
    let described_by = described_by.join(" ");
    html! {
        div class={ "govuk-form-group" @if r.error.is_some() { " govuk-form-group--error" } } {
            fieldset class="govuk-fieldset" aria-describedby=[(!described_by.is_empty()).then_some(described_by.as_str())] {
                legend class={ "govuk-fieldset__legend" @if let Some(c) = r.legend_class { " " (c) } } { (r.legend) }
                @if let Some(hint) = r.hint { div id=(hint_id) class="govuk-hint" { (hint) } }
                @if let Some(error) = r.error {
                    p id=(error_id) class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (error) }
                }
                div class="govuk-radios" data-module="govuk-radios" {
                    @for (i, item) in r.items.iter().enumerate() {
                        @let item_id = if i == 0 { id.clone() } else { format!("{id}-{}", i + 1) };
                        @let item_hint = format!("{item_id}-item-hint");
                        div class="govuk-radios__item" {
                            input class="govuk-radios__input" id=(item_id) name=(r.name) type="radio" value=(item.value)
                                checked[item.value == r.checked] aria-describedby=[item.hint.map(|_| item_hint.as_str())];
                            label class="govuk-label govuk-radios__label" for=(item_id) { (item.label) }
                            @if let Some(hint) = item.hint {
                                div id=(item_hint) class="govuk-hint govuk-radios__hint" { (hint) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A GOV.UK select: (value, text) options, the one whose value is `selected` chosen.
pub struct Select<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub hint: Option<&'a str>,
    pub error: Option<&'a str>,
    pub options: &'a [(String, String)],
    pub selected: &'a str,
}

pub fn select(s: Select<'_>) -> Markup {
    let id = field_id(s.name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by: Vec<&str> = [s.hint.map(|_| hint_id.as_str()), s.error.map(|_| error_id.as_str())]
        .into_iter()
        .flatten()
        .collect();
    let described_by = described_by.join(" ");
    html! {
        div class={ "govuk-form-group" @if s.error.is_some() { " govuk-form-group--error" } } {
            label class="govuk-label" for=(id) { (s.label) }
            @if let Some(hint) = s.hint { div id=(hint_id) class="govuk-hint" { (hint) } }
            @if let Some(error) = s.error {
                p id=(error_id) class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (error) }
            }
            select class={ "govuk-select" @if s.error.is_some() { " govuk-select--error" } } id=(id) name=(s.name)
                aria-describedby=[(!described_by.is_empty()).then_some(described_by.as_str())] {
                @for (value, text) in s.options {
                    option value=(value) selected[value == s.selected] { (text) }
                }
            }
        }
    }
}

/// Text as typed, one paragraph per blank-line-separated block.
pub fn paragraphs(text: &str) -> Markup {
    html! {
        @for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
            p class="govuk-body calloff-prose" { (block) }
        }
    }
}

/// A GOV.UK file upload named `file`, with its error if any.
pub fn file_upload(label: &str, accept: &str, error: Option<&str>) -> Markup {
    html! {
        div class={ "govuk-form-group" @if error.is_some() { " govuk-form-group--error" } } {
            label class="govuk-label" for="file" { (label) }
            @if let Some(e) = error {
                p class="govuk-error-message" id="file-error" { span class="govuk-visually-hidden" { "Error:" } " " (e) }
            }
            input class={ "govuk-file-upload" @if error.is_some() { " govuk-file-upload--error" } } id="file" name="file" type="file" accept=(accept)
                aria-describedby=[error.map(|_| "file-error")];
        }
    }
}

/// The errors found in an uploaded file, by row and column (`total` of them, the first shown).
pub fn file_errors(cells: &[calloff_interop::csv_rows::CellError], total: usize) -> Markup {
    html! {
        @if !cells.is_empty() {
            table class="govuk-table" id="file-errors" {
                caption class="govuk-table__caption govuk-table__caption--m" {
                    (calloff_domain::text::count(total, "error", "errors")) " in the file" @if total > cells.len() { ", the first " (cells.len()) " shown" }
                }
                thead class="govuk-table__head" { tr class="govuk-table__row" {
                    th scope="col" class="govuk-table__header govuk-table__header--numeric" { "Row" }
                    th scope="col" class="govuk-table__header" { "Column" }
                    th scope="col" class="govuk-table__header" { "Problem" }
                } }
                tbody class="govuk-table__body" {
                    @for e in cells {
                        tr class="govuk-table__row" {
                            td class="govuk-table__cell govuk-table__cell--numeric" { (e.row) }
                            td class="govuk-table__cell" { code { (e.column) } }
                            td class="govuk-table__cell" { (e.message) }
                        }
                    }
                }
            }
        }
    }
}

pub fn summary_list(rows: &[(&str, Markup)]) -> Markup {
    html! {
        dl class="govuk-summary-list" {
            @for (key, value) in rows {
                div class="govuk-summary-list__row" {
                    dt class="govuk-summary-list__key" { (key) }
                    dd class="govuk-summary-list__value" { (value) }
                }
            }
        }
    }
}

/// A GOV.UK back link to the page above this one.
pub fn back_link(href: &str, text: &str) -> Markup {
    html! { a href=(href) class="govuk-back-link" { (text) } }
}

/// A GOV.UK "Important" notification banner, such as why an organisation cannot buy yet.
pub fn important_banner(message: &str) -> Markup {
    html! {
        div class="govuk-notification-banner" role="region" aria-labelledby="standing-title" data-module="govuk-notification-banner" {
            div class="govuk-notification-banner__header" {
                h2 class="govuk-notification-banner__title" id="standing-title" { "Important" }
            }
            div class="govuk-notification-banner__content" { p class="govuk-notification-banner__heading" { (message) } }
        }
    }
}

pub fn success_banner(heading: &str) -> Markup {
    html! {
        div class="govuk-notification-banner govuk-notification-banner--success" role="alert"
            aria-labelledby="govuk-notification-banner-title" data-module="govuk-notification-banner" {
            div class="govuk-notification-banner__header" {
                h2 class="govuk-notification-banner__title" id="govuk-notification-banner-title" { "Success" }
            }
            div class="govuk-notification-banner__content" {
                p class="govuk-notification-banner__heading" { (heading) }
            }
        }
    }
}

pub fn state_tag(state: calloff_domain::call_off::CallOffState) -> Markup {
    use calloff_domain::call_off::CallOffState::*;
    let colour = match state {
        Draft => "govuk-tag--grey",
        Placed => "govuk-tag--blue",
        Accepted => "govuk-tag--turquoise",
        Live => "govuk-tag--green",
        Ended => "govuk-tag--grey",
        Rejected | Cancelled => "govuk-tag--red",
    };
    html! { strong class={ "govuk-tag " (colour) } { (state.label()) } }
}

/// A percentage as typed ("3.5") in basis points (350), if it is a number with at most two
/// decimal places.
pub fn basis_points(percent: &str) -> Option<i64> {
    let micros = calloff_domain::money::UnitPrice::parse_pounds(percent).ok()?.micros();
    (micros % 10_000 == 0).then_some(micros / 10_000)
}

/// Basis points as a percentage: 2512 → "25.12%".
pub fn percent(basis_points: i64) -> String {
    format!("{}.{:02}%", basis_points / 100, basis_points % 100)
}

/// A stored RFC 3339 time as people read it, in UK time: "26 November 2026 at 2:05pm".
pub fn timestamp(stored: &str) -> String {
    crate::dates::date_time(stored)
}

/// The UK date of a stored RFC 3339 time: "26 November 2026".
pub fn short_date(stored: &str) -> String {
    crate::dates::date_of(stored)
}

#[cfg(test)]
mod tests {
    //! Our components against the HTML that govuk-frontend's own fixtures expect.
    use super::*;
    use serde_json::Value;

    #[test]
    fn every_table_scrolls_in_its_own_box_once() {
        let page = "<h1>x</h1><table class=\"govuk-table\"><tr><td>1</td></tr></table>\
                    <div class=\"calloff-table-scroll\"><table><tr><td>2</td></tr></table></div><p>&lt;table</p>";
        let wrapped = scroll_tables(page);
        assert_eq!(wrapped.matches("calloff-table-scroll").count(), 2, "{wrapped}");
        assert!(
            wrapped.starts_with(&format!("<h1>x</h1>{TABLE_SCROLL}<table")),
            "{wrapped}"
        );
        assert!(
            wrapped.contains("</table></div><div class=\"calloff-table-scroll\"><table>"),
            "{wrapped}"
        );
        assert!(wrapped.ends_with("<p>&lt;table</p>"), "{wrapped}");
        assert_eq!(scroll_tables("no tables"), "no tables");
    }

    fn fixtures(component: &str) -> Vec<Value> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../node_modules/govuk-frontend/dist/govuk/components")
            .join(component)
            .join("fixtures.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} ({e}): run `npm ci` in the repository first", path.display()));
        let json: Value = serde_json::from_str(&text).unwrap();
        json["fixtures"].as_array().unwrap().clone()
    }

    fn fixture(component: &str, name: &str) -> Value {
        fixtures(component)
            .into_iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no fixture {name}"))
    }

    /// Tags with sorted attributes (and sorted classes) and trimmed text, so that layout and
    /// attribute order do not matter but every element, attribute and word does.
    fn normalise(html: &str) -> Vec<String> {
        let mut tokens = Vec::new();
        let mut rest = html;
        while !rest.is_empty() {
            if let Some(stripped) = rest.strip_prefix('<') {
                let end = stripped.find('>').unwrap();
                let tag = &stripped[..end];
                rest = &stripped[end + 1..];
                let mut parts = tag.splitn(2, char::is_whitespace);
                let name = parts.next().unwrap().to_string();
                let mut attrs = Vec::new();
                let mut a = parts.next().unwrap_or("").trim();
                while !a.is_empty() {
                    let key_end = a.find(['=', ' ']).unwrap_or(a.len());
                    let key = &a[..key_end];
                    a = a[key_end..].trim_start();
                    let value = if let Some(v) = a.strip_prefix("=\"") {
                        let close = v.find('"').unwrap();
                        a = v[close + 1..].trim_start();
                        v[..close].to_string()
                    } else {
                        String::new()
                    };
                    let value = if key == "class" {
                        let mut classes: Vec<&str> = value.split_whitespace().collect();
                        classes.sort();
                        classes.join(" ")
                    } else {
                        value
                    };
                    attrs.push(format!("{key}={value}"));
                }
                attrs.sort();
                tokens.push(format!("<{name} {}>", attrs.join(" ")));
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let text = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
                if !text.is_empty() {
                    tokens.push(text.replace("&#39;", "'").replace("&quot;", "\""));
                }
                rest = &rest[end..];
            }
        }
        tokens
    }

    fn text(options: &Value, key: &str) -> Option<String> {
        options[key]["text"].as_str().map(str::to_string)
    }

    #[test]
    fn inputs_match_the_govuk_fixtures() {
        for name in ["default", "with hint text", "with error message", "with error and hint"] {
            let f = fixture("input", name);
            let o = &f["options"];
            let (label, hint, error) = (text(o, "label").unwrap(), text(o, "hint"), text(o, "errorMessage"));
            let name_attr = o["name"].as_str().unwrap();
            let ours = input(Input {
                id: Some(o["id"].as_str().unwrap_or(name_attr)),
                hint: hint.as_deref(),
                error: error.as_deref(),
                ..Input::text(name_attr, &label, "")
            });
            assert_eq!(
                normalise(&ours.into_string()),
                normalise(f["html"].as_str().unwrap()),
                "fixture {name}"
            );
        }
    }

    #[test]
    fn the_error_summary_matches_the_govuk_fixture() {
        let f = fixture("error-summary", "default");
        let errors: Vec<FieldError> = f["options"]["errorList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                FieldError::new(
                    e["href"].as_str().unwrap().trim_start_matches('#'),
                    e["text"].as_str().unwrap(),
                )
            })
            .collect();
        let ours = error_summary(&errors).into_string();
        assert_eq!(normalise(&ours), normalise(f["html"].as_str().unwrap()));
    }

    #[test]
    fn radios_match_the_govuk_fixtures() {
        let names = [
            "default",
            "with hint",
            "with fieldset and error message",
            "with hints on parent and items",
            "with hint and error message",
        ];
        for name in names {
            let f = fixture("radios", name);
            let o = &f["options"];
            let labels: Vec<(String, String, Option<String>, bool)> = o["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i["value"].as_str().unwrap().to_string(),
                        i["text"].as_str().unwrap().to_string(),
                        text(i, "hint"),
                        i["checked"].as_bool().unwrap_or(false),
                    )
                })
                .collect();
            let items: Vec<Radio> = labels
                .iter()
                .map(|(value, label, hint, _)| Radio {
                    value,
                    label,
                    hint: hint.as_deref(),
                })
                .collect();
            let checked = labels.iter().find(|l| l.3).map_or("", |l| l.0.as_str());
            let legend = o["fieldset"]["legend"]["text"].as_str().unwrap();
            let ours = radios(Radios {
                name: o["name"].as_str().unwrap(),
                legend,
                legend_class: None,
                hint: text(o, "hint").as_deref(),
                error: text(o, "errorMessage").as_deref(),
                items: &items,
                checked,
            });
            assert_eq!(
                normalise(&ours.into_string()),
                normalise(f["html"].as_str().unwrap()),
                "fixture {name}"
            );
        }
    }

    #[test]
    fn selects_match_the_govuk_fixtures() {
        let f = fixture("select", "with hint text and error message");
        let o = &f["options"];
        let options: Vec<(String, String)> = o["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["value"].to_string(), i["text"].as_str().unwrap().to_string()))
            .collect();
        let ours = select(Select {
            name: o["name"].as_str().unwrap(),
            label: &text(o, "label").unwrap(),
            hint: text(o, "hint").as_deref(),
            error: text(o, "errorMessage").as_deref(),
            options: &options,
            selected: "",
        });
        assert_eq!(normalise(&ours.into_string()), normalise(f["html"].as_str().unwrap()));
    }

    #[test]
    fn the_error_summary_follows_the_page() {
        let page = r#"<input id="order-title"><input id="order-starts_on"><input id="cost_centre">"#;
        let errors = [
            FieldError::new("cost_centre", "Enter a cost centre"),
            FieldError::new("lines", "Not on the page"),
            FieldError::new("order.starts_on", "Enter a start date"),
            FieldError::new("order.title", "Enter a title"),
        ];
        let fields: Vec<String> = in_page_order(&errors, page).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["order.title", "order.starts_on", "cost_centre", "lines"]);
    }

    #[test]
    fn field_ids_are_what_error_summaries_link_to() {
        assert_eq!(field_id("lines[0].quantity"), "lines-0-quantity");
        assert_eq!(field_id("Idempotency-Key"), "idempotency-key");
        assert_eq!(field_id("term_months"), "term_months");
    }
}
