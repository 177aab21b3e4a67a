//! Renders a command's error for standard error: miette's graphical report
//! of the error as it is, except that a source line too long to show is cut
//! to a window around the label.
//!
//! miette pads each label out to its column with a format width, and Rust's
//! formatter refuses widths above 65,535 with a panic: an error located past
//! column 65,535 of a line (a scenario written on one line) crashed the
//! renderer. No option of miette bounds that, so every diagnostic is shown
//! through [`Shown`], which hands miette the same messages, helps and labels
//! over a [`Clipped`] source: lines of at most [`LONG_LINE`] bytes are read
//! exactly as miette reads them; from a longer line only a window of
//! [`CONTEXT`] bytes either side of the label, and at most [`LABEL`] bytes of
//! the label itself, are shown (the location in the message stays exact).
//!
//! A diagnostic that holds many others (a file's problems) shows the first
//! [`SHOWN`] of them, then one line counting the rest, so that what a
//! command writes on standard error is bounded whatever its input.
//!
//! The column in the header of a snippet (`╭─[file:line:col]`) counts
//! characters, as every location escalate prints does
//! (`core::position`); miette's own reader counts bytes.

use std::fmt;
use std::rc::Rc;

use miette::{
    Diagnostic, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

/// Lines up to this many bytes are shown whole, as miette shows them.
pub const LONG_LINE: usize = 1024;
/// Bytes of a long line shown on each side of a label.
pub const CONTEXT: usize = 40;
/// At most this many bytes of a label on a long line are underlined.
pub const LABEL: usize = 60;

/// At most this many of a diagnostic's related diagnostics are shown.
pub const SHOWN: usize = 100;

/// Renders `e` as miette's graphical handler does, `width` columns wide,
/// with long source lines cut around their labels.
pub fn render(e: &miette::Report, handler: &miette::GraphicalReportHandler) -> String {
    let shown = Shown::new(e.as_ref(), None);
    let mut out = String::new();
    if handler.render_report(&mut out, &shown).is_err() {
        out = format!("{e:?}");
    }
    out
}

/// A source text with its line starts, read back with long lines cut.
pub struct Clipped<'a> {
    name: Option<String>,
    text: &'a [u8],
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl<'a> Clipped<'a> {
    /// The whole text of `src` (None if it cannot be read).
    fn new(src: &'a dyn SourceCode) -> Option<Clipped<'a>> {
        // Zero bytes at the start with unbounded context: the whole text.
        let all = src
            .read_span(&SourceSpan::from(0..0), usize::MAX, usize::MAX)
            .ok()?;
        let text = all.data();
        let name = all.name().map(str::to_string);
        let line_starts = std::iter::once(0)
            .chain(
                text.iter()
                    .enumerate()
                    .filter(|&(_, &b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        Some(Clipped {
            name,
            text,
            line_starts,
        })
    }

    /// 0-based line of byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset) - 1
    }

    /// Byte range of line `line`, without its line break.
    fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let start = self.line_starts[line];
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |&next| next - 1);
        start..end
    }

    /// Whether line `line` is too long to show whole.
    fn is_long(&self, line: usize) -> bool {
        self.line_range(line).len() > LONG_LINE
    }

    /// `span` cut to what is shown of it: unchanged unless it starts on a
    /// long line, where at most [`LABEL`] bytes of it on that line remain.
    fn clip(&self, span: SourceSpan) -> SourceSpan {
        let start = span.offset().min(self.text.len());
        let line = self.line_of(start);
        if !self.is_long(line) {
            return span;
        }
        let end = (start + span.len())
            .min(self.line_range(line).end)
            .min(start + LABEL);
        let end = self.char_end(end.max(start));
        SourceSpan::from(start..end)
    }

    /// Characters between the start of `offset`'s line and `offset`.
    fn chars_before(&self, offset: usize) -> usize {
        let start = self.line_starts[self.line_of(offset)];
        self.text[start..offset]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count()
    }

    /// `i` moved back to the start of the UTF-8 character it falls in.
    fn char_start(&self, mut i: usize) -> usize {
        while i > 0 && i < self.text.len() && (self.text[i] & 0xC0) == 0x80 {
            i -= 1;
        }
        i
    }

    /// `i` moved on to the end of the UTF-8 character it falls in.
    fn char_end(&self, mut i: usize) -> usize {
        while i < self.text.len() && (self.text[i] & 0xC0) == 0x80 {
            i += 1;
        }
        i
    }

    fn contents(
        &self,
        range: std::ops::Range<usize>,
        line: usize,
        column: usize,
        line_count: usize,
    ) -> Box<dyn SpanContents<'a> + 'a> {
        let contents = MietteSpanContents::new(
            &self.text[range.clone()],
            SourceSpan::from(range),
            line,
            column,
            line_count,
        );
        Box::new(match &self.name {
            Some(name) => MietteSpanContents::new_named(
                name.clone(),
                contents.data(),
                *contents.span(),
                line,
                column,
                line_count,
            ),
            None => contents,
        })
    }
}

impl SourceCode for Clipped<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        if end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let (first, last) = (self.line_of(start), self.line_of(end.max(start)));
        let context = first.saturating_sub(before)
            ..(last.saturating_add(after)).min(self.line_starts.len() - 1) + 1;
        if !context.clone().any(|l| self.is_long(l)) {
            // No long line: exactly what miette reads, but for the column.
            let c = self.text.read_span(span, before, after)?;
            let (range, line, count) = (
                c.span().offset()..c.span().offset() + c.span().len(),
                c.line(),
                c.line_count(),
            );
            let column = self.chars_before(c.span().offset());
            return Ok(self.contents(range, line, column, count));
        }
        let column = self.chars_before(start);
        if before == 0 && after == 0 {
            // The label itself, for its line:column.
            let end = self.clip(*span).offset() + self.clip(*span).len();
            return Ok(self.contents(start..end, first, column, 1));
        }
        if !(first..=last).any(|l| self.is_long(l)) {
            // The label's own lines are short: shown without the long ones around them.
            let range = self.line_starts[first]..self.line_range(last).end;
            return Ok(self.contents(range, first, 0, last - first + 1));
        }
        // A window of the long line around the (clipped) label.
        let shown = self.clip(*span);
        let line = self.line_range(first);
        let from = self.char_start(start.saturating_sub(CONTEXT).max(line.start));
        let to = self.char_end((shown.offset() + shown.len() + CONTEXT).min(line.end));
        Ok(self.contents(from..to, first, from - line.start, 1))
    }
}

/// A diagnostic as shown: the same messages, helps and labels as the one it
/// wraps, its source (and that of everything it holds) [`Clipped`].
pub struct Shown<'a> {
    inner: &'a dyn Diagnostic,
    /// Its own source code, clipped.
    own: Option<Rc<Clipped<'a>>>,
    /// The source its labels point into: its own, or its parent's.
    source: Option<Rc<Clipped<'a>>>,
    related: Option<Vec<Shown<'a>>>,
    /// The related diagnostics left out, counted.
    more: Option<NotShown>,
    cause: Option<Box<Shown<'a>>>,
}

impl<'a> Shown<'a> {
    /// `inner` and all it holds; `parent` is the source of the diagnostic
    /// that holds it (which miette uses when it has none of its own).
    pub fn new(inner: &'a dyn Diagnostic, parent: Option<Rc<Clipped<'a>>>) -> Shown<'a> {
        let own = inner.source_code().and_then(Clipped::new).map(Rc::new);
        let source = own.clone().or(parent);
        let mut more = None;
        let related = inner.related().map(|rs| {
            let mut shown = Vec::new();
            let mut left_out = 0usize;
            for r in rs {
                if shown.len() < SHOWN {
                    shown.push(Shown::new(r, source.clone()));
                } else {
                    left_out += 1;
                }
            }
            more = (left_out > 0).then_some(NotShown { count: left_out });
            shown
        });
        let cause = inner
            .diagnostic_source()
            .map(|c| Box::new(Shown::new(c, source.clone())));
        Shown {
            inner,
            own,
            source,
            related,
            more,
            cause,
        }
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.inner, f)
    }
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.inner, f)
    }
}

impl std::error::Error for Shown<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}

impl Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.help()
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.url()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.own.as_deref().map(|c| c as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels = self.inner.labels()?;
        let Some(src) = self.source.clone() else {
            return Some(labels);
        };
        Some(Box::new(labels.map(move |l| {
            let span = src.clip(*l.inner());
            let text = l.label().map(str::to_string);
            if l.primary() {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        })))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        let related = self.related.as_ref()?;
        let more = self.more.iter().map(|m| m as &dyn Diagnostic);
        Some(Box::new(
            related.iter().map(|r| r as &dyn Diagnostic).chain(more),
        ))
    }

    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.cause.as_deref().map(|c| c as &dyn Diagnostic)
    }
}

/// The line standing for the related diagnostics not shown.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error(
    "and {} more not shown (the first {SHOWN} are)",
    escalate::core::digits::group(*count as u64)
)]
#[diagnostic(
    severity(Advice),
    help("fix those shown and run the command again to see the rest")
)]
struct NotShown {
    count: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error, miette::Diagnostic)]
    #[error("bad value")]
    struct Bad {
        #[source_code]
        src: miette::NamedSource<String>,
        #[label("this one")]
        span: SourceSpan,
    }

    fn rendered(text: String, span: std::ops::Range<usize>) -> String {
        let e: miette::Report = Bad {
            src: miette::NamedSource::new("f.ron", text),
            span: span.into(),
        }
        .into();
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_width(100);
        render(&e, &handler)
    }

    #[test]
    fn short_lines_render_as_miette_renders_them() {
        let text = "a: 1,\nb: 22,\nc: 3,\n".to_string();
        let e: miette::Report = Bad {
            src: miette::NamedSource::new("f.ron", text.clone()),
            span: (9..11).into(),
        }
        .into();
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_width(100);
        let mut plain = String::new();
        handler.render_report(&mut plain, e.as_ref()).unwrap();
        assert_eq!(rendered(text, 9..11), plain);
        assert!(
            plain.contains("b: 22,") && plain.contains("this one"),
            "{plain}"
        );
    }

    #[test]
    fn a_label_far_out_on_a_long_line_is_shown_in_a_window() {
        let at = 70_000;
        let text = format!("{}oops{}\nnext: 1\n", " ".repeat(at), " ".repeat(90_000));
        let out = rendered(text, at..at + 4);
        assert!(out.contains("oops") && out.contains("this one"), "{out}");
        assert!(out.contains(&format!("f.ron:1:{}", at + 1)), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 200), "{out}");
    }
}
