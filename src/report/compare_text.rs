//! The terminal report of a comparison: the policies, then per outcome class
//! and metric each policy against the reference (paired difference with its
//! 95% interval, shares of trials better and worse, variance reduction).
//! Fits 100 columns; colour only when asked (as in [`super::text`]): a
//! difference is green when its interval lies on the better side of zero, red
//! on the worse side.

use std::fmt::Write;

use super::compare_report::{CompareReport, MetricComparison};
use super::format::{Colour, banner, fit_end, group, heading, num, opt_num, pct, signed};
use super::text::WIDTH;
use crate::run::compare::Direction;

fn points(x: f64) -> String {
    let p = 100.0 * x;
    if p.abs() < 0.05 {
        "0.0".to_string()
    } else {
        format!("{p:+.1}")
    }
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
    heading(&mut o, colour, "Policies (the first is the reference)");
    for p in &r.policies {
        let head = format!("  {} digest {}…  ", fit_end(&p.name, 14), &p.digest[..12]);
        let room = WIDTH.saturating_sub(head.chars().count());
        let _ = writeln!(o, "{head}{}", fit_end(&p.description, room).trim_end());
    }
    classes(&mut o, r, colour);
    metrics(&mut o, r, colour);
    crn(&mut o, r);
    o
}

fn classes(o: &mut String, r: &CompareReport, colour: Colour) {
    heading(
        o,
        colour,
        &format!(
            "Outcome classes: probability; difference to {} in points (95% interval)",
            r.reference
        ),
    );
    let _ = writeln!(
        o,
        "  {:<18} {:<10} {:>8} {:>7}  {:<29} {:>7} {:>7}",
        "class",
        "policy",
        fit_end(&r.reference, 8).trim_end(),
        "policy",
        "difference [95% interval]",
        "entered",
        "left"
    );
    let last = r.classes.len().saturating_sub(1);
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
                colour.paint(code, &fit_end(&cl.name, 18))
            } else {
                " ".repeat(18)
            };
            let diff = format!(
                "{} [{}, {}]",
                points(p.difference),
                points(p.ci95[0]),
                points(p.ci95[1])
            );
            let _ = writeln!(
                o,
                "  {name} {} {:>8} {:>7}  {:<29} {:>7} {:>7}",
                fit_end(&p.policy, 10),
                pct(reference.probability),
                pct(p.probability),
                diff,
                pct(p.entered),
                pct(p.left)
            );
        }
    }
    let _ = writeln!(
        o,
        "  entered: share of trials in the class under the policy but not under {ref_}; \
         left: the reverse.",
        ref_ = r.reference
    );
}

fn metric_rows(o: &mut String, m: &MetricComparison, colour: Colour) {
    let reference = &m.policies[0];
    let cell = opt_num;
    for (k, p) in m.policies.iter().enumerate().skip(1) {
        let name = if k == 1 {
            fit_end(&m.name, 18)
        } else {
            " ".repeat(18)
        };
        let diff = match (p.difference, p.ci95) {
            (Some(d), Some(ci)) => {
                let text = format!("{} [{}, {}]", signed(d), signed(ci[0]), signed(ci[1]));
                let text = fit_end(&text, 29);
                let good = match m.direction {
                    Direction::Lower => Some(ci[1] < 0.0),
                    Direction::Higher => Some(ci[0] > 0.0),
                    Direction::Neither => None,
                };
                let bad = match m.direction {
                    Direction::Lower => ci[0] > 0.0,
                    Direction::Higher => ci[1] < 0.0,
                    Direction::Neither => false,
                };
                match good {
                    Some(true) => colour.paint("32", &text),
                    _ if bad => colour.paint("31", &text),
                    _ => text,
                }
            }
            _ => fit_end("–", 29),
        };
        let (better, worse) = match m.direction {
            Direction::Neither => ("–".to_string(), "–".to_string()),
            _ => (pct(p.better), pct(p.worse)),
        };
        let vr = match p.variance_reduction {
            Some(v) => format!("×{}", num(v)),
            None if p.variance_paired == Some(0.0) => "exact".to_string(),
            None => "–".to_string(),
        };
        let _ = writeln!(
            o,
            "  {name} {} {:>7} {:>7}  {diff} {:>6} {:>6} {:>6}",
            fit_end(&p.policy, 10),
            cell(reference.mean),
            cell(p.mean),
            better,
            worse,
            vr
        );
    }
}

fn metrics(o: &mut String, r: &CompareReport, colour: Colour) {
    heading(
        o,
        colour,
        &format!(
            "Metrics: means; paired difference to {} (95% interval); trials better, worse",
            r.reference
        ),
    );
    let _ = writeln!(
        o,
        "  {:<18} {:<10} {:>7} {:>7}  {:<29} {:>6} {:>6} {:>6}",
        "metric",
        "policy",
        fit_end(&r.reference, 7).trim_end(),
        "policy",
        "difference [95% interval]",
        "better",
        "worse",
        "VR"
    );
    let mut zero = 0;
    for m in &r.metrics {
        if m.name.starts_with("days_at.") {
            continue;
        }
        if m.policies.iter().all(|p| p.mean.is_none_or(|x| x == 0.0)) {
            zero += 1;
            continue;
        }
        metric_rows(o, m, colour);
    }
    let _ = writeln!(
        o,
        "  better/worse: share of trials in which the policy did better/worse than {} on the \
         same\n  draws (lower is better for deaths, attacks, strikes, rungs, trade lost, \
         deportations;\n  `–`: no better or worse). VR: variance reduction of the paired \
         difference (below).",
        r.reference
    );
    if zero > 0 {
        let _ = writeln!(
            o,
            "  {zero} metric(s) that are 0 in every trial of every policy are left out; days at \
             each rung: --json."
        );
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
