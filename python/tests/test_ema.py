"""escalate as an EMA Workbench model: perform_experiments runs escalate, its
outcomes are the runs' metric means and class probabilities, and the
Workbench's PRIM and feature scoring run on them."""

import warnings

import numpy as np
import pytest

import escalate

ema_workbench = pytest.importorskip("ema_workbench")
from ema_workbench import perform_experiments  # noqa: E402
from ema_workbench.analysis import feature_scoring, prim  # noqa: E402

from escalate import ema  # noqa: E402
from conftest import cli_json  # noqa: E402


@pytest.fixture(scope="module")
def experiments():
    m = ema.model("pak-afghan-2024", trials=60, seed=5, metrics=["deaths", "strikes", "first_strike_day"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exp, out = perform_experiments(m, scenarios=6, policies=ema.policies(m, ["baseline", "talks"]))
    return m, exp, out


def test_outcome_columns_are_the_metric_means_and_class_probabilities(experiments):
    m, exp, out = experiments
    summary = cli_json("run", "--trials", 10)[0]
    classes = [o["name"] for o in summary["outcomes"]]
    expected = ["mean_deaths", "mean_strikes", "mean_first_strike_day"] + [
        "p_" + c.replace("-", "_") for c in classes
    ]
    assert sorted(out) == sorted(expected)
    assert len(exp) == 12
    assert all(len(v) == 12 for v in out.values())
    probabilities = np.column_stack([out["p_" + c.replace("-", "_")] for c in classes])
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert set(exp[ema.LEVER]) == {"baseline", "talks"}
    uncertain = escalate.load("pak-afghan-2024").uncertain()
    assert {u.name for u in m.uncertainties} == {ema.identifier(p) for p in uncertain["path"]}


def test_an_experiment_is_the_run_with_its_values_set(experiments):
    m, exp, out = experiments
    row = exp.iloc[3]
    values = {u.variable_name[0]: row[u.name] for u in m.uncertainties}
    r = escalate.load("pak-afghan-2024").run(
        trials=60, seed=5, policy=row[ema.LEVER], set=values, keep=False
    )
    deaths = next(x for x in r.summary["metrics"] if x["name"] == "deaths")["mean"]
    assert out["mean_deaths"][3] == deaths
    # The values were fixed: the run samples no parameter any more.
    assert r.summary["parameters"] == []


def test_prim_and_feature_scoring_run_on_the_results(experiments):
    m, exp, out = experiments
    x = exp.drop(columns=["model", "policy", "scenario"])
    scores = feature_scoring.get_feature_scores_all(x, out)
    assert set(scores.columns) == set(out)
    assert set(scores.index) == set(x.columns)
    y = out["mean_deaths"] > np.median(out["mean_deaths"])
    box = prim.Prim(x.drop(columns=[ema.LEVER]), y, threshold=0.5).find_box()
    assert len(box.peeling_trajectory) >= 1
    assert box.peeling_trajectory["coverage"].iloc[0] == 1.0


def test_unknown_metrics_and_policies_are_refused():
    with pytest.raises(ValueError, match="deaths_total"):
        ema.model("minimal", metrics=["deaths_total"])
    m = ema.model("minimal", trials=10)
    with pytest.raises(ValueError, match="strike"):
        ema.policies(m, ["strike"])
