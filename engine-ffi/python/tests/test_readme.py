"""The README's Python example (examples/quickstart.py, shown verbatim in the
top-level README) runs and prints what the README promises."""

import os
import runpy
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]


def test_quickstart_runs(capsys, monkeypatch):
    monkeypatch.chdir(REPO)  # the example names sim/scenarios/example.toml
    runpy.run_path(str(HERE.parent / "examples" / "quickstart.py"), run_name="__main__")
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        "ring alice at 2001 for c1",
        "ACD_RESULT_UNKNOWN_AGENT",
        "1",
        "65000",
    ]
    assert lines[4].startswith("support service level 0.")


def test_readme_shows_the_example_verbatim():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = (HERE.parent / "examples" / "quickstart.py").read_text(encoding="utf-8")
    assert example in readme, "README.md must show examples/quickstart.py verbatim"


def test_docstring_example():
    import doctest

    import acd

    failures, tried = doctest.testmod(acd, verbose=False)
    assert tried > 0 and failures == 0
