//! The help overlay: every key of every context, as the keymap has them.

use crate::app::*;

/// Any key closes it: help is read, then dismissed.
pub(crate) fn help_key(_k: KeyEvent) -> Option<Overlay> {
    None
}
