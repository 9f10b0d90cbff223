"""Docs that cannot rot: the README's Python snippet and the examples/ scripts run here."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_readme_python_snippet(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    snippets = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    assert snippets, "README.md has no ```python block"
    monkeypatch.chdir(tmp_path)  # the snippet writes model.pith
    for code in snippets:
        exec(compile(code, "README.md", "exec"), {})


@pytest.mark.parametrize("script", sorted((ROOT / "examples").glob("*.py")), ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    # Small data: this checks that the example works, not how fast.
    source = script.read_text()
    args = [sys.executable, str(script)]
    args += ["--out-dir", str(tmp_path)] if "--out-dir" in source else []
    args += ["--n", "20000"] if "--n" in source else []
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
