//! The terminal report: outcome classes with intervals and bars, every metric
//! with its standard error, quantiles and a one-line histogram, escalation over
//! time, and a sufficiency line. Fits 100 columns; colour only when asked.

use std::fmt::Write;

use super::{MetricReport, RunReport};

/// Width the report fits in.
pub const WIDTH: usize = 100;

/// Whether to colour the report (bold headings, blue bars; one colour for
/// every class, since a class's place in the list says nothing about good or bad).
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

    fn paint(self, code: &str, s: &str) -> String {
        match self {
            Colour::Never => s.to_string(),
            Colour::Always => format!("\x1b[{code}m{s}\x1b[0m"),
        }
    }
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

fn group(v: i64) -> String {
    let s = v.abs().to_string();
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

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A one-line histogram of counts in Unicode blocks.
pub fn sparkline(counts: &[u64]) -> String {
    let max = counts.iter().copied().max().unwrap_or(0);
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                ' '
            } else {
                BLOCKS[((c as f64 / max as f64) * 7.0).round() as usize]
            }
        })
        .collect()
}

fn bar(p: f64, width: usize) -> String {
    let full = (p * width as f64).round() as usize;
    format!(
        "{}{}",
        "█".repeat(full.min(width)),
        "·".repeat(width - full.min(width))
    )
}

/// Word-wraps `text` to `width` columns; lines after the first start with
/// `indent` spaces. A word longer than a line is cut into pieces.
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0; // columns used on the current line
    let mut words = 0; // words on the current line
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let sep = usize::from(words > 0);
            if len + sep + word.len() <= width {
                if sep == 1 {
                    line.push(' ');
                }
                line.extend(word.iter());
                len += sep + word.len();
                words += 1;
                break;
            }
            if words == 0 {
                // A word longer than a whole line: cut it.
                let cut = width.saturating_sub(len).max(1);
                line.extend(word.drain(..cut.min(word.len())));
                if word.is_empty() {
                    len = width;
                    words = 1;
                    break;
                }
            }
            lines.push(std::mem::take(&mut line));
            line = " ".repeat(indent);
            len = indent;
            words = 0;
        }
    }
    if words > 0 {
        lines.push(line);
    }
    lines
}

fn fit(name: &str, width: usize) -> String {
    let n = name.chars().count();
    if n <= width {
        return format!("{name:<width$}");
    }
    let keep = width - 1;
    let head: String = name.chars().take(keep / 2).collect();
    let tail: String = name.chars().skip(n - (keep - keep / 2)).collect();
    format!("{head}…{tail}")
}

/// Renders the report.
pub fn render(r: &RunReport, colour: Colour) -> String {
    let mut o = String::new();
    let title = format!("escalate {} · {}", r.run.escalate_version, r.scenario.name);
    for l in wrap(&title, WIDTH, 2) {
        let _ = writeln!(o, "{}", colour.paint("1", &l));
    }
    let mut line = format!(
        "{} trials · seed {} · {} days",
        group(r.trials as i64),
        r.seed,
        r.run.horizon
    );
    if let Some(p) = &r.run.policy {
        line.push_str(&format!(" · policy {p}"));
    }
    if !r.run.overrides.is_empty() {
        line.push_str(&format!(" · {} override(s)", r.run.overrides.len()));
    }
    for l in wrap(&line, WIDTH, 2) {
        let _ = writeln!(o, "{l}");
    }
    let _ = writeln!(o, "digest {}", r.digest);
    outcomes(&mut o, r, colour);
    metrics(&mut o, r);
    escalation(&mut o, r, colour);
    sufficiency(&mut o, r);
    o
}

fn outcomes(o: &mut String, r: &RunReport, colour: Colour) {
    let _ = writeln!(o, "\n{}", colour.paint("1", "Outcome classes"));
    let _ = writeln!(o, "  {:<24} {:>7}  95% interval", "class", "prob.");
    for c in &r.outcomes {
        let interval = format!("[{}, {}]", pct(c.ci95[0]), pct(c.ci95[1]));
        let _ = writeln!(
            o,
            "  {} {:>7}  {:<17}  {}",
            fit(&c.name, 24),
            pct(c.probability),
            interval,
            colour.paint("34", &bar(c.probability, 30))
        );
    }
    for c in &r.outcomes {
        if !c.description.is_empty() {
            for l in wrap(&format!("{}: {}", c.name, c.description), WIDTH - 2, 4) {
                let _ = writeln!(o, "  {l}");
            }
        }
    }
}

fn metric_row(m: &MetricReport, label: &str) -> String {
    let q = &m.quantiles;
    let cell = |x: Option<f64>| x.map_or("–".to_string(), num);
    let mean = match (m.mean, m.std_error) {
        (Some(a), Some(se)) => format!("{} ±{}", num(a), num(se)),
        (Some(a), None) => num(a),
        _ => "–".into(),
    };
    format!(
        "  {} {:>14} {:>7} {:>7} {:>7} {:>7} {:>7} {}",
        fit(label, 32),
        mean,
        cell(q.p5),
        cell(q.p25),
        cell(q.p50),
        cell(q.p75),
        cell(q.p95),
        sparkline(&compress(&m.histogram, 10))
    )
    .trim_end()
    .to_string()
}

fn compress(h: &[u64], width: usize) -> Vec<u64> {
    if h.len() <= width {
        return h.to_vec();
    }
    let per = h.len().div_ceil(width);
    h.chunks(per).map(|c| c.iter().sum()).collect()
}

fn metrics(o: &mut String, r: &RunReport) {
    let _ = writeln!(
        o,
        "\nMetrics (mean ± Monte Carlo standard error; quantiles; distribution min to max)"
    );
    let _ = writeln!(
        o,
        "  {:<32} {:>14} {:>7} {:>7} {:>7} {:>7} {:>7} histogram",
        "metric", "mean ± se", "p5", "p25", "p50", "p75", "p95"
    );
    for m in r.metrics.iter().filter(|m| !m.name.starts_with("days_at.")) {
        let _ = writeln!(o, "{}", metric_row(m, &m.name));
        if m.present < r.trials && m.present > 0 {
            let _ = writeln!(
                o,
                "  {:<32} (in {} of the trials)",
                "",
                pct(m.present as f64 / r.trials as f64)
            );
        }
    }
    let days: Vec<&MetricReport> = r
        .metrics
        .iter()
        .filter(|m| m.name.starts_with("days_at."))
        .collect();
    // days_at.DYAD.RUNG, grouped under a line per dyad.
    let mut shown = vec![false; days.len()];
    for e in &r.escalation {
        let prefix = format!("days_at.{}.", e.dyad);
        let mut head = false;
        for (i, m) in days.iter().enumerate() {
            if let Some(rung) = m.name.strip_prefix(&prefix) {
                if !head {
                    let title =
                        format!("  days at each rung, {} (days_at.{}.RUNG):", e.dyad, e.dyad);
                    let _ = writeln!(o, "{}", fit(&title, WIDTH).trim_end());
                    head = true;
                }
                let _ = writeln!(o, "{}", metric_row(m, &format!("  {rung}")));
                shown[i] = true;
            }
        }
    }
    for (m, _) in days.iter().zip(&shown).filter(|(_, s)| !**s) {
        let _ = writeln!(o, "{}", metric_row(m, &m.name));
    }
}

fn escalation(o: &mut String, r: &RunReport, colour: Colour) {
    let ladder = &r.scenario.ladder;
    let _ = writeln!(
        o,
        "\n{}",
        colour.paint("1", "Escalation: share of trials at or above each rung")
    );
    let legend: Vec<String> = ladder
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, n)| format!("{i} {n}"))
        .collect();
    let mut line = String::from("  rungs:");
    for l in legend {
        if line.len() + l.len() + 2 > WIDTH {
            let _ = writeln!(o, "{line}");
            line = String::from("        ");
        }
        line.push_str(&format!(" {l},"));
    }
    let _ = writeln!(o, "{}", line.trim_end_matches(','));
    for e in &r.escalation {
        let _ = writeln!(o, "  {}", fit(&e.dyad, WIDTH - 2).trim_end());
        let mut head = format!("  {:>5}", "day");
        for i in 1..ladder.len() {
            head.push_str(&format!(" {:>6}", format!("≥{i}")));
        }
        let _ = writeln!(o, "{head}");
        for d in &e.days {
            let mut row = format!("  {:>5}", d.day);
            for p in d.at_least.iter().skip(1) {
                row.push_str(&format!(" {:>6}", pct(*p)));
            }
            let _ = writeln!(o, "{row}");
        }
    }
}

/// The sufficiency sentence: the widest 95% interval on a class probability,
/// and how many trials would halve it (interval width shrinks as 1/sqrt(trials),
/// so four times as many).
pub fn sufficiency_sentence(r: &RunReport) -> Option<String> {
    let w = r
        .outcomes
        .iter()
        .max_by(|a, b| (a.ci95[1] - a.ci95[0]).total_cmp(&(b.ci95[1] - b.ci95[0])))?;
    let width = w.ci95[1] - w.ci95[0];
    Some(format!(
        "Sufficiency: the widest 95% interval on a class probability is {:.1} percentage points \
         ({}); about {} trials would halve it.",
        100.0 * width,
        w.name,
        group(4 * r.trials as i64)
    ))
}

fn sufficiency(o: &mut String, r: &RunReport) {
    if let Some(s) = sufficiency_sentence(r) {
        let _ = writeln!(o);
        for l in wrap(&s, WIDTH, 2) {
            let _ = writeln!(o, "{l}");
        }
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
    }

    #[test]
    fn sparkline_scales_to_the_tallest_bin() {
        assert_eq!(sparkline(&[0, 1, 2, 4]), " ▃▅█");
    }
}
