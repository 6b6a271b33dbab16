//! Property tests: each states a rule and lets proptest hunt for a case that
//! breaks it. Cases are bounded so the whole file runs in seconds on two
//! cores; `PROPTEST_CASES=2000 cargo test --test properties` hunts longer.

use proptest::prelude::*;
use rolo::api::model::Contact;
use rolo::search::{Entry, Index};

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Short strings over a small alphabet, so that random queries actually hit:
/// letters, accents, digits, phone punctuation, field-token characters,
/// unicode, and the odd control character.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            8 => proptest::sample::select(vec!['a', 'b', 'e', 'j', 'o', 's', 'n']),
            2 => proptest::sample::select(vec!['é', 'É', 'ñ', 'ß', 'İ', 'ø']),
            5 => proptest::sample::select(vec!['0', '1', '3', '5', '8']),
            2 => proptest::sample::select(vec!['+', '-', '(', ')', '.', '@', ' ']),
            1 => proptest::sample::select(vec!['#', ':', '\u{1f}', '\u{1e}', '\u{202e}', '😀']),
        ],
        0..max,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn contact() -> impl Strategy<Value = Contact> {
    (
        text(12),
        text(10),
        text(8),
        text(12),
        proptest::collection::vec(text(5), 0..3),
    )
        .prop_map(|(name, email, company, phone, tags)| Contact {
            id: "x".into(),
            name: Some(name),
            email: Some(email),
            company_name: Some(company),
            phone: Some(phone),
            tags: Some(tags),
            ..Default::default()
        })
}

/// What the user types: characters, field-token prefixes, and backspace.
#[derive(Debug, Clone)]
enum Key {
    Char(char),
    Word(&'static str),
    Backspace,
}

fn keys() -> impl Strategy<Value = Vec<Key>> {
    proptest::collection::vec(
        prop_oneof![
            12 => text(2).prop_filter_map("one char", |s| s.chars().next()).prop_map(Key::Char),
            2 => proptest::sample::select(vec!["#", "tag:", "email:", "phone:", "name:", "company:", " "])
                .prop_map(Key::Word),
            2 => Just(Key::Backspace),
        ],
        1..14,
    )
}

fn phone_keys() -> impl Strategy<Value = Vec<Key>> {
    proptest::collection::vec(
        proptest::sample::select(vec![
            '5', '5', '3', '0', '4', '1', '8', '-', ' ', '+', '(', ')',
        ])
        .prop_map(Key::Char),
        1..12,
    )
}

fn check_incremental(contacts: &[Contact], keys: &[Key]) -> Result<(), TestCaseError> {
    let entries: Vec<Entry> = contacts.iter().map(Entry::new).collect();
    let mut live = Index::default();
    for c in contacts {
        live.push_contact(c);
    }
    let mut query = String::new();
    for k in keys {
        match k {
            Key::Char(c) => query.push(*c),
            Key::Word(w) => query.push_str(w),
            Key::Backspace => {
                query.pop();
            }
        }
        let typed = live.search(&query);
        let fresh = rolo::search::search(&query, &entries);
        let typed: Vec<(usize, rolo::search::Tier)> =
            typed.iter().map(|h| (h.index, h.tier)).collect();
        let fresh: Vec<(usize, rolo::search::Tier)> =
            fresh.iter().map(|h| (h.index, h.tier)).collect();
        prop_assert_eq!(typed, fresh, "query {:?}", query);
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(300))]

    /// Typing key by key gives exactly the hits, in the same order, that a
    /// fresh search of the same text gives.
    #[test]
    fn incremental_search_equals_a_fresh_search(
        contacts in proptest::collection::vec(contact(), 1..40),
        keys in keys(),
    ) {
        check_incremental(&contacts, &keys)?;
    }

    /// The same, with phone numbers typed digit by digit against contacts
    /// whose phones are the only thing that matches.
    #[test]
    fn phone_digits_typed_one_by_one_keep_every_phone_match(
        phones in proptest::collection::vec("[+]?[0-9 ()-]{4,14}", 1..30),
        keys in phone_keys(),
    ) {
        let contacts: Vec<Contact> = phones
            .into_iter()
            .enumerate()
            .map(|(i, p)| Contact {
                id: format!("c{i}"),
                name: Some(format!("Person {}", (b'a' + (i % 26) as u8) as char)),
                phone: Some(p),
                ..Default::default()
            })
            .collect();
        check_incremental(&contacts, &keys)?;
    }
}

/// The reported case: a phone typed one digit at a time finds the contact.
#[test]
fn a_phone_typed_key_by_key_finds_its_contact() {
    let c = Contact {
        id: "p".into(),
        name: Some("Maya Lin".into()),
        phone: Some("+1 555-330-4518".into()),
        ..Default::default()
    };
    let other = Contact {
        id: "q".into(),
        name: Some("Ann 55 Lee".into()),
        ..Default::default()
    };
    let mut index = Index::default();
    index.push_contact(&c);
    index.push_contact(&other);
    let mut q = String::new();
    for d in "5553304518".chars() {
        q.push(d);
        let hits = index.search(&q);
        if q.len() >= 3 {
            assert!(
                hits.iter().any(|h| h.index == 0),
                "{q:?} lost the phone match: {hits:?}"
            );
        }
    }
}

mod parsers {
    use super::cases;
    use chrono::{FixedOffset, NaiveDateTime, TimeZone, Utc};
    use proptest::prelude::*;
    use rolo::api::model::parse_timestamp;
    use rolo::due::{describe, parse_due, relative};

    /// Text that looks like what people type into a due field, and noise.
    fn due_text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[+-]?[0-9]{0,22}[a-z]{0,5}",
            "(today|tomorrow|fri|mon|[0-9]{1,6}-[0-9]{1,3}(-[0-9]{1,3})?)( (at )?[0-9]{1,3}(:[0-9]{1,3})?(am|pm)?)?",
            any::<String>(),
        ]
    }

    fn stamp_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            // Epoch milliseconds at the edges of what chrono can hold.
            (8_210_266_000_000_000i64..8_210_266_876_799_999).prop_map(|n| n.to_string()),
            (-8_334_601_228_800_000i64..-8_334_600_000_000_000).prop_map(|n| n.to_string()),
            "[0-9]{1,6}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})?",
            any::<String>(),
        ]
    }

    fn zones() -> Vec<rolo::zone::Zone> {
        use rolo::zone::Zone;
        let mut z: Vec<Zone> = [
            FixedOffset::east_opt(14 * 3600).unwrap(),
            FixedOffset::west_opt(12 * 3600).unwrap(),
            FixedOffset::east_opt(0).unwrap(),
        ]
        .into_iter()
        .map(Zone::Fixed)
        .collect();
        // Named zones with daylight saving, the furthest east and west, and
        // one that skipped a whole day.
        for name in [
            "America/Chicago",
            "Pacific/Kiritimati",
            "Pacific/Pago_Pago",
            "Pacific/Apia",
            "Europe/Dublin",
        ] {
            z.push(Zone::parse(name).unwrap());
        }
        z.push(Zone::Local);
        z
    }

    /// Config-shaped text: known and unknown tables, keys and values, some
    /// of them hostile.
    fn config_text() -> impl Strategy<Value = String> {
        let section = proptest::sample::select(vec![
            "",
            "[ui]\n",
            "[api]\n",
            "[keys]\n",
            "[ui.colors]\n",
            "[profiles.a]\n",
            "[profiles.\"x\\u001b[2J\"]\n",
            "[nope]\n",
        ]);
        let key = proptest::sample::select(vec![
            "theme",
            "timezone",
            "rate_limit",
            "timeout_secs",
            "accent",
            "today",
            "top",
            "location_id",
            "default_profile",
            "read_only",
            "base_url",
            "them",
            "\"\\u001b]0;x\\u0007\"",
            "\"\\u009b31m\"",
        ]);
        let value = prop_oneof![
            "[a-z0-9 :+-]{0,12}".prop_map(|v| format!("{v:?}")),
            any::<i64>().prop_map(|v| v.to_string()),
            Just("\"\\u001b[31mred\"".to_string()),
            Just("[\"x\", \"g g\", \"ctrl-\u{202e}\"]".to_string()),
            Just("true".to_string()),
            Just("1e400".to_string()),
        ];
        proptest::collection::vec((section, key, value), 1..6).prop_map(|lines| {
            lines
                .into_iter()
                .map(|(s, k, v)| format!("{s}{k} = {v}\n"))
                .collect()
        })
    }

    proptest! {
        #![proptest_config(cases(500))]

        /// Any text typed as a due date gets a date or a message, in every
        /// zone and at the edges of time.
        #[test]
        fn the_due_parser_never_panics(text in due_text(), ms in any::<i64>()) {
            let edge = [
                Utc::now(),
                chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default(),
                // The edges of chrono's range, less the room any zone needs.
                (NaiveDateTime::MAX - chrono::Duration::days(2)).and_utc(),
                (NaiveDateTime::MIN + chrono::Duration::days(2)).and_utc(),
            ];
            for z in zones() {
                for now in edge {
                    let now = z.from_utc_datetime(&now.naive_utc());
                    if let Ok(t) = parse_due(&text, now) {
                        // What the form echoes back can be shown.
                        let _ = describe(t, &z);
                        let _ = relative(t, now.with_timezone(&Utc));
                    }
                }
            }
        }

        /// A server's timestamp, whatever it holds, is a time that can be
        /// shown in any zone, or nothing.
        #[test]
        fn server_timestamps_never_panic_when_shown(text in stamp_text()) {
            if let Some(t) = parse_timestamp(&text) {
                for z in zones() {
                    let _ = describe(t, &z);
                    // What the detail pane and Today do to style a task.
                    let _ = t.with_timezone(&z).date_naive();
                    let _ = relative(t, Utc::now());
                    let _ = t.with_timezone(&rolo::zone::Zone::Local).to_string();
                }
            }
        }

        /// Any config text is a config or a message naming the problem, and
        /// the message carries no raw control characters.
        #[test]
        fn the_config_loader_never_panics(text in prop_oneof![
            any::<String>(),
            config_text(),
        ]) {
            match rolo::config::load_str(&text, None, false) {
                Ok(_) => {}
                Err(e) => {
                    let shown = e.to_string();
                    prop_assert!(!shown.chars().any(rolo::text::is_unsafe), "{shown:?}");
                }
            }
            let _ = rolo::config::load_str(&text, Some("x\u{1b}"), true);
        }

        /// Key names, email and phone checks take any text.
        #[test]
        fn small_parsers_never_panic(text in any::<String>()) {
            if let Some(z) = rolo::zone::Zone::parse(&text) {
                prop_assert_eq!(rolo::zone::Zone::parse(&z.name()), Some(z));
            }
            let _ = rolo::keymap::valid_binding(&text);
            let _ = rolo::keymap::valid_key(&text);
            let _ = rolo::input::is_email(&text);
            let _ = rolo::input::is_phone(&text);
            let _ = rolo::search::Query::parse(&text);
            let _ = rolo::search::search(&text, &[]);
        }
    }
}

/// Typing into a custom field never panics, and whatever the form accepts
/// the sandbox (HighLevel's rules as rolo knows them) accepts too: a
/// value the form lets through is never refused for its type.
mod custom_field_inputs {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use rolo::api::model::CustomField;
    use rolo::app::overlays::field_input::FieldInput;

    fn defs() -> Vec<CustomField> {
        rolo::sandbox::locations::custom_field_definitions("loc")
            .into_iter()
            .map(|d| serde_json::from_value(d).unwrap())
            .collect()
    }

    fn typed() -> impl Strategy<Value = String> {
        prop_oneof![
            text(14),
            proptest::sample::select(vec![
                "$1,250.50",
                "-$3",
                "12",
                "1e3",
                "1,2345",
                "fri",
                "+2w",
                "2027-02-30",
                "2027-01-15",
                "tomorrow 9am",
                "+1 (555) 201-3344",
                "a@b.co",
                "a@b",
                "12-04",
                "  7  ",
                "-0",
                ".5",
                "5.",
            ])
            .prop_map(str::to_string),
        ]
    }

    proptest! {
        #![proptest_config(cases(256))]
        #[test]
        fn what_the_form_accepts_the_server_accepts(
            which in 0usize..12,
            text in typed(),
            moves in proptest::collection::vec(0u8..5, 0..8),
        ) {
            let defs = defs();
            let def = &defs[which % defs.len()];
            let mut f = FieldInput::new(def, None);
            for c in text.chars() {
                f.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
            }
            for m in moves {
                let code = match m {
                    0 => KeyCode::Left,
                    1 => KeyCode::Right,
                    2 => KeyCode::Char(' '),
                    3 => KeyCode::Backspace,
                    _ => KeyCode::Char('s'),
                };
                f.key(KeyEvent::new(code, KeyModifiers::NONE));
            }
            let now = chrono::Utc::now().with_timezone(&rolo::zone::Zone::parse("America/Chicago").unwrap());
            if let Ok(v) = f.value(now) {
                let options: Vec<&str> = def.picklist_options.iter().flatten().map(String::as_str).collect();
                let verdict = rolo::sandbox::locations::check_custom_value(
                    def.data_type.as_deref().unwrap_or(""), &v, &options);
                prop_assert!(verdict.is_ok(), "{} accepted {v} but the server says {verdict:?}", def.label());
            }
        }
    }
}

/// Filtering with the kept per-filter masks equals filtering afresh, query
/// after query, in any order: what the masks remember never changes an
/// answer.
mod filtered_search {
    use super::*;
    use rolo::filter::{Context, Filter};

    proptest! {
        #![proptest_config(cases(24))]
        #[test]
        fn kept_masks_answer_as_a_fresh_filter(
            steps in proptest::collection::vec(
                (proptest::collection::vec(0usize..14, 0..4), proptest::sample::select(vec!["", "a", "ma", "ken", "#vip", "55"])),
                1..8,
            )
        ) {
            static WORLD: std::sync::OnceLock<(Vec<rolo::api::model::Contact>, Vec<rolo::api::model::User>, Vec<rolo::api::model::CustomField>)> = std::sync::OnceLock::new();
            let (contacts, users, defs) = WORLD.get_or_init(|| {
                let anchor = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 24, 0, 0, 0).unwrap();
                let d = rolo::sandbox::seed::generate(600, 3, "loc", anchor);
                (
                    d.contacts.into_iter().filter_map(|m| serde_json::from_value(serde_json::Value::Object(m)).ok()).collect(),
                    d.users.into_iter().filter_map(|m| serde_json::from_value(serde_json::Value::Object(m)).ok()).collect(),
                    rolo::sandbox::locations::custom_field_definitions("loc").into_iter().map(|d| serde_json::from_value(d).unwrap()).collect(),
                )
            });
            let me = contacts.iter().find_map(|c| c.assigned_to.clone()).unwrap();
            let cx = Context { me: Some(&me), me_email: None, users, defs, now: chrono::Utc::now(), zone: rolo::zone::Zone::Local };
            const WORDS: [&str; 14] = [
                "assigned:me", "-assigned:me", "assigned:none", "tag:vip", "-tag:lead", "dnd:no",
                "budget:>5000", "budget:<=2000", "seats:*", "-seats:*", "lead-source:ref",
                "interests:solar", "added:<400d", "source:web",
            ];
            let mut index = Index::default();
            for c in contacts {
                index.push_contact(c);
            }
            let entries: Vec<Entry> = contacts.iter().map(Entry::new).collect();
            for (filters, text) in steps {
                let q: Vec<&str> = filters.iter().map(|i| WORDS[*i]).collect();
                let (f, rest) = Filter::split(&q.join(" "), &cx);
                prop_assert!(f.problems.is_empty());
                prop_assert_eq!(rest, "");
                let got = index.search_filtered(text, &f);
                let mut want = rolo::search::search(text, &entries);
                want.retain(|h| f.matches_entry(&entries[h.index]));
                prop_assert!(got == want, "{:?} {:?}: {} hits, afresh {}", q, text, got.len(), want.len());
            }
        }
    }
}
