//! The per-trial CSV (`--csv`): parsed back and checked against the JSON
//! summary of the same run (class counts equal, metric means within 1e-9
//! relative, presence, min and max), its columns, and the same bytes for any
//! thread count.

use std::path::Path;

use serde_json::Value;

use crate::harness::command;

fn run(dir: &Path, tag: &str, extra: &[&str]) -> (Vec<u8>, Value) {
    let csv = dir.join(format!("{tag}.csv"));
    let json = dir.join(format!("{tag}.json"));
    let out = command()
        .args(["run", "scenarios/minimal.ron", "--seed", "17"])
        .args(extra)
        .arg("--csv")
        .arg(&csv)
        .arg("--json")
        .arg(&json)
        .run();
    out.assert_success();
    (
        std::fs::read(&csv).unwrap(),
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap(),
    )
}

#[test]
fn csv_agrees_with_the_json_summary() {
    let dir = tempfile::tempdir().unwrap();
    // 2,500 trials: three blocks and (with 2 threads) two waves.
    let (bytes, r) = run(dir.path(), "a", &["--trials", "2500", "--threads", "2"]);
    let trials = r["trials"].as_u64().unwrap();
    assert_eq!(trials, 2500);
    let metrics = r["metrics"].as_array().unwrap();
    let params = r["parameters"].as_array().unwrap();
    assert!(!params.is_empty(), "minimal.ron has an uncertain parameter");

    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let mut want = vec!["trial".to_string(), "outcome".to_string()];
    want.extend(
        metrics
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_string()),
    );
    want.extend(
        params
            .iter()
            .map(|p| p["path"].as_str().unwrap().to_string()),
    );
    assert_eq!(header, want);

    let classes: Vec<&str> = r["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let mut counts = vec![0u64; classes.len()];
    let m = metrics.len();
    let mut present = vec![0u64; m];
    let mut sums = vec![0u128; m];
    let mut mins = vec![u64::MAX; m];
    let mut maxs = vec![0u64; m];
    let mut first_params: Option<Vec<f64>> = None;
    let mut params_vary = false;
    let mut rows = 0u64;
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.unwrap();
        assert_eq!(rec.len(), want.len());
        assert_eq!(
            rec[0].parse::<u64>().unwrap(),
            i as u64,
            "rows in trial order"
        );
        let class = classes
            .iter()
            .position(|c| *c == &rec[1])
            .unwrap_or_else(|| panic!("unknown class {:?}", &rec[1]));
        counts[class] += 1;
        for k in 0..m {
            let cell = &rec[2 + k];
            if cell.is_empty() {
                continue;
            }
            let v: u64 = cell.parse().unwrap();
            present[k] += 1;
            sums[k] += v as u128;
            mins[k] = mins[k].min(v);
            maxs[k] = maxs[k].max(v);
        }
        let ps: Vec<f64> = (0..params.len())
            .map(|j| rec[2 + m + j].parse::<f64>().unwrap())
            .collect();
        assert!(ps.iter().all(|p| p.is_finite()));
        match &first_params {
            None => first_params = Some(ps),
            Some(f) => params_vary |= *f != ps,
        }
        rows += 1;
    }
    assert_eq!(rows, trials);
    assert!(params_vary, "sampled parameters never change");
    for (c, k) in r["outcomes"].as_array().unwrap().iter().zip(&counts) {
        assert_eq!(c["count"].as_u64().unwrap(), *k, "class {}", c["name"]);
    }
    let mut optional_seen = false;
    for (k, mj) in metrics.iter().enumerate() {
        let name = mj["name"].as_str().unwrap();
        assert_eq!(
            mj["present"].as_u64().unwrap(),
            present[k],
            "{name} present"
        );
        optional_seen |= present[k] < trials;
        if present[k] == 0 {
            assert!(mj["mean"].is_null(), "{name}");
            continue;
        }
        let mean = sums[k] as f64 / present[k] as f64;
        let json_mean = mj["mean"].as_f64().unwrap();
        assert!(
            (mean - json_mean).abs() <= 1e-9 * json_mean.abs().max(1e-300) || mean == json_mean,
            "{name}: CSV mean {mean} vs JSON {json_mean}"
        );
        assert_eq!(mj["min"].as_u64().unwrap(), mins[k], "{name} min");
        assert_eq!(mj["max"].as_u64().unwrap(), maxs[k], "{name} max");
    }
    assert!(
        optional_seen,
        "no optional metric with empty cells was exercised"
    );
}

#[test]
fn csv_bytes_do_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (one, r1) = run(dir.path(), "t1", &["--trials", "1200", "--threads", "1"]);
    let (two, r2) = run(dir.path(), "t2", &["--trials", "1200", "--threads", "2"]);
    assert_eq!(r1["digest"], r2["digest"]);
    assert!(one == two, "CSV differs between 1 and 2 threads");
    assert!(one.ends_with(b"\n") && !one.contains(&b'\r'));
}
