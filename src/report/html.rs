//! The HTML report (`escalate run --html FILE`): one self-contained page
//! rendered from a [`RunReport`], with inline SVG charts (see [`super::svg`])
//! and inline CSS; no script, no font and nothing else from the network.
//!
//! Sections, in reading order: what was simulated (name, description, run),
//! how trials ended (class bars with 95% whiskers and a table), escalation
//! over time (a fan chart per dyad and one of cumulative deaths, plus the
//! terminal report's escalation table), metrics (the table, then a histogram
//! per metric, the `days_at.*` ones grouped per dyad), the uncertain
//! parameters, and how to reproduce the run (seed, trials, digest, version,
//! command). Every piece of scenario text is escaped. Equal reports give
//! equal bytes.

use std::fmt::Write;

use super::format::{group, interval, mean_se, num, opt_num, pct, share};
use super::headline::{self, glance, rung_shares};
use super::page;
use super::svg::{self, escape};
use super::text::sufficiency_sentence;
use super::{MetricReport, RunReport};
use crate::core::model::MetricKind;

/// This page's own rules, after [`page::BASE_CSS`].
const PAGE_CSS: &str = r#"
:root { color-scheme: light; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.lead { font-size: 16px; max-width: 60em; }
.glance { background: #f1f5fb; border-left: 4px solid #4a78b5; padding: 10px 14px; margin: 14px 0; }
.glance ul { margin: 4px 0; padding-left: 20px; }
.caveat { color: #666; font-size: 13px; }
td .d { display: block; color: #666; font-size: 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; font-size: 14px; }
dl.facts dt { color: #555; }
dl.facts dd { margin: 0; word-break: break-all; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 10px 16px; }
.cards.small { grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); }
figure { margin: 8px 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 12.5px; color: #444; }
.fans { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 8px 24px; }
.scroll { overflow-x: auto; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th.rung { font-size: 12.5px; overflow-wrap: anywhere; min-width: 5.5em; }
table.esc td.n { min-width: 4em; }
tr.group th { background: #fff; border-bottom: 1px solid #ccc; padding-top: 10px; }
@media print {
  @page { margin: 14mm; }
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, .glance, table.esc, table.classes { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .fans { grid-template-columns: 1fr; }
  .scroll { overflow: visible; }
}
"#;

/// Renders the report as one self-contained HTML page.
pub fn render(r: &RunReport) -> String {
    let mut o = String::with_capacity(64 * 1024);
    page::open(
        &mut o,
        &r.run.escalate_version,
        &format!("{} · escalate report", r.scenario.name),
        PAGE_CSS,
    );
    header(&mut o, r);
    outcomes(&mut o, r);
    over_time(&mut o, r);
    metrics(&mut o, r);
    parameters(&mut o, r);
    reproduce(&mut o, r);
    page::close(&mut o);
    o
}

fn header(o: &mut String, r: &RunReport) {
    let mut paragraphs = Vec::new();
    if !r.scenario.description.is_empty() {
        paragraphs.push(format!(
            "<p class=\"lead\">{}</p>",
            escape(&r.scenario.description)
        ));
    }
    let mut meta = format!(
        "{} simulated trials of {} days each · seed {}",
        num_int(r.trials),
        r.run.horizon,
        r.seed
    );
    match &r.run.policy {
        Some(p) => meta.push_str(&format!(" · policy <b>{}</b>", escape(p))),
        None => meta.push_str(" · no policy (the scenario as written)"),
    }
    if !r.run.overrides.is_empty() {
        let list: Vec<String> = r
            .run
            .overrides
            .iter()
            .map(|s| format!("<code>{}</code>", escape(s)))
            .collect();
        meta.push_str(&format!(" · overrides {}", list.join(", ")));
    }
    paragraphs.push(format!(
        "<p class=\"meta\">{meta} · escalate {}</p>",
        escape(&r.run.escalate_version)
    ));
    page::header(o, &r.scenario.name, &paragraphs);
    // At a glance: the lines the terminal report leads with.
    let _ = writeln!(o, "<div class=\"glance\"><b>At a glance</b><ul>");
    for l in glance(r) {
        let _ = writeln!(o, "<li>{}</li>", headline::html(&l));
    }
    let _ = writeln!(
        o,
        "</ul><p class=\"caveat\">These are outputs of a model whose numbers are stated \
         assumptions (see the scenario file). The 95% intervals measure only the randomness of \
         the simulation, not whether the assumptions are right.</p></div>"
    );
}

/// Rung or other identifier with break opportunities after underscores, escaped.
fn breakable(s: &str) -> String {
    escape(s).replace('_', "_<wbr>")
}

fn outcomes(o: &mut String, r: &RunReport) {
    let _ = writeln!(
        o,
        "<section id=\"outcomes\">\n<h2>How the trials ended</h2>\n<p class=\"explain\">Every \
         trial ends in exactly one outcome class (the first in this list whose condition held; \
         the last is the default). A bar is the share of trials in the class; its black whisker \
         is the 95% interval of that share.</p>"
    );
    let bars: Vec<svg::IntervalBar> = r
        .outcomes
        .iter()
        .map(|c| svg::IntervalBar {
            label: c.name.clone(),
            value: c.probability,
            low: c.ci95[0],
            high: c.ci95[1],
            // One colour for every class: their order says nothing about good or bad.
            tone: svg::Tone::Neutral,
            note: format!(
                "{} {}",
                share(c.probability),
                interval(c.ci95[0], c.ci95[1])
            ),
        })
        .collect();
    let label_width = r
        .outcomes
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(8) as f64
        * 7.5
        + 20.0;
    let _ = writeln!(
        o,
        "<figure>{}</figure>",
        svg::interval_bars(
            &bars,
            &svg::BarOptions {
                title: "Outcome classes: share of trials, with 95% intervals".into(),
                width: 900.0,
                max: 1.0,
                percent: true,
                label_width: label_width.clamp(90.0, 260.0),
                note_width: 170.0,
            }
        )
    );
    let _ = writeln!(
        o,
        "<table class=\"classes\">\n<tr><th>class</th><th>meaning</th><th class=\"n\">trials</th>\
         <th class=\"n\">probability</th><th class=\"n\">95% interval</th></tr>"
    );
    for c in &r.outcomes {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td></tr>",
            escape(&c.name),
            escape(&c.description),
            num_int(c.count),
            share(c.probability),
            interval(c.ci95[0], c.ci95[1])
        );
    }
    let _ = writeln!(o, "</table>");
    if let Some(s) = sufficiency_sentence(r) {
        let _ = writeln!(o, "<p class=\"explain\">{}</p>", escape(&s));
    }
    let _ = writeln!(o, "</section>");
}

fn over_time(o: &mut String, r: &RunReport) {
    let ladder = &r.scenario.ladder;
    let _ = writeln!(
        o,
        "<section id=\"over-time\">\n<h2>Escalation over time</h2>\n<p class=\"explain\">Fan \
         charts: on each day, the dark band holds the middle 50% of trials, the light band 90% \
         (5th to 95th percentile), and the line is the median trial. Rungs are the steps of the \
         escalation ladder, calm at the bottom; they are whole steps, so the median jumps from \
         one rung to the next when about half of the trials are on either side.</p>\n<div class=\"fans\">"
    );
    let rung_ticks: Vec<(f64, String)> = ladder
        .iter()
        .enumerate()
        .map(|(i, n)| (i as f64, n.clone()))
        .collect();
    let left = ladder.iter().map(|n| n.chars().count()).max().unwrap_or(4) as f64 * 6.6 + 40.0;
    for b in &r.bands.rungs {
        let points: Vec<svg::FanPoint> = b
            .days
            .iter()
            .map(|d| svg::FanPoint {
                x: d.day as f64,
                q: d.q,
            })
            .collect();
        let _ = writeln!(
            o,
            "<figure>{}</figure>",
            svg::fan_chart(
                &points,
                &svg::FanOptions {
                    title: format!("Rung of {} by day", b.dyad),
                    x_label: "day".into(),
                    y_label: String::new(),
                    width: 520.0,
                    height: 300.0,
                    left: left.clamp(60.0, 200.0),
                    y_domain: Some((0.0, ladder.len().saturating_sub(1).max(1) as f64)),
                    y_ticks: Some(rung_ticks.clone()),
                },
            )
        );
    }
    if !r.bands.deaths.is_empty() {
        // Cumulative deaths are zero before the first day.
        let mut points = vec![svg::FanPoint {
            x: 0.0,
            q: [0.0; 5],
        }];
        points.extend(r.bands.deaths.iter().map(|d| svg::FanPoint {
            x: d.day as f64,
            q: d.q,
        }));
        let _ = writeln!(
            o,
            "<figure>{}</figure>",
            svg::fan_chart(
                &points,
                &svg::FanOptions {
                    title: "Cumulative deaths by day: everyone killed, militants included".into(),
                    x_label: "day".into(),
                    y_label: "deaths".into(),
                    width: 520.0,
                    height: 300.0,
                    left: 64.0,
                    y_domain: None,
                    y_ticks: None,
                },
            )
        );
    }
    let _ = writeln!(o, "</div>");
    // The terminal report's escalation table.
    let _ = writeln!(
        o,
        "<h3>Share of trials at or above each rung</h3>\n<div class=\"scroll\">"
    );
    for e in &r.escalation {
        let _ = write!(
            o,
            "<table class=\"esc\">\n<caption>{}</caption>\n<tr><th class=\"n\">day</th>",
            escape(&e.dyad)
        );
        for n in ladder.iter().skip(1) {
            let _ = write!(o, "<th class=\"n rung\">≥ {}</th>", breakable(n));
        }
        let _ = writeln!(o, "</tr>");
        for d in &e.days {
            let _ = write!(o, "<tr><td class=\"n\">{}</td>", d.day);
            for p in d.at_least.iter().skip(1) {
                let _ = write!(o, "<td class=\"n\">{}</td>", share(*p));
            }
            let _ = writeln!(o, "</tr>");
        }
        let _ = writeln!(o, "</table>");
    }
    let _ = writeln!(o, "</div>\n</section>");
}

fn metric_cells(m: &MetricReport) -> String {
    let q = &m.quantiles;
    let cell = opt_num;
    let mean = mean_se(m.mean, m.std_error, " ± ");
    format!(
        "<td class=\"n\">{mean}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
        cell(q.p5),
        cell(q.p25),
        cell(q.p50),
        cell(q.p75),
        cell(q.p95)
    )
}

fn hist_svg(m: &MetricReport, title: &str, x_label: &str, compact: bool) -> String {
    let lo = m.min.unwrap_or(0);
    let hi = m.max.unwrap_or(0).max(lo + 1);
    let opt = svg::HistOptions {
        title: title.to_string(),
        x_label: x_label.to_string(),
        width: if compact { 220.0 } else { 300.0 },
        height: if compact { 130.0 } else { 170.0 },
        integer: true,
        compact,
    };
    match per_value(m) {
        Some(counts) => svg::histogram(&counts, lo as f64 - 0.5, hi as f64 + 0.5, &opt),
        None => svg::histogram(&m.histogram, lo as f64, hi as f64, &opt),
    }
}

/// For a metric spanning at most 21 integer values below 1,024 (where the
/// accumulator's buckets are single integers), the exact count of each value
/// `min..=max` ([`MetricReport::value_counts`]). `None` otherwise.
fn per_value(m: &MetricReport) -> Option<Vec<u64>> {
    m.value_counts().filter(|c| c.len() <= 21)
}

/// Whether a metric gets a histogram: it has values, and not all equal.
fn varies(m: &MetricReport) -> bool {
    m.present > 0 && m.min != m.max
}

fn metrics(o: &mut String, r: &RunReport) {
    let _ = writeln!(
        o,
        "<section id=\"metrics\">\n<h2>Metrics</h2>\n<p class=\"explain\">What each trial \
         counted, summarised over trials: the mean with its Monte Carlo standard error (±), and \
         percentiles (p50 is the median; 90% of trials lie between p5 and p95).</p>\n\
         <div class=\"scroll\"><table>\n<thead><tr><th>metric</th><th>unit</th><th class=\"n\">mean ± \
         se</th><th class=\"n\">p5</th><th class=\"n\">p25</th><th class=\"n\">p50</th>\
         <th class=\"n\">p75</th><th class=\"n\">p95</th><th class=\"n\">in trials</th></tr></thead>\n<tbody>"
    );
    let (days_at, others): (Vec<&MetricReport>, Vec<&MetricReport>) = r
        .metrics
        .iter()
        .partition(|m| m.name.starts_with("days_at."));
    let row = |o: &mut String, m: &MetricReport, label: &str, desc: &str| {
        let desc = if desc.is_empty() {
            String::new()
        } else {
            format!("<span class=\"d\">{}</span>", escape(desc))
        };
        // A rung metric is the share of trials at each rung, not a mean of rung numbers.
        let cells = if m.unit == MetricKind::Rung.unit() {
            format!(
                "<td colspan=\"6\">{}</td>",
                escape(&rung_shares(&r.scenario.ladder, m).join(", "))
            )
        } else {
            metric_cells(m)
        };
        let _ = writeln!(
            o,
            "<tr><td>{label}{desc}</td><td>{}</td>{cells}<td class=\"n\">{}</td></tr>",
            escape(&m.unit),
            share(m.present as f64 / r.trials.max(1) as f64)
        );
    };
    for m in &others {
        row(o, m, &escape(&m.name), &m.description);
    }
    // days_at.DYAD.RUNG: one group of rows per dyad, labelled by rung.
    let mut shown = vec![false; days_at.len()];
    for e in &r.escalation {
        let prefix = format!("days_at.{}.", e.dyad);
        let mut head = false;
        for (i, m) in days_at.iter().enumerate() {
            if let Some(rung) = m.name.strip_prefix(&prefix) {
                if !head {
                    let _ = writeln!(
                        o,
                        "<tr class=\"group\"><th colspan=\"9\">Days at each rung, {} \
                         (<code>{}RUNG</code>)</th></tr>",
                        escape(&e.dyad),
                        escape(&prefix)
                    );
                    head = true;
                }
                row(o, m, &format!("&nbsp;&nbsp;{}", escape(rung)), "");
                shown[i] = true;
            }
        }
    }
    for (m, _) in days_at.iter().zip(&shown).filter(|(_, s)| !**s) {
        row(o, m, &escape(&m.name), &m.description);
    }
    let _ = writeln!(o, "</tbody></table></div>");

    let _ = writeln!(
        o,
        "<h3>Distributions</h3>\n<p class=\"explain\">One histogram per metric: the share of \
         trials (vertical) in each of 20 equal-width bins from the smallest to the largest value \
         seen (horizontal). Optional metrics count only the trials where they occurred.</p>\n\
         <div class=\"cards\">"
    );
    for m in others.iter().filter(|m| varies(m)) {
        let x_label = if m.present < r.trials {
            format!(
                "{} (in {} of trials)",
                m.unit,
                pct(m.present as f64 / r.trials as f64)
            )
        } else {
            m.unit.clone()
        };
        let _ = writeln!(
            o,
            "<figure>{}</figure>",
            hist_svg(m, &m.name, &x_label, false)
        );
    }
    let _ = writeln!(o, "</div>");
    let fixed: Vec<&&MetricReport> = others
        .iter()
        .chain(days_at.iter())
        .filter(|m| m.present > 0 && !varies(m))
        .collect();
    if !fixed.is_empty() {
        let list: Vec<String> = fixed
            .iter()
            .map(|m| {
                format!(
                    "<code>{}</code> = {}",
                    escape(&m.name),
                    m.min.map_or("–".into(), |v| num(v as f64))
                )
            })
            .collect();
        let _ = writeln!(
            o,
            "<p class=\"explain\">The same in every trial where it occurred (no histogram): {}.</p>",
            list.join(", ")
        );
    }
    let never: Vec<String> = r
        .metrics
        .iter()
        .filter(|m| m.present == 0)
        .map(|m| format!("<code>{}</code>", escape(&m.name)))
        .collect();
    if !never.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"explain\">Never occurred in any trial: {}.</p>",
            never.join(", ")
        );
    }
    if days_at.iter().any(|m| varies(m)) {
        let _ = writeln!(
            o,
            "<h3>Days spent at each rung</h3>\n<p class=\"explain\">For each dyad, how many of \
             the {} days a trial spent at each rung (metrics <code>days_at.DYAD.RUNG</code>).</p>",
            r.run.horizon
        );
        for e in &r.escalation {
            let prefix = format!("days_at.{}.", e.dyad);
            let group: Vec<&&MetricReport> = days_at
                .iter()
                .filter(|m| m.name.starts_with(&prefix) && varies(m))
                .collect();
            if group.is_empty() {
                continue;
            }
            let _ = writeln!(
                o,
                "<h3>{}</h3>\n<div class=\"cards small\">",
                escape(&e.dyad)
            );
            for m in group {
                let rung = m.name.trim_start_matches(&prefix);
                let _ = writeln!(o, "<figure>{}</figure>", hist_svg(m, rung, "days", true));
            }
            let _ = writeln!(o, "</div>");
        }
        // Any days_at metric not matching a dyad label (defensive: still shown).
        let rest: Vec<&&MetricReport> = days_at
            .iter()
            .filter(|m| {
                varies(m)
                    && !r
                        .escalation
                        .iter()
                        .any(|e| m.name.starts_with(&format!("days_at.{}.", e.dyad)))
            })
            .collect();
        if !rest.is_empty() {
            let _ = writeln!(o, "<div class=\"cards small\">");
            for m in rest {
                let _ = writeln!(o, "<figure>{}</figure>", hist_svg(m, &m.name, "days", true));
            }
            let _ = writeln!(o, "</div>");
        }
    }
    let _ = writeln!(o, "</section>");
}

fn parameters(o: &mut String, r: &RunReport) {
    let _ = writeln!(
        o,
        "<section id=\"parameters\">\n<h2>Uncertain parameters</h2>\n<p class=\"explain\">\
         Parameters the scenario gives as distributions rather than numbers: each trial draws \
         its own value (the CSV output lists the draws per trial). Change any parameter with \
         <code>--set PATH=VALUE</code>.</p>"
    );
    if r.parameters.is_empty() {
        let _ = writeln!(o, "<p>None: every parameter is a fixed number.</p>");
    } else {
        let _ = writeln!(
            o,
            "<table>\n<tr><th>parameter (override path)</th><th>distribution</th></tr>"
        );
        for p in &r.parameters {
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td><code>{}</code></td></tr>",
                escape(&p.path),
                escape(&p.distribution)
            );
        }
        let _ = writeln!(o, "</table>");
    }
    let _ = writeln!(o, "</section>");
}

fn reproduce(o: &mut String, r: &RunReport) {
    let i = &r.run;
    let _ = writeln!(
        o,
        "<section id=\"reproduce\">\n<h2>Reproduce this run</h2>\n<p class=\"explain\">The same \
         command with the same scenario file and escalate version gives the same digest, on any \
         machine and with any number of threads.</p>\n<pre><code>{}</code></pre>\n\
         <dl class=\"facts\">",
        escape(&r.command)
    );
    let mut fact = |k: &str, v: String| {
        let _ = writeln!(o, "<dt>{k}</dt><dd>{v}</dd>");
    };
    fact("seed", r.seed.to_string());
    fact("trials", num_int(r.trials));
    fact("days per trial", i.horizon.to_string());
    fact("policy", i.policy.as_deref().map_or("none".into(), escape));
    fact("digest", format!("<code>{}</code>", escape(&r.digest)));
    fact("escalate version", escape(&i.escalate_version));
    fact(
        "scenario file",
        format!("<code>{}</code>", escape(&i.scenario_file)),
    );
    fact(
        "scenario SHA-256",
        format!("<code>{}</code>", escape(&i.scenario_sha256)),
    );
    let _ = writeln!(o, "</dl>\n</section>");
}

fn num_int(v: u64) -> String {
    group(v as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Quantiles;

    fn metric(min: u64, max: u64, buckets: Vec<u64>) -> MetricReport {
        MetricReport {
            name: "m".into(),
            description: String::new(),
            unit: "u".into(),
            present: buckets.iter().sum(),
            mean: None,
            std_error: None,
            sd: None,
            min: Some(min),
            max: Some(max),
            quantiles: Quantiles {
                p5: None,
                p25: None,
                p50: None,
                p75: None,
                p95: None,
            },
            histogram: vec![],
            buckets,
        }
    }

    #[test]
    fn small_integer_ranges_get_one_bar_per_value() {
        // Values 1, 2, 3 with counts 5, 0, 7: one bucket per value below 1,024.
        assert_eq!(per_value(&metric(1, 3, vec![5, 0, 7])), Some(vec![5, 0, 7]));
        assert_eq!(per_value(&metric(0, 500, vec![1; 501])), None);
        // Above 1,024 a bucket holds several values: no per-value counts.
        assert_eq!(per_value(&metric(1030, 1040, vec![1; 2])), None);
    }

    #[test]
    fn identifiers_break_after_underscores_and_stay_escaped() {
        assert_eq!(breakable("a_b<c"), "a_<wbr>b&lt;c");
    }
}
