//! The HTML page of a comparison (`escalate compare --html FILE`): one
//! self-contained page rendered from a [`CompareReport`], inline SVG and CSS,
//! no script and nothing from the network.
//!
//! Sections: the policies (names, descriptions, digests); outcome classes side
//! by side (each policy's probability with its 95% interval, drawn with
//! [`svg::interval_bars`]) and their paired differences to the reference;
//! the headline metrics' paired differences; the full metric table; what
//! common random numbers bought (variance reduction); how to reproduce.
//!
//! The difference charts ([`svg::difference_chart`]) draw each policy's
//! difference to the reference as a point with its 95% interval around a zero
//! line. A rung metric's chart and table row show no mean of rung indices
//! (the ladder's steps are ordered, not equal): they show the paired shift,
//! the share of trials in which the policy's rung is higher than the
//! reference's in that trial minus the share in which it is lower, in
//! percentage points ([`rung_shift`]). Every piece of scenario text is escaped; equal reports give equal bytes.

use std::fmt::Write;

use super::compare_report::{CompareReport, MetricComparison, MetricDiff};
use super::format::{num, signed};
use super::headline;
use super::page;
use super::svg::{self, BarOptions, IntervalBar, Tone, difference_chart, escape};
use crate::core::model::MetricKind;
use crate::run::compare::Direction;

/// This page's own rules, after [`page::BASE_CSS`].
const PAGE_CSS: &str = r#"
h3 { font-size: 16px; margin: 18px 0 4px; }
td.good { color: #1e7d45; font-weight: 600; }
td.bad { color: #b03a2e; font-weight: 600; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 4px 24px; }
.swatch { display: inline-block; width: 11px; height: 11px; margin-right: 5px; vertical-align: -1px; }
svg.chart .diff-point { stroke: #111; stroke-width: 1; }
svg.chart .zero { stroke: #333; stroke-width: 1.5; stroke-dasharray: 4 3; }
@media print { main { max-width: none; padding: 0; } }
"#;

const SWATCH: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7f7f7f", "#f0e442",
];

fn pts(x: f64) -> String {
    format!("{:+.1}", 100.0 * x)
}

/// Renders the comparison as one self-contained HTML page.
pub fn render(r: &CompareReport) -> String {
    let mut o = String::with_capacity(64 * 1024);
    page::open(
        &mut o,
        &r.run.escalate_version,
        &format!("{} · policies compared · escalate", r.scenario.name),
        PAGE_CSS,
    );
    header(&mut o, r);
    classes(&mut o, r);
    headline(&mut o, r);
    table(&mut o, r);
    crn(&mut o, r);
    let _ = writeln!(
        o,
        "<h2>Reproduce</h2>\n<pre>{}</pre>\n<p class=\"meta\">escalate {} · scenario SHA-256 <code>{}</code></p>",
        escape(&r.command),
        escape(&r.run.escalate_version),
        escape(&r.run.scenario_sha256)
    );
    page::close(&mut o);
    o
}

fn header(o: &mut String, r: &CompareReport) {
    let mut paragraphs = Vec::new();
    if !r.scenario.description.is_empty() {
        paragraphs.push(format!("<p>{}</p>", escape(&r.scenario.description)));
    }
    paragraphs.push(format!(
        "<p class=\"meta\">{} trials per policy, {} days each · seed {} · every policy runs the \
         same trials on common random numbers: trial <i>i</i> of each policy draws the same \
         uncertain parameters and the same shocks, so differences come from the policies, not \
         from luck.</p>",
        num(r.trials as f64),
        r.run.horizon,
        r.seed
    ));
    page::header(
        o,
        &format!("{}: policies compared", r.scenario.name),
        &paragraphs,
    );
    let _ = writeln!(
        o,
        "<h2>Policies</h2>\n<table>\n<tr><th>policy</th><th>what it is</th><th>digest</th></tr>"
    );
    for (k, p) in r.policies.iter().enumerate() {
        let _ = writeln!(
            o,
            "<tr><td><span class=\"swatch\" style=\"background:{}\"></span><b>{}</b>{}</td>\
             <td>{}</td><td><code>{}…</code></td></tr>",
            SWATCH[k % 8],
            escape(&p.name),
            if k == 0 { " (reference)" } else { "" },
            escape(&p.description),
            escape(&p.digest[..16])
        );
    }
    o.push_str("</table>\n");
}

fn classes(o: &mut String, r: &CompareReport) {
    let _ = writeln!(
        o,
        "<h2>How trials ended</h2>\n<p class=\"explain\">Left: each policy's probability of \
         the class with its 95% interval. Right: the paired difference to <b>{}</b> in \
         percentage points with its 95% interval (Newcombe's method for paired proportions); \
         an interval that does not cross the dashed zero line is a difference the trials \
         establish.</p>",
        escape(&r.reference)
    );
    for (c, cl) in r.classes.iter().enumerate() {
        let _ = writeln!(
            o,
            "<h3>{}</h3>\n<p class=\"explain\">{}</p>\n<div class=\"pair\">",
            escape(&cl.name),
            escape(&cl.description)
        );
        let bars: Vec<IntervalBar> = r
            .policies
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let oc = &p.outcomes[c];
                IntervalBar {
                    label: p.name.clone(),
                    value: oc.probability,
                    low: oc.ci95[0],
                    high: oc.ci95[1],
                    tone: Tone::Series(k),
                    note: format!("{:.1}%", 100.0 * oc.probability),
                }
            })
            .collect();
        let max = bars.iter().map(|b| b.high).fold(0.0, f64::max);
        let max = if max <= 0.0 {
            0.05
        } else {
            (max * 1.1).min(1.0)
        };
        o.push_str(&svg::interval_bars(
            &bars,
            &BarOptions {
                title: format!("{}: probability", cl.name),
                width: 520.0,
                max,
                percent: true,
                label_width: 120.0,
                note_width: 70.0,
            },
        ));
        let rows: Vec<IntervalBar> = cl
            .policies
            .iter()
            .enumerate()
            .skip(1)
            .map(|(k, d)| IntervalBar {
                label: d.policy.clone(),
                value: d.difference,
                low: d.ci95[0],
                high: d.ci95[1],
                tone: Tone::Series(k),
                note: format!(
                    "{} [{}, {}] pts",
                    pts(d.difference),
                    pts(d.ci95[0]),
                    pts(d.ci95[1])
                ),
            })
            .collect();
        o.push_str(&difference_chart(
            &rows,
            &format!("{}: difference to {}, points", cl.name, r.reference),
            true,
            520.0,
        ));
        o.push_str("</div>\n");
    }
}

/// The metrics drawn as charts: totals people ask about first, the people
/// killed as victims (civilians and security forces) and militants apart,
/// never one total of both.
fn is_headline(m: &MetricComparison) -> bool {
    m.name == headline::VICTIMS
        || m.name == headline::MILITANTS
        || matches!(
            m.name.as_str(),
            "attacks"
                | "deaths.civilian"
                | "deaths.security"
                | "strikes"
                | "deported"
                | "trade_lost"
        )
        || m.name.starts_with("peak_rung.")
}

/// Whether a metric's values are rung indices on the ladder (`peak_rung.*`, `final_rung.*`).
fn is_rung(m: &MetricComparison) -> bool {
    m.unit == MetricKind::Rung.unit()
}

/// The paired shift of a rung metric under one policy, as the page shows it
/// (computed by the report: [`RungShift`](super::compare_report::RungShift)): the difference in shares and its
/// 95% interval, then the shares of trials with a higher and with a lower rung
/// than the reference's in that same trial. `None` for any other metric.
fn rung_shift(p: &MetricDiff, trials: u64) -> Option<(f64, [f64; 2], f64, f64)> {
    let s = p.rung_shift.as_ref()?;
    let n = trials.max(1) as f64;
    Some((
        s.difference,
        s.ci95,
        s.higher as f64 / n,
        s.lower as f64 / n,
    ))
}

/// What a rung step is and how the rung charts and rows read, for the
/// explanations: the ladder in order, the shift in points.
fn rung_explanation(r: &CompareReport) -> String {
    format!(
        "A rung is one step on the escalation ladder ({}); the steps are ordered but not equal, \
         so a mean of rung differences would have no unit. The rung charts and rows give \
         instead, in percentage points, the share of trials in which the policy's rung was \
         higher than {ref_}'s in that very trial minus the share in which it was lower, with its \
         95% interval (Newcombe's method for paired proportions): +20 points means the policy \
         raised the rung in 20 more trials in a hundred than it lowered it.",
        escape(&r.scenario.ladder.join(" < ")),
        ref_ = escape(&r.reference)
    )
}

fn headline(o: &mut String, r: &CompareReport) {
    let _ = writeln!(
        o,
        "<h2>Headline metrics: paired differences</h2>\n<p class=\"explain\">Mean over trials of \
         (policy − {ref_}) on the same draws, with its 95% interval. The note gives the share of \
         trials in which the policy did better / worse than {ref_} in that very trial.</p>",
        ref_ = escape(&r.reference)
    );
    if r.metrics.iter().any(|m| is_headline(m) && is_rung(m)) {
        let _ = writeln!(o, "<p class=\"explain\">{}</p>", rung_explanation(r));
    }
    o.push_str("<div class=\"pair\">\n");
    for m in r.metrics.iter().filter(|m| is_headline(m)) {
        let rung = is_rung(m);
        let rows: Vec<IntervalBar> = m
            .policies
            .iter()
            .enumerate()
            .skip(1)
            .filter_map(|(k, p)| {
                if let Some((d, ci, higher, lower)) = rung_shift(p, r.trials) {
                    return Some(IntervalBar {
                        label: p.policy.clone(),
                        value: d,
                        low: ci[0],
                        high: ci[1],
                        tone: Tone::Series(k),
                        note: format!(
                            "{} pts · higher {:.0}% / lower {:.0}%",
                            pts(d),
                            100.0 * higher,
                            100.0 * lower
                        ),
                    });
                }
                let (d, ci) = (p.difference?, p.ci95?);
                Some(IntervalBar {
                    label: p.policy.clone(),
                    value: d,
                    low: ci[0],
                    high: ci[1],
                    tone: Tone::Series(k),
                    note: match m.direction {
                        Direction::Neither => signed(d),
                        _ => format!(
                            "{} · better {:.0}% / worse {:.0}%",
                            signed(d),
                            100.0 * p.better,
                            100.0 * p.worse
                        ),
                    },
                })
            })
            .collect();
        let all_equal = if rung {
            m.policies.iter().skip(1).all(|p| p.equal >= 1.0)
        } else {
            rows.iter()
                .all(|d| d.value == 0.0 && d.low == 0.0 && d.high == 0.0)
        };
        if all_equal {
            continue;
        }
        let title = if rung {
            format!("{}: trials higher − lower, points", m.name)
        } else {
            let dir = match m.direction {
                Direction::Lower => " (lower is better)",
                Direction::Higher => " (higher is better)",
                Direction::Neither => "",
            };
            format!("{}{dir}, {}", m.name, m.unit)
        };
        o.push_str(&difference_chart(&rows, &title, rung, 560.0));
    }
    o.push_str("</div>\n");
}

fn table(o: &mut String, r: &CompareReport) {
    let _ = writeln!(
        o,
        "<h2>Every metric</h2>\n<p class=\"explain\">Green: the interval lies on the better side \
         of zero; red: on the worse side. VR: variance reduction, var(A) + var(B) over the \
         measured var(B − A). Rung metrics (unit: rung) have no mean here: their difference is \
         the share of trials with a higher rung than {ref_} minus the share with a lower one, in \
         percentage points (pts), as in the charts above.</p>\n<table>\n<tr><th>metric</th><th>policy</th><th class=\"n\">mean</th>\
         <th class=\"n\">difference</th><th class=\"n\">95% interval</th><th class=\"n\">better</th>\
         <th class=\"n\">worse</th><th class=\"n\">VR</th></tr>",
        ref_ = escape(&r.reference)
    );
    for m in &r.metrics {
        if m.name.starts_with("days_at.")
            || m.policies.iter().all(|p| p.mean.is_none_or(|x| x == 0.0))
        {
            continue;
        }
        for (k, p) in m.policies.iter().enumerate() {
            let name = if k == 0 {
                format!("<b>{}</b>", escape(&m.name))
            } else {
                String::new()
            };
            let rung = is_rung(m);
            let mean = if rung {
                "–".to_string()
            } else {
                p.mean.map_or("–".into(), num)
            };
            if k == 0 {
                let _ = writeln!(
                    o,
                    "<tr><td>{name}</td><td>{}</td><td class=\"n\">{mean}</td><td></td><td></td><td></td><td></td><td></td></tr>",
                    escape(&p.policy)
                );
                continue;
            }
            let shift = rung_shift(p, r.trials);
            let ci = shift.map_or(p.ci95, |(_, ci, _, _)| Some(ci));
            let (difference, ci95) = match shift {
                Some((d, ci, _, _)) => (
                    format!("{} pts", pts(d)),
                    format!("[{}, {}] pts", pts(ci[0]), pts(ci[1])),
                ),
                None => (
                    p.difference.map_or("–".into(), signed),
                    p.ci95.map_or("–".into(), |c| {
                        format!("[{}, {}]", signed(c[0]), signed(c[1]))
                    }),
                ),
            };
            let class = match (m.direction, ci) {
                (Direction::Lower, Some(ci)) if ci[1] < 0.0 => "good",
                (Direction::Lower, Some(ci)) if ci[0] > 0.0 => "bad",
                (Direction::Higher, Some(ci)) if ci[0] > 0.0 => "good",
                (Direction::Higher, Some(ci)) if ci[1] < 0.0 => "bad",
                _ => "",
            };
            let (b, w) = match m.direction {
                Direction::Neither => ("–".to_string(), "–".to_string()),
                _ => (
                    format!("{:.1}%", 100.0 * p.better),
                    format!("{:.1}%", 100.0 * p.worse),
                ),
            };
            let _ = writeln!(
                o,
                "<tr><td></td><td>{}</td><td class=\"n\">{mean}</td><td class=\"n {class}\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{b}</td><td class=\"n\">{w}</td><td class=\"n\">{}</td></tr>",
                escape(&p.policy),
                difference,
                ci95,
                match (p.variance_reduction, p.variance_paired) {
                    _ if rung => "–".into(),
                    (Some(v), _) => format!("×{}", num(v)),
                    (None, Some(0.0)) => "exact".into(),
                    _ => "–".into(),
                }
            );
        }
    }
    o.push_str("</table>\n");
}

fn crn(o: &mut String, r: &CompareReport) {
    let mut vr: Vec<(f64, &str, &str)> = r
        .metrics
        .iter()
        .filter(|m| is_headline(m) && !is_rung(m))
        .flat_map(|m| {
            m.policies.iter().skip(1).filter_map(move |p| {
                p.variance_reduction
                    .map(|v| (v, m.name.as_str(), p.policy.as_str()))
            })
        })
        .collect();
    vr.sort_by(|a, b| a.0.total_cmp(&b.0));
    let _ = writeln!(
        o,
        "<h2>What common random numbers bought</h2>\n<p class=\"explain\">Had each policy run on \
         its own independent streams, the variance of a difference would be var(A) + var(B). On \
         common random numbers it is var(B − A), measured here. Their ratio is how many \
         independent trials one paired trial is worth."
    );
    if let (Some(lo), Some(hi)) = (vr.first(), vr.last()) {
        let _ = write!(
            o,
            " Over the headline metrics it ranges from ×{} ({}, {}) to ×{} ({}, {}); \
             docs/compare-and-trace.md explains why some differences gain little.",
            num(lo.0),
            escape(lo.1),
            escape(lo.2),
            num(hi.0),
            escape(hi.1),
            escape(hi.2)
        );
    }
    o.push_str("</p>\n");
}
