//! `--headline OUTPUT` of `escalate sweep`: the page leads with the output
//! named and the terminal summary lists it first; it changes no point and no
//! index, so a finished sweep is shown again under another headline; an
//! output the sweep does not have is refused with exit 2, the names it has,
//! and nothing written. (`escalate slurm sweep` passing it to its jobs is
//! tested on the cluster, in `slurm`.)

use crate::harness::Sandbox;

/// `escalate sweep minimal`, 8 LHS points over two inputs, 30 trials, into
/// `out`, with `extra` flags.
fn sweep(s: &Sandbox, out: &str, extra: &[&str]) -> crate::harness::Run {
    let mut args = vec![
        "sweep",
        "minimal",
        "--design",
        "lhs",
        "--points",
        "8",
        "--set",
        "actors.G.attack_rate=0.1..0.5",
        "--set",
        "levers.strike.civilians_killed=2..15",
        "--trials",
        "30",
        "--out",
        out,
        "--quiet",
    ];
    args.extend(extra);
    s.run(&args)
}

/// The output a page leads with: the title of its first scatter section.
fn page_headline(html: &str) -> &str {
    let end = html
        .find(" against its two strongest inputs</h2>")
        .expect("a headline section");
    &html[html[..end].rfind("<h2>").unwrap() + 4..end]
}

/// The outputs the terminal summary lists, in order.
fn summary_outputs(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("Strongest inputs"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        // Outputs are indented two spaces; their inputs and notes more.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .map(|l| l.trim().split([' ', ':']).next().unwrap().to_string())
        .collect()
}

#[test]
fn the_headline_leads_the_page_and_the_summary_and_changes_no_point_or_index() {
    let s = Sandbox::new();
    let named = sweep(&s, "o", &["--headline", "strikes_mean"]);
    named.assert_success();
    let html = std::fs::read_to_string(s.join("o/sweep.html")).unwrap();
    assert_eq!(page_headline(&html), "strikes_mean");
    assert!(html.contains("the charts below show strikes_mean (the headline), the class"));
    let listed = summary_outputs(&named.stdout_text());
    assert_eq!(listed[0], "strikes_mean", "{listed:?}");
    assert_eq!(
        listed.iter().filter(|o| *o == "strikes_mean").count(),
        1,
        "listed once: {listed:?}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.join("o/sweep.json")).unwrap()).unwrap();
    assert!(
        manifest["command"]
            .as_str()
            .unwrap()
            .ends_with("--headline strikes_mean"),
        "the command reproduces the page: {}",
        manifest["command"]
    );
    let keep = |f: &str| std::fs::read(s.join("o").join(f)).unwrap();
    let (points, csv, json) = (
        keep("points.csv"),
        keep("sensitivity.csv"),
        keep("sensitivity.json"),
    );

    // The same sweep again without the flag: every point is found done, the
    // data are the same bytes, and the page leads with the default.
    let default = sweep(&s, "o", &[]);
    default.assert_success();
    assert!(
        default
            .stdout_text()
            .contains("0 of 8 points run now, 8 found done")
    );
    assert_eq!(keep("points.csv"), points);
    assert_eq!(keep("sensitivity.csv"), csv);
    assert_eq!(keep("sensitivity.json"), json);
    let html = std::fs::read_to_string(s.join("o/sweep.html")).unwrap();
    assert_eq!(page_headline(&html), "deaths_mean");
    let listed = summary_outputs(&default.stdout_text());
    assert_eq!(
        listed[0], "prob_war",
        "classes first by default: {listed:?}"
    );
    assert!(!listed.contains(&"strikes_mean".to_string()), "{listed:?}");
}

#[test]
fn a_headline_without_indices_is_said_on_the_page() {
    let s = Sandbox::new();
    // An output this design does not move, found in the sweep's own indices.
    sweep(&s, "o", &[]).assert_success();
    let ix: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.join("o/sensitivity.json")).unwrap()).unwrap();
    let constant = ix["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["inputs"].as_array().unwrap().is_empty())
        .expect("an output without indices")["output"]
        .as_str()
        .unwrap()
        .to_string();
    sweep(&s, "o", &["--headline", &constant]).assert_success();
    let html = std::fs::read_to_string(s.join("o/sweep.html")).unwrap();
    assert!(
        html.contains(&format!("<h2>{constant}</h2>")),
        "the section names it"
    );
    assert!(
        html.contains(&format!("{constant} has no indices: ")),
        "and says why there is no chart"
    );
}

#[test]
fn an_unknown_headline_is_refused_with_the_outputs_and_nothing_written() {
    let s = Sandbox::new();
    // A metric's name without `_mean`: the help names the output meant.
    let o = sweep(&s, "o", &["--headline", "deaths"]);
    assert_eq!(o.code(), Some(2), "{}", o.describe());
    let err = o.stderr_text();
    assert!(
        err.contains("--headline deaths: the sweep has no output of that name"),
        "{err}"
    );
    assert!(err.contains("did you mean `deaths_mean`?"), "{err}");
    assert!(!s.join("o").exists(), "nothing written");
    // A name near none: the help lists the outputs.
    let o = sweep(&s, "o", &["--headline", "qqq"]);
    assert_eq!(o.code(), Some(2), "{}", o.describe());
    let err = o.stderr_text();
    assert!(
        err.contains("use one of the sweep's outputs: prob_war,"),
        "{err}"
    );
    assert!(!s.join("o").exists(), "nothing written");
}
