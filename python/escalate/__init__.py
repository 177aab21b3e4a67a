"""escalate: escalation scenarios between states and armed groups, simulated by
deterministic parallel Monte Carlo, with results as pandas and Arrow data.

The module calls the same library as the ``escalate`` command line (the Rust
extension ``escalate._escalate``), so the same scenario, seed, trials and setup
give the same report and the same digest::

    import escalate
    sc = escalate.load("pak-afghan-2024")        # a bundled name or a file path
    r = sc.run(trials=10_000, seed=20240318)
    r.digest                                      # as `escalate run --trials 10000` prints
    r.outcomes                                    # one row per outcome class
    r.trials()                                    # one row per trial (pandas)
    r.trials(format="arrow")                      # the same as a pyarrow.Table

Long runs release the GIL and use every core (``threads=`` to choose);
Ctrl-C (KeyboardInterrupt, also Jupyter's "interrupt kernel") stops a run
after its current wave of blocks and raises KeyboardInterrupt.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from . import _escalate
from ._escalate import DEFAULT_SEED, EscalateError, VERSION

__all__ = [
    "DEFAULT_SEED",
    "EscalateError",
    "ScenarioError",
    "Scenario",
    "RunResult",
    "CompareResult",
    "SweepResult",
    "load",
    "bundled",
    "trace",
    "VERSION",
]

#: A scenario (or an override) that is wrong. ``err.problems`` is a list of
#: dicts, one per problem: ``file``, ``line``, ``column`` (1-based), ``path``
#: (the value's structural path), ``message`` and ``help``.
ScenarioError = _escalate.ScenarioProblems

#: The value of an optional metric that did not happen, in the raw columns.
_NONE = np.uint64(2**64 - 1)


def bundled() -> pd.DataFrame:
    """The bundled scenarios (``escalate list``): their names and summaries."""
    rows = _escalate.bundled()
    return pd.DataFrame(rows, columns=["name", "summary"])


def load(scenario: str | os.PathLike) -> "Scenario":
    """Reads a scenario: a file path, or a bundled scenario's name.

    Raises ScenarioError when the file cannot be read. A scenario that reads
    but is wrong loads; ``validate()`` (and any run) raises with every problem.
    """
    return Scenario(scenario)


def _set_args(set: Mapping[str, object] | None) -> list[str]:
    """``{path: value}`` as the ``--set PATH=VALUE`` words the library parses."""
    out = []
    for path, value in (set or {}).items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str, np.number)):
            raise TypeError(
                f"set[{path!r}] = {value!r}: give a number or a distribution's text, "
                "e.g. 5000 or 'Uniform(3000, 6000)'"
            )
        if isinstance(value, (float, np.floating)):
            value = repr(float(value))
        out.append(f"{path}={value}")
    return out


class Scenario:
    """A scenario read once; every run, comparison, sweep and trace reads it by name."""

    def __init__(self, scenario: str | os.PathLike):
        self._inner = _escalate.Scenario(os.fspath(scenario))

    @property
    def name(self) -> str:
        """The name it was read under: a path, or the bundled name."""
        return self._inner.name

    @property
    def text(self) -> str:
        """The scenario's RON text."""
        return self._inner.text

    def validate(self) -> None:
        """Checks the scenario; raises ScenarioError listing every problem with its line and column."""
        self._inner.validate()

    @property
    def policies(self) -> dict[str, str]:
        """The policies ``policy=`` takes, name to description (``baseline`` first)."""
        return dict(self._inner.policies())

    def params(self) -> pd.DataFrame:
        """Every parameter ``set=`` can change (``escalate params``): path, value, source, rule."""
        return pd.DataFrame(self._inner.params(), columns=["path", "value", "source", "rule"])

    def uncertain(self) -> pd.DataFrame:
        """The parameters a run samples: path, distribution, low and high (its support,
        or its 0.5% and 99.5% quantiles where the support is unbounded)."""
        return pd.DataFrame(
            self._inner.uncertain(), columns=["path", "distribution", "low", "high"]
        )

    def run(
        self,
        trials: int = 10_000,
        seed: int = DEFAULT_SEED,
        threads: int | None = None,
        policy: str | None = None,
        set: Mapping[str, object] | None = None,
        horizon: int | None = None,
        posterior: str | os.PathLike | None = None,
        keep: bool = True,
    ) -> "RunResult":
        """``escalate run``: ``trials`` trials under ``seed``.

        ``policy`` is a policy's name or a policy file; ``set`` maps override
        paths to numbers or distributions (``--set PATH=VALUE``); ``horizon`` is in
        days; ``posterior`` a calibration's posterior.csv. ``keep=False`` keeps no
        per-trial records (then ``trials()`` is not available), for long runs
        whose summary is all that is needed.
        """
        out = _escalate.run(
            self.name,
            trials,
            seed=seed,
            threads=threads,
            policy=policy,
            set=_set_args(set),
            horizon=horizon,
            posterior=None if posterior is None else os.fspath(posterior),
            keep=keep,
        )
        return RunResult(out)

    def compare(
        self,
        policies: Iterable[str],
        trials: int = 10_000,
        seed: int = DEFAULT_SEED,
        threads: int | None = None,
        set: Mapping[str, object] | None = None,
        horizon: int | None = None,
        posterior: str | os.PathLike | None = None,
    ) -> "CompareResult":
        """``escalate compare``: the policies on common random numbers, the first
        the reference (one alone is compared with ``baseline``)."""
        text_json, text = _escalate.compare_policies(
            self.name,
            list(policies),
            trials,
            seed=seed,
            threads=threads,
            set=_set_args(set),
            horizon=horizon,
            posterior=None if posterior is None else os.fspath(posterior),
        )
        return CompareResult(text_json, text)

    def sweep(
        self,
        design: str,
        factors: Mapping[str, str],
        points: int | None = None,
        trials: int = 1000,
        seed: int = DEFAULT_SEED,
        levels: int = 4,
        policies: Iterable[str] = (),
        horizon: int | None = None,
        posterior: str | os.PathLike | None = None,
        out: str | os.PathLike | None = None,
        threads: int | None = None,
        headline: str | None = None,
    ) -> "SweepResult":
        """``escalate sweep``: ``design`` is ``grid``, ``lhs``, ``sobol`` or ``morris``;
        ``factors`` maps paths to ranges (``{"actors.TTP.fighters": "3000..6000"}``,
        ``--set PATH=RANGE``); ``policies`` adds a policy factor; ``headline`` names
        the output the page and the summary lead with (``--headline``:
        ``prob_CLASS`` or ``METRIC_mean``; default ``deaths_mean``). The files go to
        ``out`` (a new temporary directory when None; a sweep into a directory
        that holds part of it resumes)."""
        if out is None:
            out = tempfile.mkdtemp(prefix="escalate-sweep-")
        out = os.fspath(out)
        text = _escalate.sweep_design(
            self.name,
            design,
            out,
            [f"{path}={rng}" for path, rng in factors.items()],
            points=points,
            trials=trials,
            seed=seed,
            levels=levels,
            policies=list(policies),
            horizon=horizon,
            posterior=None if posterior is None else os.fspath(posterior),
            headline=headline,
            threads=threads,
        )
        return SweepResult(out, text)

    def trace(self, trial: int = 0, **kwargs) -> "pd.DataFrame | str":
        """``escalate trace`` of this scenario: see :func:`escalate.trace`."""
        return trace(self.name, trial=trial, **kwargs)

    def __repr__(self) -> str:
        return f"escalate.Scenario({self.name!r})"


class RunResult:
    """The results of one run."""

    def __init__(self, out):
        self._out = out
        self._summary = None

    @property
    def digest(self) -> str:
        """The run's digest: equal to the command line's for the same inputs."""
        return self._out.digest

    @property
    def json(self) -> str:
        """The JSON report, byte for byte ``escalate run --json``."""
        return self._out.json

    @property
    def summary(self) -> dict:
        """The JSON report as a dict."""
        if self._summary is None:
            self._summary = json.loads(self._out.json)
        return self._summary

    @property
    def outcomes(self) -> pd.DataFrame:
        """One row per outcome class: name, description, count, probability, ci95_low, ci95_high."""
        rows = [
            {
                "name": o["name"],
                "description": o["description"],
                "count": o["count"],
                "probability": o["probability"],
                **_ci95(o.get("ci95")),
            }
            for o in self.summary["outcomes"]
        ]
        return pd.DataFrame(rows)

    @property
    def metrics(self) -> pd.DataFrame:
        """One row per metric: name, description, unit, present (trials with a value),
        mean, std_error, sd, min, max and the quantiles p5 to p95 (the report's
        histograms stay in ``summary``)."""
        rows = []
        for m in self.summary["metrics"]:
            row = {k: m.get(k) for k in
                   ("name", "description", "unit", "present", "mean", "std_error", "sd", "min", "max")}
            row.update(m.get("quantiles") or {})
            rows.append(row)
        return pd.DataFrame(rows)

    def _columns(self):
        cols = self._out.columns()
        if cols is None:
            raise EscalateError("this run kept no per-trial records: run it with keep=True")
        return {name: np.frombuffer(buf, dtype=dtype) for name, dtype, buf in cols}

    def trials(self, format: str = "pandas"):
        """One row per trial: ``trial``, ``outcome`` (the class), every metric
        (unsigned integers; missing where an optional metric did not happen) and
        every sampled parameter (by override path), the columns of ``--csv``.

        ``format="pandas"`` (a DataFrame: outcome categorical, optional metrics
        nullable ``UInt64``) or ``format="arrow"`` (a ``pyarrow.Table``: trial
        uint64, outcome dictionary<int16, string>, metrics uint64, parameters
        float64), both built from the run's column buffers, not through CSV.
        """
        cols = self._columns()
        optional = dict(self._out.metrics)
        classes = list(self._out.classes)
        if format == "arrow":
            import pyarrow as pa

            arrays, names = [], []
            for name, values in cols.items():
                if name == "outcome":
                    arr = pa.DictionaryArray.from_arrays(
                        pa.array(values.view(np.int16)), pa.array(classes, pa.string())
                    )
                elif name in optional:
                    mask = values == _NONE if optional[name] else None
                    arr = pa.array(values, type=pa.uint64(), mask=mask)
                else:
                    arr = pa.array(values)
                arrays.append(arr)
                names.append(name)
            return pa.Table.from_arrays(arrays, names=names)
        if format != "pandas":
            raise ValueError(f"format={format!r}: use 'pandas' or 'arrow'")
        data = {}
        for name, values in cols.items():
            if name == "outcome":
                data[name] = pd.Categorical.from_codes(values.astype(np.int16), categories=classes)
            elif name in optional and optional[name]:
                data[name] = pd.arrays.IntegerArray(values, values == _NONE)
            else:
                data[name] = values
        return pd.DataFrame(data, copy=False)

    def __repr__(self) -> str:
        return self._out.text

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self._out.text)}</pre>"


def _ci95(ci):
    """A report's ``ci95`` pair (None where it has none) as two columns."""
    low, high = ci if ci is not None else (None, None)
    return {"ci95_low": low, "ci95_high": high}


class CompareResult:
    """The results of a comparison."""

    def __init__(self, text_json: str, text: str):
        self.json = text_json
        """The JSON report, byte for byte ``escalate compare --json``."""
        self.summary = json.loads(text_json)
        """The JSON report as a dict."""
        self._text = text

    @property
    def digests(self) -> dict[str, str]:
        """Each policy's digest (that of its own ``escalate run``)."""
        return {p["name"]: p["digest"] for p in self.summary["policies"]}

    @property
    def classes(self) -> pd.DataFrame:
        """One row per (class, policy): probability, paired difference from the reference and its ci95."""
        rows = [
            {"class": c["name"], "policy": p["policy"], "probability": p["probability"],
             "difference": p["difference"], **_ci95(p.get("ci95"))}
            for c in self.summary["classes"] for p in c["policies"]
        ]
        return pd.DataFrame(rows)

    @property
    def metrics(self) -> pd.DataFrame:
        """One row per (metric, policy): mean, paired difference from the reference,
        its ci95, and the shares of trials better, worse and equal."""
        rows = [
            {"metric": m["name"], "policy": p["policy"], "mean": p["mean"],
             "difference": p["difference"], **_ci95(p.get("ci95")),
             "better": p["better"], "worse": p["worse"], "equal": p["equal"]}
            for m in self.summary["metrics"] for p in m["policies"]
        ]
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        return self._text


class SweepResult:
    """A finished sweep: its directory and the files ``escalate sweep --out DIR`` writes there."""

    def __init__(self, out: str, text: str):
        self.dir = out
        """The sweep's directory."""
        self._text = text

    @property
    def points(self) -> pd.DataFrame:
        """points.csv: one row per design point, its inputs and outputs."""
        return pd.read_csv(os.path.join(self.dir, "points.csv"))

    @property
    def sensitivity(self) -> pd.DataFrame:
        """sensitivity.csv: the sensitivity indices of every input on every output."""
        return pd.read_csv(os.path.join(self.dir, "sensitivity.csv"))

    @property
    def summary(self) -> dict:
        """sweep.json as a dict."""
        with open(os.path.join(self.dir, "sweep.json"), encoding="utf-8") as f:
            return json.load(f)

    def __repr__(self) -> str:
        return self._text


def trace(
    scenario: str | os.PathLike,
    trial: int = 0,
    seed: int = DEFAULT_SEED,
    policy: str | None = None,
    set: Mapping[str, object] | None = None,
    horizon: int | None = None,
    posterior: str | os.PathLike | None = None,
    format: str = "frame",
):
    """``escalate trace``: replays trial ``trial`` of the run under ``seed`` (the same
    trial as in any run of that seed) and returns its events: ``format="frame"``
    a DataFrame of the ``jsonl`` records, or the text of ``"text"``, ``"jsonl"`` or ``"csv"``."""
    fmt = "jsonl" if format == "frame" else format
    out = _escalate.trace(
        os.fspath(scenario),
        trial=trial,
        seed=seed,
        policy=policy,
        set=_set_args(set),
        horizon=horizon,
        posterior=None if posterior is None else os.fspath(posterior),
        format=fmt,
    )
    if format != "frame":
        return out
    return pd.DataFrame([json.loads(line) for line in out.splitlines() if line])
