"""Shared helpers: the command line built from the same checkout, to compare with.

The tests run against the installed wheel (``import escalate``), never the
source folder; the command line is ``$ESCALATE_BIN`` or, by default, the
release build of this checkout (``cargo build --release``).
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("ESCALATE_BIN", ROOT / "target" / "release" / "escalate"))


def cli(*args, check=True):
    """Runs ``escalate ARGS`` in the repository root; returns the finished process."""
    if not BIN.is_file():
        pytest.fail(f"{BIN}: no escalate binary; run `cargo build --release` or set ESCALATE_BIN")
    p = subprocess.run(
        [str(BIN), *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    if check and p.returncode != 0:
        pytest.fail(f"escalate {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr}")
    return p


def cli_json(*args):
    """``escalate ARGS --json -`` parsed, and its text."""
    out = cli(*args, "--json", "-").stdout
    return json.loads(out), out
