//! Positions in a text: byte offsets to 1-based line and column and back,
//! the one implementation behind every `file:line:col` escalate prints
//! (scenario and policy files, observed records, posteriors).
//!
//! Columns count characters, not bytes, as editors and `ron` count them:
//! after `é` (two bytes) the next character is one column on. A
//! [`LineIndex`] finds the start of every line once, so that placing many
//! problems in one file costs one pass over it ([`LineIndex::line_cols`]),
//! however long its lines are (a scenario written on one line).

/// The start of every line of a text, for turning offsets into positions.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of each line (the first is 0).
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text` (one pass).
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        LineIndex { text, starts }
    }

    /// 0-based line holding byte `offset` (clamped to the text).
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// `offset` clamped to the text and moved back to a character boundary.
    fn boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// 1-based line and character column of byte `offset`. Costs the
    /// length of the offset's line up to it; for many offsets use
    /// [`LineIndex::line_cols`].
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.boundary(offset);
        let line = self.line_of(offset);
        let col = self.text[self.starts[line]..offset].chars().count();
        (line + 1, col + 1)
    }

    /// [`LineIndex::line_col`] of every offset, in the order given, in one
    /// pass over the text (plus sorting the offsets).
    pub fn line_cols(&self, offsets: &[usize]) -> Vec<(usize, usize)> {
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_by_key(|&i| offsets[i]);
        let mut out = vec![(0, 0); offsets.len()];
        // The last position found: its offset, 0-based line and column.
        let (mut at, mut line, mut col) = (0usize, 0usize, 0usize);
        for i in order {
            let offset = self.boundary(offsets[i]);
            let l = self.line_of(offset);
            if l != line {
                (at, line, col) = (self.starts[l], l, 0);
            }
            col += self.text[at..offset].chars().count();
            at = offset;
            out[i] = (line + 1, col + 1);
        }
        out
    }

    /// Byte offset of 1-based `line` and character column `col`: the end of
    /// the line when the column is past it, the end of the text when the
    /// line is.
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(line)
            .map_or(self.text.len(), |&next| next - 1);
        self.text[start..end]
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(end, |(i, _)| start + i)
    }
}

/// 1-based line and character column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(offset)
}

/// Where a byte string stops being UTF-8: the byte offset of the first byte
/// that is not valid UTF-8 and its 1-based line and character column, or
/// `None` when it is all UTF-8.
pub fn first_invalid_utf8(bytes: &[u8]) -> Option<(usize, usize, usize)> {
    let e = std::str::from_utf8(bytes).err()?;
    let at = e.valid_up_to();
    let valid = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
    let (line, col) = line_col(valid, at);
    Some((at, line, col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_after_non_ascii_text() {
        let text = "ab\n/* é */ x: 1\nlast";
        let x = text.find('x').unwrap();
        // "/* é */ " is 8 characters and 9 bytes.
        assert_eq!(line_col(text, x), (2, 9));
        let index = LineIndex::new(text);
        assert_eq!(index.offset(2, 9), x);
        assert_eq!(index.offset(1, 1), 0);
        assert_eq!(index.offset(1, 99), 2, "past the line: its end");
        assert_eq!(index.offset(9, 1), text.len(), "past the text: its end");
        assert_eq!(line_col(text, text.len()), (3, 5));
    }

    #[test]
    fn many_offsets_in_one_pass_agree_with_one_at_a_time() {
        let text = "ééé x\n\ny é z\n".repeat(7);
        let index = LineIndex::new(&text);
        let offsets: Vec<usize> = (0..=text.len()).rev().step_by(3).collect();
        let one_by_one: Vec<_> = offsets.iter().map(|&o| index.line_col(o)).collect();
        assert_eq!(index.line_cols(&offsets), one_by_one);
    }

    #[test]
    fn the_first_bad_byte_is_placed() {
        assert_eq!(first_invalid_utf8("fine é".as_bytes()), None);
        let bytes = b"ok\n\xc3\xa9a\xffb";
        // Line 2: `é`, `a`, then the bad byte at character column 3.
        assert_eq!(first_invalid_utf8(bytes), Some((6, 2, 3)));
    }
}
