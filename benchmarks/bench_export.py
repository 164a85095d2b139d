"""Export benchmark: ``python benchmarks/bench_export.py [--repeats 3] [--example shop-crm]``.

Everything is timed in this one run, as whole commands (subprocesses, wall clock, the median of
``--repeats`` runs each, interleaved so that a busy moment of the machine hits all of them alike):

* the baseline: ``jupyter nbconvert --to html --execute`` of a one-cell notebook;
* ``specbook export examples/<example> --to html`` and ``--to html,pdf``;
* ``specbook export`` of a generated 10,000-field spec to HTML.

Targets: HTML ≤ 1.0× the baseline, HTML+PDF ≤ 1.5×, 10,000 fields to HTML ≤ 5 s. Prints the times and
ratios; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generate import generate_spec

import specbook

ROOT = Path(__file__).resolve().parent.parent
HTML_RATIO = 1.0
BOTH_RATIO = 1.5
LARGE_S = 5.0
LARGE_FIELDS = 10_000


def one_cell_notebook(folder: Path) -> Path:
    nb = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "one", "metadata": {}, "outputs": [],
                   "source": ["1 + 1"]}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = folder / "one.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--example", default="shop-crm")
    args = parser.parse_args()
    specbook_cmd = shutil.which("specbook") or "specbook"
    example = ROOT / "examples" / args.example

    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        work = Path(tmp)
        notebook = one_cell_notebook(work)
        large = work / "large"
        large.mkdir()
        specbook.save(generate_spec(LARGE_FIELDS), large / "spec.yaml")
        runs: dict[str, list[float]] = {"baseline": [], "html": [], "both": [], "large": []}
        commands = {
            "baseline": ["jupyter", "nbconvert", "--to", "html", "--execute", str(notebook)],
            "html": [specbook_cmd, "export", str(example), "--to", "html", "-o", str(work / "out")],
            "both": [specbook_cmd, "export", str(example), "--to", "html,pdf", "-o", str(work / "out")],
            "large": [specbook_cmd, "export", str(large), "--to", "html", "-o", str(work / "out")],
        }
        timed(commands["baseline"], work)  # warm the disk cache once, untimed
        for _ in range(args.repeats):
            for name, cmd in commands.items():
                runs[name].append(timed(cmd, work))

    t = {name: statistics.median(values) for name, values in runs.items()}
    html_ratio = t["html"] / t["baseline"]
    both_ratio = t["both"] / t["baseline"]
    rows = [
        ("baseline: jupyter nbconvert --to html --execute (one cell)", t["baseline"], "", ""),
        (f"specbook export {args.example} --to html", t["html"], f"{html_ratio:.2f}×", f"≤ {HTML_RATIO:.1f}×"),
        (f"specbook export {args.example} --to html,pdf", t["both"], f"{both_ratio:.2f}×", f"≤ {BOTH_RATIO:.1f}×"),
        (f"specbook export of {LARGE_FIELDS:,} fields --to html", t["large"], "", f"≤ {LARGE_S:.1f} s"),
    ]
    print(f"median of {args.repeats} runs each")
    for label, seconds, ratio, target in rows:
        print(f"  {label:<62} {seconds:6.2f} s  {ratio:>6}  {target}")
    ok = html_ratio <= HTML_RATIO and both_ratio <= BOTH_RATIO and t["large"] <= LARGE_S
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
