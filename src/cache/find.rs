//! Finding contacts in the cache, ranked as the workspace ranks them, for
//! the shell verbs that answer offline.

use super::*;

impl Cache {
    /// The best matches for `query`, best first, with the workspace's
    /// ranking. A quick pass keeps the contacts whose folded text holds
    /// each word's letters in order; only the `limit` best are read whole.
    pub fn find(&self, query: &str, limit: usize) -> Result<Vec<(Contact, crate::search::Tier)>> {
        self.find_filtered(query, &crate::filter::Filter::default(), limit)
    }

    /// [`Cache::find`] of the text `query` among the contacts that pass
    /// `filter`.
    pub fn find_filtered(
        &self,
        query: &str,
        filter: &crate::filter::Filter,
        limit: usize,
    ) -> Result<Vec<(Contact, crate::search::Tier)>> {
        let (rowids, entries): (Vec<i64>, Vec<crate::search::Entry>) = self
            .candidates(query)?
            .into_iter()
            .filter(|(_, e)| filter.matches_entry(e))
            .unzip();
        // Ranked as the workspace ranks.
        let hits = crate::search::index_of(&entries).search(query);
        let mut out = Vec::new();
        for h in hits.into_iter().take(limit) {
            let row = self.slim_rows(
                "SELECT id, name, first_name, last_name, email, phone, company, tags,
                        date_added, date_updated, ord, facts FROM contacts WHERE rowid = ?1",
                [rowids[h.index]],
            )?;
            out.extend(row.into_iter().map(|(_, c, _)| (c, h.tier)));
        }
        Ok(out)
    }

    /// The quick pass of `find`: each possible match's row and entry.
    fn candidates(&self, query: &str) -> Result<Vec<(i64, crate::search::Entry)>> {
        let terms: Vec<String> = query
            .split_whitespace()
            .map(|w| {
                let w = w.split_once(':').map_or(w, |(_, v)| v);
                crate::search::fold(w.trim_start_matches('#'))
            })
            .filter(|w| !w.is_empty())
            .collect();
        let finders: Vec<memchr::memmem::Finder<'_>> = terms
            .iter()
            .map(|t| memchr::memmem::Finder::new(t.as_bytes()))
            .collect();
        let digits: Vec<Option<String>> = terms
            .iter()
            .map(|t| {
                let d: String = t.chars().filter(char::is_ascii_digit).collect();
                (!d.is_empty()).then_some(d)
            })
            .collect();
        // Every way the ranking can match, loosely: the word anywhere, its
        // digits (a phone), or its letters in order in the name (fuzzy, from
        // three letters on).
        let mut out = Vec::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT rowid, haystack, ord, facts FROM contacts")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let hay = r
                .get_ref(1)
                .map_err(|e| self.err(e))?
                .as_bytes()
                .unwrap_or(b"");
            let name = &hay[..memchr::memchr(0x1f, hay).unwrap_or(hay.len())];
            let found = finders.iter().zip(&terms).zip(&digits).all(|((f, t), d)| {
                f.find(hay).is_some()
                    || d.as_ref()
                        .is_some_and(|d| memchr::memmem::find(hay, d.as_bytes()).is_some())
                    || (t.chars().count() >= 3 && in_order(t, name))
            });
            if !found {
                continue;
            }
            let text = String::from_utf8_lossy(hay).into_owned();
            if let Some(entry) = crate::search::Entry::from_haystack(text) {
                let facts = r
                    .get_ref(3)
                    .map_err(|e| self.err(e))?
                    .as_str()
                    .unwrap_or("");
                let entry = entry.with_facts(crate::filter::Facts::decode(facts));
                let at = |i| r.get::<_, i64>(i).map_err(|e| self.err(e));
                out.push((at(2)?, at(0)?, entry));
            }
        }
        // In list order, as the workspace breaks ties.
        out.sort_unstable_by_key(|(ord, rowid, _)| (*ord, *rowid));
        Ok(out.into_iter().map(|(_, rowid, e)| (rowid, e)).collect())
    }
}

/// Whether `needle`'s characters appear in `hay` in order.
fn in_order(needle: &str, hay: &[u8]) -> bool {
    let mut rest = hay;
    for c in needle.chars() {
        let mut buf = [0u8; 4];
        let c = c.encode_utf8(&mut buf).as_bytes();
        match memchr::memmem::find(rest, c) {
            Some(i) => rest = &rest[i + c.len()..],
            None => return false,
        }
    }
    true
}
