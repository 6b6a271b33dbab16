//! The list's contacts in one block: a few short strings per contact, end
//! to end in one byte vector with their offsets, and the folded search text
//! of every contact in another, so that a search is one scan over
//! contiguous memory and 100,000 contacts cost a few megabytes, not a
//! `Contact` of `String`s and `Vec`s each.
//!
//! The block is what the cache stores beside its rows (see
//! [`Rows::write_file`]): start-up reads it in one piece, with no parsing
//! or folding per contact. A version, the rows' generation and a checksum
//! say whether a stored block may be trusted; anything else is rebuilt.

use std::io::{Read, Write};
use std::path::Path;

use hashbrown::HashTable;

use crate::api::model::Contact;

/// The stored block's layout. Bump it whenever what is stored, or how the
/// search text is folded, changes: an older block is then rebuilt.
pub const FORMAT_VERSION: u32 = 1;

const MAGIC: &[u8; 8] = b"ROLOLIST";

/// The text fields kept per contact, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Field {
    Id = 0,
    Name,
    FirstName,
    LastName,
    Email,
    Phone,
    Company,
    /// Joined as the cache joins them (see [`encode_tags`]).
    Tags,
    DateAdded,
    DateUpdated,
    AssignedTo,
    /// What filters look at, encoded (see [`crate::filter::Facts::encode`]).
    Facts,
}

const FIELDS: usize = 12;

/// Separates the fields of the search text, and ends each contact's.
pub const FIELD_SEP: u8 = 0x1f;

/// Tags as one string: joined by the unit separator, or as JSON (behind a
/// record separator) when a tag holds one itself or is empty.
pub fn encode_tags(tags: &[String]) -> String {
    if tags
        .iter()
        .any(|t| t.is_empty() || t.contains(['\u{1f}', '\u{1e}']))
    {
        format!("\u{1e}{}", serde_json::to_string(tags).unwrap_or_default())
    } else {
        tags.join("\u{1f}")
    }
}

pub fn decode_tags(s: &str) -> Vec<String> {
    if let Some(json) = s.strip_prefix('\u{1e}') {
        serde_json::from_str(json).unwrap_or_default()
    } else if s.is_empty() {
        Vec::new()
    } else {
        s.split('\u{1f}').map(str::to_string).collect()
    }
}

/// One contact's row, as it goes in: its list fields and its search text.
#[derive(Debug, Clone, Copy)]
pub struct RowIn<'a> {
    pub contact: &'a Contact,
    /// The search entry's haystack (see [`crate::search::Entry::haystack`]).
    pub hay: &'a str,
    /// The encoded facts.
    pub facts: &'a str,
}

/// Every listed contact: list fields, search text and search masks.
#[derive(Default, Clone)]
pub struct Rows {
    text: String,
    /// `FIELDS` end offsets into `text` per contact (a contact's first
    /// field starts where the previous contact's last ends).
    ends: Vec<u32>,
    /// Per contact, a bit per field that is present (`Some`).
    present: Vec<u16>,
    /// Each contact's search text, followed by `FIELD_SEP`.
    hay: String,
    /// Where each contact's search text starts in `hay`; one more at the end.
    hay_at: Vec<u32>,
    /// Per contact: name, any and initial masks (see `crate::search`).
    masks: Vec<u64>,
    /// Contact positions, found by id.
    ids: HashTable<u32>,
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Rows({} contacts, {} bytes)",
            self.len(),
            self.heap_bytes()
        )
    }
}

fn hash_id(id: &str) -> u64 {
    use std::hash::BuildHasher;
    static STATE: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    STATE.get_or_init(Default::default).hash_one(id)
}

/// Why a stored block was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Stale {
    #[error("no stored list")]
    Missing,
    #[error("stored list of format {0}, this rolo reads {FORMAT_VERSION}")]
    Version(u32),
    #[error("stored list is of other rows (generation {found}, the cache is at {want})")]
    Rows { found: String, want: String },
    #[error("stored list is damaged: {0}")]
    Damaged(String),
}

impl Rows {
    pub fn len(&self) -> usize {
        self.present.len()
    }

    pub fn is_empty(&self) -> bool {
        self.present.is_empty()
    }

    /// What the block holds on the heap, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.ends.capacity() * 4
            + self.present.capacity() * 2
            + self.hay.capacity()
            + self.hay_at.capacity() * 4
            + self.masks.capacity() * 8
            + self.ids.capacity() * 5
    }

    fn span(&self, i: usize, f: Field) -> (usize, usize) {
        let k = i * FIELDS + f as usize;
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        (start, self.ends[k] as usize)
    }

    /// One field of contact `i`; `None` when absent.
    pub fn field(&self, i: usize, f: Field) -> Option<&str> {
        if self.present[i] & (1 << f as usize) == 0 {
            return None;
        }
        let (a, b) = self.span(i, f);
        // At char boundaries: built here from `str`s, or checked when read.
        self.text.get(a..b)
    }

    pub fn id(&self, i: usize) -> &str {
        self.field(i, Field::Id).unwrap_or("")
    }

    pub fn facts(&self, i: usize) -> &str {
        self.field(i, Field::Facts).unwrap_or("")
    }

    /// The contact's search text (without its end separator).
    pub fn hay(&self, i: usize) -> &str {
        let (a, b) = (self.hay_at[i] as usize, self.hay_at[i + 1] as usize - 1);
        self.hay.get(a..b).unwrap_or("")
    }

    /// Every contact's search text end to end, each ended by `FIELD_SEP`,
    /// with where each starts.
    pub fn hay_block(&self) -> (&[u8], &[u32]) {
        (self.hay.as_bytes(), &self.hay_at)
    }

    pub fn masks(&self, i: usize) -> [u64; 3] {
        [
            self.masks[i * 3],
            self.masks[i * 3 + 1],
            self.masks[i * 3 + 2],
        ]
    }

    /// Contact `i`, slim (the list's fields), built from the block.
    pub fn contact(&self, i: usize) -> Contact {
        let s = |f| self.field(i, f).map(str::to_string);
        Contact {
            id: self.id(i).to_string(),
            name: s(Field::Name),
            first_name: s(Field::FirstName),
            last_name: s(Field::LastName),
            email: s(Field::Email),
            phone: s(Field::Phone),
            company_name: s(Field::Company),
            tags: self.field(i, Field::Tags).map(decode_tags),
            date_added: s(Field::DateAdded),
            date_updated: s(Field::DateUpdated),
            assigned_to: s(Field::AssignedTo),
            ..Contact::default()
        }
    }

    /// Where contact `id` is.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.ids
            .find(hash_id(id), |&i| self.id(i as usize) == id)
            .map(|&i| i as usize)
    }

    fn index_id(&mut self, i: usize) {
        let h = hash_id(self.id(i));
        let (text, ends, present) = (&self.text, &self.ends, &self.present);
        let id_of = |j: u32| {
            let j = j as usize;
            if present[j] & 1 == 0 {
                return "";
            }
            let k = j * FIELDS;
            let a = if k == 0 { 0 } else { ends[k - 1] as usize };
            text.get(a..ends[k] as usize).unwrap_or("")
        };
        self.ids.insert_unique(h, i as u32, |&j| hash_id(id_of(j)));
    }

    fn reindex_ids(&mut self) {
        self.ids = HashTable::with_capacity(self.len());
        for i in 0..self.len() {
            self.index_id(i);
        }
    }

    fn append(&mut self, r: RowIn<'_>) {
        let c = r.contact;
        let tags = c.tags.as_deref().map(encode_tags);
        let fields: [Option<&str>; FIELDS] = [
            Some(c.id.as_str()),
            c.name.as_deref(),
            c.first_name.as_deref(),
            c.last_name.as_deref(),
            c.email.as_deref(),
            c.phone.as_deref(),
            c.company_name.as_deref(),
            tags.as_deref(),
            c.date_added.as_deref(),
            c.date_updated.as_deref(),
            c.assigned_to.as_deref(),
            Some(r.facts),
        ];
        let mut present = 0u16;
        for (k, f) in fields.iter().enumerate() {
            if let Some(f) = f {
                present |= 1 << k;
                self.text.push_str(f);
            }
            self.ends.push(self.text.len() as u32);
        }
        self.present.push(present);
        if self.hay_at.is_empty() {
            self.hay_at.push(0);
        }
        // Exactly four separators inside (a row from elsewhere may lack
        // some, or hold more): the search finds its fields by them.
        let mut seps = 0;
        for c in r.hay.chars() {
            if c == FIELD_SEP as char {
                seps += 1;
                self.hay.push(if seps > 4 { ' ' } else { c });
            } else {
                self.hay.push(c);
            }
        }
        for _ in seps..4 {
            self.hay.push(FIELD_SEP as char);
        }
        self.hay.push(FIELD_SEP as char);
        self.hay_at.push(self.hay.len() as u32);
        let start = self.hay_at[self.hay_at.len() - 2] as usize;
        let hay = &self.hay[start..self.hay.len() - 1];
        self.masks.extend(crate::search::masks_of(hay));
    }

    /// Adds a contact at the end.
    pub fn push(&mut self, r: RowIn<'_>) {
        self.append(r);
        self.index_id(self.len() - 1);
    }

    /// Replaces contacts in place (by position), and removes those in
    /// `remove`, in one pass over the block: a sync's page of changes
    /// costs one copy, not one per contact.
    pub fn rewrite(&mut self, replace: &[(usize, RowIn<'_>)], remove: &[usize]) {
        if replace.is_empty() && remove.is_empty() {
            return;
        }
        let mut with: std::collections::HashMap<usize, RowIn<'_>> =
            replace.iter().map(|(i, r)| (*i, *r)).collect();
        let gone: std::collections::HashSet<usize> = remove.iter().copied().collect();
        let old = std::mem::take(self);
        self.text.reserve(old.text.len());
        self.hay.reserve(old.hay.len());
        for i in 0..old.len() {
            if gone.contains(&i) {
                continue;
            }
            match with.remove(&i) {
                Some(r) => self.append(r),
                None => self.copy_from(&old, i),
            }
        }
        self.reindex_ids();
    }

    fn copy_from(&mut self, old: &Rows, i: usize) {
        let (a, _) = old.span(i, Field::Id);
        let (_, b) = old.span(i, Field::Facts);
        let base = self.text.len() as i64 - a as i64;
        self.text.push_str(&old.text[a..b]);
        for k in 0..FIELDS {
            self.ends
                .push((old.ends[i * FIELDS + k] as i64 + base) as u32);
        }
        self.present.push(old.present[i]);
        if self.hay_at.is_empty() {
            self.hay_at.push(0);
        }
        let (ha, hb) = (old.hay_at[i] as usize, old.hay_at[i + 1] as usize);
        self.hay.push_str(&old.hay[ha..hb]);
        self.hay_at.push(self.hay.len() as u32);
        self.masks.extend_from_slice(&old.masks[i * 3..i * 3 + 3]);
    }

    /// Writes the block, with `stamp` (which rows it was built from) and
    /// the name order `by_name`, to `path`, atomically: a reader sees the
    /// old block or the new one, never half of one.
    pub fn write_file(&self, path: &Path, stamp: &str, by_name: &[u32]) -> std::io::Result<()> {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let result = (|| {
            // Contacts' names, emails and phones: readable by their owner alone,
            // as the cache is.
            let mut open = std::fs::OpenOptions::new();
            open.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
            let mut f = std::io::BufWriter::with_capacity(1 << 20, open.open(&tmp)?);
            let mut crc = crc32fast::Hasher::new();
            let n = self.len() as u64;
            let mut head = Vec::new();
            head.extend_from_slice(MAGIC);
            head.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
            head.extend_from_slice(&(stamp.len() as u32).to_le_bytes());
            head.extend_from_slice(stamp.as_bytes());
            for v in [n, self.text.len() as u64, self.hay.len() as u64] {
                head.extend_from_slice(&v.to_le_bytes());
            }
            let mut body = |f: &mut std::io::BufWriter<std::fs::File>, b: &[u8]| {
                crc.update(b);
                f.write_all(b)
            };
            f.write_all(&head)?;
            body(&mut f, self.text.as_bytes())?;
            body(&mut f, &le32(&self.ends))?;
            body(&mut f, &le16(&self.present))?;
            body(&mut f, self.hay.as_bytes())?;
            // An empty block has no starts yet: its one end is 0.
            let starts: &[u32] = if self.hay_at.is_empty() {
                &[0]
            } else {
                &self.hay_at
            };
            body(&mut f, &le32(starts))?;
            body(&mut f, &le64(&self.masks))?;
            body(&mut f, &le32(by_name))?;
            f.write_all(&crc.finalize().to_le_bytes())?;
            f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// The stamp a stored block names, from its header alone; `None` when
    /// it is missing or of another format.
    pub fn file_stamp(path: &Path) -> Option<String> {
        let mut f = std::fs::File::open(path).ok()?;
        let mut magic = [0u8; 8];
        f.read_exact(&mut magic).ok()?;
        if &magic != MAGIC || read_u32(&mut f).ok()? != FORMAT_VERSION {
            return None;
        }
        let len = read_u32(&mut f).ok()?;
        if len > 4096 {
            return None;
        }
        let mut stamp = vec![0u8; len as usize];
        f.read_exact(&mut stamp).ok()?;
        String::from_utf8(stamp).ok()
    }

    /// Reads a block written by [`Rows::write_file`] for `stamp`, with its
    /// name order. Anything that does not hold — another version, other
    /// rows, a short or damaged file — is said, not trusted.
    pub fn read_file(path: &Path, stamp: &str) -> Result<(Rows, Vec<u32>), Stale> {
        let mut f = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Stale::Missing),
            Err(e) => return Err(Stale::Damaged(e.to_string())),
        };
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        let damaged = |what: &str| Stale::Damaged(what.to_string());
        let short = |_| damaged("it ends early");
        let mut magic = [0u8; 8];
        f.read_exact(&mut magic).map_err(short)?;
        if &magic != MAGIC {
            return Err(damaged("not a rolo list"));
        }
        let version = read_u32(&mut f).map_err(short)?;
        if version != FORMAT_VERSION {
            return Err(Stale::Version(version));
        }
        let stamp_len = read_u32(&mut f).map_err(short)? as u64;
        if stamp_len > 4096 {
            return Err(damaged("its header is wrong"));
        }
        let mut found = vec![0u8; stamp_len as usize];
        f.read_exact(&mut found).map_err(short)?;
        let found = String::from_utf8_lossy(&found).into_owned();
        if found != stamp {
            return Err(Stale::Rows {
                found,
                want: stamp.to_string(),
            });
        }
        let n = read_u64(&mut f).map_err(short)?;
        let text_len = read_u64(&mut f).map_err(short)?;
        let hay_len = read_u64(&mut f).map_err(short)?;
        // The sizes the header claims must add up to the file's, before
        // anything is allocated for them.
        let head = 8 + 4 + 4 + stamp_len + 24;
        let want = n
            .checked_mul(FIELDS as u64 * 4 + 2 + 4 + 24 + 4)
            .and_then(|v| {
                v.checked_add(text_len)?
                    .checked_add(hay_len)?
                    .checked_add(4 + 4)
            })
            .and_then(|v| v.checked_add(head));
        if want != Some(size) || n > u32::MAX as u64 || text_len > u32::MAX as u64 {
            return Err(damaged("its size is wrong"));
        }
        let n = n as usize;
        let mut crc = crc32fast::Hasher::new();
        let mut r = std::io::BufReader::with_capacity(1 << 20, f);
        let text = |b: Vec<u8>| String::from_utf8(b).map_err(|_| damaged("a field is not text"));
        let mut rows = Rows {
            text: text(read_bytes(&mut r, text_len as usize, &mut crc).map_err(short)?)?,
            ends: read_u32s(&mut r, n * FIELDS, &mut crc).map_err(short)?,
            ..Rows::default()
        };
        let mut present = vec![0u16; n];
        read_into(&mut r, bytemuck::cast_slice_mut(&mut present), &mut crc).map_err(short)?;
        rows.present = present.into_iter().map(u16::from_le).collect();
        rows.hay = text(read_bytes(&mut r, hay_len as usize, &mut crc).map_err(short)?)?;
        rows.hay_at = read_u32s(&mut r, n + 1, &mut crc).map_err(short)?;
        let mut masks = vec![0u64; n * 3];
        read_into(&mut r, bytemuck::cast_slice_mut(&mut masks), &mut crc).map_err(short)?;
        masks.iter_mut().for_each(|m| *m = u64::from_le(*m));
        rows.masks = masks;
        let by_name = read_u32s(&mut r, n, &mut crc).map_err(short)?;
        let sum = read_u32(&mut r).map_err(short)?;
        if sum != crc.finalize() {
            return Err(damaged("its checksum does not match"));
        }
        rows.check(&by_name).map_err(damaged)?;
        rows.reindex_ids();
        Ok((rows, by_name))
    }

    /// That every offset is in bounds and in order, every string is text,
    /// and `by_name` is an order of every contact: a block that passed its
    /// checksum but was written wrong is still never trusted to index.
    fn check(&self, by_name: &[u32]) -> Result<(), &'static str> {
        let n = self.len();
        let mut at = 0u32;
        for &e in &self.ends {
            if e < at || e as usize > self.text.len() {
                return Err("an offset is out of place");
            }
            at = e;
        }
        if self.hay_at.first() != Some(&0)
            || self.hay_at.last().map(|v| *v as usize) != Some(self.hay.len())
            || self.hay_at.windows(2).any(|w| w[1] <= w[0])
            || self.hay_at[1..]
                .iter()
                .any(|&e| self.hay.as_bytes()[e as usize - 1] != FIELD_SEP)
        {
            return Err("the search text is out of place");
        }
        // Four separators within each contact's text, and its end.
        if memchr::memchr_iter(FIELD_SEP, self.hay.as_bytes()).count() != 5 * n
            || self
                .hay_at
                .iter()
                .any(|&e| !self.hay.is_char_boundary(e as usize))
        {
            return Err("the search text is out of place");
        }
        if self
            .ends
            .iter()
            .any(|&e| !self.text.is_char_boundary(e as usize))
        {
            return Err("a field is cut");
        }
        let mut seen = vec![false; n];
        for &i in by_name {
            match seen.get_mut(i as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err("the name order is wrong"),
            }
        }
        Ok(())
    }
}

fn le32(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn le16(v: &[u16]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn le64(v: &[u64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn read_u32(r: &mut impl Read) -> std::io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_u64(r: &mut impl Read) -> std::io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn read_into(r: &mut impl Read, b: &mut [u8], crc: &mut crc32fast::Hasher) -> std::io::Result<()> {
    r.read_exact(b)?;
    crc.update(b);
    Ok(())
}

fn read_bytes(
    r: &mut impl Read,
    n: usize,
    crc: &mut crc32fast::Hasher,
) -> std::io::Result<Vec<u8>> {
    let mut v = vec![0u8; n];
    read_into(r, &mut v, crc)?;
    Ok(v)
}

fn read_u32s(
    r: &mut impl Read,
    n: usize,
    crc: &mut crc32fast::Hasher,
) -> std::io::Result<Vec<u32>> {
    let mut v = vec![0u32; n];
    read_into(r, bytemuck::cast_slice_mut(&mut v), crc)?;
    v.iter_mut().for_each(|x| *x = u32::from_le(*x));
    Ok(v)
}
