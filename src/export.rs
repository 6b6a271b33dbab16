//! Contacts out to files other tools read: CSV (RFC 4180) and vCard 4.0
//! (RFC 6350), so rolo can be an address-book source. Pure functions of
//! the contacts; the caller writes the file.
//!
//! Text from HighLevel is untrusted: control characters, bidi overrides
//! and invisible characters (`text::is_unsafe`) are dropped from every
//! value, so no file carries a terminal escape to whatever shows it. A CSV
//! value that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`
//! first) is written with a leading `'`.

use crate::api::model::Contact;

/// The formats, by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    VCard,
}

impl Format {
    /// From a file name: `.csv`, or `.vcf` / `.vcard` (any case).
    pub fn for_path(path: &str) -> Option<Format> {
        let lower = path.trim().to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Format::Csv)
        } else if lower.ends_with(".vcf") || lower.ends_with(".vcard") {
            Some(Format::VCard)
        } else {
            None
        }
    }

    pub fn render(self, contacts: &[Contact], owner: impl Fn(&str) -> String) -> String {
        match self {
            Format::Csv => csv(contacts, owner),
            Format::VCard => vcard(contacts),
        }
    }
}

fn clean(s: &str) -> String {
    s.chars().filter(|c| !crate::text::is_unsafe(*c)).collect()
}

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 16] = [
    "id",
    "name",
    "first name",
    "last name",
    "email",
    "phone",
    "company",
    "tags",
    "address",
    "city",
    "state",
    "postal code",
    "country",
    "type",
    "owner",
    "date added",
];

/// One CSV field: quoted when it must be, formulas defused.
fn csv_field(v: &str) -> String {
    let mut v = clean(v);
    // A phone number (`+1 (555) 123-4567`) is no formula: kept as it is.
    let phone = v.starts_with(['+', '-'])
        && v[1..].chars().any(|c| c.is_ascii_digit())
        && v[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-' | '.'));
    if v.starts_with(['=', '+', '-', '@']) && !phone {
        v.insert(0, '\'');
    }
    if v.contains([',', '"', '\n', '\r']) || v.starts_with(' ') || v.ends_with(' ') {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// A header line, then one line per contact, CRLF between (RFC 4180).
/// `owner` names the user a contact is assigned to.
pub fn csv(contacts: &[Contact], owner: impl Fn(&str) -> String) -> String {
    let mut out = CSV_HEADER.join(",");
    out.push_str("\r\n");
    for c in contacts {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let row = [
            c.id.clone(),
            c.display_name(),
            o(&c.first_name),
            o(&c.last_name),
            o(&c.email),
            o(&c.phone),
            o(&c.company_name),
            c.tags().join(", "),
            o(&c.address1),
            o(&c.city),
            o(&c.state),
            o(&c.postal_code),
            o(&c.country),
            o(&c.contact_type),
            c.assigned_to.as_deref().map(&owner).unwrap_or_default(),
            o(&c.date_added),
        ];
        let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A vCard text value: `\`, `,`, `;` and new lines escaped.
fn vtext(v: &str) -> String {
    let mut out = String::new();
    for ch in clean(v).chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            _ => out.push(ch),
        }
    }
    out
}

/// A content line folded at 75 octets, never inside a character, each
/// continuation starting with a space (RFC 6350 3.2).
fn folded(line: &str) -> String {
    let mut out = String::new();
    let mut used = 0;
    for ch in line.chars() {
        let n = ch.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(ch);
        used += n;
    }
    out.push_str("\r\n");
    out
}

/// One vCard 4.0 per contact.
pub fn vcard(contacts: &[Contact]) -> String {
    let mut out = String::new();
    for c in contacts {
        let mut lines = vec!["BEGIN:VCARD".to_string(), "VERSION:4.0".to_string()];
        lines.push(format!("UID:urn:highlevel:contact:{}", vtext(&c.id)));
        lines.push(format!("FN:{}", vtext(&c.display_name())));
        let (first, last) = (
            c.first_name.as_deref().unwrap_or(""),
            c.last_name.as_deref().unwrap_or(""),
        );
        lines.push(format!("N:{};{};;;", vtext(last), vtext(first)));
        if let Some(e) = c.email.as_deref().filter(|e| !e.trim().is_empty()) {
            lines.push(format!("EMAIL:{}", vtext(e.trim())));
        }
        if let Some(p) = c.phone.as_deref().filter(|p| !p.trim().is_empty()) {
            lines.push(format!("TEL;VALUE=uri:tel:{}", vtext(&tel(p))));
        }
        if let Some(o) = c.company_name.as_deref().filter(|o| !o.trim().is_empty()) {
            lines.push(format!("ORG:{}", vtext(o)));
        }
        let adr = [&c.address1, &c.city, &c.state, &c.postal_code, &c.country];
        if adr
            .iter()
            .any(|a| a.as_deref().is_some_and(|a| !a.trim().is_empty()))
        {
            let part = |a: &Option<String>| vtext(a.as_deref().unwrap_or(""));
            lines.push(format!(
                "ADR:;;{};{};{};{};{}",
                part(&c.address1),
                part(&c.city),
                part(&c.state),
                part(&c.postal_code),
                part(&c.country)
            ));
        }
        let tags: Vec<String> = c
            .tags()
            .iter()
            .map(|t| vtext(t))
            .filter(|t| !t.is_empty())
            .collect();
        if !tags.is_empty() {
            lines.push(format!("CATEGORIES:{}", tags.join(",")));
        }
        lines.push("END:VCARD".to_string());
        for l in lines {
            out.push_str(&folded(&l));
        }
    }
    out
}

/// A phone number as a `tel:` URI: its `+` and digits.
fn tel(p: &str) -> String {
    p.chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A reader of RFC 4180 text, for the round trip.
    fn read_csv(text: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let mut row = Vec::new();
        let mut field = String::new();
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut field)),
                (false, '\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) => field.push(c),
            }
        }
        rows
    }

    fn contact(name: &str, email: &str, tags: Vec<String>) -> Contact {
        Contact {
            id: "c1".into(),
            first_name: Some(name.into()),
            email: Some(email.into()),
            tags: Some(tags),
            ..Contact::default()
        }
    }

    proptest! {
        /// Every value comes back whole (less the unsafe characters, and a
        /// formula's guard), and every row has every column.
        #[test]
        fn csv_round_trips_any_text(name in "\\PC{0,30}", email in ".{0,30}", tag in "[^,]{0,12}") {
            let c = contact(&name, &email, vec![tag.clone()]);
            let rows = read_csv(&csv(&[c], |u| u.to_string()));
            prop_assert_eq!(rows.len(), 2);
            prop_assert!(rows.iter().all(|r| r.len() == CSV_HEADER.len()));
            let guard = |v: &str| {
                let v = clean(v);
                let phone = v.starts_with(['+', '-'])
                    && v[1..].chars().any(|c| c.is_ascii_digit())
                    && v[1..].chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-' | '.'));
                if v.starts_with(['=', '+', '-', '@']) && !phone { format!("'{v}") } else { v }
            };
            prop_assert_eq!(&rows[1][2], &guard(&name));
            prop_assert_eq!(&rows[1][4], &guard(&email));
            prop_assert_eq!(&rows[1][7], &guard(&tag));
        }

        /// No line is longer than 75 octets, none carries a control
        /// character, and every card is whole.
        #[test]
        fn vcards_fold_and_carry_nothing_unsafe(name in "\\PC{0,120}", email in ".{0,40}", tags in proptest::collection::vec(".{0,20}", 0..4)) {
            let text = vcard(&[contact(&name, &email, tags)]);
            prop_assert!(text.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
            prop_assert!(text.ends_with("END:VCARD\r\n"));
            for line in text.split("\r\n").filter(|l| !l.is_empty()) {
                prop_assert!(line.len() <= 75, "{line:?}");
                prop_assert!(!line.chars().any(crate::text::is_unsafe), "{line:?}");
            }
        }
    }

    #[test]
    fn a_formula_is_defused_and_a_comma_quoted() {
        let c = contact(
            "=HYPERLINK(\"x\")",
            "a,b@example.com",
            vec!["vip".into(), "q4".into()],
        );
        let text = csv(&[c], |u| u.to_string());
        let line = text.lines().nth(1).unwrap();
        assert!(line.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{line}");
        assert!(line.contains("\"a,b@example.com\""), "{line}");
        assert!(line.contains("\"vip, q4\""), "{line}");
        let mut c = contact("Ada", "a@example.com", vec![]);
        c.phone = Some("+1 (555) 123-4567".into());
        c.company_name = Some("+SUM(A1)".into());
        let text = csv(&[c], |u| u.to_string());
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.contains(",+1 (555) 123-4567,"),
            "a phone stays: {line}"
        );
        assert!(line.contains(",'+SUM(A1),"), "a formula does not: {line}");
    }

    #[test]
    fn a_vcard_escapes_and_folds() {
        let mut c = contact("Ada; the first", "ada@example.com", vec!["a,b".into()]);
        c.last_name = Some("Lovelace".into());
        c.phone = Some("+1 (555) 123-4567".into());
        c.company_name = Some("\u{1b}[31mAcme\u{202e}".into());
        let text = vcard(&[c]);
        assert!(
            text.contains("N:Lovelace;Ada\\; the first;;;\r\n"),
            "{text}"
        );
        assert!(
            text.contains("TEL;VALUE=uri:tel:+15551234567\r\n"),
            "{text}"
        );
        assert!(text.contains("ORG:[31mAcme\r\n"), "{text}");
        assert!(text.contains("CATEGORIES:a\\,b\r\n"), "{text}");
        assert_eq!(Format::for_path("x.VCF"), Some(Format::VCard));
        assert_eq!(Format::for_path("x.csv "), Some(Format::Csv));
        assert_eq!(Format::for_path("x.txt"), None);
    }
}
