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

/// Separates the fields of [`Entry::all`]; a control char, so it never
/// appears in a (sanitized) query and no match can span two fields.
const FIELD_SEP: char = '\u{1f}';
/// Separates tags within their field.
const TAG_SEP: char = '\u{1e}';

/// A contact's searchable text, folded once: every field in one string, so
/// that one SIMD substring scan checks them all.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// The folded display name (ranking, fuzzy matching, highlights).
    pub name: String,
    /// name ␟ email ␟ company ␟ tag ␞ tag … ␟ phone digits
    all: String,
    /// Which characters the name contains (see `char_mask`), so fuzzy
    /// matching can skip names that lack one of the query's.
    name_mask: u64,
    /// Characters anywhere in name, email, company or tags, and those that
    /// start a word there: a one-letter query is answered from these alone.
    /// What filters look at (see [`crate::filter`]).
    pub facts: crate::filter::Facts,
}

/// A bit per letter and digit, and shared bits for everything else.
fn char_mask(s: &str) -> u64 {
    s.chars().fold(0u64, |m, c| {
        let bit = match c {
            'a'..='z' => c as u32 - 'a' as u32,
            '0'..='9' => 26 + c as u32 - '0' as u32,
            ' ' => return m,
            c => 36 + (c as u32 % 28),
        };
        m | 1 << bit
    })
}

impl Entry {
    pub fn new(c: &Contact) -> Self {
        // A separator inside the name (hostile text) would split it.
        let name: String = fold(&c.display_name())
            .chars()
            .filter(|c| *c != FIELD_SEP && *c != TAG_SEP)
            .collect();
        let mut all = String::with_capacity(96);
        all.push_str(&name);
        let fields = [
            fold(c.email.as_deref().unwrap_or("")),
            fold(c.company_name.as_deref().unwrap_or("")),
            c.tags()
                .iter()
                .map(|t| fold(t))
                .collect::<Vec<_>>()
                .join(&TAG_SEP.to_string()),
            digits(c.phone.as_deref().unwrap_or("")),
        ];
        for (i, f) in fields.iter().enumerate() {
            all.push(FIELD_SEP);
            // A separator inside a field (hostile text) would split it.
            all.extend(
                f.chars()
                    .filter(|c| *c != FIELD_SEP && (i == 2 || *c != TAG_SEP)),
            );
        }
        let mut e = Self::finish(name, all);
        e.facts = crate::filter::Facts::of(c);
        e
    }

    /// The entry with `facts` for its filters.
    pub fn with_facts(mut self, facts: crate::filter::Facts) -> Self {
        self.facts = facts;
        self
    }

    /// The contact's tags, folded.
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.view().tags()
    }

    /// Everything searched, folded, in one line (name ␟ email ␟ company ␟
    /// tags ␟ phone digits): what the cache keeps, to rebuild the entry
    /// without the contact.
    pub fn haystack(&self) -> &str {
        &self.all
    }

    /// The entry whose `haystack()` this is; `None` if it is not one.
    pub fn from_haystack(all: String) -> Option<Self> {
        let mut starts = [0u32; 4];
        let mut k = 0;
        for (i, b) in all.bytes().enumerate() {
            if b == FIELD_SEP as u8 {
                *starts.get_mut(k)? = (i + 1) as u32;
                k += 1;
            }
        }
        if k != 4 {
            return None;
        }
        let name = all[..starts[0] as usize - 1].to_string();
        Some(Self::finish(name, all))
    }

    fn finish(name: String, all: String) -> Self {
        let [name_mask, ..] = masks_of(&all);
        Self {
            name,
            all,
            name_mask,
            facts: crate::filter::Facts::default(),
        }
    }

    /// The entry as the search reads it.
    pub fn view(&self) -> View<'_> {
        View {
            name: &self.name,
            all: &self.all,
            name_mask: self.name_mask,
        }
    }
}

/// The name, any and initial masks of a haystack (see [`Entry::haystack`]):
/// which characters the name holds, which the searched text holds, and
/// which start a word there.
pub fn masks_of(all: &str) -> [u64; 3] {
    let starts = starts_of(all);
    let name = &all[..(starts[0] as usize).saturating_sub(1)];
    let text = &all[..starts[3] as usize];
    let mut initials = String::new();
    let mut prev_alnum = false;
    for c in text.chars() {
        if c.is_alphanumeric() && !prev_alnum {
            initials.push(c);
        }
        prev_alnum = c.is_alphanumeric();
    }
    [char_mask(name), char_mask(text), char_mask(&initials)]
}

/// Where email, company, tags and phone start in a haystack; the end for
/// those it lacks.
fn starts_of(all: &str) -> [u32; 4] {
    let mut starts = [all.len() as u32; 4];
    for (k, i) in memchr::memchr_iter(FIELD_SEP as u8, all.as_bytes())
        .take(4)
        .enumerate()
    {
        starts[k] = (i + 1) as u32;
    }
    starts
}

/// A contact's search text as the search reads it, borrowed from an
/// [`Entry`] or from the list's block (see [`crate::arena`]).
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The folded display name.
    pub name: &'a str,
    all: &'a str,
    name_mask: u64,
}

impl<'a> View<'a> {
    /// The view of haystack `all` with its masks.
    pub fn of(all: &'a str, masks: [u64; 3]) -> Self {
        let name_end = memchr::memchr(FIELD_SEP as u8, all.as_bytes()).unwrap_or(all.len());
        View {
            name: &all[..name_end],
            all,
            name_mask: masks[0],
        }
    }

    /// The contact's tags, folded.
    pub fn tags(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let starts = starts_of(self.all);
        let (a, b) = (starts[2] as usize, (starts[3] as usize).saturating_sub(1));
        self.all
            .get(a..b.max(a))
            .unwrap_or("")
            .split(TAG_SEP)
            .filter(|t| !t.is_empty())
    }

    fn field_at(&self, pos: usize) -> Field {
        // The field is the count of separators before the position.
        let seps = memchr::memchr_iter(
            FIELD_SEP as u8,
            &self.all.as_bytes()[..pos.min(self.all.len())],
        )
        .count();
        match seps.checked_sub(1) {
            None => Field::Name,
            Some(0) => Field::Email,
            Some(1) => Field::Company,
            Some(2) => Field::Tag,
            _ => Field::Phone,
        }
    }

    /// The tier of a match at `start..end` of `all`, within its field (or
    /// its tag).
    fn tier_at(&self, start: usize, end: usize) -> Tier {
        let bytes = self.all.as_bytes();
        let is_sep = |b: u8| b == FIELD_SEP as u8 || b == TAG_SEP as u8;
        let at_start = start == 0 || is_sep(bytes[start - 1]);
        let at_end = end == bytes.len() || is_sep(bytes[end]);
        if at_start && at_end {
            Tier::Exact
        } else if at_start
            || self.all[..start]
                .chars()
                .next_back()
                .is_some_and(|c| !c.is_alphanumeric())
        {
            // A match at a word start reads like a prefix: "lov" in "ada lovelace".
            Tier::Prefix
        } else {
            Tier::Substring
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    finder: memchr::memmem::Finder<'static>,
    /// For phone-looking terms: a finder of the digits alone.
    digits: Option<memchr::memmem::Finder<'static>>,
    pattern: Pattern,
    mask: u64,
}

impl Term {
    /// Whether fuzzy matching applies: from three characters on, and only
    /// where names are searched.
    fn fuzzy(&self) -> bool {
        matches!(self.field, Field::Any | Field::Name)
            && self.digits.is_none()
            && self.text.chars().nth(2).is_some()
    }
}

/// A parsed query, reusable across many contacts.
/// The query's words, with a phone written in parts ("+1 (555) 675-6642")
/// joined into one word: its digits are one number, not words of their
/// own (where "+1" alone has too few digits to look like a phone).
fn phone_words(q: &str) -> Vec<String> {
    let shaped = |w: &str| {
        w.chars().any(|c| c.is_ascii_digit())
            && w.chars().all(|c| c.is_ascii_digit() || "+-().".contains(c))
    };
    let mut out: Vec<String> = Vec::new();
    let mut run = false;
    for w in q.split_whitespace() {
        let phone = shaped(w);
        match out.last_mut() {
            Some(last) if phone && run => last.push_str(w),
            _ => out.push(w.to_string()),
        }
        run = phone;
    }
    out
}

#[derive(Debug, Clone)]
pub struct Query {
    terms: Vec<Term>,
}

impl Query {
    pub fn parse(q: &str) -> Self {
        let mut terms = Vec::new();
        for word in phone_words(q).iter().map(String::as_str) {
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
            // A separator in the query (pasted control text) would match
            // across fields.
            let text: String = fold(text)
                .chars()
                .filter(|c| *c != FIELD_SEP && *c != TAG_SEP)
                .collect();
            if text.is_empty() {
                continue;
            }
            let d = digits(&text);
            // Three digits look like a phone; a leading "+" says so at once
            // (typing "+1 555…" never passes through "No match").
            let phone_like = (d.len() >= 3 || text.starts_with('+'))
                && text
                    .chars()
                    .all(|c| c.is_ascii_digit() || "+-().".contains(c));
            let pattern = Pattern::new(
                &text,
                CaseMatching::Ignore,
                Normalization::Smart,
                AtomKind::Fuzzy,
            );
            let digits = match field {
                _ if phone_like => Some(d),
                Field::Phone => Some(d).filter(|d| !d.is_empty()),
                _ => None,
            };
            terms.push(Term {
                field,
                finder: memchr::memmem::Finder::new(text.as_bytes()).into_owned(),
                digits: digits.map(|d| memchr::memmem::Finder::new(d.as_bytes()).into_owned()),
                mask: char_mask(&text),
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

/// One search result: which contact, and how well it matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Index into the contacts that were searched.
    pub index: usize,
    /// The worst tier over the query's terms.
    pub tier: Tier,
    pub score: u32,
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
    /// The best tier of one term on one contact, and a fuzzy score.
    fn term(&mut self, t: &Term, e: View<'_>) -> Option<(Tier, u32)> {
        let mut best: Option<Tier> = None;
        let hay = e.all.as_bytes();
        let wanted = |f: Field| t.field == Field::Any || t.field == f;
        if t.field != Field::Phone {
            for start in t.finder.find_iter(hay) {
                let field = e.field_at(start);
                if field == Field::Phone || !wanted(field) {
                    continue;
                }
                let tier = e.tier_at(start, start + t.text.len());
                if Some(tier) > best {
                    best = Some(tier);
                    if tier == Tier::Exact {
                        break;
                    }
                }
            }
        }
        if let Some(d) = &t.digits {
            let phone = memchr::memrchr(FIELD_SEP as u8, hay).map_or(hay.len(), |p| p + 1);
            if let Some(p) = d.find(&hay[phone..]) {
                let tier = e.tier_at(phone + p, phone + p + d.needle().len());
                best = best.max(Some(tier));
            }
        }
        if let Some(tier) = best {
            return Some((tier, 0));
        }
        // Fuzzy, on the name only (fuzzy over emails and tags finds too much
        // that is not meant), and only from three characters on: on one or
        // two, nearly every name matches.
        if t.fuzzy() && e.name_mask & t.mask == t.mask {
            let hay = Utf32Str::new(e.name, &mut self.buf);
            let s = t.pattern.score(hay, &mut self.matcher)?;
            return Some((Tier::Fuzzy, s));
        }
        None
    }

    /// Scores one contact; `None` when a term does not match at all.
    pub fn score(&mut self, q: &Query, e: View<'_>, index: usize) -> Option<Hit> {
        let mut total = 0u32;
        let mut worst = Tier::Exact;
        let mut fuzzy = 0u32;
        for t in &q.terms {
            let (tier, s) = self.term(t, e)?;
            worst = worst.min(tier);
            total += tier as u32;
            fuzzy = fuzzy.saturating_add(s);
        }
        Some(Hit {
            index,
            tier: worst,
            score: total * 100_000 + fuzzy.min(99_999),
        })
    }

    /// Char positions in the displayed name that the query matched, for
    /// highlighting: computed for the rows on screen only.
    pub fn highlight(&mut self, q: &Query, e: View<'_>) -> Vec<u32> {
        let mut positions = Vec::new();
        for t in q
            .terms
            .iter()
            .filter(|t| matches!(t.field, Field::Any | Field::Name))
        {
            if let Some(start) = e.name.find(&t.text) {
                let start = e.name[..start].chars().count() as u32;
                positions.extend(start..start + t.text.chars().count() as u32);
            } else if self.term(t, e).is_some_and(|(tier, _)| tier == Tier::Fuzzy) {
                self.indices.clear();
                let hay = Utf32Str::new(e.name, &mut self.buf);
                if t.pattern
                    .indices(hay, &mut self.matcher, &mut self.indices)
                    .is_some()
                {
                    positions.extend(self.indices.iter().copied());
                }
            }
        }
        positions.sort_unstable();
        positions.dedup();
        positions
    }
}

/// The searchable contacts, with what makes typing fast: names ranked
/// once, and the last results kept so that each added character only
/// re-checks the contacts that still matched. The contacts themselves are
/// the list's block (see [`crate::arena`]): the search text of every
/// contact end to end, so a first keystroke is one SIMD scan over
/// contiguous memory.
pub struct Index {
    rows: crate::arena::Rows,
    /// Each entry's place in name order.
    rank: Vec<u32>,
    /// Entry indices in name order (the list without a query).
    by_name: Vec<u32>,
    ranked: bool,
    last: Option<(String, Vec<Hit>)>,
    /// What filters look at, per contact, decoded: at once when every row
    /// carries its own (a list from HighLevel), else once supplied (see
    /// [`Index::supply_facts`]) for the rows from the cache, whose facts
    /// stay on disk until a filter is used. Kept in step with the rows.
    facts: Option<Vec<crate::filter::Facts>>,
    /// Per filter, which entries pass it: 1, 0, or 2 (not worked out).
    clause_masks: Vec<(crate::filter::Clause, Vec<u8>)>,
    /// The matcher and buffers, kept from one keystroke to the next.
    searcher: Searcher,
}

impl Default for Index {
    fn default() -> Self {
        Index {
            rows: Default::default(),
            rank: Vec::new(),
            by_name: Vec::new(),
            ranked: false,
            last: None,
            facts: Some(Vec::new()),
            clause_masks: Vec::new(),
            searcher: Searcher::default(),
        }
    }
}

impl Index {
    /// The index of `rows`, with their name order when it is known (a
    /// stored block's), else ranked now.
    pub fn from_rows(rows: crate::arena::Rows, by_name: Option<Vec<u32>>) -> Self {
        let carried = (0..rows.len()).all(|i| !rows.facts(i).is_empty());
        let facts = carried.then(|| {
            (0..rows.len())
                .map(|i| crate::filter::Facts::decode(rows.facts(i)))
                .collect()
        });
        let mut index = Index {
            rows,
            facts,
            ..Index::default()
        };
        match by_name {
            Some(order) if order.len() == index.rows.len() => {
                index.rank = vec![0; order.len()];
                for (r, i) in order.iter().enumerate() {
                    index.rank[*i as usize] = r as u32;
                }
                index.by_name = order;
                index.ranked = true;
            }
            _ => index.ensure_ranked(),
        }
        index
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The contacts, as the list keeps them.
    pub fn rows(&self) -> &crate::arena::Rows {
        &self.rows
    }

    /// Contact `i` as the search reads it.
    pub fn view(&self, i: usize) -> View<'_> {
        View::of(self.rows.hay(i), self.rows.masks(i))
    }

    /// The contacts in name order (ranked now if they were not).
    pub fn by_name(&mut self) -> &[u32] {
        self.ensure_ranked();
        &self.by_name
    }

    /// The block, given up.
    pub fn into_rows(self) -> crate::arena::Rows {
        self.rows
    }

    fn changed(&mut self) {
        self.ranked = false;
        self.last = None;
        self.clause_masks.clear();
    }

    /// Whether a filter needs facts the rows do not carry (rows from the
    /// cache): [`Index::supply_facts`] brings them.
    pub fn facts_missing(&self) -> bool {
        self.facts.is_none() && (0..self.rows.len()).any(|i| self.rows.facts(i).is_empty())
    }

    /// The facts of the rows that do not carry their own, by id (read from
    /// the cache); those not given are none.
    pub fn supply_facts(
        &mut self,
        mut by_id: std::collections::HashMap<String, crate::filter::Facts>,
    ) {
        let facts = (0..self.rows.len())
            .map(|i| match self.rows.facts(i) {
                "" => by_id.remove(self.rows.id(i)).unwrap_or_default(),
                f => crate::filter::Facts::decode(f),
            })
            .collect();
        self.facts = Some(facts);
        self.clause_masks.clear();
        self.last = None;
    }

    /// The facts, decoded from the rows when every row carries its own
    /// (the rows missing theirs were all taken out).
    fn ensure_facts(&mut self) -> bool {
        if self.facts.is_none() && !self.facts_missing() {
            self.facts = Some(
                (0..self.rows.len())
                    .map(|i| crate::filter::Facts::decode(self.rows.facts(i)))
                    .collect(),
            );
        }
        self.facts.is_some()
    }

    /// A term's substring matches over every entry at once: the best tier
    /// per entry (0 for none), from one scan of the block.
    fn scan(&self, t: &Term) -> Vec<u8> {
        let (arena, offsets) = self.rows.hay_block();
        let n = self.rows.len();
        let mut best = vec![0u8; n];
        let mut entry = 0usize;
        let len = t.text.len();
        let mut at = 0usize;
        while let Some(p) = t.finder.find(&arena[at..]) {
            let pos = at + p;
            while entry + 1 < n && offsets[entry + 1] as usize <= pos {
                entry += 1;
            }
            let e = self.view(entry);
            let rel = pos - offsets[entry] as usize;
            let field = e.field_at(rel);
            let mut next = pos + 1;
            if field != Field::Phone && (t.field == Field::Any || t.field == field) {
                let tier = e.tier_at(rel, rel + len);
                best[entry] = best[entry].max(tier as u8);
                if tier == Tier::Exact {
                    // Nothing better to find in this contact: on to the next.
                    next = offsets[entry + 1] as usize;
                }
            }
            at = next;
            if at >= arena.len() {
                break;
            }
        }
        best
    }

    /// Adds a contact as the list does: its search entry and its facts.
    pub fn push_contact(&mut self, c: &Contact) {
        let e = Entry::new(c);
        self.push(crate::arena::RowIn {
            contact: c,
            hay: e.haystack(),
            facts: &e.facts.encode(),
        });
    }

    pub fn push(&mut self, r: crate::arena::RowIn<'_>) {
        if r.facts.is_empty() {
            // A row without its facts: they are read when a filter needs them.
            self.facts = None;
        } else if let Some(f) = &mut self.facts {
            f.push(crate::filter::Facts::decode(r.facts));
        }
        self.rows.push(r);
        self.changed();
    }

    /// Replaces and removes contacts by position, in one pass (see
    /// [`crate::arena::Rows::rewrite`]).
    pub fn rewrite(&mut self, replace: &[(usize, crate::arena::RowIn<'_>)], remove: &[usize]) {
        if replace.is_empty() && remove.is_empty() {
            return;
        }
        if let Some(f) = &mut self.facts {
            for (i, r) in replace {
                if let Some(slot) = f.get_mut(*i) {
                    // A row without facts of its own keeps those it had.
                    if !r.facts.is_empty() {
                        *slot = crate::filter::Facts::decode(r.facts);
                    }
                }
            }
            let mut at = 0;
            f.retain(|_| {
                at += 1;
                !remove.contains(&(at - 1))
            });
        }
        self.rows.rewrite(replace, remove);
        self.changed();
    }

    fn ensure_ranked(&mut self) {
        if self.ranked {
            return;
        }
        let mut order: Vec<u32> = (0..self.rows.len() as u32).collect();
        let names: Vec<&str> = (0..self.rows.len()).map(|i| self.view(i).name).collect();
        order.sort_unstable_by(|a, b| names[*a as usize].cmp(names[*b as usize]).then(a.cmp(b)));
        self.rank = vec![0; order.len()];
        for (r, i) in order.iter().enumerate() {
            self.rank[*i as usize] = r as u32;
        }
        self.by_name = order;
        self.ranked = true;
    }

    fn all_by_name(&self) -> Vec<Hit> {
        self.by_name
            .iter()
            .map(|&index| Hit {
                index: index as usize,
                tier: Tier::Exact,
                score: 0,
            })
            .collect()
    }

    /// The contacts that pass `filter` and match the text `query`, ranked
    /// as [`Index::search`] ranks them.
    pub fn search_filtered(&mut self, query: &str, filter: &crate::filter::Filter) -> Vec<Hit> {
        if filter.is_empty() {
            return self.search(query);
        }
        // Without the facts the filters look at, nothing is known to pass:
        // the caller asks for them (see `facts_missing`).
        if !self.ensure_facts() {
            return Vec::new();
        }
        let Some(facts) = self.facts.take() else {
            return Vec::new();
        };
        // Which entries pass each filter, kept per filter and worked out
        // only where the others pass: typing one filter's value re-checks
        // just the contacts the others keep, and words typed after the
        // filters cost a lookup per hit.
        const UNKNOWN: u8 = 2;
        let n = self.rows.len();
        let mut cache = std::mem::take(&mut self.clause_masks);
        let mut mine: Vec<(crate::filter::Clause, Vec<u8>)> = Vec::new();
        for c in filter.clauses() {
            let m = match cache.iter().position(|(k, _)| k == c) {
                Some(i) => cache.swap_remove(i).1,
                None => vec![UNKNOWN; n],
            };
            mine.push((c.clone(), m));
        }
        // Known masks first: they narrow for free.
        mine.sort_by_key(|(_, m)| m.iter().filter(|v| **v == UNKNOWN).count());
        let mut pass = vec![true; n];
        for (c, m) in &mut mine {
            for (i, p) in pass.iter_mut().enumerate() {
                if !*p {
                    continue;
                }
                if m[i] == UNKNOWN {
                    m[i] = u8::from(c.matches_parts(self.view(i).tags(), &facts[i]));
                }
                *p = m[i] == 1;
            }
        }
        // Keep a few others too, for a filter typed again.
        mine.extend(cache.into_iter().take(6));
        self.clause_masks = mine;
        self.facts = Some(facts);
        let mask = pass;
        if Query::parse(query).is_empty() {
            self.ensure_ranked();
            self.by_name
                .iter()
                .filter(|&&i| mask[i as usize])
                .map(|&index| Hit {
                    index: index as usize,
                    tier: Tier::Exact,
                    score: 0,
                })
                .collect()
        } else if mask.iter().filter(|p| **p).count() * 5 < n {
            // Few pass: score those alone, ranked as `search` ranks.
            self.ensure_ranked();
            let q = Query::parse(query);
            let mut s = Searcher::default();
            let mut hits: Vec<Hit> = (0..n)
                .filter(|&i| mask[i])
                .filter_map(|i| s.score(&q, self.view(i), i))
                .collect();
            let rank = &self.rank;
            hits.sort_unstable_by_key(|h| (std::cmp::Reverse(h.score), rank[h.index]));
            hits
        } else {
            let mut hits = self.search(query);
            hits.retain(|h| mask[h.index]);
            hits
        }
    }

    /// Every contact matching `query`, best first, ties in name order. An
    /// empty query lists everything by name.
    pub fn search(&mut self, query: &str) -> Vec<Hit> {
        let mut s = std::mem::take(&mut self.searcher);
        let hits = self.search_with(query, &mut s);
        self.searcher = s;
        hits
    }

    fn search_with(&mut self, query: &str, s: &mut Searcher) -> Vec<Hit> {
        self.ensure_ranked();
        let q = Query::parse(query);
        if q.is_empty() {
            self.last = None;
            return self.all_by_name();
        }
        // Typing more can only narrow: re-check the last results alone.
        // Only while every earlier term keeps its kind: not when a ':' may
        // have made a word a field token, nor when a term just grew long
        // enough for fuzzy matching, or became phone-like (both find
        // contacts the shorter term's substring search did not).
        let narrow = self.last.as_ref().and_then(|(prev, hits)| {
            let added = query.strip_prefix(prev.as_str())?;
            let p = Query::parse(prev);
            let same_kinds = p.terms.len() <= q.terms.len()
                && q.terms.iter().zip(p.terms.iter()).all(|(n, o)| {
                    n.field == o.field
                        && n.fuzzy() == o.fuzzy()
                        && n.digits.is_some() == o.digits.is_some()
                        && n.text.contains(o.text.as_str())
                });
            (!added.contains(':') && same_kinds).then_some(hits)
        });
        let n = self.rows.len();
        let first = q.terms[0].clone();
        // The block's scan handles every term but phone digits.
        let scannable = first.digits.is_none() && first.field != Field::Phone;
        let mut hits: Vec<Hit> = match narrow {
            // Narrowing re-checks contacts one by one; past a fifth of them
            // one scan of the block is faster.
            Some(prev) if !scannable || prev.len() * 5 < n => prev
                .iter()
                .filter_map(|h| s.score(&q, self.view(h.index), h.index))
                .collect(),
            _ if scannable => {
                let one_letter = first.field == Field::Any
                    && matches!(first.text.as_bytes(), [b'a'..=b'z' | b'0'..=b'9']);
                let mut tiers = if one_letter {
                    // Word starts and contents, from the masks: no scan at all.
                    let bit = first.mask;
                    (0..n)
                        .map(|i| {
                            let [_, any, initial] = self.rows.masks(i);
                            if initial & bit != 0 {
                                Tier::Prefix as u8
                            } else if any & bit != 0 {
                                Tier::Substring as u8
                            } else {
                                0
                            }
                        })
                        .collect()
                } else {
                    self.scan(&first)
                };
                let mut fuzzy = Vec::new();
                if first.fuzzy() {
                    fuzzy = vec![0u32; tiers.len()];
                    for i in 0..n {
                        if tiers[i] == 0 && self.rows.masks(i)[0] & first.mask == first.mask {
                            let hay = Utf32Str::new(self.view(i).name, &mut s.buf);
                            if let Some(sc) = first.pattern.score(hay, &mut s.matcher) {
                                tiers[i] = Tier::Fuzzy as u8;
                                fuzzy[i] = sc.min(99_999);
                            }
                        }
                    }
                }
                if q.terms.len() == 1 {
                    // One term: bucket by tier in name order, sort only the
                    // fuzzy ones by their scores.
                    let mut hits = Vec::new();
                    for tier in [Tier::Exact, Tier::Prefix, Tier::Substring] {
                        hits.extend(
                            self.by_name
                                .iter()
                                .filter(|&&i| tiers[i as usize] == tier as u8)
                                .map(|&index| Hit {
                                    index: index as usize,
                                    tier,
                                    score: tier as u32 * 100_000,
                                }),
                        );
                    }
                    let mut fuzzy_hits: Vec<Hit> = (0..tiers.len())
                        .filter(|&i| tiers[i] == Tier::Fuzzy as u8)
                        .map(|index| Hit {
                            index,
                            tier: Tier::Fuzzy,
                            score: Tier::Fuzzy as u32 * 100_000 + fuzzy[index],
                        })
                        .collect();
                    let rank = &self.rank;
                    fuzzy_hits
                        .sort_unstable_by_key(|h| (std::cmp::Reverse(h.score), rank[h.index]));
                    hits.extend(fuzzy_hits);
                    self.last = Some((query.to_string(), hits.clone()));
                    return hits;
                }
                tiers
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| **t > 0)
                    .filter_map(|(i, _)| s.score(&q, self.view(i), i))
                    .collect()
            }
            _ => (0..n)
                .filter_map(|i| s.score(&q, self.view(i), i))
                .collect(),
        };
        let rank = &self.rank;
        hits.sort_unstable_by_key(|h| (std::cmp::Reverse(h.score), rank[h.index]));
        self.last = Some((query.to_string(), hits.clone()));
        hits
    }
}

/// Every contact matching `query`, best first (ties by name, then index).
/// An empty query returns everything by name.
/// The words of a query the server can search for: field tokens (`#tag`,
/// `email:…`) are rolo's own and stay out. `None` when nothing is left.
pub fn server_words(query: &str) -> Option<String> {
    let words: Vec<&str> = query
        .split_whitespace()
        .filter(|w| !w.starts_with('#') && !w.contains(':'))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

pub fn search(query: &str, entries: &[Entry]) -> Vec<Hit> {
    index_of(entries).search(query)
}

/// An index of entries alone, without their contacts (their ids are
/// empty): for ranking what the cache found.
pub fn index_of(entries: &[Entry]) -> Index {
    let mut rows = crate::arena::Rows::default();
    let none = Contact::default();
    for e in entries {
        rows.push(crate::arena::RowIn {
            contact: &none,
            hay: e.haystack(),
            facts: &e.facts.encode(),
        });
    }
    Index::from_rows(rows, None)
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
    fn a_leading_plus_is_a_phone_from_its_first_key() {
        // Jose's phone is stored as +1 (555) 123-4567.
        let full = "+15551234567";
        for end in 1..=full.len() {
            let q = &full[..end];
            assert!(
                names(q).contains(&"jose nunez".to_string()),
                "{q:?}: {:?}",
                names(q)
            );
        }
        assert_eq!(names("+15551234567"), vec!["jose nunez"]);
    }

    #[test]
    fn a_phone_written_in_parts_is_one_number() {
        // Jose's phone is stored as +1 (555) 123-4567.
        for q in [
            "+1 (555) 123-4567",
            "+1 555 123 4567",
            "1 555 1234567",
            "(555) 123-4567",
        ] {
            assert_eq!(names(q), vec!["jose nunez"], "{q}");
        }
        // A name next to a number stays a word of its own.
        assert_eq!(names("nunez 555"), vec!["jose nunez"]);
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
        let mut s = Searcher::default();
        assert_eq!(
            s.highlight(&Query::parse("love"), e[2].view()),
            vec![4, 5, 6, 7]
        );
        assert_eq!(
            s.highlight(&Query::parse("nun"), e[0].view()),
            vec![5, 6, 7],
            "positions count chars, not bytes"
        );
        assert_eq!(
            s.highlight(&Query::parse("jos"), e[3].view()),
            vec![0, 7, 8],
            "fuzzy positions"
        );
    }

    #[test]
    fn empty_query_lists_by_name() {
        let e = entries();
        let hits = search("  ", &e);
        assert_eq!(
            hits.iter().map(|h| h.index).collect::<Vec<_>>(),
            vec![2, 3, 0, 1]
        );
    }

    #[test]
    fn narrowing_gives_the_same_results_as_a_fresh_search() {
        let e = entries();
        let mut index = index_of(&e);
        for q in [
            "j", "jo", "jos", "jose", "jose ", "jose n", "e", "em", "email:", "email:j", "email:jb",
        ] {
            assert_eq!(index.search(q), search(q, &e), "{q}");
        }
        // Deleting characters falls back to a full search.
        assert_eq!(index.search("jo"), search("jo", &e));
    }
}
#[cfg(test)]
mod haystack_tests {
    use super::*;

    #[test]
    fn entries_rebuild_from_their_haystack() {
        let contacts = crate::sandbox::seed::model_contacts(3_000, 3, "loc");
        for c in &contacts {
            // The facts are kept beside the haystack, not in it.
            let e = Entry::new(c).with_facts(Default::default());
            let back = Entry::from_haystack(e.haystack().to_string()).unwrap();
            assert_eq!(format!("{back:?}"), format!("{e:?}"), "{}", c.id);
        }
    }
}
