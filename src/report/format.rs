//! Formatting every report shares: numbers ([`num`], [`sig`], [`group`], [`pct`],
//! [`signed`]), terminal colour ([`Colour`], [`heading`]), fitting a name into
//! a column ([`fit`], [`fit_end`]) and laying text out in lines ([`flow`], and
//! [`wrap`] on it). The terminal reports of a run, a comparison, a trace and
//! a sweep, and the HTML pages, use these and nothing else of their own kind.

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

/// An integer with thousands separators: `-1,234,567`.
pub fn group(v: i64) -> String {
    let s = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

/// A share as a percentage with one decimal: `42.0%`.
pub fn pct(p: f64) -> String {
    format!("{:.1}%", 100.0 * p)
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
    fn fit_pads_or_cuts() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdefghij", 5), "ab…ij");
        assert_eq!(fit_end("abcdefghij", 5), "abcd…");
    }
}
