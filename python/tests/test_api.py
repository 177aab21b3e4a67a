"""The Python API against the command line: the same inputs give the same
reports, digests, per-trial rows and errors."""

import json
import re

import pandas as pd
import pyarrow as pa
import pytest

import escalate
from conftest import ROOT, cli, cli_json

SETUP = dict(policy="baseline", set={"actors.G.fighters": "Uniform(1000, 3000)", "dynamics.rung_decay": 0.07}, horizon=200)
SETUP_ARGS = ["--policy", "baseline", "--set", "actors.G.fighters=Uniform(1000, 3000)",
              "--set", "dynamics.rung_decay=0.07", "--horizon", "200"]


@pytest.fixture(scope="module")
def minimal():
    return escalate.load("minimal")


@pytest.fixture(scope="module")
def run_and_cli(minimal):
    r = minimal.run(trials=2500, seed=11, **SETUP)
    summary, text = cli_json("run", "minimal", "--trials", 2500, "--seed", 11, *SETUP_ARGS)
    return r, summary, text


def test_the_json_report_and_digest_equal_the_command_lines(run_and_cli):
    r, summary, text = run_and_cli
    assert r.json == text
    assert r.summary == summary
    assert r.digest == summary["digest"]
    assert re.fullmatch("[0-9a-f]{64}", r.digest)


def test_the_flagships_default_run_has_the_readmes_digest():
    # README.md's worked example: `escalate run --trials 10000`.
    readme = (ROOT / "README.md").read_text()
    shown = re.search(r"digest ([0-9a-f]{12})", readme).group(1)
    r = escalate.load("pak-afghan-2024").run(trials=10_000, keep=False)
    assert r.digest.startswith(shown)
    assert r.digest == cli_json("run", "--trials", 10_000)[0]["digest"]


def test_threads_do_not_change_results(minimal):
    one = minimal.run(trials=3000, seed=5, threads=1, keep=False)
    two = minimal.run(trials=3000, seed=5, threads=2, keep=False)
    assert one.json == two.json


def test_outcomes_and_metrics_frames_hold_the_reports_rows(run_and_cli):
    r, summary, _ = run_and_cli
    o = r.outcomes
    assert list(o["name"]) == [c["name"] for c in summary["outcomes"]]
    assert list(o["count"]) == [c["count"] for c in summary["outcomes"]]
    assert list(o["ci95_low"]) == [c["ci95"][0] for c in summary["outcomes"]]
    assert o["count"].sum() == summary["trials"]
    m = r.metrics
    assert list(m["name"]) == [x["name"] for x in summary["metrics"]]
    for row, x in zip(m.to_dict("records"), summary["metrics"]):
        for k in ("present", "mean", "std_error", "sd", "min", "max"):
            assert row[k] == x.get(k) or (pd.isna(row[k]) and x.get(k) is None), (x["name"], k)
        for q, v in (x.get("quantiles") or {}).items():
            assert row[q] == v or (pd.isna(row[q]) and v is None), (x["name"], q)


def cli_csv(tmp_path, *args):
    path = tmp_path / "trials.csv"
    cli("run", *args, "--csv", path)
    return path


def test_trials_frame_equals_the_command_lines_csv(run_and_cli, tmp_path):
    r, summary, _ = run_and_cli
    path = cli_csv(tmp_path, "minimal", "--trials", 2500, "--seed", 11, *SETUP_ARGS)
    csv = pd.read_csv(path, keep_default_na=False, dtype=str)
    df = r.trials()
    assert list(df.columns) == list(csv.columns)
    assert len(df) == len(csv) == 2500
    assert list(df["trial"]) == [int(t) for t in csv["trial"]]
    assert list(df["outcome"].astype(str)) == list(csv["outcome"])
    metric_names = [m["name"] for m in summary["metrics"]]
    for name in metric_names:
        ours = ["" if pd.isna(v) else str(int(v)) for v in df[name]]
        assert ours == list(csv[name]), name
    params = [p["path"] for p in summary["parameters"]]
    assert list(df.columns) == ["trial", "outcome", *metric_names, *params]
    for name in params:
        assert list(df[name]) == [float(v) for v in csv[name]], name
    # An optional metric that did not always happen is missing there, not a number.
    absent = csv["first_strike_day"] == ""
    assert absent.any() and (~absent).any()
    assert list(df["first_strike_day"].isna()) == list(absent)


def test_the_arrow_table_is_the_frame_with_a_stable_schema(run_and_cli):
    r, summary, _ = run_and_cli
    t = r.trials(format="arrow")
    assert isinstance(t, pa.Table)
    metrics = [m["name"] for m in summary["metrics"]]
    params = [p["path"] for p in summary["parameters"]]
    expected = pa.schema(
        [("trial", pa.uint64()), ("outcome", pa.dictionary(pa.int16(), pa.string()))]
        + [(m, pa.uint64()) for m in metrics]
        + [(p, pa.float64()) for p in params]
    )
    assert t.schema == expected
    assert t.column("outcome").chunk(0).dictionary.to_pylist() == [c["name"] for c in summary["outcomes"]]
    df = r.trials()
    assert t.column("first_strike_day").null_count == int(df["first_strike_day"].isna().sum()) > 0
    assert t.column("first_strike_day").to_pylist() == [None if pd.isna(v) else int(v) for v in df["first_strike_day"]]
    assert t.column("outcome").to_pylist() == list(df["outcome"].astype(str))
    for p in params:
        assert t.column(p).to_pylist() == list(df[p])


def test_a_run_that_keeps_nothing_says_so(minimal):
    r = minimal.run(trials=10, keep=False)
    with pytest.raises(escalate.EscalateError, match="keep=True"):
        r.trials()


def test_policies_and_params_are_the_command_lines(minimal):
    listed = cli("list", "minimal").stdout.splitlines()
    assert list(minimal.policies) == [line.split()[0] for line in listed]
    text = cli("params", "minimal").stdout
    p = minimal.params()
    shown = int(re.search(r"^(\d+) parameters of ", text, re.M).group(1))
    assert len(p) == shown
    lines = text.splitlines()
    for row in p.itertuples():
        line = next(l for l in lines if l.split() and l.split()[0] == row.path)
        assert row.value in line, row.path
    assert p.loc[p["path"] == "actors.G.fighters", "value"].item() == "Uniform(1500, 2500)"
    u = minimal.uncertain()
    assert list(u["path"]) == ["actors.G.fighters"]
    assert (u["low"].item(), u["high"].item()) == (1500.0, 2500.0)


def problems_of_cli(path):
    """(line, column) of every problem the command line reports for a file."""
    err = cli("validate", path, check=False)
    assert err.returncode == 2
    return [(int(a), int(b)) for a, b in re.findall(rf"× {re.escape(str(path))}:(\d+):(\d+):", err.stderr)]


def test_an_invalid_scenario_raises_every_problem_with_line_and_column():
    path = "tests/fixtures/invalid/several.ron"
    sc = escalate.load(ROOT / path)
    with pytest.raises(escalate.ScenarioError) as e:
        sc.validate()
    problems = e.value.problems
    expected = problems_of_cli(path)
    assert len(expected) == 3
    assert [(p["line"], p["column"]) for p in problems] == expected
    assert "outside its range" in problems[0]["message"]
    assert all(p["file"].endswith("several.ron") and p["help"] for p in problems)
    assert "3 problems found" in str(e.value)
    # A run raises the same problems.
    with pytest.raises(escalate.ScenarioError) as again:
        sc.run(trials=10)
    assert again.value.problems == problems


def test_a_syntax_error_raises_with_line_and_column():
    path = "tests/fixtures/invalid/syntax.ron"
    with pytest.raises(escalate.ScenarioError) as e:
        escalate.load(ROOT / path).validate()
    [p] = e.value.problems
    assert [(p["line"], p["column"])] == problems_of_cli(path)


def test_a_wrong_override_or_policy_raises_as_the_command_line_refuses(minimal):
    with pytest.raises(escalate.ScenarioError, match="actors.G.fightres"):
        minimal.run(trials=10, set={"actors.G.fightres": 5})
    with pytest.raises(escalate.ScenarioError, match="no policy named `talk`"):
        minimal.run(trials=10, policy="talk")
    with pytest.raises(escalate.EscalateError, match="--trials 0"):
        minimal.run(trials=0)
    with pytest.raises(TypeError):
        minimal.run(trials=10, set={"actors.G.fighters": True})


def test_compare_equals_the_command_lines(minimal):
    c = minimal.compare(["baseline", "talks"], trials=1500, seed=3, set={"dynamics.rung_decay": 0.07})
    summary, text = cli_json("compare", "minimal", "--trials", 1500, "--seed", 3,
                             "--policy", "baseline", "--policy", "talks", "--set", "dynamics.rung_decay=0.07")
    assert c.json == text
    # Each policy's digest is its own run's.
    talks = minimal.run(trials=1500, seed=3, policy="talks", set={"dynamics.rung_decay": 0.07}, keep=False)
    assert c.digests["talks"] == talks.digest
    assert set(c.metrics["policy"]) == {"baseline", "talks"}
    assert len(c.classes) == 2 * len(summary["classes"])


def test_trace_equals_the_command_lines(minimal):
    frame = escalate.trace("minimal", trial=7, seed=11, policy="talks")
    lines = cli("trace", "minimal", "--trial", 7, "--seed", 11, "--policy", "talks", "--format", "jsonl").stdout
    records = [json.loads(line) for line in lines.splitlines()]
    assert len(frame) == len(records) > 0
    pd.testing.assert_frame_equal(frame, pd.DataFrame(records))
    assert minimal.trace(7, seed=11, policy="talks", format="jsonl") == lines
    text = cli("trace", "minimal", "--trial", 7, "--seed", 11).stdout
    assert escalate.trace("minimal", trial=7, seed=11, format="text") == text


def test_sweep_writes_the_command_lines_files(minimal, tmp_path):
    factors = {"actors.G.fighters": "1000..3000", "dynamics.rung_decay": "0.02..0.1"}
    s = minimal.sweep(design="lhs", points=6, factors=factors, trials=300, seed=9, out=tmp_path / "py")
    cli("sweep", "minimal", "--design", "lhs", "--points", 6, "--trials", 300, "--seed", 9,
        "--set", "actors.G.fighters=1000..3000", "--set", "dynamics.rung_decay=0.02..0.1",
        "--out", tmp_path / "cli", "--quiet")
    for f in ["points.csv", "sensitivity.csv", "sensitivity.json", "sweep.json"]:
        assert (tmp_path / "py" / f).read_bytes() == (tmp_path / "cli" / f).read_bytes(), f
    assert len(s.points) == 6
    pd.testing.assert_frame_equal(s.sensitivity, pd.read_csv(tmp_path / "cli" / "sensitivity.csv"))
    assert s.summary == json.loads((tmp_path / "cli" / "sweep.json").read_text())


def test_a_sweeps_headline_is_the_command_lines(minimal, tmp_path):
    factors = {"actors.G.fighters": "1000..3000"}
    minimal.sweep(design="lhs", points=6, factors=factors, trials=100, seed=9, out=tmp_path / "py",
                  headline="attacks_mean")
    cli("sweep", "minimal", "--design", "lhs", "--points", 6, "--trials", 100, "--seed", 9,
        "--set", "actors.G.fighters=1000..3000", "--headline", "attacks_mean",
        "--out", tmp_path / "cli", "--quiet")
    for f in ["sweep.json", "sweep.html"]:
        assert (tmp_path / "py" / f).read_bytes() == (tmp_path / "cli" / f).read_bytes(), f
    assert "<h2>attacks_mean against its two strongest inputs</h2>" in (tmp_path / "py" / "sweep.html").read_text()
    with pytest.raises(escalate.EscalateError, match="did you mean `attacks_mean`"):
        minimal.sweep(design="lhs", points=6, factors=factors, trials=100, out=tmp_path / "bad",
                      headline="attacks")
    assert not (tmp_path / "bad").exists()


def test_a_trials_frame_can_be_changed(minimal):
    # Regression: the frame's columns were views of read-only bytes
    # ("assignment destination is read-only").
    r = minimal.run(trials=50, seed=2)
    df = r.trials()
    df.loc[0, "deaths"] = 5
    df["attacks"] += 1
    assert df.loc[0, "deaths"] == 5
    # Each call hands out new buffers: a change to one frame is not seen by the next.
    again = r.trials()
    assert list(again["attacks"] + 1) == list(df["attacks"])
    assert r.trials(format="arrow").column("attacks").to_pylist() == list(again["attacks"])
