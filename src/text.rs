//! Text from the API is untrusted: it may carry terminal escape sequences,
//! control characters or bidi overrides. Everything shown to a person goes
//! through [`sanitize`] first.

use std::borrow::Cow;

/// Whether a character must not reach a terminal as is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            // bidi embeddings, overrides and isolates
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
            // line and paragraph separators break layouts
            | '\u{2028}' | '\u{2029}'
            // invisible: zero-width space and no-break, word joiner, the
            // deprecated format controls, tag characters (they spoof text;
            // ZWJ and ZWNJ stay, emoji and scripts need them)
            | '\u{200B}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{206A}'..='\u{206F}'
            | '\u{E0000}'..='\u{E007F}'
        )
}

/// Replaces control characters (including ESC), bidi overrides and line
/// separators with visible stand-ins, so the text cannot move the cursor,
/// change colours or reorder what is around it. Tabs and newlines become
/// spaces: callers that keep line structure split on '\n' first.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => ' ',
                c if is_unsafe(c) => '\u{FFFD}',
                c => c,
            })
            .collect(),
    )
}

/// Writes text with everything unsafe for a terminal replaced (lines kept):
/// for the log, which `tail -f` shows on one.
pub struct SanitizedWriter<W>(pub W);

impl<W: std::io::Write> std::io::Write for SanitizedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let clean: String = text
            .split('\n')
            .map(|l| sanitize(l).into_owned())
            .collect::<Vec<_>>()
            .join("\n");
        self.0.write_all(clean.as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Only the printable characters of `s`: what may go on the clipboard.
/// A pasted CR would submit a shell line, and `ESC[201~` would end a
/// bracketed paste, so controls, escapes and bidi overrides are dropped.
pub fn printable(s: &str) -> String {
    s.chars().filter(|c| !is_unsafe(*c)).collect()
}

/// `s` as one URL path segment: anything but unreserved characters is
/// percent-encoded, so an id cannot add a path, a query or a control.
pub fn url_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The first `max` characters of `s`, sanitized, with an ellipsis when cut.
pub fn snippet(s: &str, max: usize) -> String {
    let mut out: String = sanitize(s).chars().take(max).collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

/// `s` sanitized and wrapped to `width` screen columns: each of its lines
/// broken at spaces, a word longer than the width broken where it must.
/// Blank lines are kept, so paragraphs stay apart.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let width = width.max(1);
    let mut out = Vec::new();
    for line in s.split('\n') {
        let line = sanitize(line.strip_suffix('\r').unwrap_or(line));
        let mut cur = String::new();
        let mut cur_w = 0;
        for word in line.split(' ') {
            let w: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
            if cur_w > 0 && cur_w + 1 + w <= width {
                cur.push(' ');
                cur.push_str(word);
                cur_w += 1 + w;
                continue;
            }
            if cur_w > 0 || !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
                cur_w = 0;
            }
            // A word wider than the line: broken by columns.
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if cur_w + cw > width && cur_w > 0 {
                    out.push(std::mem::take(&mut cur));
                    cur_w = 0;
                }
                cur.push(c);
                cur_w += cw;
            }
        }
        out.push(cur);
    }
    out
}

/// Truncates to `width` columns with an ellipsis, by display width (a CJK
/// character is two columns).
pub fn fit_width(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut used = 0;
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return s.to_string();
    }
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        assert_eq!(
            wrap("gate code 4411 dog is friendly", 10),
            ["gate code", "4411 dog", "is", "friendly"]
        );
        assert_eq!(wrap("a\n\nb", 5), ["a", "", "b"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("界界界", 4), ["界界", "界"]);
        assert_eq!(wrap("\u{1b}[31mred", 20), ["\u{FFFD}[31mred"]);
        for s in ["", " ", "  a  b ", "x\ty"] {
            for w in 0..6 {
                for l in wrap(s, w) {
                    assert!(
                        unicode_width::UnicodeWidthStr::width(l.as_str()) <= w.max(1),
                        "{s:?} {w}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_log_writer_keeps_lines_and_drops_escapes() {
        use std::io::Write;
        let mut w = SanitizedWriter(Vec::new());
        w.write_all(b"server said \x1b]0;pwned\x07 no\nnext line\n")
            .unwrap();
        let out = String::from_utf8(w.0).unwrap();
        assert_eq!(out, "server said \u{FFFD}]0;pwned\u{FFFD} no\nnext line\n");
    }

    #[test]
    fn the_clipboard_gets_only_printable_text() {
        let hostile = "ann@x.org\r\u{1b}[201~rm -rf ~\u{7}\u{0}\u{9b}\u{202e}";
        assert_eq!(printable(hostile), "ann@x.org[201~rm -rf ~");
        assert_eq!(url_segment("ab/../c?d\u{1b}"), "ab%2F..%2Fc%3Fd%1B");
    }

    #[test]
    fn escapes_and_controls_never_pass() {
        let hostile = "\x1b[2J\x1b]0;pwned\x07Bob\u{202E}evil\u{0008}\r\n";
        let clean = sanitize(hostile);
        assert!(!clean.chars().any(is_unsafe), "{clean:?}");
        assert!(clean.contains("Bob"));
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        let s = "José Ñúñez 🦀 محمد";
        assert!(matches!(sanitize(s), Cow::Borrowed(_)));
    }

    #[test]
    fn snippet_cuts_on_characters() {
        assert_eq!(snippet("héllo wörld", 5), "héllo…");
        assert_eq!(snippet("hi", 5), "hi");
    }
}

/// The first line of text of a message body, plain or HTML: tags dropped
/// (a `<br>` or the end of a block is a line break), the common entities
/// read, blank lines skipped. For one-line previews; no crate that turns
/// HTML into text is vendored here.
pub fn html_line(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let looks_html = [
        "</", "<br", "<p", "<div", "<html", "<span", "<a ", "<img", "<table",
    ]
    .iter()
    .any(|t| lower.contains(t));
    let mut text = String::with_capacity(s.len());
    if looks_html {
        let mut rest = s;
        while let Some(i) = rest.find('<') {
            text.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let Some(end) = after.find('>') else {
                rest = "";
                break;
            };
            let tag = after[..end].trim_start_matches('/').to_ascii_lowercase();
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if matches!(
                name.as_str(),
                "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "blockquote"
            ) {
                text.push('\n');
            }
            rest = &after[end + 1..];
        }
        text.push_str(rest);
        for (entity, ch) in [
            ("&nbsp;", " "),
            ("&lt;", "<"),
            ("&gt;", ">"),
            ("&quot;", "\""),
            ("&#39;", "'"),
            ("&apos;", "'"),
            ("&amp;", "&"),
        ] {
            text = text.replace(entity, ch);
        }
    } else {
        text.push_str(s);
    }
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod html_tests {
    use super::html_line;
    use proptest::prelude::*;

    #[test]
    fn a_preview_of_plain_text_or_html() {
        assert_eq!(html_line("\n\n  Hi there  \nsecond"), "Hi there");
        assert_eq!(html_line("<p>Hello,</p><p>About the quote</p>"), "Hello,");
        assert_eq!(
            html_line("<div><br>Tom &amp; Jerry&nbsp;&lt;3</div>"),
            "Tom & Jerry <3"
        );
        assert_eq!(html_line("a < b and c > d"), "a < b and c > d");
        assert_eq!(html_line("<p unclosed"), "");
    }

    proptest! {
        #[test]
        fn any_body_gives_one_line(s in "\\PC{0,200}") {
            let l = html_line(&s);
            prop_assert!(!l.contains('\n'));
        }
    }
}
