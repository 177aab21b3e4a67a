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
    Frame, Scale, Tone, arrowhead, bar_with_whisker, break_label, escape, labelled_ticks,
    row_label_lines, row_note, svg_open, text_width, title, whisker, x_axis, y_axis,
};
use crate::sweep::analysis::{InputIndices, OutputIndices, measures};
use crate::sweep::factor::FactorKind;
use crate::sweep::plan::BOOTSTRAP_RESAMPLES;
use crate::sweep::{DesignKind, OutputId, Plan};

/// This page's own rules, after [`page::BASE_CSS`].
const PAGE_CSS: &str = r#"
.pair { display: flex; flex-wrap: wrap; gap: 12px; } .pair > svg { flex: 1 1 360px; }
svg.chart .s1bar { fill: #1d3f73; } svg.chart .dot { fill: #4a78b5; fill-opacity: 0.7; }
svg.chart .category-mean { stroke: #1d3f73; stroke-width: 2; }
.muted { color: #666; font-size: 13px; }
.warning { background: #fff4e0; border-left: 4px solid #d68910; padding: 8px 12px; max-width: 62em; }
"#;

/// The position in `indices` of output `id`, if it has one there.
fn find(indices: &[OutputIndices], id: OutputId) -> Option<usize> {
    indices.iter().position(|o| o.id == id)
}

/// The output the page leads with: the one `--headline` named
/// ([`Plan::headline`]), whether or not it got indices; else mean total
/// deaths if the scenario has them and they got indices; else the first
/// output that has indices.
pub fn headline(plan: &Plan, indices: &[OutputIndices]) -> Option<usize> {
    if let Some(id) = plan.headline {
        return find(indices, id);
    }
    OutputId::metric_mean(plan, "deaths")
        .and_then(|id| find(indices, id))
        .filter(|&i| !indices[i].inputs.is_empty())
        .or_else(|| indices.iter().position(|o| !o.inputs.is_empty()))
}

/// The outputs that get a tornado chart (and a place in the terminal
/// summary): the one `--headline` named first, if it did, then every class
/// probability, then mean attacks and mean deaths (each once).
pub fn charted(plan: &Plan, indices: &[OutputIndices]) -> Vec<usize> {
    let classes = (0..plan.classes.len()).map(OutputId::ClassProb);
    let means = ["attacks", "deaths"]
        .into_iter()
        .filter_map(|m| OutputId::metric_mean(plan, m));
    let ids: Vec<OutputId> = plan
        .headline
        .into_iter()
        .chain(classes.chain(means).filter(|&id| Some(id) != plan.headline))
        .collect();
    ids.into_iter().filter_map(|id| find(indices, id)).collect()
}

/// Widest room for row labels; longer labels break into lines ([`break_label`]).
const MAX_LABEL_WIDTH: f64 = 340.0;

/// The note right of a tornado row: the row's figures.
fn row_figures(indices: &InputIndices) -> String {
    match *indices {
        InputIndices::Sobol { s1, st, st_ci, .. } => format!(
            "ST {:.3} [{:.3}, {:.3}] · S1 {:.3}",
            z(st),
            z(st_ci[0]),
            z(st_ci[1]),
            z(s1)
        ),
        InputIndices::Morris { mu_star, sigma, .. } => {
            format!("mu* {} · sigma {}", short(mu_star), short(sigma))
        }
        ref ix if ix.is_dummy_coded() => "no single PRCC or SRC (categorical)".to_string(),
        InputIndices::Regression { src, prcc } => {
            format!("PRCC {:.2} · SRC {:.2}", z(prcc), z(src))
        }
    }
}

/// The legend of a design's tornado charts: what each mark means, as
/// `(swatch, text)` with swatch `rect CLASS`, `whisker`, `arrow` or `tick`.
fn legend_items(design: DesignKind) -> Vec<(&'static str, &'static str)> {
    match design {
        DesignKind::Sobol => vec![
            ("rect t-neutral", "total index ST"),
            ("rect s1bar", "first-order S1"),
            ("whisker", "95% interval"),
            ("arrow", "interval goes on past the axis"),
        ],
        DesignKind::Morris => vec![
            ("rect t-up", "mu > 0: the output rises with the input"),
            ("rect t-down", "mu < 0: it falls"),
            ("tick", "sigma"),
        ],
        DesignKind::Grid | DesignKind::Lhs => vec![
            ("rect t-up", "PRCC > 0: the output rises with the input"),
            ("rect t-down", "PRCC < 0: it falls"),
            ("tick", "SRC"),
        ],
    }
}

/// Draws the legend (a `<g class="legend">`) on the line at `y`, from `x`.
fn legend(s: &mut String, design: DesignKind, x: f64, y: f64) {
    s.push_str("<g class=\"legend\">");
    let mut at = x;
    for (swatch, text) in legend_items(design) {
        match swatch.strip_prefix("rect ") {
            Some(class) => {
                let _ = write!(
                    s,
                    "<rect class=\"{class}\" x=\"{at:.1}\" y=\"{:.1}\" width=\"16\" height=\"9\"/>",
                    y - 8.0
                );
            }
            None if swatch == "whisker" => s.push_str(&whisker(at, at + 16.0, y - 3.5, 4.0)),
            None if swatch == "arrow" => {
                let _ = write!(
                    s,
                    "<path class=\"whisker\" d=\"M{at:.1} {:.1}H{:.1}\"/>",
                    y - 3.5,
                    at + 10.0
                );
                s.push_str(&arrowhead(at + 10.0, y - 3.5, 1.0));
            }
            None => tick(s, at + 8.0, y - 3.5, 12.0),
        }
        let _ = write!(
            s,
            "<text class=\"axis-label\" x=\"{:.1}\" y=\"{y:.1}\">{}</text>",
            at + 21.0,
            escape(text)
        );
        at += 21.0 + text_width(text) * 11.0 / 12.0 + 16.0;
    }
    s.push_str("</g>");
}

/// A tornado chart of one output's indices: inputs sorted by importance,
/// largest on top, a legend under the title, each row's figures on its
/// right, and (Sobol) a line naming the ranks the intervals do not resolve.
/// Label and note margins are sized to their longest text, so nothing is cut.
fn tornado(plan: &Plan, o: &OutputIndices) -> String {
    let mut rows: Vec<_> = o.inputs.iter().collect();
    rows.sort_by_key(|r| r.rank);
    let figures: Vec<String> = rows.iter().map(|r| row_figures(&r.indices)).collect();
    let widest = |texts: &mut dyn Iterator<Item = f64>| texts.fold(0.0, f64::max);
    let label_width = (widest(&mut rows.iter().map(|r| text_width(&r.input))) + 16.0)
        .clamp(120.0, MAX_LABEL_WIDTH);
    let labels: Vec<Vec<String>> = rows
        .iter()
        .map(|r| break_label(&r.input, label_width - 16.0))
        .collect();
    let note_width = widest(&mut figures.iter().map(|f| text_width(f))) + 24.0;
    let plot = 300.0;
    let width = (label_width + plot + note_width).max(760.0);
    let heights: Vec<f64> = labels
        .iter()
        .map(|l| (13.0 * l.len() as f64 + 8.0).max(26.0))
        .collect();
    let mut footer = Vec::new();
    let pairs: Vec<String> = o
        .unresolved_ranks
        .iter()
        .map(|p| format!("{} and {}", p[0], p[1]))
        .collect();
    if !pairs.is_empty() {
        footer.push(format!(
            "Not told apart (their ST intervals overlap): ranks {}.",
            pairs.join(", ")
        ));
    }
    if let Some(used) = o.resamples_used.filter(|&u| u < BOOTSTRAP_RESAMPLES) {
        footer.push(format!(
            "{} of {BOOTSTRAP_RESAMPLES} bootstrap resamples had no variance and were left out.",
            BOOTSTRAP_RESAMPLES - used
        ));
    }
    if plan.spec.design != DesignKind::Sobol {
        for f in &plan.factors {
            if let FactorKind::Policies(p) = &f.kind {
                footer.push(format!(
                    "{}: \"rises with the input\" means along the list {}.",
                    f.name,
                    p.join(", ")
                ));
            }
        }
        // How a policy factor's indices are read (analysis::policy_note).
        for r in &rows {
            if let Some(note) = &r.note {
                footer.extend(crate::report::format::wrap(
                    &format!("{}: {note}.", r.input),
                    110,
                    2,
                ));
            }
        }
    }
    let top = 46.0;
    let bottom = 44.0 + 16.0 * footer.len() as f64;
    let body: f64 = heights.iter().sum::<f64>().max(26.0);
    let frame = Frame {
        width,
        height: top + body + bottom,
        left: label_width,
        right: width - label_width - plot,
        top,
        bottom,
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
    legend(&mut s, plan.spec.design, label_width, 34.0);
    let (lo, hi, axis) = match plan.spec.design {
        DesignKind::Sobol => {
            let m = rows
                .iter()
                .map(|r| match r.indices {
                    InputIndices::Sobol { st_ci, s1_ci, .. } => st_ci[1].max(s1_ci[1]),
                    _ => 0.0,
                })
                .fold(0.0, f64::max);
            (0.0, m.clamp(0.1, 1.5), "share of the output's variance")
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
    let mut y0 = top;
    for (((r, label), h), note) in rows.iter().zip(&labels).zip(&heights).zip(&figures) {
        let cy = y0 + h / 2.0;
        y0 += h;
        row_label_lines(&mut s, label_width - 8.0, cy, label);
        let bar = 26.0;
        match r.indices {
            InputIndices::Sobol { s1, st, st_ci, .. } => {
                // Estimates beyond the axis (noise at small N) are drawn to
                // its end, the whisker left open there.
                s.push_str(&bar_with_whisker(
                    &x,
                    cy,
                    bar * 0.62,
                    st,
                    st_ci[0],
                    st_ci[1],
                    Tone::Neutral,
                ));
                let w = x.map(s1.clamp(0.0, hi)) - x.map(0.0);
                let _ = write!(
                    s,
                    "<rect class=\"s1bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\"/>",
                    x.map(0.0),
                    cy - bar * 0.14,
                    bar * 0.28
                );
            }
            InputIndices::Morris { mu_star, sigma, mu } => {
                let _ = write!(
                    s,
                    "<rect class=\"{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>",
                    if mu >= 0.0 { "t-up" } else { "t-down" },
                    x.map(0.0),
                    cy - bar * 0.31,
                    (x.map(mu_star) - x.map(0.0)).max(0.0),
                    bar * 0.62
                );
                tick(&mut s, x.map(sigma), cy, bar);
            }
            // A dummy-coded policy: no bar (the row's figures say why).
            ref ix if ix.is_dummy_coded() => {}
            InputIndices::Regression { src, prcc } => {
                let (a, b) = (x.map(0.0), x.map(prcc));
                let _ = write!(
                    s,
                    "<rect class=\"{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>",
                    if prcc >= 0.0 { "t-up" } else { "t-down" },
                    a.min(b),
                    cy - bar * 0.31,
                    (a - b).abs(),
                    bar * 0.62
                );
                tick(&mut s, x.map(src.clamp(-1.0, 1.0)), cy, bar);
            }
        }
        row_note(&mut s, label_width + plot + 16.0, cy, note);
    }
    for (i, line) in footer.iter().enumerate() {
        let _ = write!(
            s,
            "<text class=\"note rank-note\" x=\"{label_width:.1}\" y=\"{:.1}\">{}</text>",
            top + body + 50.0 + 16.0 * i as f64,
            escape(line)
        );
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

/// A horizontal offset in `[-0.5, 0.5)` for the `i`-th point of a category
/// (the fractional parts of multiples of the golden ratio: spread evenly,
/// the same every time).
fn spread(i: usize) -> f64 {
    (i as f64 * 0.618_033_988_749_895).fract() - 0.5
}

/// The output at every design point against one input. A policy factor is
/// drawn as categories: one column of points per policy, named on the axis,
/// spread a little sideways, with a line at the column's mean.
fn scatter(plan: &Plan, input: usize, output: &str, y: &[f64]) -> String {
    let f = &plan.factors[input];
    // The right margin holds half of the last x tick label (6,000: 21 px).
    let frame = Frame {
        width: 370.0,
        height: 280.0,
        left: 62.0,
        right: 28.0,
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
    let pad = |a: f64, b: f64| {
        let d = if b > a { (b - a) * 0.04 } else { 0.5 };
        (a - d, b + d)
    };
    let (y0, y1) = range(y);
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
    let xs: Vec<f64> = plan.unit.iter().map(|row| f.numeric(row[input])).collect();
    let mut points = String::new();
    let mut dot = |px: f64, yv: f64| {
        let _ = write!(
            points,
            "<circle class=\"dot\" cx=\"{px:.1}\" cy=\"{:.1}\" r=\"2.6\"/>",
            ys.map(yv)
        );
    };
    if let FactorKind::Policies(policies) = &f.kind {
        let n = policies.len();
        let x = Scale::new((-0.5, n as f64 - 0.5), frame.x_range());
        let ticks: Vec<(f64, String)> = policies
            .iter()
            .enumerate()
            .map(|(i, p)| (i as f64, p.clone()))
            .collect();
        s.push_str(&x_axis(&frame, &x, &ticks, "policy", false));
        let band = x.map(1.0) - x.map(0.0);
        for (c, _) in policies.iter().enumerate() {
            let at: Vec<f64> = xs
                .iter()
                .zip(y)
                .filter(|&(&xv, yv)| xv as usize == c && yv.is_finite())
                .map(|(_, &yv)| yv)
                .collect();
            for (i, &yv) in at.iter().enumerate() {
                dot(x.map(c as f64) + spread(i) * band * 0.5, yv);
            }
            if !at.is_empty() {
                let mean = at.iter().sum::<f64>() / at.len() as f64;
                let (a, b) = (x.map(c as f64 - 0.3), x.map(c as f64 + 0.3));
                let _ = write!(
                    s,
                    "<path class=\"category-mean\" d=\"M{a:.1} {:.1}H{b:.1}\"/>",
                    ys.map(mean)
                );
            }
        }
    } else {
        let (x0, x1) = range(&xs);
        let x = Scale::new(pad(x0, x1), frame.x_range());
        s.push_str(&x_axis(
            &frame,
            &x,
            &labelled_ticks(x.d0, x.d1, 4, 0.0),
            &f.name,
            false,
        ));
        for (&xv, &yv) in xs.iter().zip(y) {
            if yv.is_finite() {
                dot(x.map(xv), yv);
            }
        }
    }
    s.push_str(&points);
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
    h.push_str("</table>\n");
    for w in plan.warnings() {
        let _ = writeln!(h, "<p class=\"warning\"><b>Warning:</b> {}</p>", escape(&w));
    }
    h.push_str("<h2>How to read the indices</h2>\n<ul>");
    for (name, meaning) in measures(plan.spec.design) {
        let _ = write!(h, "<li><b>{}</b>: {}</li>", escape(name), escape(meaning));
    }
    // The headline named by --headline, when it is not one of the outputs charted anyway.
    let named = plan
        .headline
        .and_then(|id| find(indices, id))
        .filter(|&i| {
            !matches!(indices[i].id, OutputId::ClassProb(_))
                && !["attacks_mean", "deaths_mean"].contains(&indices[i].output.as_str())
        })
        .map(|i| format!("{} (the headline), ", escape(&indices[i].output)))
        .unwrap_or_default();
    let _ = writeln!(
        h,
        "</ul>\n<p class=\"muted\">Every class probability and every metric mean has indices: \
         sensitivity.csv and sensitivity.json list them all; the charts below show {named}the \
         class probabilities, attacks and deaths. docs/sweeps.md explains the estimators.</p>"
    );
    if let Some(head) = headline(plan, indices) {
        let out = &indices[head];
        let mut best: Vec<_> = out.inputs.iter().enumerate().collect();
        best.sort_by_key(|(_, r)| r.rank);
        if best.is_empty() {
            // Only when --headline named it: the default leads with an output that has indices.
            let _ = writeln!(
                h,
                "<h2>{name}</h2>\n<p class=\"muted\">{name} has no indices: {}.</p>",
                escape(out.note.as_deref().unwrap_or("no input could be ranked")),
                name = escape(&out.output)
            );
        } else {
            let _ = write!(
                h,
                "<h2>{} against its two strongest inputs</h2>\n<div class=\"pair\">",
                escape(&out.output)
            );
            for (i, _) in best.iter().take(2) {
                h.push_str(&scatter(plan, *i, &out.output, &ys[head]));
            }
            h.push_str("</div>\n");
        }
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
            headline: None,
        })
        .expect("a valid sweep")
    }

    fn indices(plan: &Plan) -> Vec<OutputIndices> {
        plan.outputs
            .iter()
            .map(|o| OutputIndices::empty(o.id, &o.name))
            .collect()
    }

    /// A plan of minimal.ron with `design`, `points`, the given `--set`s and
    /// `--policy`s.
    fn plan_of(design: DesignKind, points: usize, sets: &[&str], policies: &[&str]) -> Plan {
        Plan::new(SweepSpec {
            scenario: Some("minimal".into()),
            design,
            points: Some(points),
            levels: 4,
            sets: sets.iter().map(|s| s.to_string()).collect(),
            policies: policies.iter().map(|s| s.to_string()).collect(),
            trials: 10,
            seed: 1,
            horizon: None,
            posterior: None,
            headline: None,
        })
        .expect("a valid sweep")
    }

    /// One output's indices with the given rows, ranked in the order given.
    fn output_with(plan: &Plan, rows: Vec<InputIndices>) -> OutputIndices {
        let mut o = indices(plan).remove(0);
        o.inputs = plan
            .factors
            .iter()
            .zip(rows)
            .enumerate()
            .map(|(i, (f, indices))| crate::sweep::analysis::InputRow {
                input: f.name.clone(),
                rank: i + 1,
                indices,
                note: None,
            })
            .collect();
        o
    }

    /// The value of attribute `name` in the tag starting at `tag`.
    fn attr(tag: &str, name: &str) -> Option<f64> {
        let key = format!(" {name}=\"");
        let at = tag.find(&key)? + key.len();
        tag[at..].split('"').next()?.parse().ok()
    }

    /// Every `<text>` and `<tspan>` holding text directly: (x, anchor, text),
    /// anchor 0 for start, 0.5 for middle, 1 for end.
    fn texts(svg: &str) -> Vec<(f64, f64, String)> {
        let mut out = Vec::new();
        let mut anchor = 0.0;
        for piece in svg.split('<').skip(1) {
            let (tag, text) = piece.split_once('>').unwrap_or((piece, ""));
            if tag.starts_with("text") {
                anchor = if tag.contains("text-anchor=\"end\"") {
                    1.0
                } else if tag.contains("text-anchor=\"middle\"") {
                    0.5
                } else {
                    0.0
                };
            }
            if (tag.starts_with("text") || tag.starts_with("tspan")) && !text.is_empty() {
                let x = attr(&format!(" {tag}"), "x").unwrap_or(0.0);
                out.push((x, anchor, text.to_string()));
            }
        }
        out
    }

    fn view_width(svg: &str) -> f64 {
        let at = svg.find("viewBox=\"0 0 ").unwrap() + "viewBox=\"0 0 ".len();
        svg[at..].split(' ').next().unwrap().parse().unwrap()
    }

    /// Regression: Morris pages cut the figures right of the plot (a fixed
    /// 140-pixel margin) and long labels on its left.
    #[test]
    fn tornado_labels_and_figures_fit_inside_the_chart() {
        let long = "doctrines.A.rules[0].probability";
        let plan = plan_of(
            DesignKind::Morris,
            4,
            &["actors.G.attack_rate=0.1..0.5", &format!("{long}=0.1..0.9")],
            &["baseline", "talks"],
        );
        let m = |mu_star: f64, sigma: f64| InputIndices::Morris {
            mu_star,
            mu: -mu_star,
            sigma,
        };
        let o = output_with(
            &plan,
            vec![
                m(0.0025, 0.003873),
                m(198.8675, 60.6962),
                m(0.0001234, 0.0004321),
            ],
        );
        let svg = tornado(&plan, &o);
        let width = view_width(&svg);
        let all = texts(&svg);
        assert!(all.iter().any(|t| t.2 == long), "{svg}");
        for (x, anchor, text) in &all {
            let text = text.replace("&quot;", "\"");
            let from = x - anchor * text_width(&text);
            let to = from + text_width(&text);
            assert!(
                from >= 0.0 && to <= width,
                "{text:?} spans {from}..{to} of {width}"
            );
        }
        // A label too long for the margin breaks into lines; none is lost.
        let longer = "actors.G.casualties.civilian";
        let plan = plan_of(
            DesignKind::Morris,
            4,
            &[&format!("{longer}=1..9"), "actors.G.attack_rate=0.1..0.5"],
            &[],
        );
        let mut o = output_with(&plan, vec![m(1.0, 1.0), m(2.0, 1.0)]);
        o.inputs[0].input = format!("{long}.{longer}.{long}");
        let svg = tornado(&plan, &o);
        let lines: Vec<String> = texts(&svg)
            .into_iter()
            .filter(|t| t.1 == 1.0)
            .map(|t| t.2)
            .collect();
        assert!(lines.concat().contains(&o.inputs[0].input), "{lines:?}");
        for (x, anchor, text) in texts(&svg) {
            if anchor == 1.0 {
                assert!(x - text_width(&text) >= 0.0, "{text}");
            }
        }
    }

    /// Regression: a whisker cut at the axis end was drawn with an end cap,
    /// as if the interval ended there.
    #[test]
    fn an_interval_past_the_axis_is_drawn_open_there() {
        let plan = plan_of(
            DesignKind::Sobol,
            64,
            &[
                "actors.G.attack_rate=0.1..0.5",
                "actors.G.fighters=1000..3000",
            ],
            &[],
        );
        let s = |st: f64, lo: f64, hi: f64| InputIndices::Sobol {
            s1: st / 2.0,
            s1_ci: [lo / 2.0, hi / 2.0],
            st,
            st_ci: [lo, hi],
        };
        let o = output_with(&plan, vec![s(1.2, 0.6, 3.0), s(0.3, 0.1, 0.5)]);
        let svg = tornado(&plan, &o);
        // The axis ends at 1.5: one open end (the arrow: rows, not the legend's),
        // and the first row's whisker has one cap (at 0.6), the second two.
        let whiskers: Vec<&str> = svg
            .split("<path class=\"whisker\" d=\"")
            .skip(1)
            .map(|p| p.split('"').next().unwrap())
            .filter(|d| d.contains('H') && d.matches('M').count() >= 2)
            .collect();
        let caps: Vec<usize> = whiskers.iter().map(|d| d.matches('V').count()).collect();
        // Legend's whisker (two caps), row 1 (one), row 2 (two).
        assert_eq!(caps, vec![2, 1, 2], "{whiskers:?}");
        assert_eq!(
            svg.matches("class=\"whisker-open\"").count(),
            2,
            "legend + row 1"
        );
        assert!(
            svg.contains("ST 1.200 [0.600, 3.000]"),
            "the figures say where it goes"
        );
    }

    #[test]
    fn tornado_legends_say_what_red_green_and_the_marks_mean() {
        for design in [DesignKind::Morris, DesignKind::Lhs, DesignKind::Grid] {
            let plan = plan_of(design, 4, &["actors.G.attack_rate=0.1..0.5"], &[]);
            let row = match design {
                DesignKind::Morris => InputIndices::Morris {
                    mu_star: 1.0,
                    mu: 1.0,
                    sigma: 0.5,
                },
                _ => InputIndices::Regression {
                    src: 0.5,
                    prcc: 0.6,
                },
            };
            let svg = tornado(&plan, &output_with(&plan, vec![row]));
            let legend = svg
                .split("<g class=\"legend\">")
                .nth(1)
                .and_then(|l| l.split("</g>").next())
                .unwrap_or_else(|| panic!("{design:?}: no legend"));
            assert!(legend.contains("<rect class=\"t-up\""), "{legend}");
            assert!(legend.contains("<rect class=\"t-down\""), "{legend}");
            assert!(
                legend.contains("&gt; 0: the output rises with the input"),
                "{legend}"
            );
            assert!(legend.contains("&lt; 0: it falls"), "{legend}");
        }
        let plan = plan_of(
            DesignKind::Sobol,
            64,
            &["actors.G.attack_rate=0.1..0.5"],
            &[],
        );
        let svg = tornado(
            &plan,
            &output_with(
                &plan,
                vec![InputIndices::Sobol {
                    s1: 0.5,
                    s1_ci: [0.4, 0.6],
                    st: 0.6,
                    st_ci: [0.5, 0.7],
                }],
            ),
        );
        for text in [
            "total index ST",
            "first-order S1",
            "95% interval",
            "past the axis",
        ] {
            assert!(svg.contains(text), "{text}");
        }
    }

    /// Regression: a policy factor was drawn on a numeric 0-1 axis.
    #[test]
    fn a_policy_factor_is_drawn_as_categories() {
        let plan = plan_of(
            DesignKind::Lhs,
            12,
            &["actors.G.attack_rate=0.1..0.5"],
            &["baseline", "talks"],
        );
        let policy = plan
            .factors
            .iter()
            .position(|f| f.name == "policy")
            .unwrap();
        let y: Vec<f64> = (0..plan.len()).map(|j| j as f64).collect();
        let svg = scatter(&plan, policy, "deaths_mean", &y);
        let ticks: Vec<String> = svg
            .split("<g class=\"tick\">")
            .skip(1)
            .filter_map(|t| t.split("text-anchor=\"middle\">").nth(1))
            .map(|t| t.split('<').next().unwrap().to_string())
            .collect();
        assert_eq!(ticks, vec!["baseline", "talks"], "{svg}");
        assert_eq!(svg.matches("class=\"category-mean\"").count(), 2);
        assert_eq!(svg.matches("class=\"dot\"").count(), plan.len());
        // Each dot sits in its category's column (a quarter band either side
        // of its centre), as many in each as the design has points there.
        let band = (370.0 - 28.0 - 62.0) / 2.0;
        let centre = |c: usize| 62.0 + (c as f64 + 0.5) * band;
        let mut counted = [0usize; 2];
        for c in svg.split("<circle class=\"dot\"").skip(1) {
            let cx = attr(c, "cx").unwrap();
            let column = (0..2).find(|&k| (cx - centre(k)).abs() <= band / 4.0 + 0.1);
            counted[column.unwrap_or_else(|| panic!("a dot at {cx} is in no column"))] += 1;
        }
        let mut want = [0usize; 2];
        for row in &plan.unit {
            want[plan.factors[policy].numeric(row[policy]) as usize] += 1;
        }
        assert_eq!(counted, want);
        // A numeric factor keeps its numeric axis.
        let rate = plan
            .factors
            .iter()
            .position(|f| f.name != "policy")
            .unwrap();
        let svg = scatter(&plan, rate, "deaths_mean", &y);
        assert!(
            !svg.contains(">baseline<") && svg.contains(">0.2<"),
            "{svg}"
        );
    }

    #[test]
    fn a_small_sobol_sweep_is_warned_about_on_the_page() {
        for (n, warned) in [(16, true), (64, false), (48, true)] {
            let plan = plan_of(
                DesignKind::Sobol,
                n,
                &["actors.G.attack_rate=0.1..0.5"],
                &[],
            );
            let ix = indices(&plan);
            let ys = vec![vec![0.0; plan.len()]; ix.len()];
            let page = render(&plan, &ix, &ys);
            assert_eq!(page.contains("<p class=\"warning\">"), warned, "N = {n}");
            assert_eq!(page.contains("is below 64"), n < 64, "N = {n}");
            assert_eq!(page.contains("not a power of two"), n == 48, "N = {n}");
        }
    }

    #[test]
    fn unresolved_ranks_are_named_under_the_chart() {
        let plan = plan_of(
            DesignKind::Sobol,
            64,
            &[
                "actors.G.attack_rate=0.1..0.5",
                "actors.G.fighters=1000..3000",
            ],
            &[],
        );
        let s = |st: f64, lo: f64, hi: f64| InputIndices::Sobol {
            s1: st,
            s1_ci: [lo, hi],
            st,
            st_ci: [lo, hi],
        };
        let mut o = output_with(&plan, vec![s(0.5, 0.3, 0.7), s(0.4, 0.2, 0.6)]);
        assert!(!tornado(&plan, &o).contains("rank-note"));
        o.unresolved_ranks = vec![[1, 2]];
        assert!(
            tornado(&plan, &o)
                .contains("Not told apart (their ST intervals overlap): ranks 1 and 2.")
        );
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
            note: None,
        };
        ix[0].inputs.push(row.clone());
        assert_eq!(headline(&plan, &ix), Some(0));
        let deaths = find(&ix, OutputId::metric_mean(&plan, "deaths").unwrap()).unwrap();
        ix[deaths].inputs.push(row);
        assert_eq!(headline(&plan, &ix), Some(deaths));
        assert_eq!(ix[deaths].output, "deaths_mean");
    }
}
