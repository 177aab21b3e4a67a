//! `escalate discover`'s terminal report, and the words every discovery
//! renderer shares: a box in one sentence ([`sentence`]), its rule
//! ([`rule`]), one limit ([`limit_words`]).
//!
//! The sentence says what the box means for the question asked: "border_war
//! in 62.0% of trials where A ≥ 0.41 and B ≤ 0.3; these cover 71.0% of all
//! border_war trials (4,100 trials, 20.5% of all)."

use std::fmt::Write;

use super::format::{Colour, banner, fit, group, heading, pct, sig};
use crate::discover::{BoxReport, Discovery, PrimBox, Restriction};

/// Terminal width the report is laid out for.
const WIDTH: usize = 100;

/// One restricted input in words: `x ≥ 0.41`, `x ≤ 0.3`, `0.2 ≤ x ≤ 0.5`
/// (`x > 0.41` for an open lower limit), `policy in {talks, mediation}`.
pub fn limit_words(r: &Restriction) -> String {
    if let Some(levels) = &r.levels {
        return if levels.len() == 1 {
            format!("{} is {}", r.name, levels[0])
        } else {
            format!("{} in {{{}}}", r.name, levels.join(", "))
        };
    }
    let ge = if r.lower_open { ">" } else { "≥" };
    let lo = r.lower.map(sig).unwrap_or_default();
    let hi = r.upper.map(sig).unwrap_or_default();
    match (r.qp_lower.is_some(), r.qp_upper.is_some()) {
        (true, true) => {
            let le = if r.lower_open { "<" } else { "≤" };
            format!("{lo} {le} {} ≤ {hi}", r.name)
        }
        (true, false) => format!("{} {ge} {lo}", r.name),
        _ => format!("{} ≤ {hi}", r.name),
    }
}

/// A box's restrictions joined by `and` (`anywhere` for none).
pub fn rule(b: &BoxReport) -> String {
    if b.restricted.is_empty() {
        return "anywhere".into();
    }
    b.restricted
        .iter()
        .map(limit_words)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The class a condition of the single form `class = NAME` names.
fn single_class(condition: &str) -> Option<&str> {
    let rest = condition.trim().strip_prefix("class")?.trim_start();
    let rest = rest.strip_prefix("==").or_else(|| rest.strip_prefix('='))?;
    let name = rest.trim();
    (!name.is_empty() && name.chars().all(|c| !c.is_whitespace())).then_some(name)
}

/// `n` `thing`s: `1 trial`, `2 trials`, thousands grouped.
pub fn count(n: f64, thing: &str) -> String {
    let n = n.round() as i64;
    format!("{} {thing}{}", group(n), if n == 1 { "" } else { "s" })
}

/// How many rows the condition holds for: `7,632 of 20,000 trials (38.2%)`,
/// or for a posterior `19.8% of the particles' weight`.
pub fn cases(d: &Discovery) -> String {
    if d.source.unit == "particle weight" {
        format!("{} of the particles' weight", pct(d.source.density))
    } else {
        format!(
            "{} of {} {} ({})",
            group(d.source.cases.round() as i64),
            group(d.source.weight.round() as i64),
            d.source.unit,
            pct(d.source.density)
        )
    }
}

/// A box in one sentence.
pub fn sentence(d: &Discovery, b: &BoxReport) -> String {
    let unit = d.source.unit;
    let (what, all) = match single_class(&d.condition) {
        Some(c) => (format!("{c} in"), format!("all {c} {unit}")),
        None => (
            format!("`{}` holds in", d.condition),
            format!("all {unit} where it holds"),
        ),
    };
    let size = if d.source.unit == "particle weight" {
        format!("{} of the weight", pct(b.mass))
    } else {
        format!(
            "{} {unit}, {} of all",
            group(b.weight.round() as i64),
            pct(b.mass)
        )
    };
    format!(
        "{what} {} of {unit} where {}; these cover {} of {all} ({size}).",
        pct(b.density),
        rule(b),
        pct(b.coverage),
    )
}

/// A quasi-p-value in 2 significant digits (`<1e-300` for what underflows).
pub fn qp(x: Option<f64>) -> String {
    match x {
        None => "–".into(),
        Some(0.0) => "<1e-300".into(),
        Some(p) if p < 0.001 => format!("{p:.1e}"),
        Some(p) => format!("{p:.3}"),
    }
}

/// A restriction's limits without the input's name: `≥ 0.41`, `> 0.41`,
/// `≤ 0.3`, `0.2 to 0.5` (`(0.2 to 0.5` for an open lower limit), `talks, mediation`.
pub fn limits_cell(r: &Restriction) -> String {
    if let Some(levels) = &r.levels {
        return levels.join(", ");
    }
    let lo = r.lower.map(sig).unwrap_or_default();
    let hi = r.upper.map(sig).unwrap_or_default();
    match (r.qp_lower.is_some(), r.qp_upper.is_some()) {
        (true, true) if r.lower_open => format!("({lo} to {hi}"),
        (true, true) => format!("{lo} to {hi}"),
        (true, false) if r.lower_open => format!("> {lo}"),
        (true, false) => format!("≥ {lo}"),
        _ => format!("≤ {hi}"),
    }
}

/// The terminal report. `files` are the paths written, listed at the end.
pub fn render(d: &Discovery, colour: Colour, files: &[String]) -> String {
    let mut o = String::new();
    banner(
        &mut o,
        colour,
        &format!(
            "escalate {} · discover · {}",
            d.escalate_version, d.condition
        ),
        &format!(
            "{}: {}, {} inputs · the condition holds for {}",
            d.source.path,
            count(d.source.rows as f64, d.source.row),
            d.inputs.len(),
            cases(d),
        ),
        WIDTH,
    );
    let _ = writeln!(
        o,
        "PRIM: peel alpha {}, paste alpha {}, minimum mass {} · stability over {} resamples, seed {}",
        d.peel_alpha, d.paste_alpha, d.min_mass, d.resamples, d.seed
    );
    for b in &d.prim {
        let how = match b.selected_by {
            "knee" => "the knee".to_string(),
            "last" => "the last".to_string(),
            _ => format!("selected; the knee is step {}", b.knee),
        };
        heading(
            &mut o,
            colour,
            &format!(
                "Box {} (step {} of 0..{}, {how})",
                b.number,
                b.step,
                b.trajectory.len() - 1
            ),
        );
        for l in super::format::wrap(&sentence(d, &b.at), WIDTH - 2, 2) {
            let _ = writeln!(o, "  {l}");
        }
        if b.at.restricted.is_empty() {
            continue;
        }
        let name_w =
            b.at.restricted
                .iter()
                .map(|r| r.name.chars().count())
                .max()
                .unwrap_or(5)
                .clamp(5, 44);
        let _ = writeln!(
            o,
            "  {}  {:<22} {:>9} {:>9}  {:>8} {:>8}",
            fit("input", name_w),
            "limits",
            "qp lower",
            "qp upper",
            "stable c",
            "stable d"
        );
        for r in &b.at.restricted {
            let s = b.stability.iter().find(|s| s.name == r.name);
            let _ = writeln!(
                o,
                "  {}  {:<22} {:>9} {:>9}  {:>8} {:>8}",
                fit(&r.name, name_w),
                fit(&limits_cell(r), 22),
                qp(r.qp_lower),
                qp(r.qp_upper),
                s.map_or("–".into(), |s| format!("{:.0}%", 100.0 * s.coverage)),
                s.map_or("–".into(), |s| format!("{:.0}%", 100.0 * s.density)),
            );
        }
        let others = often_restricted_elsewhere(b);
        if !others.is_empty() {
            for l in super::format::wrap(
                &format!("also restricted in resamples: {}", others.join(", ")),
                WIDTH - 2,
                2,
            ) {
                let _ = writeln!(o, "  {l}");
            }
        }
    }
    if let Some(why) = &d.stopped {
        heading(&mut o, colour, "The covering stopped");
        for l in super::format::wrap(why, WIDTH - 2, 2) {
            let _ = writeln!(o, "  {l}");
        }
    }
    heading(
        &mut o,
        colour,
        &format!(
            "CART (depth {}, leaves of at least {}): its leaves denser than all {}s",
            d.cart_max_depth,
            count(d.cart_min_leaf as f64, d.source.row),
            d.source.row
        ),
    );
    let mut leaves: Vec<(usize, &BoxReport)> = d
        .cart
        .iter()
        .enumerate()
        .filter(|(_, l)| l.density > d.source.density)
        .collect();
    leaves.sort_by(|a, b| b.1.density.total_cmp(&a.1.density).then(a.0.cmp(&b.0)));
    if leaves.is_empty() {
        let _ = writeln!(o, "  none: no leaf is denser than all rows together");
    } else {
        let _ = writeln!(o, "  leaf  density coverage   mass  rule");
        for (i, l) in leaves {
            let line = format!(
                "  {:>4}  {:>7} {:>8} {:>6}  ",
                i + 1,
                pct(l.density),
                pct(l.coverage),
                pct(l.mass)
            );
            let rule = super::format::wrap(&rule(l), WIDTH - line.chars().count(), 0);
            for (k, r) in rule.iter().enumerate() {
                if k == 0 {
                    let _ = writeln!(o, "{line}{r}");
                } else {
                    let _ = writeln!(o, "{}{r}", " ".repeat(line.chars().count()));
                }
            }
        }
    }
    if !files.is_empty() {
        let _ = writeln!(o, "\nwrote:");
        for f in files {
            let _ = writeln!(o, "  {f}");
        }
    }
    o
}

/// Inputs the chosen box leaves free that resampled boxes restricted often
/// (in at least 30% of resamples, by coverage or density), as "name (N%)":
/// where the box may be less stable than its limits suggest. The terminal
/// report and the HTML page list the same ones.
pub(super) fn often_restricted_elsewhere(b: &PrimBox) -> Vec<String> {
    b.stability
        .iter()
        .filter(|s| {
            s.coverage.max(s.density) >= 0.3 && !b.at.restricted.iter().any(|r| r.name == s.name)
        })
        .map(|s| format!("{} ({:.0}%)", s.name, 100.0 * s.coverage.max(s.density)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str, lower: f64, upper: f64, sides: (bool, bool), open: bool) -> Restriction {
        Restriction {
            input: 0,
            name: name.into(),
            lower: Some(lower),
            lower_open: open,
            upper: Some(upper),
            levels: None,
            qp_lower: sides.0.then_some(0.01),
            qp_upper: sides.1.then_some(0.02),
            cut: 0.5,
        }
    }

    #[test]
    fn limits_read_as_inequalities_on_the_restricted_sides() {
        assert_eq!(
            limit_words(&r("a", 0.41, 1.0, (true, false), false)),
            "a ≥ 0.4100"
        );
        assert_eq!(
            limit_words(&r("a", 0.41, 1.0, (true, false), true)),
            "a > 0.4100"
        );
        assert_eq!(
            limit_words(&r("a", 0.0, 0.3, (false, true), false)),
            "a ≤ 0.3000"
        );
        assert_eq!(
            limit_words(&r("a", 0.2, 0.5, (true, true), false)),
            "0.2000 ≤ a ≤ 0.5000"
        );
        let mut p = r("policy", 0.0, 0.0, (true, false), false);
        p.levels = Some(vec!["talks".into(), "mediation".into()]);
        assert_eq!(limit_words(&p), "policy in {talks, mediation}");
        p.levels = Some(vec!["talks".into()]);
        assert_eq!(limit_words(&p), "policy is talks");
        assert_eq!(
            limits_cell(&r("a", 0.2, 0.5, (true, true), false)),
            "0.2000 to 0.5000"
        );
        assert_eq!(
            limits_cell(&r("a", 0.2, 0.5, (true, false), true)),
            "> 0.2000"
        );
        assert_eq!(single_class("class = border_war"), Some("border_war"));
        assert_eq!(single_class(" class==x "), Some("x"));
        assert_eq!(single_class("class = a or class = b"), None);
        assert_eq!(single_class("deaths > 1"), None);
        assert_eq!(qp(Some(0.0)), "<1e-300");
        assert_eq!(qp(Some(3.2e-12)), "3.2e-12");
        assert_eq!(qp(Some(0.25)), "0.250");
    }
}
