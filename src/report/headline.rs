//! What the reports lead with, and how they say what they leave out: the "At
//! a glance" lines of a run ([`glance`]: the terminal report and the HTML page
//! render the same lines, with victims and militants apart), a rung metric as
//! the share of trials at each rung ([`rung_shares`]), and the note naming
//! the metrics a terminal report leaves out ([`left_out`]: `run` and
//! `compare` both use it), and what a share of 0% or 100% bounds
//! ([`ends_note`]).

use super::format::{interval, num, share, share_bounded, wrap};
use super::svg::escape;
use super::{MetricReport, RunReport};

/// A piece of a headline line, with how it is emphasised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// Plain text.
    Text(String),
    /// A name that matters most on the line (bold on the page).
    Strong(String),
    /// A rung's name (italic on the page).
    Rung(String),
    /// A metric's name (code on the page).
    Metric(String),
}

/// One line of a headline.
pub type Line = Vec<Span>;

/// A line as plain text (the terminal).
pub fn plain(line: &[Span]) -> String {
    line.iter()
        .map(|s| match s {
            Span::Text(t) | Span::Strong(t) | Span::Rung(t) | Span::Metric(t) => t.as_str(),
        })
        .collect()
}

/// A line as escaped HTML.
pub fn html(line: &[Span]) -> String {
    line.iter()
        .map(|s| match s {
            Span::Text(t) => escape(t),
            Span::Strong(t) => format!("<b>{}</b>", escape(t)),
            Span::Rung(t) => format!("<i>{}</i>", escape(t)),
            Span::Metric(t) => format!("<code>{}</code>", escape(t)),
        })
        .collect()
}

fn text(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}

/// The metric the headline quotes as the people killed who were not
/// militants: civilians and security forces (`deaths.victims`).
pub const VICTIMS: &str = "deaths.victims";
/// The militants killed (`deaths.militant`), quoted apart from the victims.
pub const MILITANTS: &str = "deaths.militant";

/// "At a glance": the most common outcome with its interval; civilians and
/// security forces killed, and militants killed, each with its median and
/// 90% range (never one total of both); and per dyad where the last day's
/// median trial stands, with the shares above the calmest rung and at the
/// top one (a share of none or all with its 95% bound).
pub fn glance(r: &RunReport) -> Vec<Line> {
    let mut lines = Vec::new();
    if let Some(top) = r.outcomes.iter().max_by_key(|c| c.count) {
        let mut l = vec![
            text("Most common outcome: "),
            Span::Strong(top.name.clone()),
        ];
        if !top.description.is_empty() {
            l.push(text(format!(" ({})", top.description)));
        }
        l.push(text(format!(
            " in {} of trials, 95% interval {}.",
            share_bounded(top.count, r.trials),
            interval(top.ci95[0], top.ci95[1])
        )));
        lines.push(l);
    }
    let killed = |name: &str, who: &str, span: &str| -> Option<Line> {
        let m = r.metrics.iter().find(|m| m.name == name)?;
        let q = &m.quantiles;
        let (p5, p50, p95) = (q.p5?, q.p50?, q.p95?);
        Some(vec![
            text(format!("{who}{span} (")),
            Span::Metric(name.to_string()),
            text(format!(
                "): median {}; 90% of trials between {} and {}.",
                num(p50),
                num(p5),
                num(p95)
            )),
        ])
    };
    let over = format!(" over the {} days", r.run.horizon);
    lines.extend(killed(
        VICTIMS,
        "Civilians and security forces killed",
        &over,
    ));
    lines.extend(killed(MILITANTS, "Militants killed", ""));
    let ladder = &r.scenario.ladder;
    for (e, b) in r.escalation.iter().zip(&r.bands.rungs) {
        let (Some(last), Some(band), Some(calm)) = (e.days.last(), b.days.last(), ladder.first())
        else {
            continue;
        };
        let count = |p: f64| (p * r.trials as f64).round() as u64;
        let median = ladder.get(band.q[2] as usize).cloned().unwrap_or_default();
        let above = last.at_least.get(1).copied().unwrap_or(0.0);
        let mut l = vec![
            text(format!(
                "{} on day {}: the median trial is at ",
                e.dyad, last.day
            )),
            Span::Rung(median),
            text(format!(
                "; {} of trials are above ",
                share_bounded(count(above), r.trials)
            )),
            Span::Rung(calm.clone()),
        ];
        if let (Some(top), Some(&p)) = (ladder.last(), last.at_least.last())
            && ladder.len() > 2
        {
            l.push(text(format!(", {} at ", share_bounded(count(p), r.trials))));
            l.push(Span::Rung(top.clone()));
        }
        l.push(text("."));
        lines.push(l);
    }
    lines
}

/// A rung metric (`peak_rung.A-B`, `final_rung.A-B`) as the share of trials
/// at each rung it took, calmest first, rungs no trial took left out:
/// `["cross_border_strike 61.2%", "sustained_clashes 37.9%", ...]`. Empty
/// when the metric never occurred.
pub fn rung_shares(ladder: &[String], m: &MetricReport) -> Vec<String> {
    let (Some(counts), Some(lo)) = (m.value_counts(), m.min) else {
        return Vec::new();
    };
    let n = m.present.max(1) as f64;
    counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(i, &c)| {
            let r = lo as usize + i;
            let name = ladder
                .get(r)
                .cloned()
                .unwrap_or_else(|| format!("rung {r}"));
            format!("{name} {}", share(c as f64 / n))
        })
        .collect()
}

/// Names grouped by what comes before their last `.` or `@`, in the order
/// they first appear: `deaths.US.civilian`, `deaths.US.security` give
/// `deaths.US.{civilian, security}`; a name alone in its group stays whole.
pub fn group_names(names: &[&str]) -> Vec<String> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for &name in names {
        let (stem, tail) = match name.rfind(['.', '@']) {
            Some(i) => name.split_at(i + 1),
            None => ("", name),
        };
        match groups.iter_mut().find(|g| !stem.is_empty() && g.0 == stem) {
            Some(g) => g.1.push(tail),
            None => groups.push((stem, vec![tail])),
        }
    }
    groups
        .into_iter()
        .map(|(stem, tails)| match tails.as_slice() {
            [one] => format!("{stem}{one}"),
            _ => format!("{stem}{{{}}}", tails.join(", ")),
        })
        .collect()
}

/// `{a, b}` for several, `a` for one.
fn braces(items: &[String]) -> String {
    match items {
        [one] => one.clone(),
        _ => format!("{{{}}}", items.join(", ")),
    }
}

/// The note a terminal report prints for the metrics it leaves out: `why`
/// they are (`0 in every trial`), how many, and their names, grouped by
/// [`group_names`]. A metric left out over the whole run and in every period
/// (`M@P`, the periods read from `all`, every metric name of the report)
/// is named once with a `*`; the other period metrics are grouped by the
/// periods they are left out in: `{trade_lost, closure_days}@{2022, 2023-Q4}`.
/// Wrapped to `width` columns, `indent` spaces in; no names, no lines.
pub fn left_out(
    why: &str,
    names: &[&str],
    all: &[&str],
    indent: usize,
    width: usize,
) -> Vec<String> {
    if names.is_empty() {
        return Vec::new();
    }
    let mut periods: Vec<&str> = Vec::new();
    for n in all {
        if let Some((_, p)) = n.split_once('@')
            && !periods.contains(&p)
        {
            periods.push(p);
        }
    }
    // Per base metric, the periods it is left out in (in `names` order).
    let mut by_base: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut whole: Vec<&str> = Vec::new();
    for &n in names {
        match n.split_once('@') {
            Some((b, p)) => match by_base.iter_mut().find(|e| e.0 == b) {
                Some(e) => e.1.push(p),
                None => by_base.push((b, vec![p])),
            },
            None => whole.push(n),
        }
    }
    let everywhere = |b: &str| {
        !periods.is_empty()
            && by_base
                .iter()
                .any(|e| e.0 == b && e.1.len() == periods.len())
    };
    let (starred, plain_whole): (Vec<&str>, Vec<&str>) =
        whole.iter().copied().partition(|b| everywhere(b));
    let mut parts: Vec<String> = group_names(&starred)
        .into_iter()
        .map(|g| format!("{g}*"))
        .collect();
    parts.extend(group_names(&plain_whole));
    // The remaining period metrics, grouped by their set of periods.
    let mut by_set: Vec<(Vec<&str>, Vec<&str>)> = Vec::new();
    for (b, ps) in &by_base {
        if starred.contains(b) {
            continue;
        }
        match by_set.iter_mut().find(|e| &e.0 == ps) {
            Some(e) => e.1.push(b),
            None => by_set.push((ps.clone(), vec![b])),
        }
    }
    for (ps, bases) in &by_set {
        let ps: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
        parts.push(format!("{}@{}", braces(&group_names(bases)), braces(&ps)));
    }
    let text = format!(
        "Left out, {why} ({} metric{}; --json and --csv keep them): {}.{}",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        parts.join(", "),
        if starred.is_empty() {
            ""
        } else {
            " *: in every period too."
        }
    );
    let pad = " ".repeat(indent);
    wrap(&text, width - indent, 2)
        .into_iter()
        .map(|l| format!("{pad}{l}"))
        .collect()
}

/// The note under a table of shares of `trials` trials, some of them 0% or
/// 100% (`none`, `all`): what those mean, with their 95% bounds, e.g. `0%: in
/// no trial, 0% (< 0.04%)`. `None` when neither occurs.
pub fn ends_note(trials: u64, none: bool, all: bool) -> Option<String> {
    let mut ends = Vec::new();
    if none {
        ends.push(format!("0%: in no trial, {}", share_bounded(0, trials)));
    }
    if all {
        ends.push(format!(
            "100%: in every trial, {}",
            share_bounded(trials, trials)
        ));
    }
    (!ends.is_empty()).then(|| {
        format!(
            "{}: the far end of the share's 95% Wilson interval, as for the classes.",
            ends.join("; ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_group_by_their_stem() {
        let names = [
            "deaths.China.civilian",
            "deaths.China.security",
            "deported",
            "ceasefires_made",
            "days_at.US-Taliban.skirmish",
            "deported@2023",
            "days_at.US-Taliban.open_war",
        ];
        assert_eq!(
            group_names(&names),
            vec![
                "deaths.China.{civilian, security}",
                "deported",
                "ceasefires_made",
                "days_at.US-Taliban.{skirmish, open_war}",
                "deported@2023",
            ]
        );
    }

    #[test]
    fn the_left_out_note_names_and_counts_them() {
        let lines = left_out("0 in every trial", &["a.x", "a.y", "b"], &[], 2, 100);
        assert_eq!(
            lines,
            vec![
                "  Left out, 0 in every trial (3 metrics; --json and --csv keep them): a.{x, y}, b."
            ]
        );
        assert!(left_out("0 in every trial", &[], &[], 2, 100).is_empty());
        // Periods: a metric left out everywhere is starred; the others grouped by periods.
        let all = ["a", "b", "c", "d", "a@p", "a@q", "b@p", "c@p", "c@q", "d@q"];
        let names = ["a", "b", "a@p", "a@q", "b@p", "c@p", "d@q"];
        let lines = left_out("0 in every trial", &names, &all, 0, 200);
        assert_eq!(
            lines,
            vec![
                "Left out, 0 in every trial (7 metrics; --json and --csv keep them): a*, b, \
                 {b, c}@p, d@q. *: in every period too."
            ]
        );
        let long: Vec<String> = (0..40).map(|i| format!("metric_{i}.tail")).collect();
        let refs: Vec<&str> = long.iter().map(String::as_str).collect();
        for l in left_out("0 in every trial", &refs, &refs, 2, 60) {
            assert!(l.chars().count() <= 60, "{l}");
        }
    }
}
