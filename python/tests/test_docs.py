"""docs/python.md runs: its ``python`` blocks are executed in order, in one
namespace, in a fresh working directory, and the ``text`` block right under a
block (blank lines between allowed) must be exactly what that block printed
(trailing spaces aside). ``ESCALATE_DOCS=overwrite`` rewrites those ``text``
blocks with what was printed; read the diff before committing it.

The command-line doc runner (tests/it/docs.rs) treats these blocks as prose."""

import contextlib
import io
import os
import re

from conftest import ROOT

DOC = ROOT / "docs" / "python.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)


def blocks(text):
    """Each python block with the span of the text block under it, if any."""
    found = list(FENCE.finditer(text))
    for i, m in enumerate(found):
        if m.group(1) != "python":
            continue
        nxt = found[i + 1] if i + 1 < len(found) else None
        shown = None
        if nxt is not None and nxt.group(1) == "text" and text[m.end():nxt.start()].strip() == "":
            shown = nxt
        yield m, shown


def test_docs_python_md_runs_and_prints_what_it_shows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = DOC.read_text()
    namespace = {"__name__": "__doc__"}
    overwrite = os.environ.get("ESCALATE_DOCS") == "overwrite"
    edits = []
    mismatches = []
    ran = 0
    for code, shown in blocks(text):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code.group(2), f"{DOC}:block{ran}", "exec"), namespace)
        ran += 1
        printed = "\n".join(line.rstrip() for line in out.getvalue().splitlines())
        if shown is None:
            assert printed == "", f"block {ran} prints but shows no text block:\n{printed}"
            continue
        expected = "\n".join(line.rstrip() for line in shown.group(2).splitlines())
        if printed != expected:
            mismatches.append(f"block {ran}:\n--- shown\n{expected}\n--- printed\n{printed}")
            edits.append((shown.start(2), shown.end(2), printed + "\n"))
    assert ran >= 10
    if overwrite and edits:
        for start, end, new in reversed(edits):
            text = text[:start] + new + text[end:]
        DOC.write_text(text)
    assert not mismatches, "\n\n".join(mismatches)
