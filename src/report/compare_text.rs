//! The terminal report of a comparison: the policies, then per outcome class
//! and metric each policy against the reference (paired difference with its
//! 95% interval, shares of trials better and worse, variance reduction), the
//! rung metrics as shares of trials per rung, and what common random numbers
//! bought. Each metric is a line with its name and unit above one row per
//! policy, so no name is ever cut; a policy name longer than
//! [`POLICY_WIDTH`] is written `#K` in the tables, and the policy list says
//! which is which. Metrics 0 in every trial of every policy, or the same in
//! every trial under every policy, are named in a note instead. Fits 100
//! columns; colour only when asked (as in [`super::text`]): a difference is
//! green when its interval lies on the better side of zero, red on the worse
//! side.

use std::fmt::Write;

use super::compare_report::{CompareReport, MetricComparison};
use super::format::{
    Align, Cell, Colour, Table, banner, flow, group, heading, num, opt_num, share, signed, wrap,
};
use super::headline::{ends_note, left_out, rung_shares};
use super::text::WIDTH;
use crate::core::model::MetricKind;
use crate::run::compare::Direction;

/// The longest policy name the tables print; a longer one is `#K` there.
pub const POLICY_WIDTH: usize = 17;

fn points(x: f64) -> String {
    let p = 100.0 * x;
    if p.abs() < 0.05 {
        "0.0".to_string()
    } else {
        format!("{p:+.1}")
    }
}

/// The name each policy goes by in the tables: its own, or `#K` (K from 1,
/// in order) when longer than [`POLICY_WIDTH`].
fn labels(r: &CompareReport) -> Vec<String> {
    r.policies
        .iter()
        .enumerate()
        .map(|(k, p)| {
            if p.name.chars().count() <= POLICY_WIDTH {
                p.name.clone()
            } else {
                format!("#{}", k + 1)
            }
        })
        .collect()
}

/// Renders the comparison for a terminal.
pub fn render(r: &CompareReport, colour: Colour) -> String {
    let mut o = String::new();
    let title = format!(
        "escalate {} · compare · {}",
        r.run.escalate_version, r.scenario.name
    );
    let mut line = format!(
        "{} trials per policy · seed {} · {} days · common random numbers",
        group(r.trials as i64),
        r.seed,
        r.run.horizon
    );
    if !r.run.overrides.is_empty() {
        line.push_str(&format!(" · {} override(s)", r.run.overrides.len()));
    }
    banner(&mut o, colour, &title, &line, WIDTH);
    let labels = labels(r);
    policies(&mut o, r, &labels, colour);
    classes(&mut o, r, &labels, colour);
    metrics(&mut o, r, &labels, colour);
    rungs(&mut o, r, &labels, colour);
    crn(&mut o, r);
    o
}

fn policies(o: &mut String, r: &CompareReport, labels: &[String], colour: Colour) {
    heading(o, colour, "Policies (the first is the reference)");
    let lw = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    for (p, label) in r.policies.iter().zip(labels) {
        let head = format!("  {label:<lw$}  digest {}…  ", &p.digest[..12]);
        let mut text = String::new();
        if *label != p.name {
            text.push_str(&format!("{}: ", p.name));
        }
        text.push_str(&p.description);
        let words: Vec<&str> = text.split_whitespace().collect();
        let indent = head.chars().count();
        let lines = flow(&head, &words, " ", indent, WIDTH, true);
        if lines.is_empty() {
            let _ = writeln!(o, "{}", head.trim_end());
        }
        for l in lines {
            let _ = writeln!(o, "{}", l.trim_end());
        }
    }
}

fn classes(o: &mut String, r: &CompareReport, labels: &[String], colour: Colour) {
    heading(
        o,
        colour,
        &format!(
            "Outcome classes: probability; difference to {} in points (95% interval)",
            r.reference
        ),
    );
    let mut t = Table::new(&[
        ("class", Align::Left),
        ("policy", Align::Left),
        ("ref.", Align::Right),
        ("policy", Align::Right),
        ("difference [95% interval]", Align::Left),
        ("entered", Align::Right),
        ("left", Align::Right),
    ]);
    let last = r.classes.len().saturating_sub(1);
    let (mut none, mut all) = (false, false);
    let mut shown = |p: f64| {
        none |= p <= 0.0;
        all |= p >= 1.0;
        share(p)
    };
    for (c, cl) in r.classes.iter().enumerate() {
        let code = if c == last {
            "32"
        } else if c == 0 {
            "31"
        } else {
            "33"
        };
        let reference = &cl.policies[0];
        for (k, p) in cl.policies.iter().enumerate().skip(1) {
            let name = if k == 1 {
                Cell::styled(cl.name.as_str(), code)
            } else {
                Cell::default()
            };
            t.row(vec![
                name,
                labels[k].as_str().into(),
                shown(reference.probability).into(),
                shown(p.probability).into(),
                format!(
                    "{} [{}, {}]",
                    points(p.difference),
                    points(p.ci95[0]),
                    points(p.ci95[1])
                )
                .into(),
                share(p.entered).into(),
                share(p.left).into(),
            ]);
        }
    }
    for l in t.render(2, WIDTH, colour) {
        let _ = writeln!(o, "{l}");
    }
    let mut legend = format!(
        "ref.: the probability under {ref_}. entered: share of trials in the class under the \
         policy but not under {ref_}; left: the reverse.",
        ref_ = r.reference
    );
    if let Some(n) = ends_note(r.trials, none, all) {
        legend.push(' ');
        legend.push_str(&n);
    }
    for l in wrap(&legend, WIDTH - 2, 0) {
        let _ = writeln!(o, "  {l}");
    }
}

/// The difference cell of a metric row: the paired difference with its 95%
/// interval, green when the interval lies on the better side of zero, red on
/// the worse side.
fn difference(m: &MetricComparison, d: Option<f64>, ci: Option<[f64; 2]>) -> Cell {
    let (Some(d), Some(ci)) = (d, ci) else {
        return "–".into();
    };
    let text = format!("{} [{}, {}]", signed(d), signed(ci[0]), signed(ci[1]));
    let (good, bad) = match m.direction {
        Direction::Lower => (ci[1] < 0.0, ci[0] > 0.0),
        Direction::Higher => (ci[0] > 0.0, ci[1] < 0.0),
        Direction::Neither => (false, false),
    };
    if good {
        Cell::styled(text, "32")
    } else if bad {
        Cell::styled(text, "31")
    } else {
        text.into()
    }
}

/// The variance reduction cell: `×N`, `exact` for a paired variance of 0, `–` for none.
fn vr(p: &super::compare_report::MetricDiff) -> String {
    match p.variance_reduction {
        Some(v) => format!("×{}", num(v)),
        None if p.variance_paired == Some(0.0) => "exact".to_string(),
        None => "–".to_string(),
    }
}

fn is_rung(m: &MetricComparison) -> bool {
    m.unit == MetricKind::Rung.unit()
}

/// Whether a metric was the same in every trial under every policy (and not 0 throughout).
fn unchanged(m: &MetricComparison) -> bool {
    m.policies.iter().skip(1).all(|p| p.equal >= 1.0)
}

fn is_nil(m: &MetricComparison) -> bool {
    m.policies.iter().all(|p| p.mean.is_none_or(|x| x == 0.0))
}

fn metrics(o: &mut String, r: &CompareReport, labels: &[String], colour: Colour) {
    heading(
        o,
        colour,
        &format!(
            "Metrics: means; paired difference to {} (95% interval); trials better, worse",
            r.reference
        ),
    );
    let mut t = Table::new(&[
        ("  policy", Align::Left),
        ("ref.", Align::Right),
        ("policy", Align::Right),
        ("difference [95% interval]", Align::Left),
        ("better", Align::Right),
        ("worse", Align::Right),
        ("VR", Align::Right),
    ]);
    let (mut zero, mut same): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for m in &r.metrics {
        if m.name.starts_with("days_at.") {
            continue;
        }
        if is_rung(m) && !unchanged(m) {
            continue;
        }
        if is_nil(m) {
            zero.push(&m.name);
            continue;
        }
        if unchanged(m) {
            same.push(&m.name);
            continue;
        }
        t.line(format!("{} ({})", m.name, m.unit));
        let reference = &m.policies[0];
        for (k, p) in m.policies.iter().enumerate().skip(1) {
            let (better, worse) = match m.direction {
                Direction::Neither => ("–".to_string(), "–".to_string()),
                _ => (share(p.better), share(p.worse)),
            };
            t.row(vec![
                format!("  {}", labels[k]).into(),
                opt_num(reference.mean).into(),
                opt_num(p.mean).into(),
                difference(m, p.difference, p.ci95),
                better.into(),
                worse.into(),
                vr(p).into(),
            ]);
        }
    }
    for l in t.render(2, WIDTH, colour) {
        let _ = writeln!(o, "{l}");
    }
    let legend = format!(
        "ref.: the mean under {ref_}. better/worse: share of trials in which the policy did \
         better/worse than {ref_} on the same draws (lower is better for deaths, attacks, \
         strikes, rungs, trade lost, deportations; `–`: no better or worse). VR: variance \
         reduction of the paired difference (below). Days at each rung (days_at.*): --json.",
        ref_ = r.reference
    );
    for l in wrap(&legend, WIDTH - 2, 0) {
        let _ = writeln!(o, "  {l}");
    }
    let all: Vec<&str> = r.metrics.iter().map(|m| m.name.as_str()).collect();
    for l in left_out("0 in every trial of every policy", &zero, &all, 2, WIDTH) {
        let _ = writeln!(o, "{l}");
    }
    let why = format!(
        "the same in every trial under every policy as under {}",
        r.reference
    );
    // (Rung metrics included: they are listed below only when some policy moves them.)
    for l in left_out(&why, &same, &all, 2, WIDTH) {
        let _ = writeln!(o, "{l}");
    }
}

fn rungs(o: &mut String, r: &CompareReport, labels: &[String], colour: Colour) {
    let ladder = &r.scenario.ladder;
    let rung_metrics: Vec<(usize, &MetricComparison)> = r
        .metrics
        .iter()
        .enumerate()
        .filter(|(_, m)| is_rung(m) && !unchanged(m))
        .collect();
    if rung_metrics.is_empty() {
        return;
    }
    heading(
        o,
        colour,
        &format!(
            "Rungs: share of trials at each rung; better/worse: a lower/higher rung than under {}",
            r.reference
        ),
    );
    let lw = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    for (i, m) in rung_metrics {
        let _ = writeln!(o, "  {}", m.name);
        for (k, label) in labels.iter().enumerate() {
            let shares = rung_shares(ladder, &r.policies[k].metrics[i]);
            let mut parts: Vec<String> = shares
                .iter()
                .enumerate()
                .map(|(j, s)| {
                    if j + 1 < shares.len() {
                        format!("{s},")
                    } else {
                        s.clone()
                    }
                })
                .collect();
            if k > 0 {
                let p = &m.policies[k];
                parts.push(format!(
                    "(better {}, worse {})",
                    share(p.better),
                    share(p.worse)
                ));
            }
            let head = format!("    {label:<lw$}  ");
            let indent = head.chars().count();
            for l in flow(&head, &parts, " ", indent, WIDTH, true) {
                let _ = writeln!(o, "{}", l.trim_end());
            }
        }
    }
}

fn crn(o: &mut String, r: &CompareReport) {
    let mut vr: Vec<f64> = r
        .metrics
        .iter()
        .filter(|m| !m.name.starts_with("days_at."))
        .flat_map(|m| m.policies.iter().skip(1))
        .filter_map(|p| p.variance_reduction)
        .collect();
    if vr.is_empty() {
        return;
    }
    vr.sort_by(f64::total_cmp);
    let median = vr[vr.len() / 2];
    let _ = writeln!(
        o,
        "\nCommon random numbers: trial i of every policy draws the same parameters and shocks.\n\
         Variance reduction (VR) = (var A + var B) / var(B - A): how many independent trials one\n\
         paired trial is worth. Here it ranges from ×{} to ×{} (median ×{} over {} metric\n\
         differences; docs/compare-and-trace.md).",
        num(vr[0]),
        num(vr[vr.len() - 1]),
        num(median),
        vr.len()
    );
}
