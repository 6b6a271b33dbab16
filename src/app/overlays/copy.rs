//! The copy menu: one key copies one field of the contact (OSC 52, so it
//! works over SSH too).

use crate::app::*;

pub(crate) fn copy_key(
    s: &mut State,
    c: Box<Contact>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    let field = match k.code {
        KeyCode::Char('e') => c.email.clone().map(|v| ("email", v)),
        KeyCode::Char('p') => c.phone.clone().map(|v| ("phone", v)),
        KeyCode::Char('n') => Some(("name", c.display_name())),
        KeyCode::Char('i') => Some(("id", c.id.clone())),
        KeyCode::Esc | KeyCode::Char('q') => return None,
        _ => return Some(Overlay::Copy(c)),
    };
    match field {
        Some((what, v)) => {
            out.push(Command::Copy(crate::text::printable(&v)));
            s.notice = Some(format!("Copied the {what}."));
        }
        None => s.notice = Some("That contact has no such field.".into()),
    }
    None
}
