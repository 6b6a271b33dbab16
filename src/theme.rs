//! Colours and styles in one place: built from the config's named colours,
//! or monochrome (modifiers only) when the user asks or `NO_COLOR` is set.

use std::collections::BTreeMap;

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub text: Style,
    pub dim: Style,
    pub accent: Style,
    pub title: Style,
    pub selected: Style,
    pub selected_unfocused: Style,
    pub highlight: Style,
    pub tag: Style,
    pub overdue: Style,
    pub due_today: Style,
    pub done: Style,
    pub error: Style,
    pub notice: Style,
    pub badge: Style,
    pub border: Style,
    pub border_focused: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Self::from_palette(&BTreeMap::new())
    }
}

impl Theme {
    /// The default look, with any of `accent`, `highlight`, `tag`,
    /// `overdue`, `due_today`, `selected_bg` replaced.
    pub fn from_palette(p: &BTreeMap<&str, Color>) -> Self {
        let c = |k: &str, d: Color| p.get(k).copied().unwrap_or(d);
        let accent = c("accent", Color::Cyan);
        Self {
            text: Style::default(),
            dim: Style::default().fg(Color::DarkGray),
            accent: Style::default().fg(accent),
            title: Style::default().fg(accent).add_modifier(Modifier::BOLD),
            selected: Style::default()
                .bg(c("selected_bg", Color::Blue))
                .fg(Color::White),
            selected_unfocused: Style::default().add_modifier(Modifier::REVERSED),
            highlight: Style::default()
                .fg(c("highlight", Color::Yellow))
                .add_modifier(Modifier::BOLD),
            tag: Style::default().fg(c("tag", Color::Magenta)),
            overdue: Style::default()
                .fg(c("overdue", Color::Red))
                .add_modifier(Modifier::BOLD),
            due_today: Style::default().fg(c("due_today", Color::Yellow)),
            done: Style::default()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::CROSSED_OUT),
            error: Style::default().fg(Color::White).bg(Color::Red),
            notice: Style::default().fg(Color::Green),
            badge: Style::default().fg(Color::Black).bg(accent),
            border: Style::default().fg(Color::DarkGray),
            border_focused: Style::default().fg(accent),
        }
    }

    /// No colour at all: every distinction is carried by bold, reverse,
    /// underline, italics or strike-through, so the UI stays usable.
    pub fn monochrome() -> Self {
        let m = |m: Modifier| Style::default().add_modifier(m);
        Self {
            text: Style::default(),
            dim: m(Modifier::DIM),
            accent: m(Modifier::BOLD),
            title: m(Modifier::BOLD),
            selected: m(Modifier::REVERSED),
            selected_unfocused: m(Modifier::UNDERLINED),
            highlight: m(Modifier::BOLD | Modifier::UNDERLINED),
            tag: m(Modifier::ITALIC),
            overdue: m(Modifier::BOLD | Modifier::UNDERLINED),
            due_today: m(Modifier::BOLD),
            done: m(Modifier::CROSSED_OUT | Modifier::DIM),
            error: m(Modifier::REVERSED | Modifier::BOLD),
            notice: m(Modifier::BOLD),
            badge: m(Modifier::REVERSED),
            border: Style::default(),
            border_focused: m(Modifier::BOLD),
        }
    }
}
