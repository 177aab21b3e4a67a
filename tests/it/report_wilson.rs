//! Wilson score intervals: reference values computed from the closed form
//! (Wilson 1927; e.g. 0 of 10 at 95% gives [0, 0.277533]), and the report's
//! class intervals are exactly Wilson intervals of the class counts.

use escalate::core::stats::{Z95, wilson};

use crate::harness::command;

fn close(a: (f64, f64), b: (f64, f64)) -> bool {
    (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6
}

#[test]
fn matches_reference_values() {
    assert!(
        close(wilson(0, 10, Z95), (0.0, 0.277533)),
        "{:?}",
        wilson(0, 10, Z95)
    );
    assert!(
        close(wilson(5, 10, Z95), (0.236593, 0.763407)),
        "{:?}",
        wilson(5, 10, Z95)
    );
    assert!(
        close(wilson(50, 100, Z95), (0.403832, 0.596168)),
        "{:?}",
        wilson(50, 100, Z95)
    );
    // The lower bound at k = 0 is exactly 0 (clamped), the upper at k = n exactly 1.
    assert_eq!(wilson(0, 10, Z95).0, 0.0);
    assert_eq!(wilson(10, 10, Z95).1, 1.0);
    // Upper bound at k = 0 is z^2 / (n + z^2).
    let z2 = Z95 * Z95;
    assert!((wilson(0, 10, Z95).1 - z2 / (10.0 + z2)).abs() < 1e-12);
}

#[test]
fn report_intervals_are_wilson_intervals_of_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let out = command()
        .args([
            "run",
            "scenarios/minimal.ron",
            "--trials",
            "400",
            "--seed",
            "11",
            "--json",
        ])
        .arg(&json)
        .run();
    out.assert_success();
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let n = r["trials"].as_u64().unwrap();
    let classes = r["outcomes"].as_array().unwrap();
    assert!(classes.len() >= 2);
    let mut total = 0;
    for c in classes {
        let k = c["count"].as_u64().unwrap();
        total += k;
        let (lo, hi) = wilson(k, n, Z95);
        // serde_json parses floats to within an ulp or so.
        let same = |a: f64, b: f64| (a - b).abs() <= 1e-14 * b.abs().max(1e-300) || a == b;
        assert!(same(c["ci95"][0].as_f64().unwrap(), lo), "{c} vs {lo}");
        assert!(same(c["ci95"][1].as_f64().unwrap(), hi), "{c} vs {hi}");
        let p = c["probability"].as_f64().unwrap();
        assert!(lo <= p && p <= hi, "{c}");
    }
    assert_eq!(total, n);
}
