//! Metrics over periods (a scenario's `periods`): each additive metric `M` is
//! also recorded over each period as `M@P`.
//!
//! The fixture tests/fixtures/periods.ron is scenarios/minimal.ron with eight
//! periods: `lead` and four quarters cover the horizon without overlap, `2022`
//! is the quarters' union, `2022-H1` the first two, `day-0` one day. Checked:
//! disjoint periods covering the run sum to the whole-run metric and a year to
//! its quarters, trial by trial; each period's values agree with a day-by-day
//! count from the trial's trace; adding periods changes no pre-existing
//! metric, parameter, class or CSV column; bad periods are refused at their
//! file:line:col (also after `--horizon`); merged shards give the unsharded
//! run's JSON bytes.

use std::collections::BTreeMap;
use std::path::Path;

use escalate::core::engine::{TraceEvent, TrialOutcome};
use escalate::core::model::{self, Model};
use escalate::core::scenario::{self, Period, ScenarioError, Source, Validated};
use escalate::run::Executor;
use escalate::run::trials::{run_one, summarise};

use crate::harness::{Run, Sandbox, command, escalate_in, project};

const FIXTURE: &str = "tests/fixtures/periods.ron";
const INVALID: &str = "tests/fixtures/invalid/periods.ron";

fn source(path: &str) -> Source {
    Source::open(project(path).to_str().expect("utf-8 path")).expect(path)
}

fn load(path: &str) -> Validated {
    scenario::load(&source(path)).expect(path)
}

fn trials(model: &Model, seed: u64, n: u64) -> Vec<TrialOutcome> {
    let mut got = Vec::new();
    let mut keep = |o: &TrialOutcome| got.push(o.clone());
    let exec = Executor::new(Some(2)).expect("threads");
    summarise(&exec, model, seed, 0..n, Some(&mut keep), |_| {});
    assert_eq!(got.len() as u64, n);
    got
}

/// The names of the additive metrics (those with a value per period).
fn windowed(model: &Model) -> Vec<String> {
    let m = &model.metrics;
    m.windowed.iter().map(|&s| m.defs[s].name.clone()).collect()
}

/// Metric values by name, one map per trial.
fn by_name(model: &Model, outcomes: &[TrialOutcome]) -> Vec<BTreeMap<String, u64>> {
    outcomes
        .iter()
        .map(|o| {
            model
                .metrics
                .defs
                .iter()
                .zip(&o.metrics)
                .map(|(d, &v)| (d.name.clone(), v))
                .collect()
        })
        .collect()
}

#[test]
fn the_catalogue_gains_one_metric_per_period_and_additive_metric_after_the_rest() {
    let plain = model::compile(&load("scenarios/minimal.ron"));
    let with = model::compile(&load(FIXTURE));
    let n = plain.metrics.len();
    let w = windowed(&plain);
    assert_eq!(
        w,
        [
            "attacks",
            "deaths",
            "deaths.victims",
            "deaths.civilian",
            "deaths.security",
            "deaths.militant",
            "deaths.A.civilian",
            "deaths.A.security",
            "attack_deaths.A",
            "deaths.B.civilian",
            "deaths.B.security",
            "attack_deaths.B",
            "deaths.G.militant",
            "attacks.G",
            "strikes",
            "deported",
            "trade_lost",
            "closure_days",
            "ceasefires_made",
            "ceasefires_broken",
        ]
    );
    assert!(plain.metrics.periods.is_empty() && plain.metrics.marks.is_empty());
    assert_eq!(with.metrics.len(), n + 8 * w.len());
    for (a, b) in plain.metrics.defs.iter().zip(&with.metrics.defs) {
        assert_eq!(a.name, b.name, "pre-existing metrics keep their slots");
    }
    let names: Vec<&str> = with.metrics.defs[n..]
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(names[0], "attacks@lead");
    assert_eq!(names[w.len()], "attacks@2022");
    assert!(names.contains(&"deaths.civilian@2022-Q3"));
    for (k, d) in with.metrics.defs[n..].iter().enumerate() {
        let base = &plain.metrics.defs[plain.metrics.windowed[k % w.len()]];
        let period = &with.metrics.periods[k / w.len()].name;
        assert_eq!(d.name, format!("{}@{period}", base.name));
        assert_eq!(
            (d.kind, d.unit, d.direction, d.optional),
            (base.kind, base.unit, base.direction, false),
            "{}",
            d.name
        );
    }
    // Marks: each last day and the day before each first day (not day 0), once.
    assert_eq!(with.metrics.marks, [0, 29, 119, 210, 302, 364]);
}

/// (a) `lead` and the four quarters cover the horizon without overlap: their
/// values sum to the whole-run metric, for every additive metric and trial.
/// (b) The year is the sum of its quarters and the half-year of its first two.
#[test]
fn disjoint_periods_sum_to_the_run_and_a_year_to_its_quarters() {
    let model = model::compile(&load(FIXTURE));
    let outcomes = trials(&model, 31, 1500);
    let rows = by_name(&model, &outcomes);
    let quarters = ["2022-Q1", "2022-Q2", "2022-Q3", "2022-Q4"];
    let mut nonzero = 0;
    for (i, r) in rows.iter().enumerate() {
        for m in windowed(&model) {
            let at = |p: &str| r[&format!("{m}@{p}")];
            let q: u64 = quarters.iter().map(|p| at(p)).sum();
            assert_eq!(
                at("lead") + q,
                r[&m],
                "trial {i}: {m} over lead and quarters"
            );
            assert_eq!(at("2022"), q, "trial {i}: {m}@2022 and its quarters");
            assert_eq!(
                at("2022-H1"),
                at("2022-Q1") + at("2022-Q2"),
                "trial {i}: {m}@2022-H1"
            );
            assert!(at("day-0") <= at("lead"), "trial {i}: {m}@day-0");
            nonzero += quarters.iter().filter(|p| at(p) > 0).count();
        }
    }
    assert!(nonzero > 10_000, "the test is not vacuous ({nonzero})");
}

/// Each period's attacks and deaths equal a day-by-day count of the trial's
/// trace (attacks and the deaths of attacks and of levers, by the day they
/// happened): an oracle independent of the engine's running totals.
#[test]
fn period_values_agree_with_the_trace_day_by_day() {
    let model = model::compile(&load(FIXTURE));
    let w = model.metrics.windowed.len();
    let slot = |name: &str| {
        model
            .metrics
            .windowed
            .iter()
            .position(|&s| model.metrics.defs[s].name == name)
            .expect(name)
    };
    let (attacks, deaths, civilian, strikes) = (
        slot("attacks"),
        slot("deaths"),
        slot("deaths.civilian"),
        slot("strikes"),
    );
    let strike = model
        .levers
        .iter()
        .position(|l| l.id == "strike")
        .expect("minimal has a strike lever") as u16;
    let mut seen_strike = false;
    for trial in 0..60 {
        let mut events: Vec<(u32, TraceEvent)> = Vec::new();
        let o = run_one(&model, 8, trial, &mut events);
        let h = model.horizon as usize;
        let mut per_day = vec![[0u64; 4]; h];
        for &(day, e) in &events {
            let row = &mut per_day[day as usize];
            match e {
                TraceEvent::Attack {
                    attacks, deaths, ..
                } => {
                    row[0] += attacks as u64;
                    row[1] += deaths.iter().sum::<u64>();
                    row[2] += deaths[0];
                }
                TraceEvent::Lever { deaths, lever, .. } => {
                    row[1] += deaths.iter().sum::<u64>();
                    row[2] += deaths[0];
                    // In minimal.ron every strike is across the border.
                    row[3] += (lever == strike) as u64;
                }
                _ => {}
            }
        }
        for p in &model.metrics.periods {
            let days = &per_day[p.first_day as usize..=p.last_day as usize];
            let sum = |k: usize| days.iter().map(|r| r[k]).sum::<u64>();
            let got = |j: usize| o.metrics[p.first + j];
            assert_eq!(got(attacks), sum(0), "trial {trial}: attacks@{}", p.name);
            assert_eq!(got(deaths), sum(1), "trial {trial}: deaths@{}", p.name);
            assert_eq!(
                got(civilian),
                sum(2),
                "trial {trial}: deaths.civilian@{}",
                p.name
            );
            assert_eq!(got(strikes), sum(3), "trial {trial}: strikes@{}", p.name);
            seen_strike |= sum(3) > 0 && p.name != "2022";
            assert!(p.first + w <= o.metrics.len());
        }
    }
    assert!(seen_strike, "some period holds a strike");
}

/// (c) Adding periods leaves every pre-existing metric, the class and every
/// sampled parameter identical trial by trial; without its periods
/// (`with_periods(vec![])`) the fixture is minimal.ron, digest and all.
#[test]
fn periods_change_no_pre_existing_value() {
    let plain = model::compile(&load("scenarios/minimal.ron"));
    let fixture = load(FIXTURE);
    let with = model::compile(&fixture);
    let n = plain.metrics.len();
    let a = trials(&plain, 7, 1200);
    let b = trials(&with, 7, 1200);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.trial, y.trial);
        assert_eq!(x.class, y.class, "trial {}: class", x.trial);
        assert_eq!(x.params, y.params, "trial {}: parameters", x.trial);
        assert_eq!(x.metrics[..], y.metrics[..n], "trial {}: metrics", x.trial);
    }
    let stripped = fixture
        .with_periods(Vec::new(), &source(FIXTURE))
        .expect("no periods is valid");
    let stripped = model::compile(&stripped);
    let exec = Executor::new(Some(2)).expect("threads");
    let s0 = summarise(&exec, &plain, 7, 0..2000, None, |_| {});
    let s1 = summarise(&exec, &stripped, 7, 0..2000, None, |_| {});
    assert!(s0 == s1, "the fixture without periods is minimal.ron");
    // The pin of tests/it/determinism.rs.
    assert_eq!(
        s1.digest(),
        "a167379375d096c1f8ed25e10b6aaba2b4059cf1e7f4f977f5f73e851ed633c1"
    );
    let s2 = summarise(&exec, &with, 7, 0..2000, None, |_| {});
    assert_ne!(s2.digest(), s1.digest(), "period metrics are in the digest");
    assert_eq!(s2.metrics[..n], s1.metrics[..], "pre-existing accumulators");
}

/// (c) The same through the binary: every column of minimal.ron's per-trial
/// CSV holds the same cells in the fixture's CSV.
#[test]
fn csv_columns_of_a_run_without_periods_are_unchanged() {
    let dir = Sandbox::new();
    let csv = |scenario: &str, name: &str| {
        let out = dir.join(name);
        dir.run(&[
            "run",
            scenario,
            "--trials",
            "700",
            "--seed",
            "3",
            "--quiet",
            "--csv",
            out.to_str().unwrap(),
        ])
        .assert_success();
        let text = std::fs::read_to_string(&out).unwrap();
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect();
        let rows: Vec<Vec<String>> = lines
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        (header, rows)
    };
    let (h0, r0) = csv("scenarios/minimal.ron", "plain.csv");
    let (h1, r1) = csv(FIXTURE, "periods.csv");
    assert_eq!(r0.len(), 700);
    assert_eq!(r1.len(), 700);
    assert!(h1.iter().any(|c| c == "deaths.civilian@2022-Q3"));
    assert_eq!(h1.len(), h0.len() + 8 * 20);
    for (k, name) in h0.iter().enumerate() {
        let j = h1.iter().position(|c| c == name).expect(name);
        for (x, y) in r0.iter().zip(&r1) {
            assert_eq!(x[k], y[j], "column {name}, trial {}", x[0]);
        }
    }
}

/// stderr with the diagnostic frames removed and wrapped lines joined.
fn flat(o: &Run) -> String {
    let raw = String::from_utf8_lossy(&o.stderr);
    let mut s = String::new();
    for line in raw.lines() {
        s.push_str(line.trim_start_matches([' ', '│', '×', '·']).trim());
        s.push(' ');
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `file:line:col` of the first occurrence of `needle` in a file (1-based).
fn location(file: &str, needle: &str) -> String {
    let text = std::fs::read_to_string(project(file)).unwrap();
    assert_eq!(
        text.matches(needle).count(),
        1,
        "`{needle}` unique in {file}"
    );
    let offset = text.find(needle).unwrap();
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = offset - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{file}:{line}:{col}")
}

/// (d) Every bad period at once, each at its file:line:col: past the horizon
/// (naming it), a name used twice, a name with a space, first after last.
#[test]
fn bad_periods_are_refused_at_their_positions() {
    for cmd in ["validate", "run"] {
        let o = command().env("COLUMNS", "100").args([cmd, INVALID]).run();
        assert_eq!(o.code(), Some(2), "{cmd}: {}", o.describe());
        let e = flat(&o);
        assert!(!e.contains("panicked"), "{e}");
        assert!(e.contains("4 problems found"), "{e}");
        for want in [
            format!(
                "{}: period `2023` ends on day 400, past the horizon of 365 days",
                location(INVALID, "400")
            ),
            format!(
                "{}: period name `2022` is used twice",
                location(INVALID, "\"2022\", first_day: 0")
            ),
            format!(
                "{}: period name `Q 3` is empty or holds a character",
                location(INVALID, "\"Q 3\"")
            ),
            format!(
                "{}: period `Q 3` starts on day 20 after its last day 10",
                location(INVALID, "20, last_day: 10")
            ),
            "use a last_day below 365".to_string(),
        ] {
            assert!(e.contains(&want), "{cmd}: missing `{want}` in:\n{e}");
        }
    }
}

/// (d) `--horizon` shortening a run checks the periods against the new
/// horizon: the ones it cuts are named at their positions.
#[test]
fn a_shorter_horizon_refuses_the_periods_it_cuts() {
    let o = command()
        .env("COLUMNS", "100")
        .args(["run", FIXTURE, "--horizon", "300", "--trials", "10"])
        .run();
    assert_eq!(o.code(), Some(2), "{}", o.describe());
    let e = flat(&o);
    assert!(e.contains("3 problems found"), "{e}");
    for (needle, name) in [
        ("364),\n        Period(name: \"2022-Q1\"", "2022"),
        ("302)", "2022-Q3"),
        ("364),\n        Period(name: \"day-0\"", "2022-Q4"),
    ] {
        let want = format!("{}: period `{name}` ends on day", location(FIXTURE, needle));
        assert!(e.contains(&want), "missing `{want}` in:\n{e}");
        assert!(e.contains("past the horizon of 300 days"), "{e}");
    }
    // A horizon that keeps every period runs.
    command()
        .args([
            "run",
            FIXTURE,
            "--horizon",
            "365",
            "--trials",
            "10",
            "--quiet",
        ])
        .run()
        .assert_success();
}

/// `Validated::with_periods` replaces the periods and validates them again.
#[test]
fn with_periods_replaces_and_checks() {
    let src = source("scenarios/minimal.ron");
    let v = scenario::load(&src).unwrap();
    let p = |name: &str, first_day, last_day| Period {
        name: name.into(),
        first_day,
        last_day,
    };
    let year = v
        .with_periods(vec![p("all", 0, 364), p("h2", 182, 364)], &src)
        .expect("valid periods");
    assert_eq!(year.scenario().periods.len(), 2);
    let m = model::compile(&year);
    assert!(m.metrics.index("attacks@h2").is_some());
    assert!(m.metrics.index("fighters_end.G@h2").is_none());
    // Replaced, not appended.
    let again = year.with_periods(vec![p("q1", 0, 89)], &src).unwrap();
    let names: Vec<&str> = again
        .scenario()
        .periods
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["q1"]);
    // Refused: every problem at once, the period named.
    let err = v
        .with_periods(
            vec![p("late", 300, 365), p("x.y", 5, 4), p("late", 0, 1)],
            &src,
        )
        .expect_err("bad periods");
    let ScenarioError::Invalid { problems, .. } = err else {
        panic!("not a validation error: {err:?}");
    };
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(problems.len(), 4, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("period `late` ends on day 365, past the horizon of 365 days"))
    );
    assert!(messages.contains(&"period name `late` is used twice"));
    assert!(messages.iter().any(|m| m.contains("`x.y`")));
    assert!(messages.contains(&"period `x.y` starts on day 5 after its last day 4"));
    // More than 64 periods.
    let many: Vec<Period> = (0..65).map(|k| p(&format!("d{k}"), k, k)).collect();
    let err = v.with_periods(many, &src).expect_err("too many");
    let ScenarioError::Invalid { problems, .. } = err else {
        panic!("not a validation error");
    };
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains("65 periods; at most 64"));
}

/// Outcome rules may read a period's metrics.
#[test]
fn an_outcome_rule_reads_a_period_metric() {
    let text = std::fs::read_to_string(project(FIXTURE)).unwrap().replace(
        "when: MetricAtLeast(\"strikes\", 1)",
        "when: MetricAtLeast(\"strikes@2022-Q1\", 1)",
    );
    let src = Source {
        name: "q1-strikes.ron".into(),
        text,
    };
    let m = model::compile(&scenario::load(&src).expect("a period metric is a metric"));
    let k = m.metrics.index("strikes@2022-Q1").unwrap();
    let s = m.metrics.index("peak_rung.A-B").unwrap();
    for o in trials(&m, 5, 300) {
        let war = o.metrics[s] >= 4;
        let want = if war {
            0
        } else if o.metrics[k] >= 1 {
            1
        } else {
            2
        };
        assert_eq!(o.class, want, "trial {}", o.trial);
    }
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// (e) Shards of a run with periods, merged in another order, give the
/// unsharded run's JSON bytes.
#[test]
fn merged_shards_with_periods_equal_the_single_run() {
    let dir = Sandbox::new();
    let d = dir.path();
    let base = [
        "run", FIXTURE, "--trials", "2501", "--seed", "13", "--quiet",
    ];
    let mut single = base.to_vec();
    single.extend(["--json", "single.json"]);
    escalate_in(d, &single).assert_success();
    let single_json = read(&d.join("single.json"));
    let v: serde_json::Value = serde_json::from_slice(&single_json).unwrap();
    let names: Vec<&str> = v["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"attacks@2022-Q4"), "{names:?}");
    for k in 0..3 {
        let (spec, out) = (format!("{k}/3"), format!("part-{k}.esc"));
        let mut a = base.to_vec();
        a.extend(["--shard", &spec, "--out", &out]);
        escalate_in(d, &a).assert_success();
    }
    escalate_in(
        d,
        &[
            "merge",
            "part-2.esc",
            "part-0.esc",
            "part-1.esc",
            "--json",
            "merged.json",
        ],
    )
    .assert_success();
    assert!(
        read(&d.join("merged.json")) == single_json,
        "merged JSON differs from the single run's"
    );
}
