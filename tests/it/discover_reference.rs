//! escalate's PRIM and CART against the EMA Workbench's, on data neither
//! wrote: `tests/fixtures/discover/ema_reference.py` made two synthetic data
//! sets (`box.csv`, `categorical.csv`) and ran `ema_workbench.analysis.prim.Prim`
//! and `cart.CART` (scikit-learn's tree) on them; `ema_reference.json` holds
//! what they found. No Python here: the numbers are read back and compared.
//!
//! PRIM: every step of every box's trajectory (covering: the second box among
//! the rows the first, at its last step, left), its coverage, density, mass,
//! rows, cases, restricted inputs and limits, and the quasi-p-values of each
//! step's limits. CART (depth 3, leaves of at least 5% of the rows): every
//! leaf's coverage, density, mass, restricted inputs and limits (scikit-learn
//! rounds inputs to 32-bit floats, so its thresholds agree to 1e-6, not to
//! the last bit).

use std::collections::BTreeMap;

use escalate::discover::boxes::{Limit, full_limits, quasi_p, restricted, rows_inside};
use escalate::discover::cart::leaves;
use escalate::discover::data::{Column, Dataset, Input};
use escalate::discover::prim::{PrimOptions, find_box};
use serde_json::Value;

use crate::harness::fixture;

/// A data set as the script wrote it: inputs, then `y`; `policy` is categorical.
fn dataset(name: &str) -> Dataset {
    let mut rdr = csv::Reader::from_path(fixture("discover").join(name)).unwrap();
    let names: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let mut inputs = Vec::new();
    for (k, n) in names.iter().enumerate().take(names.len() - 1) {
        let column = if n == "policy" {
            let mut levels: Vec<String> = rows.iter().map(|r| r[k].to_string()).collect();
            levels.sort();
            levels.dedup();
            let codes = rows
                .iter()
                .map(|r| levels.iter().position(|l| *l == r[k]).unwrap() as u8)
                .collect();
            Column::Categorical { levels, codes }
        } else {
            Column::Real(rows.iter().map(|r| r[k].parse().unwrap()).collect())
        };
        inputs.push(Input {
            name: n.clone(),
            column,
        });
    }
    let y = rows
        .iter()
        .map(|r| r[names.len() - 1].parse().unwrap())
        .collect();
    Dataset::new(inputs, None, y).unwrap()
}

fn reference() -> Value {
    let text = std::fs::read_to_string(fixture("discover").join("ema_reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

/// A box's restricted inputs as EMA lists them: real ones `[lower, upper]`,
/// categorical ones their levels.
fn limits_of(data: &Dataset, limits: &[Limit], init: &[Limit]) -> BTreeMap<String, Value> {
    restricted(limits, init)
        .into_iter()
        .map(|j| {
            let v = match (limits[j], &data.inputs[j].column) {
                (Limit::Real { lower, upper, .. }, _) => serde_json::json!([lower, upper]),
                (Limit::Levels(mask), Column::Categorical { levels, .. }) => {
                    let kept: Vec<&String> = (0..levels.len())
                        .filter(|&k| mask >> k & 1 == 1)
                        .map(|k| &levels[k])
                        .collect();
                    serde_json::json!(kept)
                }
                _ => unreachable!(),
            };
            (data.inputs[j].name.clone(), v)
        })
        .collect()
}

fn assert_limits(got: &BTreeMap<String, Value>, want: &Value, tol: f64, what: &str) {
    let want = want.as_object().unwrap();
    let names: Vec<&String> = got.keys().collect();
    let wanted: Vec<&String> = want.keys().collect();
    assert_eq!(names, wanted, "{what}: restricted inputs");
    for (k, w) in want {
        let g = &got[k];
        if w[0].is_string() {
            assert_eq!(g, w, "{what}: {k}");
        } else {
            for side in 0..2 {
                let (a, b) = (f(&g[side]), f(&w[side]));
                assert!((a - b).abs() <= tol, "{what}: {k}[{side}] {a} vs {b}");
            }
        }
    }
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-12, "{what}: {a} vs EMA's {b}");
}

fn check_prim(data: &Dataset, run: &Value, label: &str) {
    let opts = PrimOptions {
        peel_alpha: f(&run["peel_alpha"]),
        paste_alpha: f(&run["paste_alpha"]),
        min_mass: f(&run["mass_min"]),
    };
    let all = data.all_rows();
    let init = full_limits(data, &all);
    let totals = data.sums(&all);
    let mut remaining = all.clone();
    for (b, want) in run["boxes"].as_array().unwrap().iter().enumerate() {
        let t = find_box(data, &remaining, &init, totals, &opts);
        let steps = want["steps"].as_array().unwrap();
        assert_eq!(t.steps.len(), steps.len(), "{label} box {b}: steps");
        for (i, (s, w)) in t.steps.iter().zip(steps).enumerate() {
            let what = format!("{label} box {b} step {i}");
            close(
                s.stats.coverage,
                f(&w["coverage"]),
                &format!("{what} coverage"),
            );
            close(
                s.stats.density,
                f(&w["density"]),
                &format!("{what} density"),
            );
            close(s.stats.mass, f(&w["mass"]), &format!("{what} mass"));
            assert_eq!(
                s.stats.restricted as u64,
                w["res_dim"].as_u64().unwrap(),
                "{what}"
            );
            assert_eq!(s.stats.weight as u64, w["n"].as_u64().unwrap(), "{what} n");
            assert_eq!(s.stats.hits as u64, w["k"].as_u64().unwrap(), "{what} k");
            assert_limits(
                &limits_of(data, &s.limits, &init),
                &w["limits"],
                1e-12,
                &what,
            );
            // Quasi-p-values (EMA: -1 where a side is not restricted).
            let qp = quasi_p(data, &remaining, &s.limits, &init);
            for (name, sides) in w["qp"].as_object().unwrap() {
                let j = data.input(name).unwrap();
                for side in 0..2 {
                    let want = f(&sides[side]);
                    match qp[j][side] {
                        None => assert_eq!(want, -1.0, "{what}: qp of {name}[{side}]"),
                        Some(got) => assert!(
                            (got - want).abs() <= 1e-9 * want.max(1e-290),
                            "{what}: qp of {name}[{side}] {got} vs EMA's {want}"
                        ),
                    }
                }
            }
        }
        // The covering: the next box among the rows this one (last step) left.
        let taken = rows_inside(data, &t.steps.last().unwrap().limits, &remaining);
        remaining.retain(|r| taken.binary_search(r).is_err());
    }
}

#[test]
fn prim_peeling_trajectories_match_the_ema_workbench() {
    let r = reference();
    let data = dataset("box.csv");
    for (i, run) in r["box"]["prim"].as_array().unwrap().iter().enumerate() {
        check_prim(&data, run, &format!("box.csv run {i}"));
    }
    // The knee of the first box (docs/discovery.md quotes it): the step of
    // EMA's trajectory with the largest coverage x density, step 33, is the
    // true box x1 >= 0.6, x2 <= 0.45 within a peel.
    let all = data.all_rows();
    let init = full_limits(&data, &all);
    let opts = PrimOptions {
        peel_alpha: 0.05,
        paste_alpha: 0.05,
        min_mass: 0.05,
    };
    let t = find_box(&data, &all, &init, data.sums(&all), &opts);
    let k = escalate::discover::prim::knee(&t);
    assert_eq!(k, 33);
    let want = &r["box"]["prim"][0]["boxes"][0]["steps"][33]["limits"];
    assert_limits(
        &limits_of(&data, &t.steps[k].limits, &init),
        want,
        1e-12,
        "knee",
    );
    assert!((f(&want["x1"][0]) - 0.5996).abs() < 1e-4 && (f(&want["x2"][1]) - 0.4568).abs() < 1e-4);
    let data = dataset("categorical.csv");
    for run in r["categorical"]["prim"].as_array().unwrap() {
        check_prim(&data, run, "categorical.csv");
    }
}

#[test]
fn cart_leaves_match_the_ema_workbench() {
    let r = reference();
    let data = dataset("box.csv");
    let want = &r["box"]["cart"];
    let all = data.all_rows();
    let init = full_limits(&data, &all);
    let min_leaf = (f(&want["mass_min"]) * all.len() as f64) as usize;
    let depth = want["max_depth"].as_u64().unwrap() as usize;
    let got = leaves(&data, &all, &init, data.sums(&all), min_leaf, depth);
    let wanted = want["leaves"].as_array().unwrap();
    assert_eq!(got.len(), wanted.len(), "leaves");
    for (i, (l, w)) in got.iter().zip(wanted).enumerate() {
        let what = format!("leaf {i}");
        close(l.stats.coverage, f(&w["coverage"]), &what);
        close(l.stats.density, f(&w["density"]), &what);
        close(l.stats.mass, f(&w["mass"]), &what);
        assert_limits(
            &limits_of(&data, &l.limits, &init),
            &w["limits"],
            1e-6,
            &what,
        );
    }
}
