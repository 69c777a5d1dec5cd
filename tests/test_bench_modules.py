"""The benchmarks are modules of the package ``bench`` (``python -m bench.ingest``): importing them runs
nothing and changes no ``sys.path``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = sorted(path.stem for path in (REPO / "bench").glob("*.py") if path.stem != "__init__")


def test_every_benchmark_imports_as_a_module_without_touching_sys_path():
    assert {"ingest", "latency", "ui_storm", "harness"} <= set(BENCHMARKS)
    probe = (
        "import importlib, sys\n"
        "before = list(sys.path)\n"
        f"for name in {BENCHMARKS!r}:\n"
        "    importlib.import_module(f'bench.{name}')\n"
        "print(sys.path == before)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout.strip()) == (0, "True"), result.stderr[-2000:]


def test_no_benchmark_edits_sys_path_or_names_itself_as_a_file_to_run():
    for name in BENCHMARKS:
        source = (REPO / "bench" / f"{name}.py").read_text()
        assert "sys.path" not in source, name
        assert f"python bench/{name}.py" not in source, name
