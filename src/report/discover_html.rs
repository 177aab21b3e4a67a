//! `discovery.html`: the page of an `escalate discover`, self-contained
//! (inline SVG, no script). Per PRIM box: its sentence, the coverage–density
//! trade-off of its trajectory with the selected step (and the knee) marked,
//! its limits drawn against each input's full range with their quasi-p-values
//! and stability, and the table of them. For the first box, a scatter of
//! the two inputs it cuts most, a sample of rows coloured by outcome, the box
//! drawn. Then CART's leaves as boxes, the trajectories as tables, and how to
//! read it all.

use std::fmt::Write;

use super::discover_text::{
    cases, count, limits_cell, often_restricted_elsewhere, qp, rule, sentence,
};
use super::format::{group, pct, sig};
use super::page;
use super::svg::{
    Frame, Scale, escape, fitted_ticks, label_ticks, nice_ticks, svg_open, title, x_axis, y_axis,
};
use crate::discover::{
    BoxReport, Discovery, InputInfo, PrimBox, Restriction, SCATTER_POINTS, Scatter,
};

const PAGE_CSS: &str = r#"
.sentence { font-size: 16px; margin: 8px 0 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
figure { margin: 8px 0; }
.charts figure { margin: 0; }
figcaption { font-size: 13px; color: #555; max-width: 36em; }
details { margin: 8px 0; }
summary { cursor: pointer; color: #333; }
.muted { color: #666; font-size: 13px; }
svg.chart .traj { fill: none; stroke: #9aa0a6; stroke-width: 1.2; }
svg.chart .chosen { fill: none; stroke: #111; stroke-width: 2.2; }
svg.chart .knee { fill: none; stroke: #111; stroke-width: 1.2; stroke-dasharray: 3 2; }
svg.chart .track { fill: #e8e8e5; }
svg.chart .kept { fill: #4a78b5; }
svg.chart .hit { fill: #c0392b; }
svg.chart .miss { fill: #7f8c99; fill-opacity: 0.45; }
svg.chart .boxline { fill: none; stroke: #111; stroke-width: 1.8; }
svg.chart .limit-label { font-size: 11px; fill: #1d3f73; }
svg.chart .note { paint-order: stroke; stroke: #fff; stroke-width: 3px; }
"#;

/// Class of a trajectory point by its restricted inputs (the series palette).
fn series(restricted: usize) -> String {
    format!("s{}", restricted.min(7))
}

/// The coverage–density trade-off of one box's trajectory.
fn tradeoff(b: &PrimBox) -> String {
    let frame = Frame {
        width: 440.0,
        height: 340.0,
        left: 56.0,
        right: 16.0,
        top: 44.0,
        bottom: 44.0,
    };
    let x = Scale::new((0.0, 1.0), frame.x_range());
    let y = Scale::new((0.0, 1.0), frame.y_range());
    let mut s = svg_open(
        frame.width,
        frame.height,
        &format!("Box {}: density against coverage at every step", b.number),
    );
    title(
        &mut s,
        16.0,
        &format!("Box {}: coverage–density trade-off", b.number),
    );
    let ticks = label_ticks(&nice_ticks(0.0, 1.0, 5, 0.0), 100.0, "%");
    s.push_str(&x_axis(&frame, &x, &ticks, "coverage", true));
    s.push_str(&y_axis(&frame, &y, &ticks, "density", true));
    let mut d = String::new();
    for (i, t) in b.trajectory.iter().enumerate() {
        let _ = write!(
            d,
            "{}{:.1} {:.1}",
            if i == 0 { "M" } else { "L" },
            x.map(t.coverage),
            y.map(t.density)
        );
    }
    let _ = write!(s, "<path class=\"traj\" d=\"{d}\"/>");
    for t in &b.trajectory {
        let _ = write!(
            s,
            "<circle class=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.2\"><title>step {}: coverage {}, density {}, {} restricted</title></circle>",
            series(t.restricted),
            x.map(t.coverage),
            y.map(t.density),
            t.step,
            pct(t.coverage),
            pct(t.density),
            t.restricted
        );
    }
    let mark = |s: &mut String, k: usize, class: &str, label: &str, dy: f64| {
        let t = &b.trajectory[k];
        let (cx, cy) = (x.map(t.coverage), y.map(t.density));
        let _ = write!(
            s,
            "<circle class=\"{class}\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"7.5\"/>\
             <text class=\"note\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{}\">{}</text>",
            if cx > 300.0 { cx - 10.0 } else { cx + 10.0 },
            cy + dy,
            if cx > 300.0 { "end" } else { "start" },
            escape(label)
        );
    };
    if b.knee != b.step {
        mark(
            &mut s,
            b.knee,
            "knee",
            &format!("knee, step {}", b.knee),
            16.0,
        );
    }
    mark(
        &mut s,
        b.step,
        "chosen",
        &format!("box {}, step {}", b.number, b.step),
        -8.0,
    );
    // Legend: restricted inputs.
    let max = b.trajectory.iter().map(|t| t.restricted).max().unwrap_or(0);
    let _ = write!(
        s,
        "<text class=\"axis-label\" x=\"{:.1}\" y=\"32\">restricted inputs:</text>",
        frame.left
    );
    for r in 0..=max.min(7) {
        let lx = frame.left + 104.0 + 30.0 * r as f64;
        let label = if r == 7 && max > 7 {
            "7+".into()
        } else {
            r.to_string()
        };
        let _ = write!(
            s,
            "<circle class=\"{}\" cx=\"{lx:.1}\" cy=\"28\" r=\"4\"/><text class=\"axis-label\" x=\"{:.1}\" y=\"32\">{label}</text>",
            series(r),
            lx + 7.0
        );
    }
    s.push_str("</svg>");
    s
}

/// Each restricted input's limits against its full range.
fn limits_chart(
    d: &Discovery,
    b: &BoxReport,
    stability: Option<&PrimBox>,
    heading: &str,
) -> String {
    let row = 34.0;
    let (label_w, note_w, width) = (300.0, 200.0, 920.0);
    let top = 30.0;
    let frame = Frame {
        width,
        height: top + row * b.restricted.len() as f64 + 12.0,
        left: label_w,
        right: note_w,
        top,
        bottom: 12.0,
    };
    let (x0, x1) = frame.x_range();
    let mut s = svg_open(frame.width, frame.height, heading);
    title(&mut s, 16.0, heading);
    for (i, r) in b.restricted.iter().enumerate() {
        let cy = top + row * (i as f64 + 0.5);
        super::svg::row_label(&mut s, label_w - 10.0, cy - 4.0, &short_name(&r.name, 44));
        let input: &InputInfo = &d.inputs[r.input];
        let _ = write!(
            s,
            "<rect class=\"track\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"10\"/>",
            cy - 9.0,
            x1 - x0
        );
        if let (Some(levels), Some(all)) = (&r.levels, &input.levels) {
            let w = (x1 - x0) / all.len() as f64;
            for (k, l) in all.iter().enumerate() {
                if levels.contains(l) {
                    let _ = write!(
                        s,
                        "<rect class=\"kept\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"10\"/>",
                        x0 + w * k as f64 + 1.0,
                        cy - 9.0,
                        (w - 2.0).max(1.0)
                    );
                }
                let _ = write!(
                    s,
                    "<text class=\"limit-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    x0 + w * (k as f64 + 0.5),
                    cy + 13.0,
                    escape(&short_name(l, 14))
                );
            }
        } else if let (Some(lo), Some(hi), Some(min), Some(max)) =
            (r.lower, r.upper, input.min, input.max)
        {
            let sc = Scale::new((min, max), (x0, x1));
            let (a, z) = (sc.map(lo.max(min)), sc.map(hi.min(max)));
            let _ = write!(
                s,
                "<rect class=\"kept\" x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"10\"/>",
                cy - 9.0,
                (z - a).max(1.0)
            );
            let label = |s: &mut String, px: f64, v: f64, anchor: &str| {
                let _ = write!(
                    s,
                    "<text class=\"limit-label\" x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
                    cy + 13.0,
                    escape(&sig(v))
                );
            };
            if r.qp_lower.is_some() {
                label(&mut s, a, lo, "middle");
            } else {
                label(&mut s, x0, min, "start");
            }
            if r.qp_upper.is_some() {
                label(&mut s, z, hi, "middle");
            } else {
                label(&mut s, x1, max, "end");
            }
        }
        let mut note = format!(
            "qp {}",
            qp(r.qp_lower.into_iter().chain(r.qp_upper).reduce(f64::min))
        );
        if let Some(st) = stability.and_then(|p| p.stability.iter().find(|s| s.name == r.name)) {
            let _ = write!(
                note,
                " · stable {:.0}%",
                100.0 * st.coverage.max(st.density)
            );
        }
        super::svg::row_note(&mut s, x1 + 10.0, cy - 4.0, &note);
    }
    s.push_str("</svg>");
    s
}

/// `name` cut to `n` characters with `…` in the middle.
fn short_name(name: &str, n: usize) -> String {
    super::format::fit(name, n).trim_end().to_string()
}

/// The first box's scatter.
fn scatter(d: &Discovery, sc: &Scatter, b: &BoxReport) -> String {
    let frame = Frame {
        width: 460.0,
        height: 400.0,
        left: 62.0,
        right: 18.0,
        top: 34.0,
        bottom: 48.0,
    };
    let axis = |j: usize, range: (f64, f64)| -> (Scale, Vec<(f64, String)>, (f64, f64)) {
        let input = &d.inputs[j];
        match &input.levels {
            Some(levels) => {
                let dom = (-0.5, levels.len() as f64 - 0.5);
                let ticks = levels
                    .iter()
                    .enumerate()
                    .map(|(k, l)| (k as f64, short_name(l, 12)))
                    .collect();
                (Scale::new(dom, range), ticks, dom)
            }
            None => {
                let (lo, hi) = (input.min.unwrap_or(0.0), input.max.unwrap_or(1.0));
                let pad = if hi > lo { (hi - lo) * 0.03 } else { 0.5 };
                let dom = (lo - pad, hi + pad);
                let ticks = fitted_ticks(lo, hi, 5, 0.0, (range.0 - range.1).abs());
                (Scale::new(dom, range), ticks, dom)
            }
        }
    };
    let [xi, yi] = sc.inputs;
    let (x, xt, _) = axis(xi, frame.x_range());
    let (y, yt, _) = axis(yi, frame.y_range());
    let mut s = svg_open(
        frame.width,
        frame.height,
        &format!("{} against {}", d.inputs[yi].name, d.inputs[xi].name),
    );
    title(&mut s, 16.0, "Box 1 on its two most restricted inputs");
    s.push_str(&x_axis(&frame, &x, &xt, &d.inputs[xi].name, false));
    s.push_str(&y_axis(&frame, &y, &yt, &d.inputs[yi].name, false));
    // Levels are spread a little (by row), so points on one level do not hide each other.
    let jitter = |k: usize, j: usize| {
        if d.inputs[j].levels.is_some() {
            ((k as f64 * 0.618_033_988_75 + j as f64 * 0.3).fract() - 0.5) * 0.6
        } else {
            0.0
        }
    };
    for (k, p) in sc.points.iter().enumerate() {
        let (px, py) = (x.map(p[0] + jitter(k, xi)), y.map(p[1] + jitter(k + 7, yi)));
        if p[2] >= 1.0 {
            let _ = write!(
                s,
                "<circle class=\"hit\" cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"2.2\"/>"
            );
        } else if p[2] <= 0.0 {
            let _ = write!(
                s,
                "<circle class=\"miss\" cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"2.2\"/>"
            );
        } else {
            let _ = write!(
                s,
                "<circle class=\"hit\" fill-opacity=\"{:.2}\" cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"2.6\"/>",
                0.1 + 0.9 * p[2]
            );
        }
    }
    // The box on these two inputs (the full range where it does not restrict one).
    let side = |j: usize, sc: &Scale| -> Vec<(f64, f64)> {
        let r = b.restricted.iter().find(|r| r.input == j);
        match (&d.inputs[j].levels, r) {
            (Some(levels), Some(r)) => {
                let kept = r.levels.clone().unwrap_or_default();
                levels
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| kept.contains(l))
                    .map(|(k, _)| (sc.map(k as f64 - 0.45), sc.map(k as f64 + 0.45)))
                    .collect()
            }
            (Some(levels), None) => vec![(sc.map(-0.45), sc.map(levels.len() as f64 - 0.55))],
            (None, r) => {
                let i = &d.inputs[j];
                let lo = r.and_then(|r| r.lower).or(i.min).unwrap_or(0.0);
                let hi = r.and_then(|r| r.upper).or(i.max).unwrap_or(1.0);
                vec![(sc.map(lo), sc.map(hi))]
            }
        }
    };
    for (xa, xb) in side(xi, &x) {
        for (ya, yb) in side(yi, &y) {
            let _ = write!(
                s,
                "<rect class=\"boxline\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>",
                xa.min(xb),
                ya.min(yb),
                (xb - xa).abs(),
                (yb - ya).abs()
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The table of a box's restrictions.
fn restrictions_table(o: &mut String, d: &Discovery, b: &BoxReport, p: Option<&PrimBox>) {
    o.push_str(
        "<table><tr><th>input</th><th>limits</th><th>full range</th><th class=\"n\">qp lower</th>\
         <th class=\"n\">qp upper</th>",
    );
    if p.is_some() {
        o.push_str("<th class=\"n\">stable (coverage)</th><th class=\"n\">stable (density)</th>");
    }
    o.push_str("</tr>\n");
    for r in &b.restricted {
        let input = &d.inputs[r.input];
        let full = match (&input.levels, input.min, input.max) {
            (Some(l), _, _) => l.join(", "),
            (None, Some(a), Some(z)) => format!("{} to {}", sig(a), sig(z)),
            _ => String::new(),
        };
        let _ = write!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            escape(&r.name),
            escape(&limits_cell(r)),
            escape(&full),
            qp(r.qp_lower),
            qp(r.qp_upper)
        );
        if let Some(p) = p {
            let st = p.stability.iter().find(|s| s.name == r.name);
            let _ = write!(
                o,
                "<td class=\"n\">{}</td><td class=\"n\">{}</td>",
                st.map_or("–".into(), |s| format!("{:.0}%", 100.0 * s.coverage)),
                st.map_or("–".into(), |s| format!("{:.0}%", 100.0 * s.density))
            );
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</table>\n");
}

fn restriction_list(b: &[Restriction]) -> String {
    b.iter()
        .map(|r| r.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The whole page.
pub fn render(d: &Discovery) -> String {
    let mut h = String::new();
    let heading = format!("Scenario discovery: {}", d.condition);
    page::open(&mut h, d.escalate_version, &heading, PAGE_CSS);
    page::header(
        &mut h,
        &heading,
        &[
            format!("<p class=\"meta\"><code>{}</code></p>", escape(&d.command)),
            format!(
                "<p class=\"meta\">{}: {}, {} inputs; the condition holds for {}. \
                 PRIM with peel alpha {}, paste alpha {}, minimum mass {}; stability over {} resamples (seed {}).</p>",
                escape(&d.source.path),
                count(d.source.rows as f64, d.source.row),
                d.inputs.len(),
                escape(&cases(d)),
                d.peel_alpha,
                d.paste_alpha,
                d.min_mass,
                d.resamples,
                d.seed
            ),
        ],
    );
    for b in &d.prim {
        let _ = write!(
            h,
            "<h2>Box {} <span class=\"muted\">(step {} of 0 to {}; {})</span></h2>\n<p class=\"sentence\">{}</p>\n",
            b.number,
            b.step,
            b.trajectory.len() - 1,
            match b.selected_by {
                "knee" => "the knee".to_string(),
                "last" => "the last step".to_string(),
                _ => format!("selected; the knee is step {}", b.knee),
            },
            escape(&sentence(d, &b.at))
        );
        if b.number > 1 {
            let _ = writeln!(
                h,
                "<p class=\"explain\">Found among the {} {}s the boxes before it left; coverage and mass are shares of all of them.</p>",
                group(b.rows_searched as i64),
                d.source.row
            );
        }
        h.push_str("<div class=\"charts\">\n");
        let _ = writeln!(
            h,
            "<figure style=\"width:440px\">{}<figcaption>Each dot a step of the peeling (density rising, coverage falling) and pasting; \
             its colour the number of inputs restricted. The ring is the box reported; the dashed ring the knee.</figcaption></figure>",
            tradeoff(b)
        );
        if b.number == 1
            && let Some(sc) = &d.scatter
        {
            let _ = writeln!(
                h,
                "<figure style=\"width:460px\">{}<figcaption>The first {} {}s of the source (of {}): red where the condition holds, grey where not \
                 (a design point's share of trials in red's depth), the box outlined.</figcaption></figure>",
                scatter(d, sc, &b.at),
                group(sc.points.len() as i64),
                d.source.row,
                group(d.source.rows as i64)
            );
        }
        h.push_str("</div>\n");
        if !b.at.restricted.is_empty() {
            let _ = writeln!(
                h,
                "<figure>{}<figcaption>Each restricted input's full range (grey) and the part the box keeps (blue), \
                 with the smaller of its quasi-p-values and how often resamples restrict it.</figcaption></figure>",
                limits_chart(
                    d,
                    &b.at,
                    Some(b),
                    &format!("Box {} limits against each input's full range", b.number)
                )
            );
        }
        if !b.at.restricted.is_empty() {
            restrictions_table(&mut h, d, &b.at, Some(b));
        }
        let unstable = often_restricted_elsewhere(b);
        if !unstable.is_empty() {
            let _ = writeln!(
                h,
                "<p class=\"explain\">Restricted in resamples but not in this box: {}.</p>",
                escape(&unstable.join(", "))
            );
        }
        let _ = write!(
            h,
            "<details><summary>Box {}'s trajectory ({} steps; trajectory.csv has them all)</summary>\n<table>\
             <tr><th class=\"n\">step</th><th>phase</th><th>input changed</th><th class=\"n\">coverage</th>\
             <th class=\"n\">density</th><th class=\"n\">mass</th><th class=\"n\">restricted</th></tr>\n",
            b.number,
            b.trajectory.len()
        );
        for t in &b.trajectory {
            let mark = if t.step == b.step {
                " <b>◀ box</b>"
            } else if t.step == b.knee {
                " (knee)"
            } else {
                ""
            };
            let _ = writeln!(
                h,
                "<tr><td class=\"n\">{}</td><td>{}{mark}</td><td><code>{}</code></td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                t.step,
                t.phase.name(),
                escape(t.input.as_deref().unwrap_or("")),
                pct(t.coverage),
                pct(t.density),
                pct(t.mass),
                t.restricted
            );
        }
        h.push_str("</table></details>\n");
    }
    if let Some(why) = &d.stopped {
        let _ = writeln!(
            h,
            "<p class=\"explain\">The covering stopped after {} box{}: {}.</p>",
            d.prim.len(),
            if d.prim.len() == 1 { "" } else { "es" },
            escape(why)
        );
    }
    let _ = write!(
        h,
        "<h2>CART beside PRIM</h2>\n<p class=\"explain\">A classification tree of depth {} on the same {}s \
         (leaves of at least {}); each leaf is a box with its coverage and density measured as PRIM's are. \
         Leaves denser than all {}s together ({}) first.</p>\n<table><tr><th class=\"n\">leaf</th><th class=\"n\">density</th>\
         <th class=\"n\">coverage</th><th class=\"n\">mass</th><th>rule</th><th>quasi-p-values</th></tr>\n",
        d.cart_max_depth,
        d.source.row,
        count(d.cart_min_leaf as f64, d.source.row),
        d.source.row,
        pct(d.source.density)
    );
    let mut leaves: Vec<(usize, &BoxReport)> = d.cart.iter().enumerate().collect();
    leaves.sort_by(|a, b| b.1.density.total_cmp(&a.1.density).then(a.0.cmp(&b.0)));
    for (i, l) in leaves {
        let qps: Vec<String> = l
            .restricted
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    short_name(&r.name, 28),
                    qp(r.qp_lower.into_iter().chain(r.qp_upper).reduce(f64::min))
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"muted\">{}</td></tr>",
            i + 1,
            pct(l.density),
            pct(l.coverage),
            pct(l.mass),
            escape(&rule(l)),
            escape(&qps.join("; "))
        );
    }
    h.push_str("</table>\n");
    if let Some(b) = d.prim.first() {
        let _ = writeln!(
            h,
            "<p class=\"explain\">PRIM's box 1 restricts {}.</p>",
            escape(&if b.at.restricted.is_empty() {
                "nothing".to_string()
            } else {
                restriction_list(&b.at.restricted)
            })
        );
    }
    let _ = write!(
        h,
        "<h2>How to read it</h2>\n<ul class=\"explain\">\
         <li><b>Coverage</b>: the share of all cases (where the condition holds) that fall in the box. \
         <b>Density</b>: the share of the box that is a case. <b>Mass</b>: the share of all {}s in the box. \
         A good box is dense (the condition holds in most of it) and covers much (it explains most cases); \
         peeling trades one for the other, and the trade-off curve shows the whole trade.</li>\
         <li><b>The knee</b>: the step where coverage times density is largest: where a 1% loss of coverage buys \
         exactly 1% more density. Before it peeling gains more than it costs, after it less. Pick another step with <code>--select</code>.</li>\
         <li><b>Quasi-p-value</b> of a limit: the chance of a box at least this dense if the limit were not there \
         (one-sided binomial test of the box's cases against the density of the box without that limit). \
         Small (below 0.05) means the restriction matters; large means it could be dropped.</li>\
         <li><b>Stable</b>: the share of {} resamples (half the {}s each, PRIM run again) whose step nearest this box's \
         coverage (or density) restricts the input. Near 100%: part of the story; low: noise.</li>\
         <li>The scatter draws at most {} {}s, the first in the source.</li></ul>\n",
        d.source.row,
        d.resamples,
        d.source.row,
        group(SCATTER_POINTS as i64),
        d.source.row
    );
    h.push_str("<p class=\"muted\">Made by escalate ");
    h.push_str(d.escalate_version);
    h.push_str(". Files beside this page: boxes.csv and boxes.json (every box's limits, measures, quasi-p-values and stability), trajectory.csv (every step). docs/discovery.md explains the method.</p>\n");
    page::close(&mut h);
    h
}
