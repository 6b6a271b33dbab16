//! The list's stored block: used only when it is of the rows the cache
//! holds, in this rolo's format, and whole; rebuilt otherwise, never
//! trusted. And the block itself: what goes in comes out, whatever the
//! text, and its search answers as the entries' search does.

use std::path::PathBuf;

use proptest::prelude::*;
use rolo::api::model::Contact;
use rolo::arena::{RowIn, Rows, Stale};
use rolo::cache::Cache;
use rolo::cache::list::{Origin, block_path};

fn temp_db(name: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!(
            "rolo-arena-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ))
        .join("cache.db")
}

fn seeded(n: usize) -> Vec<Contact> {
    rolo::sandbox::seed::model_contacts(n, 11, "loc")
}

/// The list as the workspace would show it: every contact, in list order.
fn listed(b: &rolo::cache::list::ListBlock) -> Vec<Contact> {
    (0..b.rows.len()).map(|i| b.rows.contact(i)).collect()
}

#[test]
fn the_stored_list_is_rebuilt_when_the_rows_change_and_only_then() {
    let path = temp_db("rows");
    let contacts = seeded(500);
    let mut cache = Cache::open(&path).unwrap();
    cache.put_contacts(&contacts, Some(1), Some(0)).unwrap();

    let first = cache.list_block().unwrap();
    assert_eq!(first.origin, Origin::Built(Stale::Missing));
    assert_eq!(first.rows.len(), 500);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(block_path(&path))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the stored list is private: {mode:o}");
    }
    let again = cache.list_block().unwrap();
    assert_eq!(
        again.origin,
        Origin::Stored,
        "a second read takes the stored block"
    );
    assert_eq!(listed(&again), listed(&first));
    assert_eq!(again.by_name, first.by_name);

    // A sync that puts the same contacts again changes nothing listed.
    cache.put_contacts(&contacts[..100], Some(2), None).unwrap();
    assert_eq!(cache.list_block().unwrap().origin, Origin::Stored);

    // A changed contact: rebuilt, with the change.
    let mut changed = contacts[7].clone();
    changed.email = Some("changed@example.com".into());
    cache
        .put_contacts(&[changed.clone()], Some(2), None)
        .unwrap();
    let b = cache.list_block().unwrap();
    assert!(
        matches!(b.origin, Origin::Built(Stale::Rows { .. })),
        "{:?}",
        b.origin
    );
    let at = b.rows.position(&changed.id).unwrap();
    assert_eq!(
        b.rows.field(at, rolo::arena::Field::Email),
        Some("changed@example.com")
    );
    assert_eq!(cache.list_block().unwrap().origin, Origin::Stored);

    // A contact removed, by another connection (as `rolo sync` would).
    Cache::open(&path)
        .unwrap()
        .delete_contact(&contacts[3].id)
        .unwrap();
    let b = cache.list_block().unwrap();
    assert!(
        matches!(b.origin, Origin::Built(Stale::Rows { .. })),
        "{:?}",
        b.origin
    );
    assert_eq!(b.rows.len(), 499);
    assert!(b.rows.position(&contacts[3].id).is_none());

    // A new contact.
    let mut new = contacts[0].clone();
    new.id = "brand-new-contact".into();
    cache.put_contacts(&[new], Some(2), None).unwrap();
    let b = cache.list_block().unwrap();
    assert!(matches!(b.origin, Origin::Built(Stale::Rows { .. })));
    assert!(b.rows.position("brand-new-contact").is_some());

    // A cache made afresh at the same path (moved aside after damage) is
    // other rows, even at the same count of changes.
    let stored = std::fs::read(block_path(&path)).unwrap();
    drop(cache);
    std::fs::remove_file(&path).unwrap();
    let cache = Cache::open(&path).unwrap();
    std::fs::write(block_path(&path), &stored).unwrap();
    let b = cache.list_block().unwrap();
    assert!(
        matches!(b.origin, Origin::Built(Stale::Rows { .. })),
        "{:?}",
        b.origin
    );
    assert_eq!(b.rows.len(), 0);
}

#[test]
fn a_stored_list_of_another_format_is_rebuilt() {
    let path = temp_db("version");
    let mut cache = Cache::open(&path).unwrap();
    cache.put_contacts(&seeded(200), Some(1), Some(0)).unwrap();
    let built = cache.list_block().unwrap();
    let file = block_path(&path);
    let mut bytes = std::fs::read(&file).unwrap();
    // The format version follows the 8-byte magic.
    let other = rolo::arena::FORMAT_VERSION + 1;
    bytes[8..12].copy_from_slice(&other.to_le_bytes());
    std::fs::write(&file, &bytes).unwrap();
    let b = cache.list_block().unwrap();
    assert_eq!(b.origin, Origin::Built(Stale::Version(other)));
    assert_eq!(listed(&b), listed(&built));
    assert_eq!(cache.list_block().unwrap().origin, Origin::Stored);
}

#[test]
fn a_damaged_stored_list_is_detected_and_rebuilt_not_trusted() {
    let path = temp_db("damage");
    let mut cache = Cache::open(&path).unwrap();
    cache.put_contacts(&seeded(300), Some(1), Some(0)).unwrap();
    let built = cache.list_block().unwrap();
    let want = listed(&built);
    let file = block_path(&path);
    let good = std::fs::read(&file).unwrap();
    let mut rng = fastrand::Rng::with_seed(5);
    let mut damages: Vec<(String, Vec<u8>)> = vec![
        ("cut short".into(), good[..good.len() / 2].to_vec()),
        ("one byte more".into(), [good.clone(), vec![0]].concat()),
        ("empty".into(), Vec::new()),
        ("not a block".into(), b"SQLite format 3\0 and more".to_vec()),
    ];
    // A byte changed anywhere past the stamp: in a length, an offset, a
    // string, the checksum.
    for _ in 0..40 {
        let mut b = good.clone();
        let at = rng.usize(40..b.len());
        b[at] ^= 1 << rng.u8(0..8);
        damages.push((format!("bit flipped at {at}"), b));
    }
    // A header claiming a huge count (allocating it would abort).
    let mut huge = good.clone();
    let stamp_len = u32::from_le_bytes(huge[12..16].try_into().unwrap()) as usize;
    huge[16 + stamp_len..24 + stamp_len].copy_from_slice(&u64::MAX.to_le_bytes());
    damages.push(("a huge count".into(), huge));
    for (what, bytes) in damages {
        std::fs::write(&file, &bytes).unwrap();
        let b = cache.list_block().unwrap();
        assert!(
            matches!(b.origin, Origin::Built(Stale::Damaged(_))),
            "{what}: {:?}",
            b.origin
        );
        assert_eq!(listed(&b), want, "{what}: rebuilt from the rows");
        // And stored whole again.
        assert_eq!(std::fs::read(&file).unwrap(), good, "{what}");
    }
}

#[test]
fn the_workspace_list_starts_from_the_stored_block() {
    // The list the workspace builds from the cache's block searches as the
    // one built from the contacts themselves.
    let path = temp_db("search");
    let contacts = seeded(2_000);
    let mut cache = Cache::open(&path).unwrap();
    cache.put_contacts(&contacts, Some(1), Some(0)).unwrap();
    cache.list_block().unwrap();
    let stored = cache.list_block().unwrap();
    assert_eq!(stored.origin, Origin::Stored);
    let mut from_block = rolo::search::Index::from_rows(stored.rows, stored.by_name);
    let entries: Vec<_> = contacts.iter().map(rolo::search::Entry::new).collect();
    let mut from_entries = rolo::search::index_of(&entries);
    for q in [
        "",
        "ada",
        "jose g",
        "#vip",
        "5551",
        "acme roof",
        "e",
        "zzq",
        "tag:vip ada",
    ] {
        let a: Vec<String> = from_block
            .search(q)
            .iter()
            .map(|h| from_block.view(h.index).name.to_string())
            .collect();
        let b: Vec<String> = from_entries
            .search(q)
            .iter()
            .map(|h| from_entries.view(h.index).name.to_string())
            .collect();
        assert_eq!(a, b, "{q}");
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9 @.+()-]{0,20}",
        // Separators, escapes, accents and wide text, as hostile rows hold.
        "[\u{1f}\u{1e}\u{1b}\n\t é漢😀a-z]{0,12}",
    ]
}

fn contact() -> impl Strategy<Value = Contact> {
    (
        "[a-z0-9]{1,12}",
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(proptest::collection::vec(text(), 0..4)),
        proptest::option::of(text()),
    )
        .prop_map(
            |(id, name, first, email, phone, company, tags, assigned)| Contact {
                id,
                name,
                first_name: first,
                email,
                phone,
                company_name: company,
                tags,
                assigned_to: assigned,
                date_added: Some("2026-01-02T03:04:05.000Z".into()),
                ..Contact::default()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// What goes in comes out, after edits in place and removals, and
    /// through the stored file; lookups by id find each contact.
    #[test]
    fn the_block_keeps_every_field_through_edits_and_the_file(
        list in proptest::collection::vec(contact(), 0..30),
        edits in proptest::collection::vec((0usize..30, contact()), 0..8),
        removes in proptest::collection::vec(0usize..30, 0..4),
    ) {
        // Unique ids, as the list has.
        let mut seen = std::collections::HashSet::new();
        let mut model: Vec<Contact> = list.into_iter().filter(|c| seen.insert(c.id.clone())).collect();
        let hay = |c: &Contact| rolo::search::Entry::new(c).haystack().to_string();
        let mut rows = Rows::default();
        for c in &model {
            let h = hay(c);
            rows.push(RowIn { contact: c, hay: &h, facts: "f" });
        }
        let mut replace = Vec::new();
        let edits: Vec<(usize, Contact)> = edits
            .into_iter()
            .filter(|(i, _)| *i < model.len())
            .map(|(i, mut c)| { c.id = model[i].id.clone(); (i, c) })
            .collect();
        let hays: Vec<String> = edits.iter().map(|(_, c)| hay(c)).collect();
        for ((i, c), h) in edits.iter().zip(&hays) {
            if replace.iter().all(|(j, _): &(usize, RowIn<'_>)| j != i) {
                replace.push((*i, RowIn { contact: c, hay: h, facts: "g" }));
            }
        }
        let removes: Vec<usize> = removes.into_iter().filter(|i| *i < model.len()).collect();
        rows.rewrite(&replace, &removes);
        for (i, r) in &replace {
            model[*i] = r.contact.clone();
        }
        let model: Vec<Contact> = model
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !removes.contains(i))
            .map(|(_, c)| c)
            .collect();
        let file = std::env::temp_dir().join(format!("rolo-arena-prop-{}-{}", std::process::id(), fastrand::u64(..)));
        let order: Vec<u32> = (0..model.len() as u32).rev().collect();
        rows.write_file(&file, "stamp", &order).unwrap();
        let (back, back_order) = Rows::read_file(&file, "stamp").unwrap();
        prop_assert_eq!(Rows::read_file(&file, "other").err().map(|e| matches!(e, Stale::Rows { .. })), Some(true));
        std::fs::remove_file(&file).ok();
        prop_assert_eq!(back_order, order);
        for r in [&rows, &back] {
            prop_assert_eq!(r.len(), model.len());
            for (i, c) in model.iter().enumerate() {
                let got = r.contact(i);
                prop_assert_eq!(&got.id, &c.id);
                prop_assert_eq!(&got.name, &c.name);
                prop_assert_eq!(&got.first_name, &c.first_name);
                prop_assert_eq!(&got.email, &c.email);
                prop_assert_eq!(&got.phone, &c.phone);
                prop_assert_eq!(&got.company_name, &c.company_name);
                prop_assert_eq!(&got.tags, &c.tags);
                prop_assert_eq!(&got.assigned_to, &c.assigned_to);
                prop_assert_eq!(r.position(&c.id), Some(i));
                prop_assert_eq!(r.hay(i), hay(c));
            }
        }
    }
}

fn typed(s: &mut rolo::app::State, text: &str) -> Vec<rolo::app::Command> {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut out = Vec::new();
    for c in text.chars() {
        let k = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        out.extend(rolo::app::update(s, rolo::app::Event::Key(k)));
    }
    out
}

fn shown_ids(s: &rolo::app::State) -> Vec<String> {
    s.list
        .hits
        .iter()
        .map(|h| s.list.id(h.index).to_string())
        .collect()
}

fn screen(s: &rolo::app::State) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
    t.draw(|f| rolo::ui::render(s, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn a_filter_on_the_stored_list_reads_what_it_looks_at_from_the_cache_once() {
    use rolo::app::{Command, Event, State, update};
    let path = temp_db("facts");
    let contacts = seeded(400);
    let mut cache = Cache::open(&path).unwrap();
    cache.put_contacts(&contacts, Some(1), Some(0)).unwrap();
    cache.list_block().unwrap();
    let b = cache.list_block().unwrap();
    assert_eq!(b.origin, Origin::Stored);
    let now = chrono::Utc::now();
    let (mut s, _) = State::from_cache(
        "loc",
        now,
        chrono::FixedOffset::east_opt(0).unwrap(),
        Vec::new(),
        400,
        Some(now),
    );
    update(
        &mut s,
        Event::ListLoaded(Box::new(rolo::app::prepare_rows(b.rows, b.by_name))),
    );
    update(
        &mut s,
        Event::Resize {
            width: 100,
            height: 30,
        },
    );
    // The same list with every contact's facts at hand, as from HighLevel.
    let (mut want, _) = State::new("loc", now, chrono::FixedOffset::east_opt(0).unwrap());
    update(
        &mut want,
        Event::ListLoaded(Box::new(rolo::app::prepare(contacts.clone()))),
    );
    update(
        &mut want,
        Event::Resize {
            width: 100,
            height: 30,
        },
    );
    let query = "source:web dnd:no";
    typed(&mut want, "/");
    typed(&mut want, query);
    let expected = shown_ids(&want);
    assert!(
        !expected.is_empty() && expected.len() < 400,
        "{}",
        expected.len()
    );

    let mut asked = typed(&mut s, "/");
    asked.extend(typed(&mut s, query));
    let reads = asked
        .iter()
        .filter(|c| matches!(c, Command::ReadFacts))
        .count();
    assert_eq!(reads, 1, "asked once, however much is typed");
    assert!(s.list.facts_due);
    assert!(
        s.list.hits.is_empty(),
        "nothing is said to pass before the facts are read"
    );
    assert!(
        screen(&s).contains("Reading what the filters look at"),
        "{}",
        screen(&s)
    );

    update(
        &mut s,
        Event::FactsRead(Box::new(cache.facts_by_id().map_err(|e| e.to_string()))),
    );
    assert!(!s.list.facts_due);
    assert_eq!(shown_ids(&s), expected);
    // Typing on, and after edits, the facts stay in step; never asked again.
    let more = typed(&mut s, " ");
    assert!(!more.iter().any(|c| matches!(c, Command::ReadFacts)));
    assert_eq!(shown_ids(&s), expected);
    // A plain search needs no facts at all.
    let (mut plain, _) = State::from_cache(
        "loc",
        now,
        chrono::FixedOffset::east_opt(0).unwrap(),
        Vec::new(),
        400,
        Some(now),
    );
    let b = cache.list_block().unwrap();
    update(
        &mut plain,
        Event::ListLoaded(Box::new(rolo::app::prepare_rows(b.rows, b.by_name))),
    );
    let mut out = typed(&mut plain, "/");
    out.extend(typed(&mut plain, "ada"));
    assert!(!out.iter().any(|c| matches!(c, Command::ReadFacts)));
    assert!(!plain.list.hits.is_empty());
}
