"""A scenario as an EMA Workbench model (``ema_workbench``, installed apart:
``pip install ema-workbench`` or ``pip install './python[ema]'``).

Each EMA experiment is one escalate run: the experiment's values of the
uncertainties are fixed with ``set=`` (every other uncertain parameter is still
sampled per trial), its policy lever (``escalate_policy``) picks ``policy=``, and the run's trials
(``trials=``, under one ``seed=`` for every experiment: common random numbers)
give the outcomes:

- ``mean_<metric>``: the metric's mean over the trials (for an optional metric,
  over the trials where it happened; NaN when it never did);
- ``p_<class>``: the share of trials in each outcome class.

Names are the override paths and metric names with every character that is not
a letter, digit or ``_`` replaced by ``_`` (EMA names must be identifiers):
``actors.TTP.fighters`` is ``actors_TTP_fighters``. ``names(model)`` maps them back.

    from ema_workbench import perform_experiments
    from escalate.ema import model, policies
    m = model("pak-afghan-2024", trials=200)
    experiments, outcomes = perform_experiments(m, scenarios=50, policies=policies(m, ["baseline", "talks"]))
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from . import DEFAULT_SEED, Scenario, load

__all__ = ["model", "policies", "identifier", "LEVER"]

#: The name of the model's lever: which of the scenario's policies an experiment runs.
LEVER = "escalate_policy"


def identifier(name: str) -> str:
    """An EMA name for an escalate path or metric name."""
    out = re.sub(r"\W", "_", name, flags=re.ASCII)
    return out if out[:1].isalpha() or out[:1] == "_" else f"_{out}"


def model(
    scenario: str | Scenario,
    trials: int = 1000,
    seed: int = DEFAULT_SEED,
    uncertainties: Mapping[str, tuple[float, float]] | None = None,
    metrics: Iterable[str] | None = None,
    horizon: int | None = None,
    threads: int | None = None,
    name: str | None = None,
):
    """An ``ema_workbench.Model`` that runs ``scenario``.

    Its uncertainties are ``uncertainties`` (``{path: (low, high)}``, any
    parameter ``escalate params`` lists) or, by default, every parameter the
    scenario samples, over its support (``Scenario.uncertain()``). Its lever is
    ``escalate_policy`` (:data:`LEVER`), over the scenario's policies. Its outcomes are the means of
    ``metrics`` (default: every metric) and the probability of each outcome class.
    """
    from ema_workbench import CategoricalParameter, Model, RealParameter, ScalarOutcome

    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    sc.validate()
    if uncertainties is None:
        u = sc.uncertain()
        uncertainties = {r.path: (r.low, r.high) for r in u.itertuples()}
    probe = sc.run(trials=1, seed=seed, horizon=horizon, keep=False)
    all_metrics = [m["name"] for m in probe.summary["metrics"]]
    chosen = list(all_metrics if metrics is None else metrics)
    unknown = [m for m in chosen if m not in all_metrics]
    if unknown:
        raise ValueError(f"metrics {unknown}: not metrics of {sc.name}; it has {all_metrics}")
    classes = [o["name"] for o in probe.summary["outcomes"]]

    def run_experiment(policy="baseline", **values):
        r = sc.run(
            trials=trials,
            seed=seed,
            threads=threads,
            policy=policy,
            set=values,
            horizon=horizon,
            keep=False,
        )
        s = r.summary
        out = {f"mean_{identifier(m['name'])}": m["mean"] for m in s["metrics"] if m["name"] in chosen}
        out = {k: (float("nan") if v is None else v) for k, v in out.items()}
        out.update({f"p_{identifier(o['name'])}": o["probability"] for o in s["outcomes"]})
        return out

    # The Workbench takes letters and digits only in a model's name.
    stem = re.sub(r"\.ron$", "", sc.name.rsplit("/", 1)[-1])
    m = Model(name or re.sub(r"[^A-Za-z0-9]", "", stem) or "escalate", function=run_experiment)
    m.uncertainties = [
        RealParameter(identifier(path), float(lo), float(hi), variable_name=path)
        for path, (lo, hi) in uncertainties.items()
    ]
    # Not "policy": the Workbench's experiments already have a column of that name.
    m.levers = [CategoricalParameter(LEVER, list(sc.policies), variable_name="policy")]
    m.outcomes = [ScalarOutcome(f"mean_{identifier(x)}") for x in chosen] + [
        ScalarOutcome(f"p_{identifier(c)}") for c in classes
    ]
    return m


def policies(model, names: Iterable[str]):
    """EMA ``Policy`` objects for the scenario's policies ``names``, to pass as
    ``perform_experiments(..., policies=...)``."""
    from ema_workbench import Policy

    allowed = [c.value for c in model.levers[LEVER].categories]
    out = []
    for n in names:
        if n not in allowed:
            raise ValueError(f"policy {n!r}: not a policy of this scenario; it has {allowed}")
        out.append(Policy(identifier(n), **{LEVER: n}))
    return out
