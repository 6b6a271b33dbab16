//! Every location at once: the list's search widened to the cache of each
//! location synced on this machine, the hits ranked together and named by
//! profile. `enter` opens a hit here, or switches to its profile at that
//! contact. The search runs off the loop (`Command::Everywhere`); its
//! answer comes back as `Event::Everywhere`.

use crate::app::forms::{line_input, text_of};
use crate::app::*;
use ratatui_textarea::TextArea;

/// At most this many hits are shown.
pub const LIMIT: usize = 200;

/// A hit in some location.
#[derive(Debug, Clone, PartialEq)]
pub struct Elsewhere {
    /// The profile (or profiles), else the location id.
    pub label: String,
    /// The profile that opens it, when one names the location.
    pub profile: Option<String>,
    pub location_id: String,
    pub contact: Contact,
}

/// What a search everywhere found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Found {
    pub hits: Vec<Elsewhere>,
    /// Locations left out, with why (a filter their fields cannot read).
    pub skipped: Vec<String>,
    /// How many locations were searched.
    pub searched: usize,
}

/// What the runtime is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    Search {
        generation: u64,
        query: String,
    },
    /// The overlay closed: let go of what the searches hold.
    Close,
}

#[derive(Debug, Clone)]
pub struct Everywhere {
    pub input: TextArea<'static>,
    /// The number of the query sent last (from a count kept in the state
    /// across openings); an answer to any other is dropped.
    pub generation: u64,
    /// The last answer, shown while a newer query runs.
    pub found: Found,
    pub searching: bool,
    pub error: Option<String>,
    pub selected: usize,
    /// `enter` came while a newer query ran: open its first hit when it
    /// is answered, not a hit of the query before.
    pub open_when_done: bool,
}

impl Everywhere {
    pub fn query(&self) -> String {
        text_of(&self.input)
    }
}

/// Whether `k` is the key that opens (and closes) it, where text is typed:
/// a key that types a character (a binding to a bare letter) types it.
pub(crate) fn is_everywhere_key(s: &State, k: &KeyEvent) -> bool {
    let types = matches!(k.code, KeyCode::Char(_))
        && !k
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    !types && keymap::key_name(k).is_some_and(|n| s.keymap.is_bound(&n, Action::Everywhere))
}

/// Opens it over the list, with the list's query.
pub(crate) fn open_everywhere(s: &mut State, out: &mut Vec<Command>) {
    let mut e = Everywhere {
        input: line_input(&s.list.query),
        generation: 0,
        found: Found::default(),
        searching: false,
        error: None,
        selected: 0,
        open_when_done: false,
    };
    ask(&mut e, &mut s.everywhere_asked, out);
    s.overlay = Some(Overlay::Everywhere(Box::new(e)));
}

/// Sends the query as it stands (nothing for an empty one), numbered from
/// `asked`, which never repeats a number: an answer still on its way from
/// an earlier opening cannot pass for this one's.
fn ask(e: &mut Everywhere, asked: &mut u64, out: &mut Vec<Command>) {
    *asked += 1;
    e.generation = *asked;
    e.selected = 0;
    let query = e.query();
    if query.trim().is_empty() {
        e.searching = false;
        e.found = Found::default();
        e.error = None;
        return;
    }
    e.searching = true;
    out.push(Command::Everywhere(Ask::Search {
        generation: e.generation,
        query,
    }));
}

pub(crate) fn everywhere_key(
    s: &mut State,
    mut e: Box<Everywhere>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let count = e.found.hits.len();
    let rebound = is_everywhere_key(s, &k);
    match k.code {
        KeyCode::Esc => {
            out.push(Command::Everywhere(Ask::Close));
            return None;
        }
        _ if rebound => {
            // The same key again: back to this location's list, with the
            // query as typed here.
            s.list.query = e.query().replace('\n', " ");
            s.refilter();
            s.focus = Focus::Search;
            out.push(Command::Everywhere(Ask::Close));
            return None;
        }
        // A move takes back an `enter` that waits for its answer.
        KeyCode::Down
        | KeyCode::Up
        | KeyCode::Tab
        | KeyCode::BackTab
        | KeyCode::PageDown
        | KeyCode::PageUp
            if std::mem::take(&mut e.open_when_done) => {}
        KeyCode::Char('n' | 'p') if ctrl && std::mem::take(&mut e.open_when_done) => {}
        KeyCode::Down | KeyCode::Tab => e.selected = (e.selected + 1).min(count.saturating_sub(1)),
        KeyCode::Char('n') if ctrl => e.selected = (e.selected + 1).min(count.saturating_sub(1)),
        KeyCode::Up | KeyCode::BackTab => e.selected = e.selected.saturating_sub(1),
        KeyCode::Char('p') if ctrl => e.selected = e.selected.saturating_sub(1),
        KeyCode::PageDown => e.selected = (e.selected + 10).min(count.saturating_sub(1)),
        KeyCode::PageUp => e.selected = e.selected.saturating_sub(10),
        KeyCode::Enter if e.searching => e.open_when_done = true,
        KeyCode::Enter => {
            let Some(hit) = e.found.hits.get(e.selected).cloned() else {
                return Some(Overlay::Everywhere(e));
            };
            return open_hit(s, e, hit, out);
        }
        KeyCode::Char(c) if !ctrl && crate::text::is_unsafe(c) => {}
        // One line: a newline is not part of a query.
        KeyCode::Char('m' | 'j') if ctrl => {}
        _ => {
            let before = e.query();
            e.input.input(k);
            if e.query() != before {
                e.open_when_done = false;
                s.notice = None;
                ask(&mut e, &mut s.everywhere_asked, out);
            }
        }
    }
    Some(Overlay::Everywhere(e))
}

/// `enter` on a hit: here, the contact in the list; in another location,
/// that location's profile opened at the contact.
fn open_hit(
    s: &mut State,
    e: Box<Everywhere>,
    hit: Elsewhere,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    if hit.location_id == s.location {
        out.push(Command::Everywhere(Ask::Close));
        s.open_contact(&hit.contact.id, out);
        return s.overlay.take();
    }
    // Another location, even under this profile's name (its location
    // given by a flag): the profile opens it.
    match hit.profile {
        Some(p) => {
            out.push(Command::Everywhere(Ask::Close));
            out.push(Command::SwitchProfileAt(p, hit.contact.id));
            None
        }
        None => {
            s.notice = Some(format!(
                "No profile names location {}: add a [profiles.NAME] table with location_id = \"{}\" to open it here.",
                crate::text::snippet(&hit.location_id, 40),
                crate::text::snippet(&hit.location_id, 40)
            ));
            Some(Overlay::Everywhere(e))
        }
    }
}

/// The runtime's answer to the search numbered `generation`.
pub(crate) fn on_everywhere(
    s: &mut State,
    generation: u64,
    result: Result<Found, String>,
    out: &mut Vec<Command>,
) {
    let Some(Overlay::Everywhere(e)) = s.overlay.as_mut() else {
        return;
    };
    if generation != e.generation {
        return;
    }
    e.searching = false;
    let open = std::mem::take(&mut e.open_when_done);
    match result {
        Ok(f) => {
            e.found = f;
            e.error = None;
            e.selected = e.selected.min(e.found.hits.len().saturating_sub(1));
        }
        Err(why) => {
            // The hits shown were the query before's: none of them is an
            // answer to this one.
            e.found = Found::default();
            e.selected = 0;
            e.error = Some(why);
            return;
        }
    }
    if !open {
        return;
    }
    let Some(hit) = e.found.hits.first().cloned() else {
        s.notice = Some("Nothing to open: no location has a match.".into());
        return;
    };
    if let Some(Overlay::Everywhere(mut e)) = s.overlay.take() {
        e.selected = 0;
        s.overlay = open_hit(s, e, hit, out);
        // A form whose save failed meanwhile comes back, as when any
        // overlay closes.
        super::reopen_draft(s);
    }
}

impl State {
    /// Opens the contact a profile switch was asked to land on, once the
    /// list holds it.
    pub(crate) fn open_pending(&mut self, out: &mut Vec<Command>) {
        let Some(id) = self.start_at.clone() else {
            return;
        };
        if self.contact_by_id(&id).is_some() {
            self.start_at = None;
            self.open_contact(&id, out);
        }
    }
}
