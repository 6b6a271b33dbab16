//! Checks on what people type, shared by the forms and the sandbox.

/// Local part, one `@`, a dotted domain, no spaces or controls: what the
/// HighLevel API (class-validator's `isEmail`) accepts in practice.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A phone number as people write it: digits with optional `+`, spaces,
/// dashes, dots and parentheses; 7 to 15 digits (E.164's limit).
pub fn is_phone(s: &str) -> bool {
    let s = s.trim();
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let plus_ok = s.find('+').is_none_or(|i| i == 0) && s.matches('+').count() <= 1;
    plus_ok
        && (7..=15).contains(&digits)
        && s.chars()
            .all(|c| c.is_ascii_digit() || " +-.()".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_email("a.b@example.com"));
        for bad in [
            "a b@example.com",
            "nope",
            "a@b",
            "a@.com",
            "a@b..com",
            "@x.io",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn phones() {
        for good in ["+1 (555) 123-4567", "555.123.4567", "+447946000000"] {
            assert!(is_phone(good), "{good}");
        }
        for bad in [
            "12345",
            "555-CALL-NOW",
            "1+555123456",
            "+1 555 123 4567 8901 23",
        ] {
            assert!(!is_phone(bad), "{bad}");
        }
    }
}
