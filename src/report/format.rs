//! Formatting every report shares: numbers ([`num`], [`sig`], [`group`], [`pct`],
//! [`signed`]), shares of trials and their bounds ([`share`], [`bound`],
//! [`interval`], [`share_bounded`]), terminal colour ([`Colour`],
//! [`heading`]), fitting a name into a column ([`fit`], [`fit_end`]), laying
//! text out in lines ([`flow`], and [`wrap`] on it) and tables whose names
//! are never cut ([`Table`]). The terminal reports of a run, a comparison, a
//! trace and a sweep, and the HTML pages, use these and nothing else of their
//! own kind.

use std::fmt::Write;

/// Whether to colour a terminal report (bold headings, blue bars; one colour
/// for every class, since a class's place in the list says nothing about good or bad).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// Plain text.
    Never,
    /// ANSI colours.
    Always,
}

impl Colour {
    /// Colour on a terminal, never when `NO_COLOR` is set (to anything non-empty).
    pub fn detect(is_tty: bool) -> Colour {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if is_tty && !no_color {
            Colour::Always
        } else {
            Colour::Never
        }
    }

    /// `s` in the ANSI style `code` (`1` bold, `31` red, `32` green, `34` blue...),
    /// or as is when plain.
    pub fn paint(self, code: &str, s: &str) -> String {
        match self {
            Colour::Never => s.to_string(),
            Colour::Always => format!("\x1b[{code}m{s}\x1b[0m"),
        }
    }

    /// [`Colour::paint`] when there is a style, `s` as is when there is none.
    pub fn paint_opt(self, code: Option<&str>, s: &str) -> String {
        match code {
            Some(c) if !s.is_empty() => self.paint(c, s),
            _ => s.to_string(),
        }
    }
}

/// The first lines of a terminal report: `title` in bold, then `line`, each
/// wrapped at `width` columns (continuation lines indented by 2).
pub fn banner(o: &mut String, colour: Colour, title: &str, line: &str, width: usize) {
    for l in wrap(title, width, 2) {
        let _ = writeln!(o, "{}", colour.paint("1", &l));
    }
    for l in wrap(line, width, 2) {
        let _ = writeln!(o, "{l}");
    }
}

/// A section heading of a terminal report: an empty line, then `title` in bold.
pub fn heading(o: &mut String, colour: Colour, title: &str) {
    let _ = writeln!(o, "\n{}", colour.paint("1", title));
}

/// A number in at most 7 columns: 0.42, 12.3, 1,234, 98,765, 1.40M.
pub fn num(x: f64) -> String {
    let a = x.abs();
    if a >= 999_500.0 {
        format!("{:.2}M", x / 1e6)
    } else if a >= 100.0 {
        group(x.round() as i64)
    } else if a >= 10.0 || x == x.round() {
        format!("{x:.1}").trim_end_matches(".0").to_string()
    } else {
        format!("{x:.2}")
    }
}

/// A number with four significant digits (no exponent), thousands grouped
/// from 10,000 on.
pub fn sig(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "–".into()
        } else if x > 0.0 {
            "∞".into()
        } else {
            "-∞".into()
        };
    }
    if x == 0.0 {
        return "0".into();
    }
    if x.abs() >= 10_000.0 {
        return group(x.round() as i64);
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (3 - magnitude).clamp(0, 12) as usize;
    format!("{x:.decimals$}")
}

/// [`num`] of an optional value, `–` for none.
pub fn opt_num(x: Option<f64>) -> String {
    x.map_or("–".to_string(), num)
}

/// [`num`] with a `+` before a positive number; zero is `0`.
pub fn signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{}", num(x))
    } else if x == 0.0 {
        "0".to_string()
    } else {
        num(x)
    }
}

/// A mean with its standard error, `12.3{pm}0.45` (`pm` is ` ±` or ` ± `), the
/// mean alone without one, `–` without a mean.
pub fn mean_se(mean: Option<f64>, se: Option<f64>, pm: &str) -> String {
    match (mean, se) {
        (Some(a), Some(se)) => format!("{}{pm}{}", num(a), num(se)),
        (Some(a), None) => num(a),
        _ => "–".into(),
    }
}

/// An integer with thousands separators: `-1,234,567` (the one implementation
/// lives below the reports, in [`crate::core::digits`]).
pub use crate::core::digits::group;

/// A share as a percentage with one decimal: `42.0%`.
pub fn pct(p: f64) -> String {
    format!("{:.1}%", 100.0 * p)
}

/// A share of trials as a percentage that reads as none or all only when it
/// is: `0%` for none, `100%` for all, `<0.1%` and `>99.9%` for shares that one
/// decimal would round to those, else one decimal (`42.0%`).
pub fn share(p: f64) -> String {
    if p <= 0.0 {
        "0%".into()
    } else if p >= 1.0 {
        "100%".into()
    } else if p < 0.0005 {
        "<0.1%".into()
    } else if p > 0.9995 {
        ">99.9%".into()
    } else {
        pct(p)
    }
}

/// Which end of an interval a [`bound`] is, hence which way it is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// A lower bound: rounded down.
    Low,
    /// An upper bound: rounded up.
    High,
}

/// An interval's end as a percentage, rounded outward so that it still
/// bounds: one decimal (`36.84%` as an upper bound is `36.9%`, as a lower
/// `36.8%`), except within 0.1% of 0 or 100%, where it keeps one significant
/// digit of its distance from that end (`0.0384%` as an upper bound is
/// `0.04%`; `99.9616%` as a lower bound is `99.96%`). 0 and 1 are `0%` and
/// `100%`.
pub fn bound(p: f64, end: End) -> String {
    if p <= 0.0 {
        return "0%".into();
    }
    if p >= 1.0 {
        return "100%".into();
    }
    let near_zero = p < 0.001;
    let near_one = p > 0.999;
    if !near_zero && !near_one {
        let tenths = 1000.0 * p;
        let t = match end {
            End::Low => (tenths + 1e-9).floor(),
            End::High => (tenths - 1e-9).ceil(),
        };
        return format!("{:.1}%", t / 10.0);
    }
    // Distance from the near end, in percent, and whether rounding it up is outward.
    let (d, up) = if near_zero {
        (100.0 * p, end == End::High)
    } else {
        (100.0 * (1.0 - p), end == End::Low)
    };
    let e = d.log10().floor();
    let scale = 10f64.powf(e);
    let digit = if up {
        (d / scale - 1e-9).ceil()
    } else {
        (d / scale + 1e-9).floor().max(1.0)
    };
    let decimals = (-e).max(0.0) as usize;
    let v = digit * scale;
    let text = if near_zero {
        format!("{v:.decimals$}")
    } else {
        format!("{:.decimals$}", 100.0 - v)
    };
    format!("{text}%")
}

/// A 95% interval `[low, high]` of a share, its ends by [`bound`].
pub fn interval(low: f64, high: f64) -> String {
    format!("[{}, {}]", bound(low, End::Low), bound(high, End::High))
}

/// A share of `n` trials, `k` of them, with its one-sided bound where it is 0
/// or 100%: `0% (< 0.04%)` for 0 of 10,000, `100% (> 99.96%)` for all of them,
/// else [`share`]. The bound is the far end of the report's 95% Wilson
/// interval (z = 1.96): for none, z² / (n + z²), so it is also a one-sided
/// 97.5% bound.
pub fn share_bounded(k: u64, n: u64) -> String {
    use crate::core::stats::{Z95, wilson};
    let (lo, hi) = wilson(k, n, Z95);
    if n > 0 && k == 0 {
        format!("0% (< {})", bound(hi, End::High))
    } else if n > 0 && k == n {
        format!("100% (> {})", bound(lo, End::Low))
    } else {
        share(k as f64 / n.max(1) as f64)
    }
}

/// A positive number with two significant digits, grouped (`39,996` is
/// `40,000`; `0.0384` is `0.038`); for "about" figures.
pub fn about(x: f64) -> String {
    if x <= 0.0 || !x.is_finite() {
        return num(x);
    }
    let e = x.log10().floor() as i32;
    let scale = 10f64.powi(e - 1);
    let v = (x / scale).round() * scale;
    if e >= 1 {
        group(v.round() as i64)
    } else {
        let decimals = (1 - e) as usize;
        format!("{v:.decimals$}")
    }
}

/// Values that print as 0 at three decimals, as 0 (no `-0.000`).
pub fn tidy_zero(v: f64) -> f64 {
    if v.abs() < 0.0005 { 0.0 } else { v }
}

/// `s` padded to `width` columns, or cut to them with `…` in the middle (the
/// end of a long name tells names apart as often as its start).
pub fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return format!("{s:<width$}");
    }
    let keep = width - 1;
    let head: String = s.chars().take(keep / 2).collect();
    let tail: String = s.chars().skip(n - (keep - keep / 2)).collect();
    format!("{head}…{tail}")
}

/// `s` padded to `width` columns, or cut to them with `…` at the end.
pub fn fit_end(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return format!("{s:<width$}");
    }
    let head: String = s.chars().take(width.saturating_sub(1)).collect();
    format!("{head}…")
}

/// Lays `parts` out in lines of at most `width` columns: the first line starts
/// with `head`, parts on a line are joined by `sep`, and a part that would pass
/// `width` starts a new line of `indent` spaces (without `sep`). A part longer
/// than a whole line is cut into pieces when `cut`, else it runs past `width`
/// on a line of its own. No parts: no lines.
pub fn flow<S: AsRef<str>>(
    head: &str,
    parts: &[S],
    sep: &str,
    indent: usize,
    width: usize,
    cut: bool,
) -> Vec<String> {
    let sep_len = sep.chars().count();
    let mut lines = Vec::new();
    let mut line = head.to_string();
    let mut len = head.chars().count(); // columns used on the current line
    let mut count = 0; // parts on the current line
    for part in parts {
        let mut part: Vec<char> = part.as_ref().chars().collect();
        loop {
            let gap = if count > 0 { sep_len } else { 0 };
            if len + gap + part.len() <= width || (count == 0 && !cut) {
                if count > 0 {
                    line.push_str(sep);
                }
                line.extend(part.iter());
                len += gap + part.len();
                count += 1;
                break;
            }
            if count == 0 {
                // A part longer than a whole line: cut it.
                let piece = width.saturating_sub(len).max(1);
                line.extend(part.drain(..piece.min(part.len())));
                if part.is_empty() {
                    len = width;
                    count = 1;
                    break;
                }
            }
            lines.push(std::mem::take(&mut line));
            line = " ".repeat(indent);
            len = indent;
            count = 0;
        }
    }
    if count > 0 {
        lines.push(line);
    }
    lines
}

/// Word-wraps `text` to `width` columns; lines after the first start with
/// `indent` spaces. A word longer than a line is cut into pieces.
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    flow("", &words, " ", indent, width, true)
}

/// How a [`Table`] column is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Padded on the right (names, units).
    Left,
    /// Padded on the left (numbers).
    Right,
}

/// Spaces between two columns of a [`Table`].
const GAP: usize = 2;

/// One cell of a [`Table`]: its text and the ANSI style it is painted in, if any.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    /// The text (no escape codes: they are added when the table is rendered).
    pub text: String,
    /// ANSI style (`31` red, `32` green...), applied when colour is on.
    pub style: Option<&'static str>,
}

impl<S: Into<String>> From<S> for Cell {
    fn from(s: S) -> Self {
        Cell {
            text: s.into(),
            style: None,
        }
    }
}

impl Cell {
    /// `text` in ANSI style `style`.
    pub fn styled(text: impl Into<String>, style: &'static str) -> Cell {
        Cell {
            text: text.into(),
            style: Some(style),
        }
    }
}

/// A terminal table whose columns are as wide as their widest cell (two
/// spaces apart), and whose
/// first column (the names) is never cut: when the table would pass the width,
/// the first column narrows, and a name longer than it goes on a line of its
/// own above its row. Lines carry no trailing spaces.
#[derive(Debug, Clone)]
pub struct Table {
    align: Vec<Align>,
    header: Vec<Cell>,
    rows: Vec<Row>,
}

/// A row of a [`Table`]: cells, or a line of text printed as it is (a group
/// heading), which does not widen any column.
#[derive(Debug, Clone)]
enum Row {
    Cells(Vec<Cell>),
    Line(String),
}

impl Table {
    /// A table with these column headers and alignments.
    pub fn new(header: &[(&str, Align)]) -> Table {
        Table {
            align: header.iter().map(|h| h.1).collect(),
            header: header.iter().map(|h| Cell::from(h.0)).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (missing cells are empty).
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(Row::Cells(cells));
    }

    /// Appends a line of text, printed as it is at the table's indent.
    pub fn line(&mut self, text: impl Into<String>) {
        self.rows.push(Row::Line(text.into()));
    }

    /// The lines of the table, each `indent` spaces in and at most `width`
    /// columns wide (when the cells other than the first allow it).
    pub fn render(&self, indent: usize, width: usize, colour: Colour) -> Vec<String> {
        let cols = self.align.len();
        let len = |c: &Cell| c.text.chars().count();
        let mut widths: Vec<usize> = self.header.iter().map(len).collect();
        for r in &self.rows {
            if let Row::Cells(r) = r {
                for (w, c) in widths.iter_mut().zip(r) {
                    *w = (*w).max(len(c));
                }
            }
        }
        // Columns after the first, with the gap before each.
        let rest: usize = widths.iter().skip(1).map(|w| w + GAP).sum();
        let room = width.saturating_sub(indent + rest);
        widths[0] = widths[0].min(room.max(len(&self.header[0])));
        let pad = " ".repeat(indent);
        let line = |cells: &[Cell], out: &mut Vec<String>| {
            let mut l = pad.clone();
            let first = cells.first().map_or(0, len);
            if first > widths[0] {
                out.push(format!(
                    "{pad}{}",
                    colour.paint_opt(cells[0].style, &cells[0].text)
                ));
            }
            for k in 0..cols {
                let empty = Cell::default();
                let c = cells.get(k).unwrap_or(&empty);
                let c = if k == 0 && first > widths[0] {
                    &empty
                } else {
                    c
                };
                if k > 0 {
                    l.push_str(&" ".repeat(GAP));
                }
                let gap = " ".repeat(widths[k].saturating_sub(len(c)));
                let text = colour.paint_opt(c.style, &c.text);
                match self.align[k] {
                    Align::Left => {
                        l.push_str(&text);
                        l.push_str(&gap);
                    }
                    Align::Right => {
                        l.push_str(&gap);
                        l.push_str(&text);
                    }
                }
            }
            out.push(l.trim_end().to_string());
        };
        let mut out = Vec::new();
        line(&self.header, &mut out);
        for r in &self.rows {
            match r {
                Row::Cells(r) => line(r, &mut out),
                Row::Line(t) => out.push(format!("{pad}{t}").trim_end().to_string()),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_fit_seven_columns() {
        for x in [
            0.0,
            0.123,
            9.99,
            12.34,
            999.4,
            12_345.0,
            99_999.0,
            1_400_000.0,
            123_456_789.0,
        ] {
            assert!(num(x).chars().count() <= 7, "{x} -> {}", num(x));
        }
        assert_eq!(num(1234.0), "1,234");
        assert_eq!(num(0.5), "0.50");
        assert_eq!(num(1_400_000.0), "1.40M");
        assert_eq!(group(-1_234_567), "-1,234,567");
        assert_eq!(group(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn wrap_keeps_lines_within_width() {
        let text = "Sufficiency: the widest 95% interval on a class probability is 1.8 \
                    percentage points (strikes); about 8,000 trials would halve it.";
        let lines = wrap(text, 40, 2);
        assert!(lines.len() >= 3, "{lines:?}");
        for l in &lines {
            assert!(l.chars().count() <= 40, "{l:?}");
        }
        assert!(lines[1].starts_with("  ") && !lines[1].starts_with("   "));
        assert_eq!(
            lines.join(" ").split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
        let long = wrap(&"x".repeat(25), 10, 2);
        assert!(long.iter().all(|l| l.chars().count() <= 10), "{long:?}");
        assert_eq!(long.concat().replace(' ', ""), "x".repeat(25));
        assert!(wrap("", 10, 2).is_empty());
    }

    #[test]
    fn flow_breaks_between_parts_and_never_cuts_without_cut() {
        let parts = ["aaaa", "bbbb", "cccc"];
        assert_eq!(
            flow("> ", &parts, " · ", 4, 12, false),
            vec!["> aaaa", "    bbbb", "    cccc"]
        );
        assert_eq!(
            flow("> ", &parts, ", ", 2, 14, false),
            vec!["> aaaa, bbbb", "  cccc"]
        );
        assert_eq!(
            flow("", &["a-very-long-part"], " ", 0, 5, false),
            vec!["a-very-long-part"]
        );
    }

    #[test]
    fn shares_read_as_none_or_all_only_when_they_are() {
        assert_eq!(share(0.0), "0%");
        assert_eq!(share(1.0), "100%");
        assert_eq!(share(1e-4), "<0.1%");
        assert_eq!(share(1.0 - 1e-4), ">99.9%");
        assert_eq!(share(0.4213), "42.1%");
        assert_eq!(share(0.0005), "0.1%");
    }

    #[test]
    fn bounds_round_outward_near_the_ends() {
        use crate::core::stats::{Z95, wilson};
        let z2 = Z95 * Z95;
        // 0 of 10,000: the Wilson upper bound z²/(n + z²) = 0.0384%, shown as 0.04%.
        let hi = z2 / (10_000.0 + z2);
        assert!((wilson(0, 10_000, Z95).1 - hi).abs() < 1e-15);
        assert_eq!(bound(hi, End::High), "0.04%");
        assert_eq!(bound(hi, End::Low), "0.03%");
        assert_eq!(bound(1.0 - hi, End::Low), "99.96%");
        assert_eq!(bound(1.0 - hi, End::High), "99.97%");
        // 0 of 100,000: 0.00384%.
        assert_eq!(bound(z2 / (100_000.0 + z2), End::High), "0.004%");
        // Away from the ends: one decimal, outward.
        assert_eq!(bound(0.3456, End::High), "34.6%");
        assert_eq!(bound(0.3456, End::Low), "34.5%");
        assert_eq!(bound(0.3, End::High), "30.0%");
        assert_eq!(bound(0.3, End::Low), "30.0%");
        assert_eq!(bound(0.0, End::High), "0%");
        assert_eq!(bound(1.0, End::Low), "100%");
        assert_eq!(interval(0.0, hi), "[0%, 0.04%]");
        // The shown bound really bounds: above the true upper end, below the true lower.
        for n in (1..=400u64).chain([2_000, 10_000, 12_345, 123_456, 10_000_000]) {
            let (_, hi) = wilson(0, n, Z95);
            let shown: f64 = bound(hi, End::High).trim_end_matches('%').parse().unwrap();
            assert!(shown / 100.0 >= hi, "{n}: {shown} < {hi}");
            let (lo, _) = wilson(n, n, Z95);
            let shown: f64 = bound(lo, End::Low).trim_end_matches('%').parse().unwrap();
            assert!(shown / 100.0 <= lo, "{n}: {shown} > {lo}");
        }
    }

    #[test]
    fn shown_intervals_contain_the_wilson_intervals() {
        use crate::core::stats::{Z95, wilson};
        let parse = |s: &str| s.trim_end_matches('%').parse::<f64>().unwrap() / 100.0;
        for n in [7u64, 300, 1_001, 10_000] {
            for k in 0..=n {
                let (lo, hi) = wilson(k, n, Z95);
                let shown = interval(lo, hi);
                let (a, b) = shown.trim_matches(['[', ']']).split_once(", ").unwrap();
                assert!(
                    parse(a) <= lo + 1e-12 && parse(b) >= hi - 1e-12,
                    "{k}/{n}: {shown}"
                );
            }
        }
    }

    #[test]
    fn zero_and_full_shares_carry_their_bound() {
        assert_eq!(share_bounded(0, 10_000), "0% (< 0.04%)");
        assert_eq!(share_bounded(10_000, 10_000), "100% (> 99.96%)");
        // n = 300: z²/(300 + z²) = 1.2642%.
        assert_eq!(share_bounded(0, 300), "0% (< 1.3%)");
        assert_eq!(share_bounded(3, 300), "1.0%");
    }

    #[test]
    fn about_keeps_two_significant_digits() {
        assert_eq!(about(39_996.0), "40,000");
        assert_eq!(about(20_004.0), "20,000");
        assert_eq!(about(1_187.0), "1,200");
        assert_eq!(about(0.0384), "0.038");
        assert_eq!(about(5.64), "5.6");
    }

    #[test]
    fn tables_never_cut_names() {
        let mut t = Table::new(&[("name", Align::Left), ("value", Align::Right)]);
        t.row(vec!["short".into(), "1".into()]);
        t.row(vec!["a-name-much-longer-than-the-room".into(), "22".into()]);
        t.line("a heading line that does not widen a column");
        let lines = t.render(2, 20, Colour::Never);
        assert_eq!(
            lines,
            vec![
                "  name         value",
                "  short            1",
                "  a-name-much-longer-than-the-room",
                "                  22",
                "  a heading line that does not widen a column",
            ]
        );
        for l in &lines[..2] {
            assert!(l.chars().count() <= 20);
        }
        // With room, columns are as wide as their widest cell.
        let lines = t.render(0, 100, Colour::Never);
        assert_eq!(lines[1], format!("short{}1", " ".repeat(27 + 2 + 4)));
    }

    #[test]
    fn fit_pads_or_cuts() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdefghij", 5), "ab…ij");
        assert_eq!(fit_end("abcdefghij", 5), "abcd…");
    }
}
