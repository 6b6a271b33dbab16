//! Instant search over contacts: exact, then prefix, then substring
//! matches, then fuzzy ones (nucleo) after them, so that a plain word finds
//! what it says before anything merely similar.
//!
//! Text is folded once, when a contact is indexed: lower case, accents
//! removed ("jose" finds "José"), one folded char per original char so match
//! positions map straight back onto the displayed name for highlighting.
//! Phones are matched on their digits ("5551234" finds "+1 (555) 123-4…").
//!
//! Field tokens narrow the query: `#vip` or `tag:vip`, `email:`,
//! `company:`, `phone:`, `name:`.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use unicode_normalization::UnicodeNormalization;

use crate::api::model::Contact;

/// Folds one char: its base letter (accents dropped), lower-cased.
fn fold_char(c: char) -> char {
    let base = c.nfd().next().unwrap_or(c);
    base.to_lowercase().next().unwrap_or(base)
}

/// Folds text char by char (the result has as many chars as the input).
pub fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// A contact's searchable text, folded once.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub name: String,
    pub email: String,
    pub company: String,
    pub phone_digits: String,
    pub tags: Vec<String>,
}

impl Entry {
    pub fn new(c: &Contact) -> Self {
        Self {
            name: fold(&c.display_name()),
            email: fold(c.email.as_deref().unwrap_or("")),
            company: fold(c.company_name.as_deref().unwrap_or("")),
            phone_digits: digits(c.phone.as_deref().unwrap_or("")),
            tags: c.tags().iter().map(|t| fold(t)).collect(),
        }
    }
}

/// How well a term matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    Fuzzy = 1,
    Substring = 2,
    Prefix = 3,
    Exact = 4,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Any,
    Name,
    Email,
    Company,
    Phone,
    Tag,
}

#[derive(Debug, Clone)]
struct Term {
    field: Field,
    text: String,
    /// For phone-looking terms: the digits alone.
    digits: Option<String>,
    pattern: Pattern,
}

/// A parsed query, reusable across many contacts.
#[derive(Debug, Clone)]
pub struct Query {
    terms: Vec<Term>,
}

impl Query {
    pub fn parse(q: &str) -> Self {
        let mut terms = Vec::new();
        for word in q.split_whitespace() {
            let (field, text) = if let Some(t) = word.strip_prefix('#') {
                (Field::Tag, t)
            } else if let Some((k, v)) = word.split_once(':') {
                match k.to_lowercase().as_str() {
                    "tag" => (Field::Tag, v),
                    "email" => (Field::Email, v),
                    "company" => (Field::Company, v),
                    "phone" => (Field::Phone, v),
                    "name" => (Field::Name, v),
                    _ => (Field::Any, word),
                }
            } else {
                (Field::Any, word)
            };
            let text = fold(text);
            if text.is_empty() {
                continue;
            }
            let d = digits(&text);
            let phone_like = d.len() >= 3
                && text
                    .chars()
                    .all(|c| c.is_ascii_digit() || "+-().".contains(c));
            let pattern = Pattern::new(
                &text,
                CaseMatching::Ignore,
                Normalization::Smart,
                AtomKind::Fuzzy,
            );
            terms.push(Term {
                field,
                digits: phone_like.then_some(d),
                text,
                pattern,
            });
        }
        Query { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index into the contacts that were searched.
    pub index: usize,
    pub tier: Tier,
    pub score: u32,
    /// Char positions in the displayed name that matched, for highlighting.
    pub name_positions: Vec<u32>,
}

fn tier_of(hay: &str, needle: &str) -> Option<Tier> {
    if hay.is_empty() {
        return None;
    }
    if hay == needle {
        return Some(Tier::Exact);
    }
    if hay.starts_with(needle) {
        return Some(Tier::Prefix);
    }
    let pos = hay.find(needle)?;
    // A match at a word start reads like a prefix: "lov" in "ada lovelace".
    let at_word = hay[..pos]
        .chars()
        .last()
        .is_some_and(|c| !c.is_alphanumeric());
    Some(if at_word {
        Tier::Prefix
    } else {
        Tier::Substring
    })
}

/// Reusable buffers for scoring many contacts.
pub struct Searcher {
    matcher: Matcher,
    buf: Vec<char>,
    indices: Vec<u32>,
}

impl Default for Searcher {
    fn default() -> Self {
        Self {
            matcher: Matcher::new(Config::DEFAULT),
            buf: Vec::new(),
            indices: Vec::new(),
        }
    }
}

impl Searcher {
    /// Scores one contact; `None` when a term does not match at all.
    pub fn score(&mut self, q: &Query, e: &Entry, index: usize) -> Option<Hit> {
        let mut total_tier = 0u32;
        let mut worst = Tier::Exact;
        let mut fuzzy_score = 0u32;
        let mut positions: Vec<u32> = Vec::new();
        for t in &q.terms {
            let mut best: Option<Tier> = None;
            let mut consider = |tier: Option<Tier>| {
                if tier > best {
                    best = tier;
                }
            };
            let name_tier = matches!(t.field, Field::Any | Field::Name)
                .then(|| tier_of(&e.name, &t.text))
                .flatten();
            consider(name_tier);
            if matches!(t.field, Field::Any | Field::Email) {
                consider(tier_of(&e.email, &t.text));
            }
            if matches!(t.field, Field::Any | Field::Company) {
                consider(tier_of(&e.company, &t.text));
            }
            if matches!(t.field, Field::Any | Field::Tag) {
                for tag in &e.tags {
                    consider(tier_of(tag, &t.text));
                }
            }
            if matches!(t.field, Field::Any | Field::Phone) {
                let needle = t
                    .digits
                    .clone()
                    .or_else(|| (t.field == Field::Phone).then(|| digits(&t.text)));
                if let Some(d) = needle.filter(|d| !d.is_empty()) {
                    consider(tier_of(&e.phone_digits, &d));
                }
            }
            if let Some(tier) = name_tier
                && best == Some(tier)
                && let Some(start) = e.name.find(&t.text)
            {
                let start = e.name[..start].chars().count() as u32;
                positions.extend(start..start + t.text.chars().count() as u32);
            }
            if best.is_none() && matches!(t.field, Field::Any | Field::Name) {
                // Fuzzy, on the name only: fuzzy over emails and tags finds
                // too much that is not meant.
                self.indices.clear();
                let hay = Utf32Str::new(&e.name, &mut self.buf);
                if let Some(s) = t.pattern.indices(hay, &mut self.matcher, &mut self.indices) {
                    best = Some(Tier::Fuzzy);
                    fuzzy_score += s;
                    positions.extend(self.indices.iter().copied());
                }
            }
            let tier = best?;
            worst = worst.min(tier);
            total_tier += tier as u32;
        }
        positions.sort_unstable();
        positions.dedup();
        Some(Hit {
            index,
            tier: worst,
            score: total_tier * 100_000 + fuzzy_score.min(99_999),
            name_positions: positions,
        })
    }
}

/// Every contact matching `query`, best first (ties by name, then index).
/// An empty query returns everything in the given order.
pub fn search(query: &str, entries: &[Entry]) -> Vec<Hit> {
    let q = Query::parse(query);
    if q.is_empty() {
        return (0..entries.len())
            .map(|index| Hit {
                index,
                tier: Tier::Exact,
                score: 0,
                name_positions: Vec::new(),
            })
            .collect();
    }
    let mut s = Searcher::default();
    let mut hits: Vec<Hit> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| s.score(&q, e, i))
        .collect();
    hits.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| entries[a.index].name.cmp(&entries[b.index].name))
            .then(a.index.cmp(&b.index))
    });
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(name: &str, email: &str, company: &str, phone: &str, tags: &[&str]) -> Contact {
        Contact {
            id: name.into(),
            name: Some(name.into()),
            email: Some(email.into()),
            company_name: Some(company.into()),
            phone: Some(phone.into()),
            tags: Some(tags.iter().map(|t| t.to_string()).collect()),
            ..Default::default()
        }
    }

    fn entries() -> Vec<Entry> {
        [
            contact(
                "José Núñez",
                "jose@example.com",
                "Acme Roofing",
                "+1 (555) 123-4567",
                &["vip"],
            ),
            contact(
                "Josephine Baker",
                "jb@example.org",
                "Jazz Age",
                "+15559870000",
                &["lead"],
            ),
            contact(
                "Ada Lovelace",
                "ada@engine.io",
                "Analytical",
                "+44 20 7946 0000",
                &["vip", "customer"],
            ),
            contact(
                "Jordan Ostrowski",
                "jo@example.net",
                "Harbor Auto",
                "+15550001111",
                &[],
            ),
        ]
        .iter()
        .map(Entry::new)
        .collect()
    }

    fn names(q: &str) -> Vec<String> {
        let e = entries();
        search(q, &e)
            .iter()
            .map(|h| e[h.index].name.clone())
            .collect()
    }

    #[test]
    fn accents_are_ignored() {
        assert_eq!(names("nunez"), vec!["jose nunez"]);
        assert_eq!(fold("José").chars().count(), "José".chars().count());
    }

    #[test]
    fn prefix_before_substring_before_fuzzy() {
        // "jos" is a prefix of José and Josephine; Jordan Ostrowski matches
        // only fuzzily (j-o-s across words).
        let got = names("jos");
        assert_eq!(
            got[..2],
            ["jose nunez".to_string(), "josephine baker".to_string()]
        );
        assert_eq!(got.last().map(String::as_str), Some("jordan ostrowski"));
        let e = entries();
        let hits = search("jos", &e);
        assert_eq!(hits.last().unwrap().tier, Tier::Fuzzy);
        assert_eq!(hits[0].tier, Tier::Prefix);
    }

    #[test]
    fn phones_match_on_digits() {
        assert_eq!(names("5551234"), vec!["jose nunez"]);
        assert_eq!(names("555-123-45"), vec!["jose nunez"]);
    }

    #[test]
    fn field_tokens_narrow() {
        assert_eq!(names("#vip"), vec!["ada lovelace", "jose nunez"]);
        assert_eq!(names("tag:vip ada"), vec!["ada lovelace"]);
        assert_eq!(names("company:harbor"), vec!["jordan ostrowski"]);
        assert_eq!(names("email:engine"), vec!["ada lovelace"]);
        assert!(names("#nosuchtag").is_empty());
    }

    #[test]
    fn highlight_positions_point_at_the_name() {
        let e = entries();
        let hits = search("love", &e);
        assert_eq!(hits[0].name_positions, vec![4, 5, 6, 7]);
        let hits = search("nun", &e);
        assert_eq!(
            hits[0].name_positions,
            vec![5, 6, 7],
            "positions count chars, not bytes"
        );
    }

    #[test]
    fn empty_query_keeps_everything_in_order() {
        let e = entries();
        let hits = search("  ", &e);
        assert_eq!(
            hits.iter().map(|h| h.index).collect::<Vec<_>>(),
            vec![0, 1, 2, 3]
        );
    }
}
