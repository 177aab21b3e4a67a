//! The HTML page of a calibration (`escalate calibrate --out DIR` writes
//! `DIR/calibration.html`): one self-contained page (inline SVG and CSS, no
//! script, nothing from the network) on the shared skeleton [`page`].
//!
//! Sections: the header (scenario, observed file, settings, why it stopped,
//! the command); the generations (tolerance, proposals, acceptance, ESS); per
//! parameter its prior density (a line, from the prior's log-density over its
//! support) against the last generation's weighted histogram, on one axis; the
//! pairwise scatter of the (up to three) parameter pairs with the largest
//! |weighted correlation|, each point shaded and sized by its weight; per
//! observed series (records grouped by series and quantity, ordered by
//! period) the posterior-predictive 90% and 50% bands and median per period,
//! with the observation as a dot and its ± sd whiskers; the table of those
//! bands. Every piece of text is escaped; equal inputs give equal bytes.

use std::fmt::Write;

use super::format::{group, num, pct, sig};
use super::page;
use super::svg::{self, Frame, Scale, escape};
use crate::calibrate::abc::{AbcState, Generation, Stop};
use crate::calibrate::predictive::{Predictive, PredictiveBand};
use crate::calibrate::prior::Prior;
use crate::calibrate::study::Study;

/// This page's own rules, after [`page::BASE_CSS`].
const PAGE_CSS: &str = r#"
.legend { font-size: 13px; color: #444; margin: 4px 0 2px; }
.legend .sw { display: inline-block; width: 18px; height: 10px; margin: 0 5px 0 14px; vertical-align: 0; }
.legend .dot { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin: 0 5px 0 14px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 18px; align-items: flex-start; }
.charts figure { margin: 0; flex: 0 1 auto; max-width: 100%; }
table.gens td, table.gens th, table.bands td, table.bands th { white-space: nowrap; }
td.out { color: #b03a2e; font-weight: 600; }
svg.chart .post { fill: #4a78b5; fill-opacity: 0.55; }
svg.chart .prior { fill: none; stroke: #d55e00; stroke-width: 2; stroke-dasharray: 6 3; }
svg.chart .pt { fill: #1d3f73; }
svg.chart .obs { fill: #111; }
svg.chart .obs-out { fill: #c0392b; }
svg.chart .sd { stroke: #111; stroke-width: 1.5; }
svg.chart .median-tick { stroke: #1d3f73; stroke-width: 2.5; }
svg.chart .sub { font-size: 11px; fill: #555; }
@media print { main { max-width: none; padding: 0; } }
"#;

/// Bins of a marginal's posterior histogram.
const BINS: usize = 24;
/// Points of a prior's density line.
const DENSITY_POINTS: usize = 160;
/// Pairs shown in the scatter section, at most.
const PAIRS: usize = 3;

/// Renders a calibration as one self-contained HTML page. `predictive` is
/// the posterior-predictive run (None while the calibration is running).
pub fn render(study: &Study, state: &AbcState, predictive: Option<&Predictive>) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let name = &study.loaded.source.name;
    page::open(
        &mut o,
        env!("CARGO_PKG_VERSION"),
        &format!("{name} · calibration · escalate"),
        PAGE_CSS,
    );
    let r = &study.request;
    let mut meta = vec![
        format!(
            "<p class=\"meta\">Scenario <code>{}</code> · observed <code>{}</code>: {} targets of {} records \
             (the others are listed under <code>unused</code> in calibration.json, each with its reason)</p>",
            escape(name),
            escape(&r.observed.display().to_string()),
            study.targets.len(),
            study.observed.records.len()
        ),
        format!(
            "<p class=\"meta\">ABC-SMC: {} particles a generation × {} trials a particle · at most {} generations · seed {}</p>",
            group(r.particles as i64),
            group(r.trials as i64),
            r.generations,
            r.seed
        ),
        format!(
            "<p class=\"meta\">{} generations finished; {}.{}</p>",
            state.generations.len(),
            escape(&stopped(state)),
            state.last().map_or(String::new(), |g| format!(
                " Final tolerance <b>{}</b> (distance in observation sds), ESS <b>{}</b> of {} particles",
                sig(g.tolerance),
                num(g.ess.round()),
                g.particles.len()
            ))
        ),
    ];
    meta.push(format!(
        "<p class=\"meta\">Command (add <code>--out DIR</code>):</p><pre>{}</pre>",
        escape(&study.command())
    ));
    page::header(&mut o, &format!("Calibration: {name}"), &meta);

    generations(&mut o, state);
    let Some(last) = state.last() else {
        page::close(&mut o);
        return o;
    };
    marginals(&mut o, study, last);
    pairs(&mut o, study, last);
    match predictive {
        Some(p) => predictive_section(&mut o, study, p),
        None => {
            let _ = writeln!(
                o,
                "<h2>Posterior predictive</h2>\n<p class=\"explain\">Computed once the calibration stops.</p>"
            );
        }
    }
    page::close(&mut o);
    o
}

/// Why the calibration stopped, in words.
fn stopped(state: &AbcState) -> String {
    match &state.stopped {
        Some(Stop::MaxGenerations) => "stopped because the last generation asked for ran".into(),
        Some(Stop::Tolerance) => "stopped because the tolerance reached --until-tolerance".into(),
        Some(Stop::AcceptanceFloor {
            generation,
            accepted,
            proposed,
            ..
        }) => format!(
            "stopped because generation {generation} was abandoned: {accepted} of {proposed} proposals accepted"
        ),
        None => "running (this page is rewritten after every generation)".into(),
    }
}

/// The generations table.
fn generations(o: &mut String, state: &AbcState) {
    let _ = writeln!(
        o,
        "<h2>Generations</h2>\n<p class=\"explain\">Each generation accepts particles whose distance \
         (root mean square over the targets of (simulated mean − observed) / observation sd) is at most \
         its tolerance; generation 0 draws from the priors and accepts every finite distance. Proposals \
         outside the priors' support are counted but not simulated. ESS is the effective number of \
         particles, 1 / Σ w².</p>"
    );
    let _ = writeln!(
        o,
        "<table class=\"gens\">\n<tr><th class=\"n\">generation</th><th class=\"n\">tolerance (obs. sds)</th>\
         <th class=\"n\">proposals</th><th class=\"n\">simulated</th><th class=\"n\">accepted</th>\
         <th class=\"n\">acceptance</th><th class=\"n\">ESS (particles)</th></tr>"
    );
    for g in &state.generations {
        let _ = writeln!(
            o,
            "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            g.index,
            if g.tolerance.is_finite() {
                sig(g.tolerance)
            } else {
                "∞ (all finite)".into()
            },
            group(g.proposed as i64),
            group(g.simulated as i64),
            group(g.accepted as i64),
            pct(g.acceptance_rate),
            num(g.ess.round())
        );
    }
    let _ = writeln!(o, "</table>");
}

/// The interval a parameter's charts span: the prior's support where it is
/// finite, else the particles' range widened by half of it.
fn domain(prior: &Prior, g: &Generation, k: usize) -> (f64, f64) {
    let (s0, s1) = prior.support();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in &g.particles {
        lo = lo.min(p.theta[k]);
        hi = hi.max(p.theta[k]);
    }
    if lo > hi {
        (lo, hi) = (0.0, 1.0);
    }
    let spread = (hi - lo).max(hi.abs().max(1e-9) * 0.1);
    let a = if s0.is_finite() {
        s0
    } else {
        lo - spread / 2.0
    };
    let b = if s1.is_finite() {
        s1
    } else {
        hi + spread / 2.0
    };
    if b > a { (a, b) } else { (a - 0.5, a + 0.5) }
}

/// Per parameter: prior density against the weighted posterior histogram.
fn marginals(o: &mut String, study: &Study, g: &Generation) {
    let _ = writeln!(
        o,
        "<h2>Prior and posterior, per parameter</h2>\n<p class=\"explain\">The last generation's \
         particles (generation {}), weighted, as a histogram of {BINS} bins scaled to a density (weight \
         per unit of the parameter, so the bars' area is 1), against the prior's density on the same \
         axis. A posterior narrower than its prior is what the records pin down.</p>",
        g.index
    );
    let _ = writeln!(
        o,
        "<p class=\"legend\"><span class=\"sw\" style=\"background:rgba(74,120,181,0.55)\"></span>posterior \
         (weighted particles)<span class=\"sw\" style=\"background:#d55e00;height:3px\"></span>prior density</p>"
    );
    let mean = g.mean();
    let sd = g.sd();
    o.push_str("<div class=\"charts\">\n");
    for (k, (spec, prior)) in study.request.priors.iter().zip(&study.priors).enumerate() {
        let (width, height) = (500.0, 264.0);
        let frame = Frame {
            width,
            height,
            left: 64.0,
            right: 24.0,
            top: 58.0,
            bottom: 38.0,
        };
        let (lo, hi) = domain(prior, g, k);
        let bw = (hi - lo) / BINS as f64;
        let mut bins = [0.0f64; BINS];
        for p in &g.particles {
            let b = (((p.theta[k] - lo) / bw).floor().max(0.0) as usize).min(BINS - 1);
            bins[b] += p.weight;
        }
        let dens: Vec<f64> = bins.iter().map(|w| w / bw).collect();
        let prior_pts: Vec<(f64, f64)> = (0..=DENSITY_POINTS)
            .map(|i| {
                let x = lo + (hi - lo) * i as f64 / DENSITY_POINTS as f64;
                let d = prior.log_pdf(x).exp();
                (x, if d.is_finite() { d } else { 0.0 })
            })
            .collect();
        let top = dens
            .iter()
            .copied()
            .chain(prior_pts.iter().map(|p| p.1))
            .fold(0.0, f64::max);
        let top = if top > 0.0 { top * 1.08 } else { 1.0 };
        let x = Scale::new((lo, hi), frame.x_range());
        let y = Scale::new((0.0, top), frame.y_range());
        let (px0, px1) = frame.x_range();
        let mut s = svg::svg_open(
            width,
            height,
            &format!("{}: prior and posterior", spec.path),
        );
        svg::title(&mut s, 16.0, &spec.path);
        let _ = write!(
            s,
            "<text class=\"sub\" x=\"0\" y=\"32\">prior {}</text>\
             <text class=\"sub\" x=\"0\" y=\"46\">posterior mean {}, sd {}, 90% band {} – {}</text>",
            escape(&spec.param.to_string()),
            sig(mean[k]),
            sig(sd[k]),
            sig(g.quantile(k, 0.05).unwrap_or(f64::NAN)),
            sig(g.quantile(k, 0.95).unwrap_or(f64::NAN))
        );
        let yt = svg::label_ticks(&svg::nice_ticks(0.0, top, 4, 0.0), 1.0, "");
        s.push_str(&svg::y_axis(&frame, &y, &yt, "density", true));
        let xt = svg::fitted_ticks(lo, hi, 6, 0.0, px1 - px0);
        s.push_str(&svg::x_axis(&frame, &x, &xt, "", false));
        for (b, d) in dens.iter().enumerate() {
            if *d <= 0.0 {
                continue;
            }
            let (a, z) = (x.map(lo + bw * b as f64), x.map(lo + bw * (b + 1) as f64));
            let (yt, yb) = (y.map(*d), y.map(0.0));
            let _ = write!(
                s,
                "<rect class=\"post\" x=\"{:.1}\" y=\"{yt:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>",
                a + 0.5,
                (z - a - 1.0).max(0.5),
                (yb - yt).max(0.0)
            );
        }
        let mut d = String::new();
        for (i, (px, py)) in prior_pts.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1} {:.1}",
                if i == 0 { "M" } else { "L" },
                x.map(*px),
                y.map(*py)
            );
        }
        let _ = write!(s, "<path class=\"prior\" d=\"{d}\"/>");
        s.push_str("</svg>");
        let _ = writeln!(
            o,
            "<figure id=\"marginal-{k}\" style=\"width:{width:.0}px\">{s}</figure>"
        );
    }
    o.push_str("</div>\n");
}

/// The weighted correlation of parameters `a` and `b` in `g` (0 when either
/// does not vary).
pub fn weighted_correlation(g: &Generation, a: usize, b: usize) -> f64 {
    let c = g.covariance();
    let d = g.mean().len();
    let (va, vb) = (c[a * d + a], c[b * d + b]);
    if va > 0.0 && vb > 0.0 {
        (c[a * d + b] / (va * vb).sqrt()).clamp(-1.0, 1.0)
    } else {
        0.0
    }
}

/// The parameter pairs (a < b) with the largest |weighted correlation|, at
/// most `n`, largest first (ties by a, then b).
pub fn most_correlated(g: &Generation, n: usize) -> Vec<(usize, usize, f64)> {
    let d = g.mean().len();
    let mut pairs: Vec<(usize, usize, f64)> = (0..d)
        .flat_map(|a| (a + 1..d).map(move |b| (a, b)))
        .map(|(a, b)| (a, b, weighted_correlation(g, a, b)))
        .collect();
    pairs.sort_by(|x, y| {
        y.2.abs()
            .total_cmp(&x.2.abs())
            .then((x.0, x.1).cmp(&(y.0, y.1)))
    });
    pairs.truncate(n);
    pairs
}

/// The scatter of the most correlated pairs.
fn pairs(o: &mut String, study: &Study, g: &Generation) {
    let d = study.priors.len();
    if d < 2 {
        return;
    }
    let chosen = most_correlated(g, PAIRS);
    let _ = writeln!(
        o,
        "<h2>Most correlated parameter pairs</h2>\n<p class=\"explain\">The {} of the {} pairs of \
         parameters whose weighted correlation over the last generation's particles is largest in size. \
         Each dot is a particle, larger and darker with more weight; the axes span the priors' support where it is finite, else the particles' range widened by half. \
         A strong correlation means the records fix a combination of the two (such as a product), not \
         each alone.</p>",
        chosen.len(),
        d * (d - 1) / 2
    );
    let wmax = g.particles.iter().map(|p| p.weight).fold(0.0, f64::max);
    o.push_str("<div class=\"charts\">\n");
    for (i, &(a, b, r)) in chosen.iter().enumerate() {
        let (width, height) = (320.0, 330.0);
        let frame = Frame {
            width,
            height,
            left: 62.0,
            right: 22.0,
            top: 30.0,
            bottom: 40.0,
        };
        let (xa, xb) = domain(&study.priors[a], g, a);
        let (ya, yb) = domain(&study.priors[b], g, b);
        let x = Scale::new((xa, xb), frame.x_range());
        let y = Scale::new((ya, yb), frame.y_range());
        let (px0, px1) = frame.x_range();
        let pa = &study.request.priors[a].path;
        let pb = &study.request.priors[b].path;
        let mut s = svg::svg_open(width, height, &format!("{pa} against {pb}"));
        svg::title(
            &mut s,
            16.0,
            &format!("weighted correlation r = {}", format_r(r)),
        );
        let xt = svg::fitted_ticks(xa, xb, 4, 0.0, px1 - px0);
        let yt = svg::label_ticks(&svg::nice_ticks(ya, yb, 5, 0.0), 1.0, "");
        s.push_str(&svg::x_axis(&frame, &x, &xt, pa, true));
        s.push_str(&svg::y_axis(&frame, &y, &yt, pb, true));
        for p in &g.particles {
            let share = if wmax > 0.0 { p.weight / wmax } else { 0.0 };
            let _ = write!(
                s,
                "<circle class=\"pt\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.1}\" fill-opacity=\"{:.2}\"/>",
                x.map(p.theta[a]),
                y.map(p.theta[b]),
                1.5 + 3.5 * share.sqrt(),
                0.15 + 0.6 * share
            );
        }
        s.push_str("</svg>");
        let _ = writeln!(
            o,
            "<figure id=\"pair-{i}\" style=\"width:{width:.0}px\">{s}</figure>"
        );
    }
    o.push_str("</div>\n");
}

/// A correlation with two decimals and a real minus sign.
fn format_r(r: f64) -> String {
    let t = format!("{r:.2}");
    match t.strip_prefix('-') {
        Some(rest) if rest != "0.00" => format!("−{rest}"),
        Some(rest) => rest.to_string(),
        None => t,
    }
}

/// The targets grouped by series and quantity (groups in order of their
/// first target), each ordered by period (start date, longer first, then label).
pub fn series_groups<'a>(study: &Study, p: &'a Predictive) -> Vec<Vec<&'a PredictiveBand>> {
    let mut groups: Vec<Vec<&PredictiveBand>> = Vec::new();
    for b in &p.bands {
        match groups
            .iter_mut()
            .find(|g| g[0].series == b.series && g[0].quantity == b.quantity)
        {
            Some(g) => g.push(b),
            None => groups.push(vec![b]),
        }
    }
    let span = |b: &PredictiveBand| {
        study
            .observed
            .records
            .iter()
            .find(|r| r.id == b.id)
            .map(|r| (r.start, std::cmp::Reverse(r.end)))
    };
    for g in &mut groups {
        g.sort_by(|x, y| span(x).cmp(&span(y)).then(x.period.cmp(&y.period)));
    }
    groups
}

/// The posterior-predictive bands of every observed series, and their table.
fn predictive_section(o: &mut String, study: &Study, p: &Predictive) {
    let _ = writeln!(
        o,
        "<h2>Posterior predictive, per observed series</h2>\n<p class=\"explain\">{} trials of the \
         scenario, each drawing its calibrated parameters from one particle of generation {} with \
         probability its weight (as <code>escalate run --posterior DIR/posterior.csv --trials {} --seed {}</code> \
         does), against each target's observation. A chart per series and quantity, a column per \
         period, in the metric's unit. This is an in-sample check: the records were used to fit.</p>",
        group(p.trials as i64),
        p.generation,
        p.trials,
        p.seed
    );
    let _ = writeln!(
        o,
        "<p class=\"legend\"><span class=\"sw\" style=\"background:rgba(74,120,181,0.18)\"></span>90% band\
         <span class=\"sw\" style=\"background:rgba(74,120,181,0.50)\"></span>50% band\
         <span class=\"sw\" style=\"background:#1d3f73;width:3px\"></span>median\
         <span class=\"dot\" style=\"background:#111\"></span>observed ± sd, inside the 90% band\
         <span class=\"dot\" style=\"background:#c0392b\"></span>outside</p>"
    );
    let groups = series_groups(study, p);
    o.push_str("<div class=\"charts\">\n");
    for (k, g) in groups.iter().enumerate() {
        o.push_str(&series_chart(k, g));
    }
    o.push_str("</div>\n");
    let _ = writeln!(
        o,
        "<table class=\"bands\">\n<tr><th>record</th><th>period</th><th class=\"n\">observed ± sd</th>\
         <th class=\"n\">median</th><th class=\"n\">50% band</th><th class=\"n\">90% band</th><th>inside 90%</th><th>unit</th></tr>"
    );
    for g in &groups {
        for b in g {
            let inside = b.q5 <= b.observed && b.observed <= b.q95;
            let _ = writeln!(
                o,
                "<tr><td title=\"{}\">{}</td><td>{}</td><td class=\"n\">{} ± {}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{} – {}</td><td class=\"n\">{} – {}</td><td{}>{}</td><td>{}</td></tr>",
                escape(&b.metric),
                escape(&b.id),
                escape(&b.period),
                num(b.observed),
                num(b.sd),
                num(b.q50),
                num(b.q25),
                num(b.q75),
                num(b.q5),
                num(b.q95),
                if inside { "" } else { " class=\"out\"" },
                if inside { "yes" } else { "no" },
                escape(&b.unit)
            );
        }
    }
    let _ = writeln!(o, "</table>");
}

/// One series' chart: a column per period.
fn series_chart(k: usize, g: &[&PredictiveBand]) -> String {
    let left = 70.0;
    let right = 16.0;
    let width = (left + right + 86.0 * g.len() as f64).max(320.0);
    // The columns share the plot area's width.
    let col = (width - left - right) / g.len() as f64;
    let height = 250.0;
    let frame = Frame {
        width,
        height,
        left,
        right,
        top: 44.0,
        bottom: 34.0,
    };
    let hi = g
        .iter()
        .map(|b| b.q95.max(b.observed + b.sd))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let lo = g
        .iter()
        .map(|b| b.q5.min(b.observed - b.sd))
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min)
        .min(hi);
    // Every metric counts something: the axis never goes below 0.
    let pad = ((hi - lo) * 0.08).max(0.5);
    let y = Scale::new(((lo - pad).max(0.0), hi + pad), frame.y_range());
    let unit = &g[0].unit;
    let base = g[0].metric.split('@').next().unwrap_or("");
    let mut s = svg::svg_open(
        width,
        height,
        &format!("{} {}: posterior predictive", g[0].series, g[0].quantity),
    );
    svg::title(
        &mut s,
        16.0,
        &format!("{} · {}", g[0].series, g[0].quantity),
    );
    let _ = write!(
        s,
        "<text class=\"sub\" x=\"0\" y=\"32\">metric {} · in {}</text>",
        escape(base),
        escape(unit)
    );
    let (pbot, _) = frame.y_range();
    let yt = svg::label_ticks(&svg::nice_ticks(y.d0, y.d1, 5, 1.0), 1.0, "");
    s.push_str(&svg::y_axis(&frame, &y, &yt, unit, true));
    let (px0, px1) = frame.x_range();
    let _ = write!(
        s,
        "<line class=\"axis-line\" x1=\"{px0:.1}\" y1=\"{pbot:.1}\" x2=\"{px1:.1}\" y2=\"{pbot:.1}\"/>"
    );
    let bar = 26.0;
    for (i, b) in g.iter().enumerate() {
        let cx = px0 + col * (i as f64 + 0.5);
        let rect = |s: &mut String, class: &str, a: f64, z: f64| {
            let (ya, yz) = (y.map(a), y.map(z));
            let _ = write!(
                s,
                "<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{:.1}\"/>",
                cx - bar / 2.0,
                yz,
                (ya - yz).max(1.0)
            );
        };
        if b.q5.is_finite() && b.q95.is_finite() {
            rect(&mut s, "band90", b.q5, b.q95);
            rect(&mut s, "band50", b.q25, b.q75);
            let ym = y.map(b.q50);
            let _ = write!(
                s,
                "<line class=\"median-tick\" x1=\"{:.1}\" y1=\"{ym:.1}\" x2=\"{:.1}\" y2=\"{ym:.1}\"/>",
                cx - bar / 2.0 - 3.0,
                cx + bar / 2.0 + 3.0
            );
        }
        let ox = cx + bar / 2.0 + 12.0;
        let (yl, yh) = (
            y.map((b.observed - b.sd).max(y.d0)),
            y.map(b.observed + b.sd),
        );
        let _ = write!(
            s,
            "<path class=\"sd\" d=\"M{ox:.1} {yl:.1}V{yh:.1}M{:.1} {yl:.1}H{:.1}M{:.1} {yh:.1}H{:.1}\"/>",
            ox - 4.0,
            ox + 4.0,
            ox - 4.0,
            ox + 4.0
        );
        let inside = b.q5 <= b.observed && b.observed <= b.q95;
        let _ = write!(
            s,
            "<circle class=\"{}\" cx=\"{ox:.1}\" cy=\"{:.1}\" r=\"4.5\"><title>{}: observed {} ± {} {}; median {}, 90% {} – {}</title></circle>",
            if inside { "obs" } else { "obs-out" },
            y.map(b.observed),
            escape(&b.id),
            num(b.observed),
            num(b.sd),
            escape(unit),
            num(b.q50),
            num(b.q5),
            num(b.q95)
        );
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            cx + 6.0,
            pbot + 18.0,
            escape(&b.period)
        );
    }
    s.push_str("</svg>");
    format!("<figure id=\"predictive-{k}\" style=\"width:{width:.0}px\">{s}</figure>\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::abc::tests::generation;

    #[test]
    fn weighted_correlation_matches_its_definition_and_ranks_pairs() {
        // Column 1 is exactly 2 × column 0 (r = 1), column 2 is its negation
        // plus noise.
        let pts = [
            [0.0, 0.0, 0.3],
            [1.0, 2.0, -1.2],
            [2.0, 4.0, -1.7],
            [3.0, 6.0, -3.4],
        ];
        let w = [0.1, 0.2, 0.3, 0.4];
        let g = generation(&pts, &w);
        assert!((weighted_correlation(&g, 0, 1) - 1.0).abs() < 1e-12);
        // By hand: weighted means, covariance and variances.
        let m = |k: usize| pts.iter().zip(&w).map(|(p, w)| w * p[k]).sum::<f64>();
        let c = |a: usize, b: usize| {
            pts.iter()
                .zip(&w)
                .map(|(p, w)| w * (p[a] - m(a)) * (p[b] - m(b)))
                .sum::<f64>()
        };
        let r02 = c(0, 2) / (c(0, 0) * c(2, 2)).sqrt();
        assert!((weighted_correlation(&g, 0, 2) - r02).abs() < 1e-12);
        assert!(r02 < -0.9);
        // Weights matter: the same points, all weight but a sliver on two of them.
        let g2 = generation(&pts, &[0.5 - 1e-9, 0.5 - 1e-9, 1e-9, 1e-9]);
        assert!((weighted_correlation(&g2, 0, 2) + 1.0).abs() < 1e-6);
        let ranked = most_correlated(&g, 2);
        assert_eq!((ranked[0].0, ranked[0].1), (0, 1));
        assert_eq!(ranked.len(), 2);
        assert!(ranked[0].2.abs() >= ranked[1].2.abs());
        // A parameter that does not vary correlates with nothing.
        let flat = generation(&[[1.0, 0.0, 5.0], [1.0, 1.0, 6.0]], &[0.5, 0.5]);
        assert_eq!(weighted_correlation(&flat, 0, 1), 0.0);
    }

    #[test]
    fn significant_digits_and_signs() {
        assert_eq!(sig(0.0010561), "0.001056");
        assert_eq!(sig(2.6751), "2.675");
        assert_eq!(sig(12_345.6), "12,346");
        assert_eq!(sig(f64::INFINITY), "∞");
        assert_eq!(format_r(-0.5), "−0.50");
        assert_eq!(format_r(-0.001), "0.00");
    }
}
