//! What an order needs besides its lines: a title, where to deliver, when to start, the buyer's
//! purchase-order number and someone to contact. Call-offs placed before these were asked for
//! have none; every new one has them all (the purchase-order number is optional).

use crate::calendar::parse_date;
use crate::FieldError;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// A title is a line in a list, not a specification.
pub const MAX_TITLE_LEN: usize = 120;
/// A few sites with their postcodes and access notes.
pub const MAX_DELIVERY_LEN: usize = 2_000;
/// Finance systems' purchase-order numbers are short codes.
pub const MAX_PURCHASE_ORDER_LEN: usize = 40;
pub const MAX_NAME_LEN: usize = 100;
/// RFC 5321's limit on a forward path.
pub const MAX_EMAIL_LEN: usize = 254;
/// Digits in the longest international number (E.164 allows 15) with room for an extension.
pub const MAX_PHONE_DIGITS: usize = 20;
/// The shortest UK number worth dialling (without area code numbers are not accepted).
pub const MIN_PHONE_DIGITS: usize = 10;
/// An order for a service starting more than a year away is a plan, not an order.
pub const MAX_START_AHEAD_DAYS: i64 = 366;

/// What an order needs besides its lines, as sent: each field is checked, and every bad one named.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderInput {
    /// What is being bought, in a few words, for lists and the order form.
    #[serde(default)]
    #[schema(required = true, max_length = 120)]
    pub title: String,
    /// Where to deliver or install: an address, or the sites with their addresses.
    #[serde(default)]
    #[schema(required = true, max_length = 2000)]
    pub delivery_address: String,
    /// When the service should start (`YYYY-MM-DD`), from today to a year ahead.
    #[serde(default)]
    #[schema(required = true, format = Date, example = "2027-01-04")]
    pub starts_on: String,
    /// The buyer's purchase-order number, if their finance system issues one.
    #[serde(default)]
    #[schema(max_length = 40)]
    pub purchase_order: String,
    /// The buyer's contact for this order.
    #[serde(default)]
    #[schema(required = true)]
    pub contact: ContactInput,
}

/// A person to contact, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContactInput {
    #[serde(default)]
    #[schema(required = true, max_length = 100)]
    pub name: String,
    #[serde(default)]
    #[schema(required = true, max_length = 254)]
    pub email: String,
    #[serde(default)]
    #[schema(required = true, example = "020 7974 4444")]
    pub phone: String,
}

/// A person to contact about an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// Someone at an organisation, as their account names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// An order's details, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetails {
    pub title: String,
    pub delivery_address: String,
    pub starts_on: NaiveDate,
    pub purchase_order: Option<String>,
    pub contact: Contact,
}

/// `value` trimmed, or an error naming `field`: `missing` when empty, and a length message.
fn text(field: &str, value: &str, max: usize, missing: &str, what: &str) -> Result<String, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, missing));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("{what} must be {max} characters or fewer"),
        ));
    }
    // Line breaks belong only in an address; nothing else carries control characters.
    if value
        .chars()
        .any(|c| c.is_control() && !(field == "delivery_address" && (c == '\n' || c == '\r')))
    {
        return Err(FieldError::new(
            field,
            format!("{what} must not contain control characters"),
        ));
    }
    Ok(value.to_string())
}

fn email(value: &str) -> Result<String, FieldError> {
    let field = "contact.email";
    let value = text(
        field,
        value,
        MAX_EMAIL_LEN,
        "Enter the contact's email address",
        "Email address",
    )?;
    let shaped = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !shaped {
        return Err(FieldError::new(
            field,
            "Enter an email address in the correct format, like name@example.com",
        ));
    }
    Ok(value)
}

fn phone(value: &str) -> Result<String, FieldError> {
    let field = "contact.phone";
    let value = text(
        field,
        value,
        MAX_PHONE_DIGITS * 2,
        "Enter the contact's telephone number",
        "Telephone number",
    )?;
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let allowed = value
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-') || (c == '+' && i == 0));
    if !allowed || !(MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digits) {
        return Err(FieldError::new(
            field,
            "Enter a telephone number, like 020 7946 0000, 07700 900 982 or +44 808 157 0192",
        ));
    }
    Ok(value)
}

fn starts_on(value: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    let field = "starts_on";
    if value.trim().is_empty() {
        return Err(FieldError::new(field, "Enter the date the service should start"));
    }
    let date = parse_date(value)
        .map_err(|_| FieldError::new(field, "Enter the start date as a real date, with a day, month and year"))?;
    let latest = today + Duration::days(MAX_START_AHEAD_DAYS);
    if date < today {
        return Err(FieldError::new(field, "The start date must be today or in the future"));
    }
    if date > latest {
        return Err(FieldError::new(
            field,
            format!("The start date must be within a year, on or before {latest}"),
        ));
    }
    Ok(date)
}

impl OrderInput {
    /// The details, or every bad field at once, each named as sent (`contact.email`).
    pub fn parse(&self, today: NaiveDate) -> Result<OrderDetails, Vec<FieldError>> {
        let title = text(
            "title",
            &self.title,
            MAX_TITLE_LEN,
            "Enter a title for the call-off, like \"Mobile phones for housing officers\"",
            "Title",
        );
        let delivery = text(
            "delivery_address",
            &self.delivery_address,
            MAX_DELIVERY_LEN,
            "Enter the delivery address, or the sites the service is for",
            "Delivery address",
        );
        let starts = starts_on(&self.starts_on, today);
        let purchase_order = if self.purchase_order.trim().is_empty() {
            Ok(None)
        } else {
            text(
                "purchase_order",
                &self.purchase_order,
                MAX_PURCHASE_ORDER_LEN,
                "",
                "Purchase order number",
            )
            .map(Some)
        };
        let name = text(
            "contact.name",
            &self.contact.name,
            MAX_NAME_LEN,
            "Enter the name of the person to contact about this order",
            "Contact name",
        );
        let email = email(&self.contact.email);
        let phone = phone(&self.contact.phone);
        match (title, delivery, starts, purchase_order, name, email, phone) {
            (Ok(title), Ok(delivery_address), Ok(starts_on), Ok(purchase_order), Ok(name), Ok(email), Ok(phone)) => {
                Ok(OrderDetails {
                    title,
                    delivery_address,
                    starts_on,
                    purchase_order,
                    contact: Contact { name, email, phone },
                })
            }
            (a, b, c, d, e, f, g) => Err([a.err(), b.err(), c.err(), d.err(), e.err(), f.err(), g.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }
}

impl OrderDetails {
    /// The details as a form shows them again.
    pub fn as_input(&self) -> OrderInput {
        OrderInput {
            title: self.title.clone(),
            delivery_address: self.delivery_address.clone(),
            starts_on: self.starts_on.to_string(),
            purchase_order: self.purchase_order.clone().unwrap_or_default(),
            contact: ContactInput {
                name: self.contact.name.clone(),
                email: self.contact.email.clone(),
                phone: self.contact.phone.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    }

    fn good() -> OrderInput {
        OrderInput {
            title: " Mobile phones for housing officers ".into(),
            delivery_address: "5 Pancras Square\nLondon N1C 4AG".into(),
            starts_on: "2027-01-04".into(),
            purchase_order: "".into(),
            contact: ContactInput {
                name: "Sam Patel".into(),
                email: "sam.patel@camden.example".into(),
                phone: "020 7974 4444".into(),
            },
        }
    }

    #[test]
    fn good_details_parse_and_trim() {
        let order = good().parse(today()).unwrap();
        assert_eq!(order.title, "Mobile phones for housing officers");
        assert_eq!(order.purchase_order, None);
        assert_eq!(order.as_input().parse(today()).unwrap(), order);
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let bad = OrderInput {
            purchase_order: "x".repeat(41),
            contact: ContactInput {
                name: String::new(),
                email: "sam at camden".into(),
                phone: "call me".into(),
            },
            starts_on: "2026-12-03".into(),
            ..OrderInput::default()
        };
        let fields: Vec<String> = bad.parse(today()).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "title",
                "delivery_address",
                "starts_on",
                "purchase_order",
                "contact.name",
                "contact.email",
                "contact.phone"
            ]
        );
    }

    #[test]
    fn the_start_is_from_today_to_a_year_ahead() {
        let on = |d: &str| OrderInput {
            starts_on: d.into(),
            ..good()
        };
        assert!(on("2026-12-04").parse(today()).is_ok());
        assert!(on("2027-12-05").parse(today()).is_ok());
        assert!(on("2027-12-06").parse(today()).is_err());
        assert!(on("4 Jan").parse(today()).is_err());
    }

    #[test]
    fn phones_and_emails_have_a_shape() {
        for phone in ["+44 808 157 0192", "07700 900982", "(020) 7946-0000"] {
            assert!(phone_ok(phone), "{phone}");
        }
        for phone in ["12345", "020 7946 0000 ext", "44+ 808 157 0192"] {
            assert!(!phone_ok(phone), "{phone}");
        }
        for email in ["a@b", "@b.uk", "a@.uk", "a b@c.uk", "a@b.uk."] {
            assert!(super::email(email).is_err(), "{email}");
        }
    }

    fn phone_ok(p: &str) -> bool {
        super::phone(p).is_ok()
    }
}
