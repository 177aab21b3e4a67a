//! The terminal report of a backtest: one row per scored record (id, period,
//! observed ± sd, the simulated 50% and 90% bands, which band holds the
//! observation, PIT, CRPS with its unit), the summary line, then the records
//! not scored with their reasons. Fits 100 columns; colour only when asked:
//! an observation outside its 90% band is red.

use std::fmt::Write;

use super::format::{Colour, banner, fit, fit_end, group, heading, num, pct, wrap};
use super::text::WIDTH;
use crate::calibrate::backtest::{Backtest, ScoredRecord, Summary};

/// `lo–hi`.
fn band(b: [f64; 2]) -> String {
    format!("{}–{}", num(b[0]), num(b[1]))
}

/// Which bands hold the observation: `50 90`, `90`, or `no`.
fn inside(s: &ScoredRecord) -> &'static str {
    match (s.inside50, s.inside90) {
        (true, true) => "50 90",
        (false, true) => "90",
        (true, false) => "50", // cannot happen: the 50% band lies inside the 90%
        (false, false) => "no",
    }
}

/// The cells of a scored record, after its id.
fn cells(s: &ScoredRecord) -> [String; 7] {
    [
        s.period.clone(),
        format!("{} ± {}", num(s.observed), num(s.sd)),
        band(s.band50),
        band(s.band90),
        inside(s).to_string(),
        format!("{:.2}", s.pit),
        format!("{} {}", num(s.crps), s.unit),
    ]
}

/// The summary line: coverage of both bands and the mean scores.
pub fn summary_line(s: &Summary) -> String {
    let Some(c90) = s.coverage90 else {
        return format!("No record scored (of {}).", s.records);
    };
    let c50 = s.coverage50.unwrap_or(0.0);
    format!(
        "{} of {} records scored: 90% bands hold {} of {} ({}; nominal 90%), \
         50% bands {} ({}; nominal 50%); mean CRPS {} (in the records' units), mean PIT {:.2}.",
        s.scored,
        s.records,
        s.inside90,
        s.scored,
        pct(c90),
        s.inside50,
        pct(c50),
        num(s.mean_crps.unwrap_or(f64::NAN)),
        s.mean_pit.unwrap_or(f64::NAN),
    )
}

/// Renders a backtest for a terminal.
pub fn render(b: &Backtest, colour: Colour) -> String {
    let mut o = String::new();
    let title = format!(
        "escalate {} · backtest · {}",
        env!("CARGO_PKG_VERSION"),
        b.run.scenario
    );
    let line = format!(
        "run {} · {} trials · seed {} · digest {}…",
        b.run.file,
        group(b.run.trials as i64),
        b.run.seed,
        b.run.digest.get(..12).unwrap_or(&b.run.digest),
    );
    banner(&mut o, colour, &title, &line, WIDTH);
    let against = format!(
        "observed {} · {} records",
        b.observed.file, b.observed.records
    );
    for l in wrap(&against, WIDTH, 2) {
        let _ = writeln!(o, "{l}");
    }

    let rows: Vec<(&ScoredRecord, [String; 7])> = b.scored().map(|s| (s, cells(s))).collect();
    if !rows.is_empty() {
        heading(
            &mut o,
            colour,
            "Scored: observation against the simulated bands (PIT 0 below every trial, 1 above)",
        );
        let header = [
            "period", "observed", "50% band", "90% band", "inside", "PIT", "CRPS",
        ];
        // Column widths: the widest cell (or header); the id takes what is left.
        let mut w: [usize; 7] = header.map(|h| h.chars().count());
        for (_, c) in &rows {
            for (wi, ci) in w.iter_mut().zip(c) {
                *wi = (*wi).max(ci.chars().count());
            }
        }
        w[6] = w[6].min(20);
        let others: usize = w.iter().sum::<usize>() + 2 * 7;
        let longest = rows.iter().map(|(s, _)| s.id.chars().count()).max();
        let id_w = longest
            .unwrap_or(6)
            .max(6)
            .min(WIDTH.saturating_sub(others + 2).max(14));
        let row = |id: &str, c: &[String]| {
            let mut l = format!("  {}", fit(id, id_w));
            for (i, (cell, wi)) in c.iter().zip(&w).enumerate() {
                // Text columns left-aligned, numbers right-aligned.
                let cell = if i == 6 {
                    fit_end(cell, *wi)
                } else {
                    cell.clone()
                };
                if i == 0 || i == 4 || i == 6 {
                    let _ = write!(l, "  {cell:<wi$}");
                } else {
                    let _ = write!(l, "  {cell:>wi$}");
                }
            }
            l.trim_end().to_string()
        };
        let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        let _ = writeln!(o, "{}", colour.paint("1", &row("record", &head)));
        for (s, c) in &rows {
            let l = row(&s.id, c);
            let l = if s.inside90 {
                l
            } else {
                colour.paint("31", &l)
            };
            let _ = writeln!(o, "{l}");
        }
    }

    heading(&mut o, colour, "Summary");
    for l in wrap(&summary_line(&b.summary), WIDTH - 2, 2) {
        let _ = writeln!(o, "  {}", l.trim_start());
    }

    let not: Vec<_> = b.not_scored().collect();
    if !not.is_empty() {
        heading(&mut o, colour, &format!("Not scored ({})", not.len()));
        for n in not {
            let head = format!("{} ({}, {})", n.id, n.period, n.series);
            let _ = writeln!(o, "  {}", fit_end(&head, WIDTH - 2).trim_end());
            for l in wrap(&n.reason, WIDTH - 4, 0) {
                let _ = writeln!(o, "    {l}");
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::backtest::{RunInfo, RunMetrics};
    use crate::core::observed::Observed;
    use crate::core::stats::Histogram;

    #[test]
    fn rows_fit_100_columns_and_every_record_appears() {
        let mut h = Histogram::default();
        for v in 1..=100 {
            h.add(v * 40);
        }
        let run = RunMetrics::new(
            RunInfo {
                file: "r.json".into(),
                scenario: "s".into(),
                digest: "0123456789abcdef".into(),
                seed: 1,
                trials: 100,
                command: "escalate run s.ron".into(),
            },
            vec![
                ("attacks@2022".into(), "attacks".into(), h.clone()),
                ("trade_lost@2022".into(), "thousand USD".into(), h),
            ],
        );
        let csv = "\
id,series,period,start,end,quantity,unit,metric,value,sd,source,note
a-very-long-record-identifier-that-goes-on-and-on,S,2022,2022-01-01,2022-12-31,attacks,attacks,attacks,2000,200,k,n
b,S,2022,2022-01-01,2022-12-31,trade,thousand USD,trade_lost,9000,900,k,n
c,S,2022-H1,2022-01-01,2022-06-30,attacks,attacks,attacks,5,1,k,n
d,S,2022,2022-01-01,2022-12-31,total,people,,5,1,k,n
";
        let b = Backtest::new(&run, &Observed::parse("o.csv", csv).unwrap());
        let t = render(&b, Colour::Never);
        for l in t.lines() {
            assert!(l.chars().count() <= WIDTH, "{l}");
        }
        assert!(t.contains("thousand USD") && t.contains("50 90") && t.contains("no"));
        assert!(t.contains("Not scored (2)") && t.contains("no period `2022-H1`"));
        assert!(
            t.contains("2 of 4 records scored: 90% bands hold 1 of 2 (50.0%"),
            "{t}"
        );
    }
}
