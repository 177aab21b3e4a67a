//! Sensitivity on the flagship scenario (pak-afghan-2024) behaves as the model
//! says it must:
//! - the Taliban's refugee stock is never read (only Pakistan deports, and
//!   only Pakistan's refugees enter a condition), so under common random
//!   numbers every output is the same at every point that differs only in it:
//!   its total Sobol index must have an interval containing 0, for every output;
//! - the TTP's attack rate drives its attacks directly (attacks per day per
//!   1,000 fighters) and the TTP carries most attacks, so it must rank first for
//!   the attack count of the TTP and of all groups; the Baloch attack rate must
//!   rank first for Baloch attacks and have at most a trace effect on the TTP's
//!   (through the feedback of strikes and pressure).
//!
//! Small on purpose (Sobol N = 64 base samples, 320 points, 200 trials each, a
//! 120-day horizon) so it runs in seconds.

use serde_json::Value;

use crate::harness::escalate;

#[test]
fn an_unread_input_has_zero_total_index_and_the_attack_rate_ranks_first() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("flagship");
    let o = escalate(&[
        "sweep",
        "pak-afghan-2024",
        "--design",
        "sobol",
        "--points",
        "64",
        "--set",
        "actors.TTP.attack_rate=0.2..0.6",
        "--set",
        "actors.Baloch.attack_rate=0.1..0.3",
        "--set",
        "actors.Taliban.refugees=0..2000000",
        "--trials",
        "200",
        "--horizon",
        "120",
        "--seed",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    o.assert_code(0);
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("sensitivity.json")).unwrap()).unwrap();
    let outputs = json["outputs"].as_array().unwrap();
    let row = |output: &str, input: &str| -> Value {
        let o = outputs
            .iter()
            .find(|o| o["output"] == output)
            .unwrap_or_else(|| panic!("no output {output}"));
        o["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["input"] == input)
            .unwrap_or_else(|| panic!("{output}: no input {input} ({})", o["note"]))
            .clone()
    };
    let mut with_indices = 0;
    for o in outputs {
        let Some(inputs) = o["inputs"].as_array().filter(|v| !v.is_empty()) else {
            continue;
        };
        with_indices += 1;
        let r = inputs
            .iter()
            .find(|r| r["input"] == "actors.Taliban.refugees")
            .unwrap();
        let (lo, hi) = (
            r["ST_ci95"][0].as_f64().unwrap(),
            r["ST_ci95"][1].as_f64().unwrap(),
        );
        assert!(
            lo <= 0.0 && 0.0 <= hi,
            "{}: ST of the unread input in [{lo}, {hi}]",
            o["output"]
        );
    }
    assert!(with_indices >= 20, "most outputs vary over the design");
    for output in ["attacks_mean", "attacks.TTP_mean"] {
        let r = row(output, "actors.TTP.attack_rate");
        assert_eq!(r["rank"], 1, "{output}: {r}");
        assert!(r["ST_ci95"][0].as_f64().unwrap() > 0.5, "{output}: {r}");
    }
    assert_eq!(
        row("attacks.Baloch_mean", "actors.Baloch.attack_rate")["rank"],
        1
    );
    let cross = row("attacks.TTP_mean", "actors.Baloch.attack_rate");
    assert!(cross["ST"].as_f64().unwrap() < 0.01, "{cross}");
}
