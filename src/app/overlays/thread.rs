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
    /// Lines scrolled up from the newest message.
    pub scroll: usize,
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
            let channel = match k.code {
                KeyCode::Char('s') => "SMS",
                KeyCode::Char('m') => "Email",
                _ => v.reply_channel(),
            };
            let cid = v.contact_id.clone();
            v.scroll = 0;
            s.start_reply(&cid, channel, v);
            return s.overlay.take();
        }
        _ => {}
    }
    let _ = out;
    Some(Overlay::Thread(v))
}
