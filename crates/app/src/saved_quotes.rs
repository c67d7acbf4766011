//! Quotes saved with a name: kept on the server (so they survive signing out), listed, reopened,
//! shared read-only with a colleague in the same organisation, and downloaded as CSV.
//!
//! A saved quote keeps what the buyer chose (items, quantities, terms), never prices: each time
//! it is opened it is priced again at today's catalogue prices. Only its owner changes or shares
//! it; a colleague it is shared with may read it, download it, or open a copy as their own quote.
//! Anyone else, and every other organisation, gets "not found".

use crate::quotes::{self, LineInput, Quote};
use crate::{Actor, App, AppError, AppResult};
use calloff_domain::call_off::MAX_LINES;
use calloff_domain::ids::{FrameworkId, SavedQuoteId, UserId};
use calloff_domain::role::Role;
use calloff_domain::FieldError;
use calloff_interop::export::Cell;
use calloff_store::audit::ChainHead;
use calloff_store::saved_quotes::{self, NewSavedQuote, SavedQuoteRecord};
use calloff_store::{users, with_retries};
use serde::{Deserialize, Serialize};

/// Longest name of a saved quote.
pub const MAX_NAME_LEN: usize = 200;
/// Most saved quotes a list shows: a person's working set, not an archive.
pub const LIST_LIMIT: usize = 200;

/// What a buyer saves: a name and the quote's lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SaveQuote {
    /// For example "Library Wi-Fi refresh".
    #[schema(max_length = 200)]
    pub name: String,
    pub framework_id: FrameworkId,
    pub lines: Vec<LineInput>,
}

/// A saved quote as its reader sees it.
#[derive(Debug, Clone)]
pub struct SavedQuote {
    pub record: SavedQuoteRecord,
    pub lines: Vec<LineInput>,
    /// Whether the reader owns it (and so may change and share it); otherwise it was shared
    /// with them, read-only.
    pub owned: bool,
}

/// A saved quote opened: its lines priced at today's prices, or why they cannot be.
#[derive(Debug, Clone)]
pub struct OpenedQuote {
    pub saved: SavedQuote,
    pub priced: Result<Quote, Vec<FieldError>>,
    /// Colleagues it is shared with: (id, name, email). Only its owner is told.
    pub shared_with: Vec<(UserId, String, String)>,
}

fn may_save(actor: &Actor) -> AppResult<()> {
    actor.require(Role::Buyer, "save a quote")
}

fn not_found() -> AppError {
    AppError::NotFound("saved quote".into())
}

fn lines_of(record: &SavedQuoteRecord) -> Vec<LineInput> {
    // Lines are written by `save` from checked input; a row that no longer reads is empty.
    serde_json::from_str(&record.lines).unwrap_or_default()
}

/// Saves a quote with a name: a new saved quote, or (with `id`, for its owner) a new version of
/// one. The lines must price at today's prices; every bad field is reported at once.
pub async fn save(app: &App, actor: &Actor, id: Option<&SavedQuoteId>, command: &SaveQuote) -> AppResult<SavedQuote> {
    may_save(actor)?;
    let mut errors = Vec::new();
    let name = match calloff_domain::text::required("name", &command.name, MAX_NAME_LEN, "a name for the quote") {
        Ok(name) => name.to_string(),
        Err(e) if e.message.starts_with("must be") => {
            errors.push(FieldError::new(
                "name",
                format!("Enter a name of {MAX_NAME_LEN} characters or fewer"),
            ));
            String::new()
        }
        Err(_) => {
            errors.push(FieldError::new(
                "name",
                "Enter a name for the quote, like Library Wi-Fi refresh",
            ));
            String::new()
        }
    };
    if let Some(id) = id {
        let mut conn = app.db.pool().acquire().await?;
        let found = saved_quotes::visible(&mut conn, id, &actor.organisation_id, &actor.user_id)
            .await?
            .ok_or_else(not_found)?;
        if found.owner_id != actor.user_id {
            return Err(AppError::Forbidden(
                "only the person who saved a quote can change it; open it as your own quote and save that".into(),
            ));
        }
    }
    if command.lines.len() > MAX_LINES {
        errors.push(FieldError::new(
            "lines",
            format!("A quote can have at most {MAX_LINES} lines"),
        ));
    } else if let Err(e) = quotes::price(app, actor, &command.framework_id, &command.lines).await {
        let fields = e.field_errors();
        if fields.is_empty() {
            return Err(e);
        }
        errors.extend(fields);
    }
    if !errors.is_empty() {
        return Err(if errors.len() == 1 {
            AppError::Invalid(errors.remove(0))
        } else {
            AppError::InvalidFields(errors)
        });
    }
    // Plain structs of strings and numbers always serialize.
    let lines = serde_json::to_string(&command.lines).unwrap_or_else(|_| "[]".into());
    let id = id.cloned().unwrap_or_else(SavedQuoteId::generate);
    let creating = id_is_new(app, actor, &id).await?;
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        let row = NewSavedQuote {
            id: &id,
            organisation_id: &actor.organisation_id,
            owner_id: &actor.user_id,
            framework_id: &command.framework_id,
            name: &name,
            lines: &lines,
            line_count: command.lines.len(),
            at: &at,
        };
        if creating {
            saved_quotes::insert(&mut tx, row).await?;
        } else if !saved_quotes::update(&mut tx, row).await? {
            return Err(not_found());
        }
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            "quote.saved",
            id.as_str(),
            serde_json::json!({ "framework_id": command.framework_id, "lines": command.lines.len() }),
        )
        .await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    get(app, actor, &id).await
}

async fn id_is_new(app: &App, actor: &Actor, id: &SavedQuoteId) -> AppResult<bool> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(
        saved_quotes::visible(&mut conn, id, &actor.organisation_id, &actor.user_id)
            .await?
            .is_none(),
    )
}

/// A saved quote the actor owns or was shared with.
pub async fn get(app: &App, actor: &Actor, id: &SavedQuoteId) -> AppResult<SavedQuote> {
    may_save(actor)?;
    let mut conn = app.db.pool().acquire().await?;
    let record = saved_quotes::visible(&mut conn, id, &actor.organisation_id, &actor.user_id)
        .await?
        .ok_or_else(not_found)?;
    Ok(SavedQuote {
        lines: lines_of(&record),
        owned: record.owner_id == actor.user_id,
        record,
    })
}

/// The actor's saved quotes and those shared with them, most recently saved first.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<SavedQuote>> {
    may_save(actor)?;
    let mut conn = app.db.pool().acquire().await?;
    let records = saved_quotes::list(&mut conn, &actor.organisation_id, &actor.user_id, LIST_LIMIT).await?;
    Ok(records
        .into_iter()
        .map(|record| SavedQuote {
            lines: lines_of(&record),
            owned: record.owner_id == actor.user_id,
            record,
        })
        .collect())
}

/// A saved quote priced at today's catalogue prices.
pub async fn open(app: &App, actor: &Actor, id: &SavedQuoteId) -> AppResult<OpenedQuote> {
    let saved = get(app, actor, id).await?;
    let priced = match quotes::price(app, actor, &saved.record.framework_id, &saved.lines).await {
        Ok(quote) => Ok(quote),
        Err(e) if !e.field_errors().is_empty() => Err(e.field_errors()),
        Err(e) => return Err(e),
    };
    let shared_with = if saved.owned {
        let mut conn = app.db.pool().acquire().await?;
        saved_quotes::shared_with(&mut conn, id).await?
    } else {
        Vec::new()
    };
    Ok(OpenedQuote {
        saved,
        priced,
        shared_with,
    })
}

/// Colleagues a quote may be shared with: active buyers in the actor's organisation, but not the
/// actor. (id, name, email), by name.
pub async fn colleagues(app: &App, actor: &Actor) -> AppResult<Vec<(UserId, String, String)>> {
    may_save(actor)?;
    let mut conn = app.db.pool().acquire().await?;
    let mut people: Vec<_> = users::in_organisation(&mut conn, &actor.organisation_id)
        .await?
        .into_iter()
        .filter(|u| u.active && u.id != actor.user_id && u.roles.contains(&Role::Buyer))
        .map(|u| (u.id, u.name, u.email))
        .collect();
    people.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(people)
}

/// The quote's owner shares it, read-only, with a colleague (named by email) who can build
/// quotes in the same organisation. Sharing again with the same person changes nothing.
pub async fn share(app: &App, actor: &Actor, id: &SavedQuoteId, email: &str) -> AppResult<SavedQuote> {
    let saved = get(app, actor, id).await?;
    if !saved.owned {
        return Err(AppError::Forbidden(
            "only the person who saved a quote can share it".into(),
        ));
    }
    let email = email.trim();
    if email.is_empty() {
        return Err(AppError::invalid(
            "email",
            "Choose the colleague to share the quote with",
        ));
    }
    let colleague = colleagues(app, actor)
        .await?
        .into_iter()
        .find(|(_, _, e)| e.eq_ignore_ascii_case(email))
        .ok_or_else(|| AppError::invalid("email", "Choose a colleague in your organisation who can build quotes"))?;
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        if saved_quotes::share(&mut tx, id, &colleague.0, &actor.user_id, &at).await? {
            head.append(
                &mut tx,
                &at,
                actor.user_id.as_str(),
                "quote.shared",
                id.as_str(),
                serde_json::json!({ "with": colleague.0 }),
            )
            .await?;
        }
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok::<_, AppError>(())
    })
    .await?;
    Ok(saved)
}

/// The quote's owner deletes it; colleagues it was shared with no longer see it. Its name and
/// lines stay in the audit log.
pub async fn delete(app: &App, actor: &Actor, id: &SavedQuoteId) -> AppResult<SavedQuote> {
    let saved = get(app, actor, id).await?;
    if !saved.owned {
        return Err(AppError::Forbidden(
            "only the person who saved a quote can delete it".into(),
        ));
    }
    with_retries(|| async {
        let at = app.now_text();
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        if !saved_quotes::delete(&mut tx, id, &actor.user_id).await? {
            return Err(not_found());
        }
        head.append(
            &mut tx,
            &at,
            actor.user_id.as_str(),
            "quote.deleted",
            id.as_str(),
            serde_json::json!({ "name": saved.record.name, "lines": saved.lines.len() }),
        )
        .await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    Ok(saved)
}

/// A CSV file of the quote at today's prices (text cells made safe to open in a spreadsheet).
/// Lines that no longer price (an item withdrawn since) are listed with the reason.
pub async fn csv(app: &App, actor: &Actor, id: &SavedQuoteId) -> AppResult<(String, Vec<u8>)> {
    let opened = open(app, actor, id).await?;
    let mut table = vec![[
        "sku",
        "item",
        "lot",
        "quantity",
        "term_months",
        "monthly_usage",
        "unit",
        "unit_price_gbp",
        "value_gbp_ex_vat",
    ]
    .iter()
    .map(|c| Cell::text(*c))
    .collect::<Vec<_>>()];
    match &opened.priced {
        Ok(quote) => {
            for line in &quote.lines {
                table.push(vec![
                    Cell::text(line.sku.to_string()),
                    Cell::text(line.name.clone()),
                    Cell::text(line.lot_number.to_string()),
                    Cell::text(line.quantity.get().to_string()),
                    Cell::text(line.term_months.get().to_string()),
                    line.monthly_usage
                        .map_or(Cell::Empty, |u| Cell::text(u.get().to_string())),
                    Cell::text(line.unit.label()),
                    Cell::text(line.unit_price.to_string().replace(['£', ','], "")),
                    Cell::Pounds(line.value),
                ]);
            }
            let total = |label: &str, money| {
                let mut row = vec![Cell::Empty; 9];
                row[1] = Cell::text(label);
                row[8] = Cell::Pounds(money);
                row
            };
            table.push(total("Contract value (ex VAT)", quote.totals.contract_value));
            table.push(total("VAT at 20%", quote.totals.vat));
            table.push(total("Total (inc VAT)", quote.totals.total_inc_vat));
        }
        Err(errors) => {
            for line in &opened.saved.lines {
                let mut row = vec![
                    Cell::text(line.sku.clone()),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::text(line.quantity.to_string()),
                    Cell::text(line.term_months.to_string()),
                    line.monthly_usage.map_or(Cell::Empty, |u| Cell::text(u.to_string())),
                ];
                row.extend([Cell::Empty, Cell::Empty, Cell::Empty]);
                table.push(row);
            }
            for e in errors {
                let mut row = vec![Cell::Empty; 9];
                row[1] = Cell::text(format!("Cannot be priced today: {}", e.message));
                table.push(row);
            }
        }
    }
    let stem: String = opened
        .saved
        .record
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem.trim_matches('-');
    let stem = if stem.is_empty() { "quote" } else { stem };
    Ok((format!("{stem}.csv"), calloff_interop::export::csv(&table)))
}
