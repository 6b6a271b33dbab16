//! Colours and styles in one place.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone)]
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
        Self {
            text: Style::default(),
            dim: Style::default().fg(Color::DarkGray),
            accent: Style::default().fg(Color::Cyan),
            title: Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            selected: Style::default().bg(Color::Blue).fg(Color::White),
            selected_unfocused: Style::default().add_modifier(Modifier::REVERSED),
            highlight: Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            tag: Style::default().fg(Color::Magenta),
            overdue: Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            due_today: Style::default().fg(Color::Yellow),
            done: Style::default()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::CROSSED_OUT),
            error: Style::default().fg(Color::White).bg(Color::Red),
            notice: Style::default().fg(Color::Green),
            badge: Style::default().fg(Color::Black).bg(Color::Cyan),
            border: Style::default().fg(Color::DarkGray),
            border_focused: Style::default().fg(Color::Cyan),
        }
    }
}
