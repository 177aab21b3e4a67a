//! The HTML page of a backtest (`escalate backtest --html FILE`): one
//! self-contained page (inline SVG and CSS, no script, nothing from the
//! network) on the shared skeleton [`page`].
//!
//! Sections: the summary (coverage of the 90% and 50% bands, mean CRPS and
//! PIT); per scored record a row with its own axis, the simulated 90% band
//! (light) and 50% band (dark) as bars, the median as a tick and the
//! observation as a dot with its ± sd whisker (dark inside the 90% band, red
//! outside); the table of scores; the records not scored with their reasons;
//! how to reproduce the run. Every piece of text is escaped; equal backtests
//! give equal bytes.

use std::fmt::Write;

use super::format::{group, num, pct};
use super::page;
use super::svg::{self, Frame, Scale, escape};
use crate::calibrate::backtest::{Backtest, ScoredRecord};

/// This page's own rules, after [`page::BASE_CSS`].
const PAGE_CSS: &str = r#"
.summary { font-size: 16px; margin: 10px 0 4px; }
.summary b { font-variant-numeric: tabular-nums; }
.legend { font-size: 13px; color: #444; margin: 4px 0 2px; }
.legend .sw { display: inline-block; width: 18px; height: 10px; margin: 0 5px 0 14px; vertical-align: 0; }
.legend .dot { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin: 0 5px 0 14px; }
td.out { color: #b03a2e; font-weight: 600; }
table.scores td, table.scores th { white-space: nowrap; }
table.scores .sub { font-size: 12px; color: #666; }
svg.chart .sw90 { fill: #4a78b5; fill-opacity: 0.18; }
svg.chart .median-tick { stroke: #1d3f73; stroke-width: 2; }
svg.chart .obs-in { fill: #111; }
svg.chart .obs-out { fill: #c0392b; }
svg.chart .sd { stroke: #555; stroke-width: 1.5; }
svg.chart .row-sub { font-size: 11px; fill: #666; }
@media print { main { max-width: none; padding: 0; } }
"#;

/// Chart geometry: total width, label column, note column, row height.
const WIDTH: f64 = 1020.0;
const LABEL: f64 = 260.0;
const NOTE: f64 = 200.0;
const ROW: f64 = 56.0;

/// Renders a backtest as one self-contained HTML page.
pub fn render(b: &Backtest) -> String {
    let mut o = String::with_capacity(32 * 1024);
    let version = env!("CARGO_PKG_VERSION");
    page::open(
        &mut o,
        version,
        &format!("{} · backtest · escalate", b.run.scenario),
        PAGE_CSS,
    );
    page::header(
        &mut o,
        &format!("Backtest: {}", b.run.scenario),
        &[
            format!(
                "<p class=\"meta\">Run <code>{}</code>: {} trials · seed {} · digest <code>{}</code></p>",
                escape(&b.run.file),
                group(b.run.trials as i64),
                b.run.seed,
                escape(&b.run.digest)
            ),
            format!(
                "<p class=\"meta\">Observed <code>{}</code>: {} records · SHA-256 <code>{}</code></p>",
                escape(&b.observed.file),
                b.observed.records,
                escape(&b.observed.sha256)
            ),
            "<p class=\"explain\">Each record is compared with the run's metric \
             <code>METRIC@PERIOD</code> over the scenario's period named like the record's. \
             The bands are central: 90% from the 5th to the 95th percentile, 50% from the 25th \
             to the 75th. PIT is the observation's quantile in the simulated distribution (0: \
             below every trial, 1: above every trial); CRPS is in the record's unit, lower is \
             better.</p>"
                .to_string(),
        ],
    );
    let s = &b.summary;
    let _ = writeln!(o, "<h2>Summary</h2>");
    if let (Some(c90), Some(c50)) = (s.coverage90, s.coverage50) {
        let _ = writeln!(
            o,
            "<p class=\"summary\">90% bands hold <b>{} of {}</b> observations (<b>{}</b>; nominal 90%) · \
             50% bands <b>{}</b> (<b>{}</b>; nominal 50%) · mean CRPS <b>{}</b> · mean PIT <b>{:.2}</b></p>",
            s.inside90,
            s.scored,
            pct(c90),
            s.inside50,
            pct(c50),
            num(s.mean_crps.unwrap_or(f64::NAN)),
            s.mean_pit.unwrap_or(f64::NAN)
        );
    }
    let _ = writeln!(
        o,
        "<p class=\"meta\">{} of {} records scored; {} not scored{}. CRPS is averaged over \
         the records' own units: compare it between runs on the same records only.</p>",
        s.scored,
        s.records,
        s.not_scored,
        if s.not_scored > 0 {
            " (listed at the end, with the reasons)"
        } else {
            ""
        }
    );

    let scored: Vec<&ScoredRecord> = b.scored().collect();
    if !scored.is_empty() {
        let _ = writeln!(o, "<h2>Observations against the simulated bands</h2>");
        let _ = writeln!(
            o,
            "<p class=\"legend\">each row on its own axis, in the record's unit:\
             <span class=\"sw\" style=\"background:rgba(74,120,181,0.18)\"></span>90% band\
             <span class=\"sw\" style=\"background:rgba(74,120,181,0.50)\"></span>50% band\
             <span class=\"sw\" style=\"background:#1d3f73;width:3px\"></span>median\
             <span class=\"dot\" style=\"background:#111\"></span>observed ± sd, inside the 90% band\
             <span class=\"dot\" style=\"background:#c0392b\"></span>outside</p>"
        );
        o.push_str(&chart(&scored));
        o.push('\n');
        table(&mut o, &scored);
    }

    let not: Vec<_> = b.not_scored().collect();
    if !not.is_empty() {
        let _ = writeln!(o, "<h2>Not scored ({})</h2>", not.len());
        let _ = writeln!(
            o,
            "<table>\n<tr><th>record</th><th>period</th><th>series</th><th>metric</th><th>reason</th></tr>"
        );
        for n in not {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&n.id),
                escape(&n.period),
                escape(&n.series),
                n.metric
                    .as_deref()
                    .map_or("–".into(), |m| format!("<code>{}</code>", escape(m))),
                escape(&n.reason)
            );
        }
        let _ = writeln!(o, "</table>");
    }
    let _ = writeln!(
        o,
        "<h2>Reproduce</h2>\n<pre>{}\nescalate backtest {} --observed {}</pre>",
        escape(&b.run.command),
        escape(&b.run.file),
        escape(&b.observed.file)
    );
    page::close(&mut o);
    o
}

/// One row per scored record, each with its own axis.
fn chart(rows: &[&ScoredRecord]) -> String {
    let top = 6.0;
    let height = top + ROW * rows.len() as f64 + 8.0;
    let mut o = svg::svg_open(WIDTH, height, "observations against the simulated bands");
    for (i, s) in rows.iter().enumerate() {
        let row_top = top + ROW * i as f64;
        let cy = row_top + 14.0;
        let base = cy + 13.0;
        let frame = Frame {
            width: WIDTH,
            height: base,
            left: LABEL,
            right: NOTE,
            top: row_top,
            bottom: 0.0,
        };
        let (obs_lo, obs_hi) = (s.observed - s.sd, s.observed + s.sd);
        let lo = s.band90[0].min(obs_lo);
        let hi = s.band90[1].max(obs_hi);
        let pad = ((hi - lo) * 0.06).max(0.5);
        // Every metric counts something: the axis never goes below 0.
        let d0 = (lo - pad).max(0.0);
        let x = Scale::new((d0, hi + pad), frame.x_range());
        let (px0, px1) = frame.x_range();
        let ticks = svg::fitted_ticks(x.d0, x.d1, 5, 1.0, px1 - px0);
        o.push_str(&svg::x_axis(&frame, &x, &ticks, "", true));
        svg::row_label(&mut o, LABEL - 10.0, cy - 5.0, &s.id);
        let _ = write!(
            o,
            "<text class=\"row-sub\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{} · {}</text>",
            LABEL - 10.0,
            cy + 10.0,
            escape(&s.period),
            escape(&s.metric)
        );
        let rect = |o: &mut String, class: &str, b: [f64; 2], h: f64| {
            let (a, z) = (x.map(b[0]), x.map(b[1]));
            let _ = write!(
                o,
                "<rect class=\"{class}\" x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\"/>",
                cy - h / 2.0,
                (z - a).max(3.0)
            );
        };
        rect(&mut o, "band90", s.band90, 16.0);
        rect(&mut o, "band50", s.band50, 16.0);
        let m = x.map(s.median);
        let _ = write!(
            o,
            "<line class=\"median-tick\" x1=\"{m:.1}\" y1=\"{:.1}\" x2=\"{m:.1}\" y2=\"{:.1}\"/>",
            cy - 9.0,
            cy + 9.0
        );
        let (sl, sh) = (x.map(obs_lo.max(x.d0)), x.map(obs_hi));
        let _ = write!(
            o,
            "<path class=\"sd\" d=\"M{sl:.1} {cy:.1}H{sh:.1}M{sl:.1} {:.1}V{:.1}M{sh:.1} {:.1}V{:.1}\"/>",
            cy - 4.0,
            cy + 4.0,
            cy - 4.0,
            cy + 4.0
        );
        let class = if s.inside90 { "obs-in" } else { "obs-out" };
        let _ = write!(
            o,
            "<circle class=\"{class}\" cx=\"{:.1}\" cy=\"{cy:.1}\" r=\"5\"><title>{}: observed {} ± {} {}</title></circle>",
            x.map(s.observed),
            escape(&s.id),
            num(s.observed),
            num(s.sd),
            escape(&s.unit)
        );
        svg::row_note(
            &mut o,
            WIDTH - NOTE + 12.0,
            cy - 5.0,
            &format!("{} ± {} {}", num(s.observed), num(s.sd), s.unit),
        );
        let _ = write!(
            o,
            "<text class=\"row-sub\" x=\"{:.1}\" y=\"{:.1}\">PIT {:.2} · CRPS {}</text>",
            WIDTH - NOTE + 12.0,
            cy + 10.0,
            s.pit,
            num(s.crps)
        );
    }
    o.push_str("</svg>");
    o
}

/// The scores as a table.
fn table(o: &mut String, rows: &[&ScoredRecord]) {
    let _ = writeln!(
        o,
        "<table class=\"scores\">\n<tr><th>record · the run's metric</th><th>period</th>\
         <th class=\"n\">observed ± sd</th><th class=\"n\">median</th><th class=\"n\">50% band</th>\
         <th class=\"n\">90% band</th><th>inside</th><th class=\"n\">PIT</th><th class=\"n\">CRPS</th>\
         <th>unit</th></tr>"
    );
    for s in rows {
        let inside = match (s.inside50, s.inside90) {
            (true, true) => "both",
            (false, true) => "90% only",
            _ => "neither",
        };
        let _ = writeln!(
            o,
            "<tr><td>{}<br><code class=\"sub\">{}</code></td><td>{}</td><td class=\"n\">{} ± {}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}–{}</td><td class=\"n\">{}–{}</td>\
             <td{}>{inside}</td><td class=\"n\">{:.2}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            escape(&s.id),
            escape(&s.metric),
            escape(&s.period),
            num(s.observed),
            num(s.sd),
            num(s.median),
            num(s.band50[0]),
            num(s.band50[1]),
            num(s.band90[0]),
            num(s.band90[1]),
            if s.inside90 { "" } else { " class=\"out\"" },
            s.pit,
            num(s.crps),
            escape(&s.unit)
        );
    }
    let _ = writeln!(o, "</table>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::backtest::{RunInfo, RunMetrics};
    use crate::core::observed::Observed;
    use crate::core::stats::Histogram;

    #[test]
    fn one_page_with_a_row_per_scored_record_and_text_escaped() {
        let mut h = Histogram::default();
        for v in 1..=100 {
            h.add(v);
        }
        let run = RunMetrics::new(
            RunInfo {
                file: "r<1>.json".into(),
                scenario: "s & t".into(),
                digest: "00".into(),
                seed: 1,
                trials: 100,
                command: "escalate run s.ron".into(),
            },
            vec![("attacks@2022".into(), "attacks".into(), h)],
        );
        let csv = "\
id,series,period,start,end,quantity,unit,metric,value,sd,source,note
a,S,2022,2022-01-01,2022-12-31,attacks,a<b>,attacks,50,5,k,n
c,S,2022,2022-01-01,2022-12-31,attacks,attacks,attacks,500,50,k,n
d,S,2022,2022-01-01,2022-12-31,total,people,,5,1,k,n
";
        let b = Backtest::new(&run, &Observed::parse("o.csv", csv).unwrap());
        let p = render(&b);
        assert!(p.starts_with("<!DOCTYPE html>") && p.ends_with("</html>\n"));
        assert!(!p.contains("a<b>") && p.contains("a&lt;b&gt;") && p.contains("s &amp; t"));
        assert_eq!(p.matches("<circle").count(), 2);
        assert_eq!(p.matches("class=\"obs-out\"").count(), 1);
        assert!(p.contains("Not scored (1)") && !p.contains("<script"));
        assert_eq!(render(&b), p);
    }
}
