//! The thread view: a contact's messages on every channel, oldest at the
//! top and the newest at the bottom, wrapped in full (an email's HTML as
//! text, attachments by name and address), with the replies on their way.
//! `j`/`k` scroll, `g`/`G` go to the oldest and newest; `r` replies on the
//! newest message's channel, `s` by SMS, `m` by email; esc closes.

use crate::api::conversations::ContactThreads;
use crate::app::*;

#[derive(Debug, Clone)]
pub struct ThreadView {
    pub contact_id: String,
    /// Who it is with, sanitized.
    pub name: String,
    pub threads: Remote<ContactThreads>,
    /// The whole thread has been read (not only the pane's few).
    pub complete: bool,
    /// Lines scrolled up from the newest message (held within the
    /// thread by `thread_key`, with the terminal's size).
    pub scroll: usize,
    /// The contact's full record (its Do Not Disturb settings, which the
    /// list's copy lacks), once read.
    pub contact: Option<Box<Contact>>,
}

/// A reply being typed in the note editor: where it goes, and the thread
/// to come back to.
#[derive(Debug, Clone)]
pub struct ReplyTo {
    /// `SMS` or `Email`.
    pub channel: String,
    pub subject: Option<String>,
    pub reply_message_id: Option<String>,
    /// Whom to, as the editor's title says it.
    pub to: String,
    pub back: Box<ThreadView>,
}

impl ThreadView {
    /// How many lines the thread takes at the terminal's `width`, as the
    /// view draws them (for holding the scroll within it).
    pub fn line_count(&self, s: &State, width: u16) -> usize {
        let w = usize::from(width).saturating_sub(4).max(8);
        let text_lines = |t: &str| -> usize {
            t.trim_end()
                .lines()
                .map(|p| {
                    if p.trim().is_empty() {
                        1
                    } else {
                        crate::text::wrap(&crate::text::sanitize(p), w).len()
                    }
                })
                .sum()
        };
        let loaded = self.threads.loaded();
        let mut n = usize::from(loaded.is_some_and(|t| t.more) && self.complete);
        if loaded.is_none_or(|t| t.messages.is_empty()) && s.replies_to(&self.contact_id).is_empty()
        {
            n += 1;
        }
        for m in loaded.map(|t| t.messages.as_slice()).unwrap_or(&[]) {
            let kind = m.message_type.as_deref().unwrap_or("");
            let text = if kind == "TYPE_EMAIL" {
                n += 1;
                crate::text::html_text(m.body.as_deref().unwrap_or(""))
            } else if kind.contains("CALL") {
                m.summary()
            } else {
                m.body.clone().unwrap_or_default()
            };
            n += 2 + text_lines(&text) + m.attachments.len();
        }
        for r in s.replies_to(&self.contact_id) {
            // A waiting one's state may take lines of its own.
            let state = usize::from(r.state != crate::app::messages::ReplyState::Sending) * 3;
            n +=
                2 + state + usize::from(r.message.subject.is_some()) + text_lines(r.message.text());
        }
        n
    }

    /// The channel a plain reply takes: the newest message's, when it is
    /// an email; else SMS (calls are answered by text).
    pub fn reply_channel(&self) -> &'static str {
        let newest = self.threads.loaded().and_then(|t| t.messages.first());
        match newest.and_then(|m| m.message_type.as_deref()) {
            Some("TYPE_EMAIL") => "Email",
            _ => "SMS",
        }
    }
}

pub(crate) fn thread_key(
    s: &mut State,
    mut v: Box<ThreadView>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Esc | KeyCode::Char('q') => return None,
        KeyCode::Char('c') if ctrl => return None,
        KeyCode::Char('l') if ctrl => s.error = None,
        KeyCode::Char('k') | KeyCode::Up => v.scroll = v.scroll.saturating_add(1),
        KeyCode::Char('j') | KeyCode::Down => v.scroll = v.scroll.saturating_sub(1),
        KeyCode::Char('u') if ctrl => v.scroll = v.scroll.saturating_add(10),
        KeyCode::Char('d') if ctrl => v.scroll = v.scroll.saturating_sub(10),
        KeyCode::PageUp => v.scroll = v.scroll.saturating_add(10),
        KeyCode::PageDown => v.scroll = v.scroll.saturating_sub(10),
        // The renderer holds it at the oldest line.
        KeyCode::Char('g') | KeyCode::Home => v.scroll = usize::MAX / 2,
        KeyCode::Char('G') | KeyCode::End => v.scroll = 0,
        KeyCode::Char('r') | KeyCode::Char('s') | KeyCode::Char('m') => {
            // The channel and the email answered come from the thread.
            if k.code != KeyCode::Char('s') && !v.complete {
                s.notice = Some("Still reading the thread; try again in a moment.".into());
                return Some(Overlay::Thread(v));
            }
            let channel = match k.code {
                KeyCode::Char('s') => "SMS",
                KeyCode::Char('m') => "Email",
                _ => v.reply_channel(),
            };
            let cid = v.contact_id.clone();
            v.scroll = 0;
            s.start_reply(&cid, channel, v, out);
            return s.overlay.take();
        }
        _ => {}
    }
    // Within the thread: past its top, j would seem to do nothing.
    let errors = if s.error_text().is_some() { 2 } else { 0 };
    let body = usize::from(s.height).saturating_sub(4 + errors).max(1);
    let most = v.line_count(s, s.width).saturating_sub(body);
    v.scroll = v.scroll.min(most);
    Some(Overlay::Thread(v))
}
