//! Limits on free text. Every string a person sends has a maximum length, so that no field can
//! carry a megabyte into the database, the audit chain or an email.

use crate::FieldError;

/// Longest reason or comment (a rejection, a cancellation, a return): a few paragraphs.
pub const MAX_REASON_LEN: usize = 2_000;
/// Longest password: NCSC guidance favours long passphrases, but hashing a megabyte is an attack.
pub const MAX_PASSWORD_LEN: usize = 256;
/// Longest value of any one JSON string or form field, whatever it is: the safety net under
/// each field's own limit (the longest of which, an item's description, is well below).
pub const MAX_ANY_TEXT_LEN: usize = 20_000;

/// `value`, trimmed, if it is not empty and at most `max` characters; else an error naming
/// `field` that says what to enter (`what`, like "a reason").
pub fn required<'a>(field: &str, value: &'a str, max: usize, what: &str) -> Result<&'a str, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, format!("Enter {what}")));
    }
    at_most(field, value, max)
}

/// `value` if it is at most `max` characters.
pub fn at_most<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str, FieldError> {
    if value.chars().count() > max {
        Err(FieldError::new(field, format!("must be {max} characters or fewer")))
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_required_and_bounded() {
        assert_eq!(required("reason", "  late  ", 10, "a reason").unwrap(), "late");
        assert_eq!(
            required("reason", " ", 10, "a reason").unwrap_err().message,
            "Enter a reason"
        );
        let long = "x".repeat(11);
        assert_eq!(required("reason", &long, 10, "a reason").unwrap_err().field, "reason");
        assert!(at_most("reason", &"é".repeat(10), 10).is_ok());
    }
}
