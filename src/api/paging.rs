//! Walking a search to its end (POST /contacts/search, and the pages of
//! GET /opportunities/search): page numbers while they
//! reach (10,000 records on HighLevel), then the `searchAfter` cursor of
//! the last row. One walk serves the client's pager and both kinds of sync.
//!
//! A server's `total` is never trusted to end a walk: only a short page
//! ends it. A server that lies the other way (the same page forever, a
//! cursor that loops, no cursor past the page depth) ends it with an error
//! instead of spending the day's request budget.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Position {
    Page(u32),
    After(Vec<Value>),
}

/// Why a walk cannot go on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PagingError {
    #[error("HighLevel sent page {page} again (nothing on it was new): the search stopped there")]
    Repeated { page: u32 },
    #[error(
        "HighLevel's searchAfter cursor came back to one it had sent before, on page {page}: the search stopped there"
    )]
    CursorLoop { page: u32 },
    #[error(
        "HighLevel sent no searchAfter cursor past the first {depth} records, so the rest cannot be read"
    )]
    NoCursor { depth: u64 },
}

/// How far a walk has come; serializable, so a sync can resume it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Walk {
    pub next_page: u32,
    pub after: Option<Vec<Value>>,
    /// Cursors already followed (as JSON text), to see a loop.
    #[serde(default)]
    pub cursors: Vec<String>,
    #[serde(default)]
    pub ended: bool,
}

/// What one page told the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    More,
    End,
}

impl Position {
    /// Puts this position into a contact search: a page number, or the
    /// cursor to go on after.
    pub fn apply(self, q: &mut crate::api::model::SearchContacts) {
        match self {
            Position::Page(n) => {
                q.page = Some(n);
                q.search_after = None;
            }
            Position::After(after) => {
                q.page = None;
                q.search_after = Some(after);
            }
        }
    }
}

impl Walk {
    pub fn new() -> Self {
        Walk {
            next_page: 1,
            ..Walk::default()
        }
    }

    /// Where the next page starts, for pages of `limit` with page numbers
    /// reaching `depth` records.
    pub fn position(&self, limit: u32, depth: u64) -> Result<Position, PagingError> {
        let by_page = u64::from(self.next_page.max(1)) * u64::from(limit.max(1)) <= depth;
        match &self.after {
            _ if by_page => Ok(Position::Page(self.next_page.max(1))),
            Some(after) => Ok(Position::After(after.clone())),
            None => Err(PagingError::NoCursor { depth }),
        }
    }

    /// Takes in a page of contacts: counts those not in `seen` (adding
    /// them) and follows the last one's cursor. What the walk does next.
    pub fn take(
        &mut self,
        limit: u32,
        contacts: &[crate::api::model::Contact],
        seen: &mut std::collections::HashSet<String>,
    ) -> Result<Step, PagingError> {
        let new = contacts
            .iter()
            .filter(|c| seen.insert(c.id.clone()))
            .count();
        let cursor = contacts.last().and_then(|c| c.search_after.clone());
        self.advance(limit, contacts.len(), new, cursor)
    }

    /// Takes in a page: `got` rows, of which `new` were not seen before in
    /// this walk, and the last row's cursor.
    pub fn advance(
        &mut self,
        limit: u32,
        got: usize,
        new: usize,
        cursor: Option<Vec<Value>>,
    ) -> Result<Step, PagingError> {
        let page = self.next_page.max(1);
        self.next_page = page.saturating_add(1);
        if got < limit.max(1) as usize {
            self.ended = true;
            return Ok(Step::End);
        }
        if new == 0 {
            return Err(PagingError::Repeated { page });
        }
        if let Some(c) = &cursor {
            let text = serde_json::to_string(c).unwrap_or_default();
            if self.cursors.contains(&text) {
                return Err(PagingError::CursorLoop { page });
            }
            self.cursors.push(text);
        }
        self.after = cursor.or(self.after.take());
        Ok(Step::More)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_short_page_ends_a_walk() {
        let mut w = Walk::new();
        assert_eq!(w.position(500, 10_000), Ok(Position::Page(1)));
        assert_eq!(
            w.advance(500, 500, 500, Some(vec![json!(1)])),
            Ok(Step::More)
        );
        assert_eq!(w.position(500, 10_000), Ok(Position::Page(2)));
        assert_eq!(w.advance(500, 499, 499, None), Ok(Step::End));
        let mut w = Walk::new();
        assert_eq!(w.advance(500, 0, 0, None), Ok(Step::End));
    }

    #[test]
    fn page_numbers_then_the_cursor_and_never_numbers_past_the_depth() {
        let mut w = Walk::new();
        for n in 1..=20u32 {
            assert_eq!(w.position(500, 10_000), Ok(Position::Page(n)));
            w.advance(500, 500, 500, Some(vec![json!(n)])).unwrap();
        }
        assert_eq!(
            w.position(500, 10_000),
            Ok(Position::After(vec![json!(20)]))
        );
        let mut w = Walk::new();
        for _ in 1..=20 {
            w.advance(500, 500, 500, None).unwrap();
        }
        assert_eq!(
            w.position(500, 10_000),
            Err(PagingError::NoCursor { depth: 10_000 })
        );
    }

    #[test]
    fn repeated_pages_and_looping_cursors_end_with_an_error() {
        let mut w = Walk::new();
        w.advance(10, 10, 10, Some(vec![json!("a")])).unwrap();
        assert_eq!(
            w.advance(10, 10, 0, Some(vec![json!("b")])),
            Err(PagingError::Repeated { page: 2 })
        );
        let mut w = Walk::new();
        w.advance(10, 10, 10, Some(vec![json!("a")])).unwrap();
        w.advance(10, 10, 10, Some(vec![json!("b")])).unwrap();
        assert_eq!(
            w.advance(10, 10, 3, Some(vec![json!("a")])),
            Err(PagingError::CursorLoop { page: 3 })
        );
    }
}
