//! `escalate discover`'s two tables (docs/discovery.md):
//! - `trajectory.csv`: one row per step of every PRIM box's peeling and
//!   pasting trajectory: `box, step, phase, input, coverage, density, mass,
//!   restricted, weight, cases, selected, knee`;
//! - `boxes.csv`: one row per box and input, PRIM's boxes (at their selected
//!   step) then CART's leaves: `method, box, step, coverage, density, mass,
//!   weight, cases, input, restricted, lower, lower_open, upper, levels,
//!   qp_lower, qp_upper, stability_coverage, stability_density`. An
//!   unrestricted input's limits are its full range; levels are joined by `|`.
//!
//! RFC 4180 CSV (fields quoted only when needed), `\n` line ends, numbers in
//! Rust's shortest round-trip form, an empty cell for none: pandas'
//! `read_csv` and R's `read.csv` load them as they are.

use crate::discover::{BoxReport, Discovery, InputInfo, StabilityRow};

fn writer() -> ::csv::Writer<Vec<u8>> {
    ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

fn finish(w: ::csv::Writer<Vec<u8>>) -> Vec<u8> {
    w.into_inner().expect("writing to memory cannot fail")
}

fn opt(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| v.to_string())
}

/// `trajectory.csv`.
pub fn trajectory(d: &Discovery) -> Vec<u8> {
    let mut w = writer();
    w.write_record([
        "box",
        "step",
        "phase",
        "input",
        "coverage",
        "density",
        "mass",
        "restricted",
        "weight",
        "cases",
        "selected",
        "knee",
    ])
    .expect("in memory");
    for b in &d.prim {
        for s in &b.trajectory {
            w.write_record([
                b.number.to_string(),
                s.step.to_string(),
                s.phase.name().to_string(),
                s.input.clone().unwrap_or_default(),
                s.coverage.to_string(),
                s.density.to_string(),
                s.mass.to_string(),
                s.restricted.to_string(),
                s.weight.to_string(),
                s.cases.to_string(),
                (s.step == b.step).to_string(),
                (s.step == b.knee).to_string(),
            ])
            .expect("in memory");
        }
    }
    finish(w)
}

/// One box's rows of `boxes.csv`: one per input.
fn box_rows(
    w: &mut ::csv::Writer<Vec<u8>>,
    inputs: &[InputInfo],
    method: &str,
    number: usize,
    step: Option<usize>,
    b: &BoxReport,
    stability: &[StabilityRow],
) {
    for (j, input) in inputs.iter().enumerate() {
        let r = b.restricted.iter().find(|r| r.input == j);
        let (lower, upper, lower_open, levels) = match r {
            Some(r) => (
                r.lower,
                r.upper,
                r.lower_open,
                r.levels.as_ref().map(|l| l.join("|")),
            ),
            None => (
                input.min,
                input.max,
                false,
                input.levels.as_ref().map(|l| l.join("|")),
            ),
        };
        let s = stability.iter().find(|s| s.name == input.name);
        let (sc, sd) = (s.map(|s| s.coverage), s.map(|s| s.density));
        w.write_record([
            method.to_string(),
            number.to_string(),
            step.map_or(String::new(), |s| s.to_string()),
            b.coverage.to_string(),
            b.density.to_string(),
            b.mass.to_string(),
            b.weight.to_string(),
            b.cases.to_string(),
            input.name.clone(),
            r.is_some().to_string(),
            opt(lower),
            if lower.is_some() {
                lower_open.to_string()
            } else {
                String::new()
            },
            opt(upper),
            levels.unwrap_or_default(),
            opt(r.and_then(|r| r.qp_lower)),
            opt(r.and_then(|r| r.qp_upper)),
            opt(sc),
            opt(sd),
        ])
        .expect("in memory");
    }
}

/// `boxes.csv`.
pub fn boxes(d: &Discovery) -> Vec<u8> {
    let mut w = writer();
    w.write_record([
        "method",
        "box",
        "step",
        "coverage",
        "density",
        "mass",
        "weight",
        "cases",
        "input",
        "restricted",
        "lower",
        "lower_open",
        "upper",
        "levels",
        "qp_lower",
        "qp_upper",
        "stability_coverage",
        "stability_density",
    ])
    .expect("in memory");
    for b in &d.prim {
        box_rows(
            &mut w,
            &d.inputs,
            "prim",
            b.number,
            Some(b.step),
            &b.at,
            &b.stability,
        );
    }
    for (i, leaf) in d.cart.iter().enumerate() {
        box_rows(&mut w, &d.inputs, "cart", i + 1, None, leaf, &[]);
    }
    finish(w)
}
