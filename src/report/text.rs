//! The terminal report: at a glance (the [`super::headline`] lines: victims
//! and militants apart), outcome classes with intervals and bars, every
//! metric that is not 0 in every trial with its unit, standard error,
//! median, 90% range and a one-line histogram (the others named in one
//! note), the rung metrics as shares of trials per rung, escalation over
//! time, and a sufficiency line. Fits 100 columns, names never cut; colour
//! only when asked.

use std::fmt::Write;

use super::format::{
    Align, Cell, Table, about, banner, fit, flow, group, heading, interval, mean_se, opt_num,
    share, wrap,
};
use super::headline::{VICTIMS, ends_note, glance, left_out, plain, rung_shares};
use super::{MetricReport, RunReport};
use crate::core::model::MetricKind;
use crate::core::stats::{Z95, trials_to_halve, wilson};

/// Width the report fits in.
pub const WIDTH: usize = 100;

/// How the report is coloured (re-exported from [`super::format`], where every report finds it).
pub use super::format::Colour;

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

/// A bar of `width` columns, the share `p` of it full.
fn bar(p: f64, width: usize) -> String {
    let full = (p * width as f64).round() as usize;
    format!(
        "{}{}",
        "█".repeat(full.min(width)),
        "·".repeat(width - full.min(width))
    )
}

/// Renders the report.
pub fn render(r: &RunReport, colour: Colour) -> String {
    let mut o = String::new();
    let title = format!("escalate {} · {}", r.run.escalate_version, r.scenario.name);
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
    banner(&mut o, colour, &title, &line, WIDTH);
    let _ = writeln!(o, "digest {}", r.digest);
    at_a_glance(&mut o, r, colour);
    outcomes(&mut o, r, colour);
    metrics(&mut o, r, colour);
    rungs(&mut o, r, colour);
    escalation(&mut o, r, colour);
    sufficiency(&mut o, r);
    o
}

fn at_a_glance(o: &mut String, r: &RunReport, colour: Colour) {
    let lines = glance(r);
    if lines.is_empty() {
        return;
    }
    heading(o, colour, "At a glance");
    for l in &lines {
        for (i, w) in wrap(&plain(l), WIDTH - 4, 2).iter().enumerate() {
            let _ = writeln!(o, "  {}{w}", if i == 0 { "· " } else { "  " });
        }
    }
}

fn outcomes(o: &mut String, r: &RunReport, colour: Colour) {
    heading(o, colour, "Outcome classes");
    let mut t = Table::new(&[
        ("class", Align::Left),
        ("prob.", Align::Right),
        ("95% interval", Align::Left),
        ("", Align::Left),
    ]);
    for c in &r.outcomes {
        t.row(vec![
            c.name.as_str().into(),
            share(c.probability).into(),
            interval(c.ci95[0], c.ci95[1]).into(),
            Cell::styled(bar(c.probability, 30), "34"),
        ]);
    }
    for l in t.render(2, WIDTH, colour) {
        let _ = writeln!(o, "{l}");
    }
    for c in &r.outcomes {
        if !c.description.is_empty() {
            for l in wrap(&format!("{}: {}", c.name, c.description), WIDTH - 2, 4) {
                let _ = writeln!(o, "  {l}");
            }
        }
    }
}

/// Whether a metric is a dyad's rung (`peak_rung.A-B`, `final_rung.A-B`),
/// shown as shares of trials per rung rather than as a number.
fn is_rung(m: &MetricReport) -> bool {
    m.unit == MetricKind::Rung.unit()
}

/// The cells of a metric's row after its label: unit, mean ± se, p5, median,
/// p95, histogram.
fn metric_cells(label: &str, m: &MetricReport) -> Vec<Cell> {
    let q = &m.quantiles;
    vec![
        label.into(),
        m.unit.as_str().into(),
        mean_se(m.mean, m.std_error, " ±").into(),
        opt_num(q.p5).into(),
        opt_num(q.p50).into(),
        opt_num(q.p95).into(),
        sparkline(&compress(&m.histogram, 10)).into(),
    ]
}

fn compress(h: &[u64], width: usize) -> Vec<u64> {
    if h.len() <= width {
        return h.to_vec();
    }
    let per = h.len().div_ceil(width);
    h.chunks(per).map(|c| c.iter().sum()).collect()
}

fn metrics(o: &mut String, r: &RunReport, colour: Colour) {
    heading(
        o,
        colour,
        "Metrics (mean ± Monte Carlo standard error; median and 5th to 95th percentile; histogram)",
    );
    let mut t = Table::new(&[
        ("metric", Align::Left),
        ("unit", Align::Left),
        ("mean ± se", Align::Right),
        ("p5", Align::Right),
        ("median", Align::Right),
        ("p95", Align::Right),
        ("histogram", Align::Left),
    ]);
    let mut left_out_names: Vec<&str> = Vec::new();
    // Optional metrics' shares of trials, said under the table.
    let mut partial: Vec<(&str, String)> = Vec::new();
    let days_at = |m: &&MetricReport| m.name.starts_with("days_at.");
    for m in r.metrics.iter().filter(|m| !days_at(m) && !is_rung(m)) {
        if m.is_nil() {
            left_out_names.push(&m.name);
            continue;
        }
        t.row(metric_cells(&m.name, m));
        if m.present < r.trials {
            partial.push((&m.name, share(m.present as f64 / r.trials as f64)));
        }
    }
    // days_at.DYAD.RUNG, grouped under a line per dyad.
    let days: Vec<&MetricReport> = r.metrics.iter().filter(days_at).collect();
    let mut shown = vec![false; days.len()];
    for e in &r.escalation {
        let prefix = format!("days_at.{}.", e.dyad);
        let mut head = false;
        for (i, m) in days.iter().enumerate() {
            let Some(rung) = m.name.strip_prefix(&prefix) else {
                continue;
            };
            shown[i] = true;
            if m.is_nil() {
                left_out_names.push(&m.name);
                continue;
            }
            if !head {
                t.line(format!("days at each rung, {} ({prefix}RUNG):", e.dyad));
                head = true;
            }
            t.row(metric_cells(&format!("  {rung}"), m));
        }
    }
    for (m, _) in days.iter().zip(&shown).filter(|(_, s)| !**s) {
        if m.is_nil() {
            left_out_names.push(&m.name);
        } else {
            t.row(metric_cells(&m.name, m));
        }
    }
    for l in t.render(2, WIDTH, colour) {
        let _ = writeln!(o, "{l}");
    }
    let described: Vec<String> = ["deaths", VICTIMS]
        .iter()
        .filter_map(|&name| {
            let m = r.metrics.iter().find(|m| m.name == name && !m.is_nil())?;
            Some(format!("{name}: {}", m.description))
        })
        .collect();
    let mut notes: Vec<String> = Vec::new();
    if !described.is_empty() {
        notes.push(described.join("; "));
    }
    // Optional metrics with the same share of trials are said together.
    let mut shares: Vec<(String, Vec<&str>)> = Vec::new();
    for (name, s) in &partial {
        match shares.iter_mut().find(|(t, _)| t == s) {
            Some((_, names)) => names.push(name),
            None => shares.push((s.clone(), vec![name])),
        }
    }
    for (s, names) in shares {
        notes.push(format!(
            "{} occur{} in {s} of the trials: {} over those",
            names.join(", "),
            if names.len() == 1 { "s" } else { "" },
            if names.len() == 1 {
                "its figures are"
            } else {
                "their figures are"
            }
        ));
    }
    for n in notes {
        for l in wrap(&format!("{n}."), WIDTH - 2, 2) {
            let _ = writeln!(o, "  {l}");
        }
    }
    let all: Vec<&str> = r.metrics.iter().map(|m| m.name.as_str()).collect();
    for l in left_out("0 in every trial", &left_out_names, &all, 2, WIDTH) {
        let _ = writeln!(o, "{l}");
    }
}

fn rungs(o: &mut String, r: &RunReport, colour: Colour) {
    let ladder = &r.scenario.ladder;
    let mut lines: Vec<String> = Vec::new();
    for e in &r.escalation {
        let find = |prefix: &str| {
            let name = format!("{prefix}.{}", e.dyad);
            r.metrics.iter().find(|m| m.name == name)
        };
        let mut dyad = Vec::new();
        for (label, prefix) in [("peak rung", "peak_rung"), ("final rung", "final_rung")] {
            let Some(m) = find(prefix) else { continue };
            let parts = rung_shares(ladder, m);
            if parts.is_empty() {
                continue;
            }
            let parts: Vec<String> = parts.iter().map(|p| format!("{p},")).collect();
            let head = format!("    {label:<10} ");
            let mut flowed = flow(&head, &parts, " ", head.chars().count(), WIDTH, false);
            if let Some(l) = flowed.last_mut() {
                l.pop();
            }
            dyad.extend(flowed);
        }
        if !dyad.is_empty() {
            lines.push(format!(
                "  {} (peak_rung.{d}, final_rung.{d})",
                e.dyad,
                d = e.dyad
            ));
            lines.extend(dyad);
        }
    }
    if lines.is_empty() {
        return;
    }
    heading(
        o,
        colour,
        "Rungs: share of trials by the highest rung reached and by the rung on the last day",
    );
    for l in lines {
        let _ = writeln!(o, "{l}");
    }
}

fn escalation(o: &mut String, r: &RunReport, colour: Colour) {
    let ladder = &r.scenario.ladder;
    heading(
        o,
        colour,
        "Escalation: share of trials at or above each rung",
    );
    // Every entry ends in a comma (the last one's is dropped after the layout).
    let legend: Vec<String> = ladder
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, n)| format!("{i} {n},"))
        .collect();
    let lines = flow("  rungs: ", &legend, " ", 9, WIDTH, false);
    let last = lines.len().saturating_sub(1);
    for (i, l) in lines.iter().enumerate() {
        let l = if i == last {
            l.trim_end_matches(',')
        } else {
            l
        };
        let _ = writeln!(o, "{l}");
    }
    if lines.is_empty() {
        let _ = writeln!(o, "  rungs:");
    }
    let (mut none, mut all) = (false, false);
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
                none |= *p <= 0.0;
                all |= *p >= 1.0;
                row.push_str(&format!(" {:>6}", share(*p)));
            }
            let _ = writeln!(o, "{row}");
        }
    }
    if let Some(text) = ends_note(r.trials, none, all) {
        for l in wrap(&text, WIDTH - 2, 2) {
            let _ = writeln!(o, "  {l}");
        }
    }
}

/// The sufficiency sentence: the widest 95% interval on a class probability,
/// and about how many trials would halve it ([`trials_to_halve`]: about four
/// times as many inside, twice as many for a class at 0 or 100%). When every
/// trial ended in one class, it says so and sizes the other classes' bound.
pub fn sufficiency_sentence(r: &RunReport) -> Option<String> {
    let n = r.trials;
    let inside = r.outcomes.iter().filter(|c| c.count > 0 && c.count < n);
    let widest = inside.max_by(|a, b| (a.ci95[1] - a.ci95[0]).total_cmp(&(b.ci95[1] - b.ci95[0])));
    match widest {
        Some(w) => {
            let width = w.ci95[1] - w.ci95[0];
            Some(format!(
                "Sufficiency: the widest 95% interval on a class probability is {} percentage \
                 points ({}); about {} trials would halve it.",
                about(100.0 * width),
                w.name,
                about(trials_to_halve(w.count, n, Z95)?)
            ))
        }
        None => {
            let all = r.outcomes.iter().find(|c| c.count == n && n > 0)?;
            let (_, hi) = wilson(0, n, Z95);
            Some(format!(
                "Sufficiency: every trial ended in {}; the 95% interval of each other class is \
                 {}, and about {} trials would halve its upper end.",
                all.name,
                interval(0.0, hi),
                about(trials_to_halve(0, n, Z95)?)
            ))
        }
    }
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
    fn sparkline_scales_to_the_tallest_bin() {
        assert_eq!(sparkline(&[0, 1, 2, 4]), " ▃▅█");
    }
}
