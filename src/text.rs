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
    html_text(s)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// An email body as readable text: HTML (when it looks like HTML) reduced
/// to its words, a line break for each block, links kept as `text <url>`,
/// scripts and styles dropped, entities decoded; runs of blank lines
/// folded to one. Plain text comes back as it was.
///
/// (No HTML-to-text crate is available offline here; this reads what
/// mail bodies hold, and never fails on any input.)
pub fn html_text(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let looks_html = [
        "</", "<br", "<p", "<div", "<html", "<span", "<a ", "<img", "<table",
    ]
    .iter()
    .any(|t| lower.contains(t));
    if !looks_html {
        return s.to_string();
    }
    let mut text = String::with_capacity(s.len());
    let mut rest = s;
    let mut link: Option<String> = None;
    while let Some(i) = rest.find('<') {
        // A comment (an email's `<!--[if mso]>…<![endif]-->` too): gone.
        if rest[i..].starts_with("<!--") {
            text.push_str(&rest[..i]);
            // `<!-->` is a whole (empty) comment, as is `<!--->`.
            let body = &rest[i + 4..];
            rest = if let Some(after) = body.strip_prefix('>') {
                after
            } else if let Some(after) = body.strip_prefix("->") {
                after
            } else {
                body.find("-->").map_or("", |j| &body[j + 3..])
            };
            continue;
        }
        text.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(end) = after.find('>') else {
            rest = "";
            break;
        };
        let raw = &after[..end];
        let closing = raw.starts_with('/');
        let tag = raw.trim_start_matches('/').to_ascii_lowercase();
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rest = &after[end + 1..];
        match name.as_str() {
            "script" | "style" | "head" if !closing => {
                // Up to the matching close tag (or the end); the offset
                // into the whole text's lowercase copy, made once, keeps
                // this linear.
                let close = format!("</{name}");
                let at = s.len() - rest.len();
                match lower[at..].find(&close) {
                    Some(j) => {
                        let tail = &rest[j..];
                        rest = tail.find('>').map_or("", |k| &tail[k + 1..]);
                    }
                    None => rest = "",
                }
            }
            "a" if !closing => {
                link = attr(raw, "href").filter(|h| !h.is_empty() && !h.starts_with('#'));
            }
            "a" => {
                if let Some(h) = link.take()
                    && !text.trim_end().ends_with(h.as_str())
                {
                    text.push_str(&format!(" <{h}>"));
                }
            }
            "li" if closing => {}
            "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "blockquote"
            | "table" | "ul" | "ol" | "hr" => {
                text.push('\n');
                if name == "li" && !closing {
                    text.push_str("- ");
                }
            }
            "td" | "th" => text.push(' '),
            _ => {}
        }
    }
    text.push_str(rest);
    let text = decode_entities(&text);
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank += 1;
            if blank > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// An attribute's value in a tag's text (`a href="…"`).
fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let at = lower.find(&format!("{name}="))? + name.len() + 1;
    let v = &tag[at..];
    let v = match v.chars().next()? {
        q @ ('"' | '\'') => v[1..].split(q).next()?,
        _ => v.split(|c: char| c.is_whitespace()).next()?,
    };
    Some(decode_entities(v))
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = match name {
                "nbsp" => Some(' '),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "amp" => Some('&'),
                "mdash" => Some('—'),
                "ndash" => Some('–'),
                "hellip" => Some('…'),
                "rsquo" => Some('’'),
                "lsquo" => Some('‘'),
                "rdquo" => Some('”'),
                "ldquo" => Some('“'),
                n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            }?;
            Some((c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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

    #[test]
    fn an_email_body_reads_as_text() {
        use super::html_text;
        let html = "<html><head><style>p{color:red}</style></head><body>\
            <p>Hi Ana,</p><p>The quote is <b>attached</b> &mdash; see \
            <a href=\"https://x.test/q?a=1&amp;b=2\">the quote</a>.</p>\
            <ul><li>one</li><li>two</li></ul><script>alert(1)</script>\
            <p>&#8364;5 &#x263A; &bogus; &amp</p></body></html>";
        assert_eq!(
            html_text(html),
            "Hi Ana,\n\nThe quote is attached — see the quote <https://x.test/q?a=1&b=2>.\n\n- one\n- two\n\n€5 ☺ &bogus; &amp"
        );
        assert_eq!(html_text("plain\n\n\ntext"), "plain\n\n\ntext");
        // Style blocks one after another (each read once), and comments
        // (Outlook's conditional ones too) dropped.
        assert_eq!(html_text(&"<style>a</style>x".repeat(3)), "xxx");
        assert_eq!(
            html_text("<p><!--[if mso]>hidden 96<![endif]-->shown</p><!-- open"),
            "shown"
        );
        assert_eq!(html_text("<p>a<!-->b<!--->c</p>"), "abc");
    }

    proptest! {
        #[test]
        fn any_body_gives_one_line(s in "\\PC{0,200}") {
            let l = html_line(&s);
            prop_assert!(!l.contains('\n'));
        }

        #[test]
        fn any_body_reads_as_text_without_tags_of_its_own(s in "(\\PC|<[a-z/]{1,5}( href=.)?>|&#?[a-z0-9]{0,6};?){0,60}") {
            let t = super::html_text(&s);
            prop_assert!(t.len() <= s.len() * 4 + 8);
        }
    }
}
