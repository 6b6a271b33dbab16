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

/// A plain amount: digits with an optional sign, US thousands separators
/// and decimal point. Anything else (`1.234,56`, `1e300`) is not read as
/// a number, so it shows as written rather than as a wrong amount.
pub fn plain_number(t: &str) -> Option<f64> {
    let t = t.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped_ok =
        groups.len() == 1 || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let ok = !whole.is_empty()
        && groups.iter().all(|g| !g.is_empty() && digits(g))
        && grouped_ok
        && digits(frac)
        && whole.replace(',', "").len() <= 15;
    if !ok {
        return None;
    }
    t.replace(',', "")
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
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
