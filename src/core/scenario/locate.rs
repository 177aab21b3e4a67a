//! Where each value sits in a RON source: a map from structural paths
//! (`actors[2].kind.fighters`) to byte spans and the comment that documents them.
//!
//! serde and ron give positions for syntax errors only; validation needs the
//! position of a value that parsed fine but is wrong (a probability of 1.5),
//! and `escalate params` needs the comment that says where a number comes from.
//! No crate indexes RON this way, so this is a small scanner of our own. It
//! runs only on text that `ron` already accepted.
//!
//! It is linear in the text, however long its lines: each value's trailing
//! comment is looked up once per line (values are recorded in the order they
//! end), and a field's leading comment from an index of line starts.

use std::collections::BTreeMap;
use std::ops::Range;

/// A located value: its byte span and its documenting comment, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// Byte range of the value in the source.
    pub span: Range<usize>,
    /// The `//` comment at the end of the value's line, or else the comment
    /// lines just above the field (without the slashes), if any.
    pub comment: Option<String>,
}

/// The index of every value in a RON document, by structural path.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    entries: BTreeMap<String, Located>,
}

impl SourceMap {
    /// Indexes `src`. Unparseable tails are ignored (ron reports those itself).
    pub fn new(src: &str) -> Self {
        let mut s = Scanner {
            src: src.as_bytes(),
            text: src,
            pos: 0,
            map: BTreeMap::new(),
            lines: Lines::new(src),
            trailing: None,
        };
        s.skip_trivia();
        // Inner attributes such as #![enable(implicit_some)].
        while s.peek() == Some(b'#') {
            while let Some(c) = s.peek() {
                s.pos += 1;
                if c == b']' {
                    break;
                }
            }
            s.skip_trivia();
        }
        let start = s.pos;
        let _ = s.value("", start);
        SourceMap { entries: s.map }
    }

    /// The value at `path`, or the nearest enclosing value that was found.
    pub fn find(&self, path: &str) -> Option<&Located> {
        let mut p = path.to_string();
        loop {
            if let Some(l) = self.entries.get(&p) {
                return Some(l);
            }
            let cut = p.rfind(['.', '['])?;
            p.truncate(cut);
        }
    }

    /// The value at exactly `path`.
    pub fn get(&self, path: &str) -> Option<&Located> {
        self.entries.get(path)
    }
}

struct Scanner<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    map: BTreeMap<String, Located>,
    lines: Lines,
    /// The trailing comment of the line where the last value ended: the
    /// offset of that line's end and the comment.
    trailing: Option<(usize, Option<String>)>,
}

/// Where each line starts and where its text (after indentation) begins.
struct Lines {
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
    /// Byte offset of each line's first byte that is not whitespace (its
    /// end when it is blank).
    first_text: Vec<usize>,
    /// Byte offset of each line's end (its `\n`, or the end of the text).
    ends: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut lines = Lines {
            starts: Vec::new(),
            first_text: Vec::new(),
            ends: Vec::new(),
        };
        let mut start = 0;
        for line in text.split('\n') {
            let end = start + line.len();
            let indent = line.len() - line.trim_start().len();
            lines.starts.push(start);
            lines.first_text.push(start + indent);
            lines.ends.push(end);
            start = end + 1;
        }
        lines
    }

    /// 0-based line of byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_trivia(&mut self) {
        loop {
            match (self.peek(), self.src.get(self.pos + 1).copied()) {
                (Some(c), _) if c.is_ascii_whitespace() => self.pos += 1,
                (Some(b'/'), Some(b'/')) => {
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                (Some(b'/'), Some(b'*')) => {
                    let mut depth = 0usize;
                    while self.pos < self.src.len() {
                        if self.src[self.pos..].starts_with(b"/*") {
                            depth += 1;
                            self.pos += 2;
                        } else if self.src[self.pos..].starts_with(b"*/") {
                            depth -= 1;
                            self.pos += 2;
                            if depth == 0 {
                                break;
                            }
                        } else {
                            self.pos += 1;
                        }
                    }
                }
                _ => return,
            }
        }
    }

    fn ident(&mut self) -> Option<&str> {
        let start = self.pos;
        if self.src[start..].starts_with(b"r#") {
            self.pos += 2;
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' {
                self.pos += 1;
            } else {
                break;
            }
        }
        (self.pos > start).then(|| &self.text[start..self.pos])
    }

    /// Scans one value starting at `self.pos`, records it under `path`.
    fn value(&mut self, path: &str, field_start: usize) -> Option<()> {
        self.skip_trivia();
        let start = self.pos;
        match self.peek()? {
            b'"' => self.string()?,
            b'\'' => {
                self.pos += 1;
                while let Some(c) = self.peek() {
                    self.pos += 1;
                    if c == b'\\' {
                        self.pos += 1;
                    } else if c == b'\'' {
                        break;
                    }
                }
            }
            b'r' if matches!(self.src.get(self.pos + 1), Some(b'"' | b'#')) => self.raw_string()?,
            b'(' => self.group(path, b')')?,
            b'[' => self.group(path, b']')?,
            b'{' => self.map(path)?,
            c if c.is_ascii_alphabetic() || c == b'_' => {
                self.ident()?;
                let save = self.pos;
                self.skip_trivia();
                if self.peek() == Some(b'(') {
                    self.group(path, b')')?;
                } else {
                    self.pos = save;
                }
            }
            _ => {
                while let Some(c) = self.peek() {
                    if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-' | b'_') {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                if self.pos == start {
                    return None;
                }
            }
        }
        let end = self.pos;
        let comment = self
            .trailing_comment(end)
            .or_else(|| self.leading_comment(field_start));
        self.map.insert(
            path.to_string(),
            Located {
                span: start..end,
                comment,
            },
        );
        Some(())
    }

    fn string(&mut self) -> Option<()> {
        self.pos += 1;
        loop {
            let c = self.peek()?;
            self.pos += 1;
            if c == b'\\' {
                self.pos += 1;
            } else if c == b'"' {
                return Some(());
            }
        }
    }

    fn raw_string(&mut self) -> Option<()> {
        self.pos += 1;
        let mut hashes = 0;
        while self.peek() == Some(b'#') {
            hashes += 1;
            self.pos += 1;
        }
        self.pos += 1; // opening quote
        let mut close = vec![b'"'];
        close.extend(std::iter::repeat_n(b'#', hashes));
        while self.pos < self.src.len() {
            if self.src[self.pos..].starts_with(&close) {
                self.pos += close.len();
                return Some(());
            }
            self.pos += 1;
        }
        None
    }

    /// `( ... )` or `[ ... ]`: named fields (`name: value`) or positional items.
    fn group(&mut self, path: &str, close: u8) -> Option<()> {
        self.pos += 1;
        let mut index = 0usize;
        loop {
            self.skip_trivia();
            match self.peek()? {
                c if c == close => {
                    self.pos += 1;
                    return Some(());
                }
                b',' => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            let item_start = self.pos;
            // A field is `ident :` (but not `ident(`, `ident ::`).
            let mut field = None;
            if close == b')' {
                let save = self.pos;
                if let Some(name) = self.ident().map(str::to_string) {
                    self.skip_trivia();
                    if self.peek() == Some(b':') {
                        self.pos += 1;
                        field = Some(name);
                    } else {
                        self.pos = save;
                    }
                } else {
                    self.pos = save;
                }
            }
            let child = match field {
                Some(name) if path.is_empty() => name,
                Some(name) => format!("{path}.{name}"),
                None => format!("{path}[{index}]"),
            };
            self.value(&child, item_start)?;
            index += 1;
        }
    }

    fn map(&mut self, path: &str) -> Option<()> {
        self.pos += 1;
        loop {
            self.skip_trivia();
            match self.peek()? {
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                b',' => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            let item_start = self.pos;
            let key_start = self.pos;
            self.value(&format!("{path}{{key}}"), item_start)?;
            let key = self.text[key_start..self.pos].trim_matches('"').to_string();
            self.skip_trivia();
            if self.peek()? != b':' {
                return None;
            }
            self.pos += 1;
            self.value(&format!("{path}.{key}"), item_start)?;
        }
    }

    /// The `//` comment at the end of the line where the value ends: it
    /// documents every value on that line that has no comment of its own.
    /// Values end in increasing order, and between two values on a line
    /// there is no comment, so the line's comment is found from the first
    /// value ending on it and kept for the others.
    fn trailing_comment(&mut self, end: usize) -> Option<String> {
        if let Some((line_end, comment)) = &self.trailing
            && end <= *line_end
        {
            return comment.clone();
        }
        let line_end = self.lines.ends[self.lines.line_of(end)];
        let comment = self.comment_between(end, line_end);
        self.trailing = Some((line_end, comment.clone()));
        comment
    }

    /// The text of a `//` comment outside strings in `from..to`, if any.
    fn comment_between(&self, from: usize, to: usize) -> Option<String> {
        let line = &self.text[from..to];
        let bytes = line.as_bytes();
        let mut in_string = false;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if in_string => i += 1,
                b'"' => in_string = !in_string,
                b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => {
                    let c = line[i + 2..].trim();
                    return (!c.is_empty()).then(|| c.to_string());
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// The run of `//` comment lines directly above the line where `start` is.
    fn leading_comment(&self, start: usize) -> Option<String> {
        let line = self.lines.line_of(start);
        if self.lines.first_text[line] < start {
            return None; // something else precedes the field on its line
        }
        let mut lines = Vec::new();
        for above in (0..line).rev() {
            let text = &self.text[self.lines.first_text[above]..self.lines.ends[above]];
            match text.strip_prefix("//") {
                Some(c) => lines.push(c.trim().to_string()),
                None => break,
            }
        }
        lines.reverse();
        let text = lines.join(" ").trim().to_string();
        (!text.is_empty()).then_some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fields_items_and_comments() {
        let src = "Scenario(\n  name: \"x\", // the name\n  // where it comes from\n  actors: [\n    (id: \"A\", kind: ArmedGroup(fighters: Normal(1, 2))),\n  ],\n)";
        let m = SourceMap::new(src);
        let name = m.get("name").unwrap();
        assert_eq!(&src[name.span.clone()], "\"x\"");
        assert_eq!(name.comment.as_deref(), Some("the name"));
        assert_eq!(
            m.get("actors").unwrap().comment.as_deref(),
            Some("where it comes from")
        );
        let f = m.get("actors[0].kind.fighters").unwrap();
        assert_eq!(&src[f.span.clone()], "Normal(1, 2)");
        assert_eq!(
            m.find("actors[0].kind.fighters[7].nothing").unwrap().span,
            f.span
        );
    }
}
