//! The profile switcher: the config's profiles, one to open in place of
//! this session.

use crate::app::*;

pub(crate) fn profiles_key(
    s: &mut State,
    i: usize,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    match k.code {
        KeyCode::Esc | KeyCode::Char('q') => None,
        KeyCode::Down | KeyCode::Char('j') => Some(Overlay::Profiles(
            (i + 1).min(s.profiles.len().saturating_sub(1)),
        )),
        KeyCode::Up | KeyCode::Char('k') => Some(Overlay::Profiles(i.saturating_sub(1))),
        KeyCode::Enter => {
            if let Some(name) = s.profiles.get(i) {
                out.push(Command::SwitchProfile(name.clone()));
            }
            None
        }
        _ => Some(Overlay::Profiles(i)),
    }
}
