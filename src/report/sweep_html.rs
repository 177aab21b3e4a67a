//! `sweep.html`: one self-contained page (inline SVG and CSS, no script, no
//! external reference) showing a sweep's indices as tornado charts and, for the
//! two strongest inputs of the headline output, the output against the input
//! at every design point. The sweep ([`crate::sweep`]) computes; this renders,
//! handed to [`crate::sweep::run`] as its [`crate::sweep::RunOptions::page`].
//!
//! The page is built on the shared skeleton ([`super::page`]) and chart
//! primitives ([`super::svg`]: scales, axes, bars with whiskers, labels); the
//! tornado rows and scatter plots are drawn here.

use std::fmt::Write;

use super::format::tidy_zero as z;
use super::page;
use super::svg::{
    Frame, Scale, Tone, bar_with_whisker, escape, labelled_ticks, row_label, row_note, svg_open,
    title, x_axis, y_axis,
};
use crate::sweep::analysis::{InputIndices, OutputIndices, measures};
use crate::sweep::factor::FactorKind;
use crate::sweep::{DesignKind, OutputId, Plan};

/// This page's own rules, after [`page::BASE_CSS`].
const PAGE_CSS: &str = r#"
.pair { display: flex; flex-wrap: wrap; gap: 12px; } .pair > svg { flex: 1 1 360px; }
svg.chart .s1bar { fill: #1d3f73; } svg.chart .dot { fill: #4a78b5; fill-opacity: 0.7; }
.muted { color: #666; font-size: 13px; }
"#;

/// The position in `indices` of output `id`, if it has one there.
fn find(indices: &[OutputIndices], id: OutputId) -> Option<usize> {
    indices.iter().position(|o| o.id == id)
}

/// The output the page leads with: mean total deaths if the scenario has
/// them and they got indices, else the first output that has indices.
pub fn headline(plan: &Plan, indices: &[OutputIndices]) -> Option<usize> {
    OutputId::metric_mean(plan, "deaths")
        .and_then(|id| find(indices, id))
        .filter(|&i| !indices[i].inputs.is_empty())
        .or_else(|| indices.iter().position(|o| !o.inputs.is_empty()))
}

/// The outputs that get a tornado chart (and a place in the terminal
/// summary): every class probability, then mean attacks and mean deaths.
pub fn charted(plan: &Plan, indices: &[OutputIndices]) -> Vec<usize> {
    let classes = (0..plan.classes.len()).map(OutputId::ClassProb);
    let means = ["attacks", "deaths"]
        .into_iter()
        .filter_map(|m| OutputId::metric_mean(plan, m));
    classes
        .chain(means)
        .filter_map(|id| find(indices, id))
        .collect()
}

/// A tornado chart of one output's indices: inputs sorted by importance, largest on top.
fn tornado(plan: &Plan, o: &OutputIndices) -> String {
    let width = 760.0;
    let row = 26.0;
    let label_width = 260.0;
    let mut rows: Vec<_> = o.inputs.iter().collect();
    rows.sort_by_key(|r| r.rank);
    let top = 30.0;
    let frame = Frame {
        width,
        height: top + row * rows.len().max(1) as f64 + 44.0,
        left: label_width,
        right: 150.0,
        top,
        bottom: 44.0,
    };
    let mut s = svg_open(
        frame.width,
        frame.height,
        &format!("indices of {}", o.output),
    );
    title(&mut s, 16.0, &o.output);
    if rows.is_empty() {
        let _ = write!(
            s,
            "<text class=\"note\" x=\"{label_width}\" y=\"{:.1}\">{}</text></svg>",
            top + 16.0,
            escape(o.note.as_deref().unwrap_or("no indices"))
        );
        return s;
    }
    let (lo, hi, axis) = match plan.spec.design {
        DesignKind::Sobol => {
            let m = rows
                .iter()
                .map(|r| match r.indices {
                    InputIndices::Sobol { st_ci, s1_ci, .. } => st_ci[1].max(s1_ci[1]),
                    _ => 0.0,
                })
                .fold(0.0, f64::max);
            (
                0.0,
                m.clamp(0.1, 1.5),
                "total index ST (bar, 95% interval) and first-order S1 (dark)",
            )
        }
        DesignKind::Morris => {
            let m = rows
                .iter()
                .map(|r| match r.indices {
                    InputIndices::Morris { mu_star, sigma, .. } => mu_star.max(sigma),
                    _ => 0.0,
                })
                .fold(0.0, f64::max);
            (
                0.0,
                if m > 0.0 { m } else { 1.0 },
                "mu* (bar) and sigma (tick), output units per input range",
            )
        }
        DesignKind::Grid | DesignKind::Lhs => (-1.0, 1.0, "PRCC (bar) and SRC (tick)"),
    };
    let x = Scale::new((lo, hi), frame.x_range());
    let ticks = labelled_ticks(lo, hi, 5, 0.0);
    s.push_str(&x_axis(&frame, &x, &ticks, axis, true));
    for (i, r) in rows.iter().enumerate() {
        let cy = top + row * (i as f64 + 0.5);
        row_label(&mut s, label_width - 8.0, cy, &r.input);
        let note = match r.indices {
            InputIndices::Sobol { s1, st, st_ci, .. } => {
                // Estimates beyond the axis (noise at small N) are drawn to its end.
                let clip = |v: f64| v.clamp(0.0, hi);
                s.push_str(&bar_with_whisker(
                    &x,
                    cy,
                    row * 0.62,
                    clip(st),
                    clip(st_ci[0]),
                    clip(st_ci[1]),
                    Tone::Neutral,
                ));
                let w = x.map(clip(s1)) - x.map(0.0);
                let _ = write!(
                    s,
                    "<rect class=\"s1bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\"/>",
                    x.map(0.0),
                    cy - row * 0.14,
                    row * 0.28
                );
                format!("ST {:.3} · S1 {:.3}", z(st), z(s1))
            }
            InputIndices::Morris { mu_star, sigma, mu } => {
                s.push_str(&bar_with_whisker(
                    &x,
                    cy,
                    row * 0.62,
                    mu_star,
                    mu_star,
                    mu_star,
                    if mu >= 0.0 { Tone::Bad } else { Tone::Good },
                ));
                tick(&mut s, x.map(sigma), cy, row);
                format!("mu* {} · sigma {}", short(mu_star), short(sigma))
            }
            InputIndices::Regression { src, prcc } => {
                let (a, b) = (x.map(0.0), x.map(prcc));
                let _ = write!(
                    s,
                    "<rect class=\"{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>",
                    if prcc >= 0.0 { "t-bad" } else { "t-good" },
                    a.min(b),
                    cy - row * 0.31,
                    (a - b).abs(),
                    row * 0.62
                );
                tick(&mut s, x.map(src.clamp(-1.0, 1.0)), cy, row);
                format!("PRCC {:.2} · SRC {:.2}", z(prcc), z(src))
            }
        };
        row_note(&mut s, width - 140.0, cy, &note);
    }
    s.push_str("</svg>");
    s
}

fn tick(s: &mut String, px: f64, cy: f64, row: f64) {
    let _ = write!(
        s,
        "<path class=\"whisker\" d=\"M{px:.1} {:.1}V{:.1}\"/>",
        cy - row * 0.42,
        cy + row * 0.42
    );
}

/// A number in at most 4 significant digits.
fn short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    format!("{v:.digits$}")
}

/// The output at every design point against one input.
fn scatter(plan: &Plan, input: usize, output: &str, y: &[f64]) -> String {
    let f = &plan.factors[input];
    let xs: Vec<f64> = plan.unit.iter().map(|row| f.numeric(row[input])).collect();
    let frame = Frame {
        width: 370.0,
        height: 280.0,
        left: 62.0,
        right: 12.0,
        top: 30.0,
        bottom: 44.0,
    };
    let range = |v: &[f64]| {
        v.iter()
            .filter(|x| x.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            })
    };
    let (x0, x1) = range(&xs);
    let (y0, y1) = range(y);
    let pad = |a: f64, b: f64| {
        let d = if b > a { (b - a) * 0.04 } else { 0.5 };
        (a - d, b + d)
    };
    let x = Scale::new(pad(x0, x1), frame.x_range());
    let ys = Scale::new(pad(y0, y1), frame.y_range());
    let mut s = svg_open(
        frame.width,
        frame.height,
        &format!("{output} against {}", f.name),
    );
    title(&mut s, 16.0, &format!("{output} vs {}", f.name));
    s.push_str(&y_axis(
        &frame,
        &ys,
        &labelled_ticks(ys.d0, ys.d1, 4, 0.0),
        "",
        true,
    ));
    let x_label = match &f.kind {
        FactorKind::Policies(p) => format!("policy: {}", p.join(" / ")),
        _ => f.name.clone(),
    };
    s.push_str(&x_axis(
        &frame,
        &x,
        &labelled_ticks(x.d0, x.d1, 4, 0.0),
        &x_label,
        false,
    ));
    for (&xv, &yv) in xs.iter().zip(y) {
        if yv.is_finite() {
            let _ = write!(
                s,
                "<circle class=\"dot\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.6\"/>",
                x.map(xv),
                ys.map(yv)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The whole page. `ys[o][j]` is output `o` at point `j`.
pub fn render(plan: &Plan, indices: &[OutputIndices], ys: &[Vec<f64>]) -> String {
    let mut h = String::new();
    let heading = format!("Sweep of {}", plan.loaded.source.name);
    page::open(&mut h, env!("CARGO_PKG_VERSION"), &heading, PAGE_CSS);
    page::header(
        &mut h,
        &heading,
        &[format!(
            "<p class=\"meta\"><code>{}</code></p>",
            escape(&plan.command())
        )],
    );
    let _ = write!(
        h,
        "<table>\
         <tr><th>design</th><td>{} · {} points · {} trials per point · seed {} (common random numbers: trial i of every point uses the same random streams)</td></tr>\
         <tr><th>fingerprint</th><td><code>{}</code></td></tr>",
        plan.spec.design.name(),
        plan.len(),
        plan.spec.trials,
        plan.spec.seed,
        &plan.fingerprint[..16]
    );
    for f in &plan.factors {
        let _ = write!(
            h,
            "<tr><th>input</th><td><code>{}</code> = {} ({})</td></tr>",
            escape(&f.name),
            escape(&f.spec()),
            f.kind_name()
        );
    }
    h.push_str("</table>\n<h2>How to read the indices</h2>\n<ul>");
    for (name, meaning) in measures(plan.spec.design) {
        let _ = write!(h, "<li><b>{}</b>: {}</li>", escape(name), escape(meaning));
    }
    h.push_str("</ul>\n<p class=\"muted\">Every class probability and every metric mean has indices: \
                sensitivity.csv and sensitivity.json list them all; the charts below show the \
                class probabilities, attacks and deaths. docs/sweeps.md explains the estimators.</p>\n");
    if let Some(head) = headline(plan, indices) {
        let mut best: Vec<_> = indices[head].inputs.iter().enumerate().collect();
        best.sort_by_key(|(_, r)| r.rank);
        let _ = write!(
            h,
            "<h2>{} against its two strongest inputs</h2>\n<div class=\"pair\">",
            escape(&indices[head].output)
        );
        for (i, _) in best.iter().take(2) {
            h.push_str(&scatter(plan, *i, &indices[head].output, &ys[head]));
        }
        h.push_str("</div>\n");
    }
    h.push_str("<h2>Indices</h2>\n");
    for o in charted(plan, indices) {
        h.push_str(&tornado(plan, &indices[o]));
        h.push('\n');
    }
    h.push_str("<p class=\"muted\">Made by escalate ");
    h.push_str(env!("CARGO_PKG_VERSION"));
    h.push_str(". Files beside this page: points.csv (one row per design point), sensitivity.csv and sensitivity.json (one row per output and input), sweep.json (the exact design).</p>\n");
    page::close(&mut h);
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::SweepSpec;

    fn plan() -> Plan {
        Plan::new(SweepSpec {
            scenario: Some("minimal".into()),
            design: DesignKind::Lhs,
            points: Some(4),
            levels: 4,
            sets: vec!["actors.G.attack_rate=0.1..0.5".into()],
            policies: vec![],
            trials: 10,
            seed: 1,
            horizon: None,
            posterior: None,
        })
        .expect("a valid sweep")
    }

    fn indices(plan: &Plan) -> Vec<OutputIndices> {
        plan.outputs
            .iter()
            .map(|o| OutputIndices {
                id: o.id,
                output: o.name.clone(),
                note: None,
                variance: None,
                r_squared: None,
                inputs: vec![],
            })
            .collect()
    }

    #[test]
    fn typed_ids_pick_the_columns_their_names_say() {
        let plan = plan();
        let ix = indices(&plan);
        let names: Vec<&str> = charted(&plan, &ix)
            .into_iter()
            .map(|i| ix[i].output.as_str())
            .collect();
        let mut expected: Vec<String> = plan.classes.iter().map(|c| format!("prob_{c}")).collect();
        expected.extend(["attacks_mean".into(), "deaths_mean".into()]);
        assert_eq!(names, expected);
        for o in &plan.outputs {
            let name = match o.id {
                OutputId::ClassProb(c) => format!("prob_{}", plan.classes[c]),
                OutputId::MetricMean(m) => format!("{}_mean", plan.metrics[m]),
            };
            assert_eq!(o.name, name);
        }
    }

    #[test]
    fn the_headline_is_mean_deaths_when_it_has_indices() {
        let plan = plan();
        let mut ix = indices(&plan);
        assert_eq!(headline(&plan, &ix), None);
        let row = crate::sweep::analysis::InputRow {
            input: "x".into(),
            rank: 1,
            indices: InputIndices::Regression {
                src: 0.5,
                prcc: 0.5,
            },
        };
        ix[0].inputs.push(row.clone());
        assert_eq!(headline(&plan, &ix), Some(0));
        let deaths = find(&ix, OutputId::metric_mean(&plan, "deaths").unwrap()).unwrap();
        ix[deaths].inputs.push(row);
        assert_eq!(headline(&plan, &ix), Some(deaths));
        assert_eq!(ix[deaths].output, "deaths_mean");
    }
}
