//! What is on the terminal, and moving it rather than repainting it.
//!
//! [`Scrolling`] wraps a ratatui backend and keeps a copy of the screen as
//! the terminal shows it. When the app says that a band of rows moved
//! ([`Scrolling::hint`], for example the list scrolled by one row), the
//! next frame is compared twice: with the screen as it is, and with the
//! band scrolled by the terminal itself (a scroll region, `CSI t;b r` and
//! `CSI n S`/`T`, which tmux, screen, xterm and every VT100 descendant
//! know). Whichever leaves fewer cells to write is sent. A hint can only
//! make a frame cheaper: the screen that results is the same either way,
//! which `tests` check against random frames and random hints.

use std::ops::Range;

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect, Size};

/// The escape sequences of a scroll (`CSI t;b r`, `CSI n S`, `CSI r`) cost
/// about this many bytes; a scroll must save more than that.
const SCROLL_COST: usize = 16;
/// A jump of the cursor (`CSI y;x H`) costs about this many bytes, and a
/// change of colours about [`STYLE_COST`]: a diff in many short runs
/// writes far more than its cells.
const MOVE_COST: usize = 7;
const STYLE_COST: usize = 12;

/// About how many bytes a backend writes for `updates`, as crossterm's
/// does: each cell's text, a cursor jump where a run breaks, and a style
/// sequence where the colours change.
fn estimate<'a>(updates: impl IntoIterator<Item = (u16, u16, &'a Cell)>) -> usize {
    let mut total = 0;
    let mut at: Option<(u16, u16)> = None;
    let mut style: Option<(
        ratatui::style::Color,
        ratatui::style::Color,
        ratatui::style::Modifier,
    )> = None;
    for (x, y, c) in updates {
        if at != Some((x, y)) {
            total += MOVE_COST;
        }
        let st = (c.fg, c.bg, c.modifier);
        if style != Some(st) {
            total += STYLE_COST;
            style = Some(st);
        }
        let w = unicode_width::UnicodeWidthStr::width(c.symbol()).max(1) as u16;
        total += c.symbol().len();
        at = Some((x + w, y));
    }
    total
}

/// A band of rows whose content moved by `by` rows: positive when it
/// moved up (the list scrolled down to later rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub rows: Range<u16>,
    pub by: i32,
}

/// A backend that knows what the terminal shows, and scrolls it when that
/// is cheaper than repainting.
pub struct Scrolling<B: Backend> {
    inner: B,
    shown: Buffer,
    hint: Option<Hint>,
    /// Frames sent with a scroll, for tests and benches.
    pub scrolls: u64,
}

impl<B: Backend> Scrolling<B> {
    pub fn new(inner: B) -> Self {
        let size = inner.size().unwrap_or_default();
        Self::sized(inner, size)
    }

    /// A backend over a terminal of `size` (for a writer that is not one).
    pub fn sized(inner: B, size: Size) -> Self {
        Scrolling {
            inner,
            shown: Buffer::empty(Rect::new(0, 0, size.width, size.height)),
            hint: None,
            scrolls: 0,
        }
    }

    /// Says that the next frame moves `rows` by `by`.
    pub fn hint(&mut self, hint: Option<Hint>) {
        self.hint = hint;
    }

    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// The screen as the terminal shows it.
    pub fn shown(&self) -> &Buffer {
        &self.shown
    }

    fn blank(&mut self) {
        let size = self.inner.size().unwrap_or_default();
        self.shown = Buffer::empty(Rect::new(0, 0, size.width, size.height));
    }
}

/// `b` with `rows` moved by `by` (up when positive), the rows uncovered
/// left empty: what a terminal shows after scrolling that region.
fn scrolled(b: &Buffer, rows: &Range<u16>, by: i32) -> Buffer {
    let mut out = b.clone();
    let width = b.area.width;
    for y in rows.clone() {
        let from = i64::from(y) + i64::from(by);
        for x in 0..width {
            let cell = if from >= i64::from(rows.start) && from < i64::from(rows.end) {
                b[(x, from as u16)].clone()
            } else {
                Cell::EMPTY
            };
            out[(x, y)] = cell;
        }
    }
    out
}

/// About the bytes that turn row `ya` of `a` into row `yb` of `b` (see
/// [`estimate`]); `a` row `None` stands for an empty row (what a scroll
/// uncovers).
fn row_cost(a: Option<(&Buffer, u16)>, b: &Buffer, yb: u16) -> usize {
    estimate((0..b.area.width).filter_map(|x| {
        let want = &b[(x, yb)];
        let differs = match a {
            Some((a, ya)) => &a[(x, ya)] != want,
            None => want != &Cell::EMPTY,
        };
        differs.then_some((x, yb, want))
    }))
}

/// The part of the hinted band that is cheapest to scroll from `shown`
/// to `next`, or `None` when no part of it beats repainting.
///
/// A region spans the full width, so scrolling the whole band also moves
/// what sits beside the list (the detail pane) and repaints it. Every
/// sub-band `[a, b)` is priced, in bytes left to write, from prefix sums
/// of per-row costs: rows outside it compared as they are, rows inside it
/// compared after the move, uncovered rows compared with empty ones.
fn cheapest(shown: &Buffer, next: &Buffer, h: &Hint) -> Option<Hint> {
    let (s, e) = (usize::from(h.rows.start), usize::from(h.rows.end));
    let n = h.by.unsigned_abs() as usize;
    let sums = |f: &dyn Fn(usize) -> usize| {
        let mut p = vec![0usize; e - s + 1];
        for y in s..e {
            p[y - s + 1] = p[y - s] + f(y);
        }
        p
    };
    let stay = sums(&|y| row_cost(Some((shown, y as u16)), next, y as u16));
    let empty = sums(&|y| row_cost(None, next, y as u16));
    // The row that moves into row y: y + n going up, y - n going down.
    let moved = sums(&|y| {
        let from = if h.by > 0 { y + n } else { y.wrapping_sub(n) };
        if (s..e).contains(&from) {
            row_cost(Some((shown, from as u16)), next, y as u16)
        } else {
            0
        }
    });
    let range = |p: &[usize], a: usize, b: usize| p[b - s] - p[a - s];
    let whole = range(&stay, s, e);
    let mut best: Option<(usize, usize, usize)> = None;
    for a in s..e {
        for b in a + n + 1..=e {
            let inside = if h.by > 0 {
                range(&moved, a, b - n) + range(&empty, b - n, b)
            } else {
                range(&empty, a, a + n) + range(&moved, a + n, b)
            };
            let cost = whole - range(&stay, a, b) + inside;
            if best.is_none_or(|(c, _, _)| cost < c) {
                best = Some((cost, a, b));
            }
        }
    }
    let (cost, a, b) = best?;
    (cost + SCROLL_COST < whole).then_some(Hint {
        rows: a as u16..b as u16,
        by: h.by,
    })
}

/// Empties the cells a wide character covers, as the terminal shows them.
/// A frame's updates leave those cells out, so without this the copy
/// would keep what they held before, and a stale wide character there
/// would make the next comparison skip a cell that changed.
fn settle_wide(b: &mut Buffer) {
    let width = b.area.width;
    for y in 0..b.area.height {
        let mut x = 0;
        while x < width {
            let w = unicode_width::UnicodeWidthStr::width(b[(x, y)].symbol()).max(1) as u16;
            for covered in x + 1..(x + w).min(width) {
                b[(covered, y)] = Cell::EMPTY;
            }
            x += w;
        }
    }
}

impl<B: Backend> Backend for Scrolling<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let updates: Vec<(u16, u16, &Cell)> = content.collect();
        let mut next = self.shown.clone();
        for &(x, y, cell) in &updates {
            if next.area.contains(Position { x, y }) {
                next[(x, y)] = cell.clone();
            }
        }
        settle_wide(&mut next);
        let hint = self.hint.take().filter(|h| {
            h.by != 0
                && h.rows.start < h.rows.end
                && h.rows.end <= self.shown.area.height
                && h.by.unsigned_abs() < u32::from(h.rows.end - h.rows.start)
        });
        if let Some(h) = hint.and_then(|h| cheapest(&self.shown, &next, &h)) {
            let (rows, by) = (h.rows, h.by);
            let moved = scrolled(&self.shown, &rows, by);
            let rest = moved.diff(&next);
            if estimate(rest.iter().copied()) + SCROLL_COST < estimate(updates.iter().copied()) {
                let n = by.unsigned_abs() as u16;
                if by > 0 {
                    self.inner.scroll_region_up(rows, n)?;
                } else {
                    self.inner.scroll_region_down(rows, n)?;
                }
                self.scrolls += 1;
                self.inner.draw(rest.into_iter())?;
                self.shown = next;
                return Ok(());
            }
        }
        self.inner.draw(updates.into_iter())?;
        self.shown = next;
        Ok(())
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.blank();
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.blank();
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        // Anything but a whole clear leaves a screen this copy does not
        // model; forget it, so the next frame is drawn whole.
        self.blank();
        if clear_type != ClearType::All {
            // A marker no frame contains: every cell differs next time.
            for cell in self.shown.content.iter_mut() {
                cell.set_symbol("\u{0}");
            }
        }
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }

    fn scroll_region_up(&mut self, region: Range<u16>, line_count: u16) -> Result<(), Self::Error> {
        self.shown = scrolled(&self.shown, &region, i32::from(line_count));
        self.inner.scroll_region_up(region, line_count)
    }

    fn scroll_region_down(
        &mut self,
        region: Range<u16>,
        line_count: u16,
    ) -> Result<(), Self::Error> {
        self.shown = scrolled(&self.shown, &region, -i32::from(line_count));
        self.inner.scroll_region_down(region, line_count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::widgets::Paragraph;

    /// A frame: rows of text, a left band that scrolls and a right pane.
    fn frame(width: u16, height: u16, top: usize, pane: u8) -> Vec<String> {
        (0..height)
            .map(|y| {
                let left = if y == 0 || y + 1 == height {
                    "-".repeat(usize::from(width / 2))
                } else {
                    let n = top + usize::from(y);
                    format!("{:x} ✓ 漢 {n}", (n as u64).wrapping_mul(2_654_435_761))
                };
                format!("{left:<w$}|pane {pane} {y}", w = usize::from(width / 2))
            })
            .collect()
    }

    fn draw(t: &mut Terminal<Scrolling<TestBackend>>, lines: &[String], hint: Option<Hint>) {
        t.backend_mut().hint(hint);
        t.draw(|f| {
            let text = lines.join("\n");
            f.render_widget(Paragraph::new(text), f.area());
        })
        .unwrap();
    }

    #[test]
    fn a_scrolled_list_is_moved_and_ends_as_a_full_redraw() {
        let (w, h) = (60, 20);
        let mut t = Terminal::new(Scrolling::new(TestBackend::new(w, h))).unwrap();
        let mut plain = Terminal::new(TestBackend::new(w, h)).unwrap();
        draw(&mut t, &frame(w, h, 0, 1), None);
        for top in 1..30 {
            let f = frame(w, h, top, 1);
            draw(
                &mut t,
                &f,
                Some(Hint {
                    rows: 1..h - 1,
                    by: 1,
                }),
            );
            plain
                .draw(|x| x.render_widget(Paragraph::new(f.join("\n")), x.area()))
                .unwrap();
            assert_eq!(
                visible(t.backend().inner().buffer()),
                visible(plain.backend().buffer())
            );
        }
        assert_eq!(t.backend().scrolls, 29, "every step should have scrolled");
    }

    #[test]
    fn a_wrong_hint_costs_nothing_and_changes_nothing() {
        let (w, h) = (40, 12);
        let mut t = Terminal::new(Scrolling::new(TestBackend::new(w, h))).unwrap();
        draw(&mut t, &frame(w, h, 0, 1), None);
        // Nothing moved, but the hint says so.
        draw(
            &mut t,
            &frame(w, h, 0, 2),
            Some(Hint {
                rows: 1..h - 1,
                by: 3,
            }),
        );
        assert_eq!(t.backend().scrolls, 0);
        let mut plain = Terminal::new(TestBackend::new(w, h)).unwrap();
        let f = frame(w, h, 0, 2).join("\n");
        plain
            .draw(|x| x.render_widget(Paragraph::new(f), x.area()))
            .unwrap();
        assert_eq!(
            visible(t.backend().inner().buffer()),
            visible(plain.backend().buffer())
        );
    }

    /// Beside the list, a pane with text in its top rows only: moving the
    /// whole band would shift that text and repaint it, so the scroll
    /// must leave those rows out and move only the rows beside blank pane.
    #[test]
    fn a_scroll_leaves_out_the_rows_where_the_pane_beside_has_text() {
        let (w, h) = (60u16, 20u16);
        let lines = |top: usize| -> Vec<String> {
            (0..h)
                .map(|y| {
                    let n = top + usize::from(y);
                    let pane = if (1..6).contains(&y) {
                        format!("field {y}: some value that stays")
                    } else {
                        String::new()
                    };
                    format!("{:<30}{pane}", format!("contact {n} {:x}", n * 7919))
                })
                .collect()
        };
        let buf = |top: usize| {
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            let f = lines(top).join("\n");
            t.draw(|x| x.render_widget(Paragraph::new(f), x.area()))
                .unwrap();
            t.backend().buffer().clone()
        };
        let (shown, next) = (buf(0), buf(1));
        let band = Hint { rows: 0..h, by: 1 };
        let chosen = cheapest(&shown, &next, &band).expect("a scroll pays");
        assert_eq!(chosen.rows, 6..h, "only the rows beside the blank pane");
        let cells = |rows: Range<u16>| scrolled(&shown, &rows, 1).diff(&next).len();
        assert!(
            cells(chosen.rows.clone()) < cells(0..h),
            "the sub-band writes less: {} vs {}",
            cells(chosen.rows),
            cells(0..h)
        );
        // Drawn through the backend, the result is the next frame.
        let mut t = Terminal::new(Scrolling::new(TestBackend::new(w, h))).unwrap();
        draw(&mut t, &lines(0), None);
        draw(&mut t, &lines(1), Some(band));
        assert_eq!(t.backend().scrolls, 1);
        assert_eq!(visible(t.backend().inner().buffer()), visible(&next));
    }

    /// The cells a terminal shows: all but those a wide one covers.
    #[allow(clippy::type_complexity)]
    fn visible(
        b: &Buffer,
    ) -> Vec<(
        u16,
        u16,
        String,
        ratatui::style::Color,
        ratatui::style::Color,
    )> {
        let mut out = Vec::new();
        for y in 0..b.area.height {
            let mut x = 0;
            while x < b.area.width {
                let c = &b[(x, y)];
                out.push((x, y, c.symbol().to_string(), c.fg, c.bg));
                x += (unicode_width::UnicodeWidthStr::width(c.symbol()) as u16).max(1);
            }
        }
        out
    }

    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What a terminal emulator shows after reading `bytes`, as text rows.
    fn emulated(bytes: &[u8], w: u16, h: u16) -> Vec<String> {
        let mut p = vt100::Parser::new(h, w, 0);
        p.process(bytes);
        (0..h)
            .map(|y| {
                let mut row = String::new();
                let mut x = 0;
                while x < w {
                    let c = p.screen().cell(y, x).unwrap();
                    let t = c.contents();
                    row.push_str(if t.is_empty() { " " } else { t });
                    x += if c.is_wide() { 2 } else { 1 };
                }
                row
            })
            .collect()
    }

    fn text(b: &Buffer) -> Vec<String> {
        let (w, h) = (b.area.width, b.area.height);
        (0..h)
            .map(|y| {
                let mut row = String::new();
                let mut x = 0;
                while x < w {
                    let s = b[(x, y)].symbol();
                    row.push_str(s);
                    x += (unicode_width::UnicodeWidthStr::width(s) as u16).max(1);
                }
                row
            })
            .collect()
    }

    proptest! {
        /// The bytes sent, read by a terminal emulator, show each frame.
        #[test]
        fn an_emulator_shows_each_frame(
            steps in prop::collection::vec(
                (0usize..40, 0u8..3, prop::option::of((0u16..14, 0u16..14, -14i32..14))),
                1..25,
            ),
        ) {
            use ratatui::{TerminalOptions, Viewport};
            let (w, h) = (30u16, 12u16);
            let area = Rect::new(0, 0, w, h);
            let out = Shared::default();
            let backend = ratatui::backend::CrosstermBackend::new(out.clone());
            let mut t = Terminal::with_options(
                Scrolling::sized(backend, Size::new(w, h)),
                TerminalOptions { viewport: Viewport::Fixed(area) },
            ).unwrap();
            for (top, pane, hint) in &steps {
                let hint = hint.map(|(a, b, by)| Hint { rows: a.min(b)..a.max(b), by });
                let f = frame(w, h, *top, *pane);
                t.backend_mut().hint(hint);
                let done = t.draw(|x| x.render_widget(Paragraph::new(f.join("\n")), x.area())).unwrap();
                let want = text(done.buffer);
                let bytes = out.0.lock().unwrap().clone();
                prop_assert_eq!(emulated(&bytes, w, h), want);
            }
        }

        /// Whatever the frames and the hints, the copy of the screen is
        /// the last frame, as a full redraw would draw it.
        #[test]
        fn any_frames_and_hints_end_as_a_full_redraw(
            steps in prop::collection::vec(
                (0usize..40, 0u8..3, prop::option::of((0u16..14, 0u16..14, -14i32..14))),
                1..25,
            ),
            clear_at in prop::option::of(0usize..25),
        ) {
            let (w, h) = (30, 12);
            let mut t = Terminal::new(Scrolling::new(TestBackend::new(w, h))).unwrap();
            for (i, (top, pane, hint)) in steps.iter().enumerate() {
                if clear_at == Some(i) {
                    t.clear().unwrap();
                }
                let hint = hint.map(|(a, b, by)| Hint { rows: a.min(b)..a.max(b), by });
                let f = frame(w, h, *top, *pane);
                draw(&mut t, &f, hint);
                let mut plain = Terminal::new(TestBackend::new(w, h)).unwrap();
                plain.draw(|x| x.render_widget(Paragraph::new(f.join("\n")), x.area())).unwrap();
                // (TestBackend does not model a wide character half
                // overwritten; the emulator test below does.)
                prop_assert_eq!(visible(t.backend().shown()), visible(plain.backend().buffer()));
            }
        }
    }
}
