"""Export benchmark against a peer: ``python benchmarks/bench_export.py [--repeats 3] [--example shop-crm]``.

Everything is timed in this one run, as whole commands (subprocesses; wall clock and CPU time of the
child, the median of ``--repeats`` runs each), interleaved so that a busy moment of the machine hits all
of them alike:

* ``specbook export examples/<example> --to html`` and the same ``--to html,pdf``;
* the peer, datacontract-cli 1.2.8: ``datacontract export html`` of a 50-field contract generated here
  (its own virtual environment under the cache folder, made on the first run: ``python3 -m venv`` and
  ``pip install datacontract-cli==1.2.8`` — never part of specbook's dependencies);
* the baseline: a bare one-cell ``jupyter nbconvert --to html --execute``;
* ``specbook export --to html`` of a generated 10,000-field spec against the peer's export of a
  10,000-field contract;
* the PDF of a spec whose every text answer carries a 500-character word, against the same spec with 500
  characters of ordinary prose in its place (and, for reference, against the spec without either: it has
  a seventh of the text, 9 pages against 34).

Targets: HTML ≤ 1.0× the peer's HTML export; HTML+PDF ≤ 1.0× the bare nbconvert run; 10,000 fields ≤ 0.3×
the peer's 10,000-field export; long unbroken words no slower than as much prose (≤ 1.1×, the spread of
repeated runs). Prints the times and ratios; exits 1 when a target is missed. Every command runs with
compiled bytecode (see ``bytecode_env``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from generate import generate_spec

import specbook
from specbook.definitions import TABLES
from specbook.model import make_table, table_records
from specbook.storage import MAX_ROWS

ROOT = Path(__file__).resolve().parent.parent
PEER = "datacontract-cli==1.2.8"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "specbook-bench" / "datacontract-cli-1.2.8"
TARGETS = {"html": 1.0, "both": 1.0, "large": 0.3, "long_words": 1.1}
SMALL_FIELDS, LARGE_FIELDS = 50, 10_000
LONG_WORD = "Ш" * 250 + "W" * 250
# The same length of ordinary prose: a PDF of long unbroken strings is compared with the PDF of as much text
# that breaks at its spaces (both hold about seven times the text of the spec without them).
PROSE = ("Сумма заказа переносится в бухгалтерию вместе с номером платежа и датой оплаты без изменений " * 6)[
    : len(LONG_WORD)].strip()


def peer_command() -> Path:
    """The peer's ``datacontract`` in a virtual environment of its own (made once, under the cache)."""
    exe = CACHE / "bin" / "datacontract"
    if not exe.exists():
        print(f"installing {PEER} into {CACHE} (once)…", file=sys.stderr)
        subprocess.run(["python3", "-m", "venv", str(CACHE)], check=True)
        subprocess.run([str(CACHE / "bin" / "pip"), "install", "-q", PEER], check=True)
    return exe


def contract(n_fields: int, path: Path) -> Path:
    """An Open Data Contract Standard 3 contract with ``n_fields`` fields over tables of 50 fields each, in
    the shape of the specbook spec it is compared with (a meaning, a kind, required, an example)."""
    kinds = ("string", "integer", "date", "number")
    tables = []
    for t in range(0, n_fields, 50):
        props = [{"name": f"field_{i}", "logicalType": kinds[i % 4], "physicalType": "varchar",
                  "description": f"What field {i} of the order means to the business", "required": i % 3 == 0,
                  "examples": [f"example {i}"]} for i in range(t, min(t + 50, n_fields))]
        tables.append({"name": f"entity_{t // 50}", "physicalType": "table", "description": "An entity",
                       "properties": props})
    doc = {"apiVersion": "v3.0.2", "kind": "DataContract", "id": f"bench-{n_fields}", "name": "Benchmark",
           "version": "1.0.0", "status": "active", "schema": tables}
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


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


def long_word_spec(addition: str = LONG_WORD) -> specbook.Spec:
    """complete.yaml with a 500-character word (or ``addition``) added to every free-text answer."""
    spec = specbook.load(ROOT / "tests" / "data" / "complete.yaml")
    for table in TABLES:
        rows = table_records(spec[table.name])
        for row in rows:
            for col in table.columns:
                if col.kind == "text" and row[col.name]:
                    row[col.name] = f"{row[col.name]} {addition}"
        spec.tables[table.name] = make_table(table.name, rows)
    return spec


def large_spec(n_fields: int) -> specbook.Spec:
    """The generated spec of ``n_fields`` fields, its per-system field names and mappings kept for as many
    whole entities as the row limit of a spec file allows (a generated 10,000-field spec names every field
    in two systems and maps it in every flow: about twice the rows a file may hold)."""
    spec = generate_spec(n_fields)
    fixed = sum(len(t) for name, t in spec.tables.items() if name not in ("system_fields", "mappings"))
    room = MAX_ROWS - fixed - 100
    flows = table_records(spec["flows"])
    names, mappings = table_records(spec["system_fields"]), table_records(spec["mappings"])
    kept_entities: set[str] = set()
    used = 0
    for entity in spec.names("entities"):
        flow_names = {f["name"] for f in flows if f["entity"] == entity}
        cost = (sum(1 for r in names if r["entity"] == entity)
                + sum(1 for r in mappings if r["flow"] in flow_names))
        if used + cost > room:
            break
        kept_entities.add(entity)
        used += cost
    kept_flows = {f["name"] for f in flows if f["entity"] in kept_entities}
    spec.tables["system_fields"] = make_table("system_fields", [r for r in names if r["entity"] in kept_entities])
    spec.tables["mappings"] = make_table("mappings", [r for r in mappings if r["flow"] in kept_flows])
    return spec


def bytecode_env() -> dict[str, str]:
    """Every command runs as from an ordinary install, with compiled bytecode: an installer (pip) compiles
    it, but an environment made with ``PYTHONDONTWRITEBYTECODE`` or by uv has none and then compiles every
    module from source on every start. The bytecode goes to a cache folder of its own (nothing is written
    into any environment), the same for specbook, the peer and the baseline."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(CACHE.parent / "pycache")}


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system, the child and its children) of one command."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=bytecode_env())
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--example", default="shop-crm")
    args = parser.parse_args()
    specbook_cmd = shutil.which("specbook") or "specbook"
    example = ROOT / "examples" / args.example
    datacontract = str(peer_command())

    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        work = Path(tmp)
        out = work / "out"
        notebook = one_cell_notebook(work)
        large = work / "large"
        large.mkdir()
        specbook.save(large_spec(LARGE_FIELDS), large / "spec.yaml")
        small_contract = contract(SMALL_FIELDS, work / "small.yaml")
        large_contract = contract(LARGE_FIELDS, work / "large.yaml")
        words = work / "words"
        words.mkdir()
        specbook.save(long_word_spec(), words / "spec.yaml")
        prose = work / "prose"
        prose.mkdir()
        specbook.save(long_word_spec(PROSE), prose / "spec.yaml")
        commands = {
            "html": [specbook_cmd, "export", str(example), "--to", "html", "-o", str(out)],
            "peer": [datacontract, "export", "html", str(small_contract), "--output", str(out / "small.html")],
            "both": [specbook_cmd, "export", str(example), "--to", "html,pdf", "-o", str(out)],
            "baseline": ["jupyter", "nbconvert", "--to", "html", "--execute", str(notebook), "--output-dir",
                         str(out)],
            "large": [specbook_cmd, "export", str(large), "--to", "html", "-o", str(out)],
            "peer_large": [datacontract, "export", "html", str(large_contract), "--output", str(out / "large.html")],
            "plain_words": [specbook_cmd, "export", str(ROOT / "tests" / "data" / "complete.yaml"), "--to", "pdf",
                            "-o", str(out)],
            "long_words": [specbook_cmd, "export", str(words), "--to", "pdf", "-o", str(out)],
            "prose": [specbook_cmd, "export", str(prose), "--to", "pdf", "-o", str(out)],
        }
        out.mkdir()
        for cmd in commands.values():  # warm the disk cache once, untimed
            timed(cmd, work)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.repeats):
            for name, cmd in commands.items():
                runs[name].append(timed(cmd, work))

    wall = {name: statistics.median(w for w, _ in values) for name, values in runs.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in runs.items()}
    ratios = {
        "html": (f"specbook export {args.example} --to html / datacontract export html ({SMALL_FIELDS} fields)",
                 "html", "peer"),
        "both": (f"specbook export {args.example} --to html,pdf / jupyter nbconvert --execute (one cell)",
                 "both", "baseline"),
        "large": (f"specbook export {LARGE_FIELDS:,} fields --to html / datacontract, {LARGE_FIELDS:,} fields",
                  "large", "peer_large"),
        "long_words": ("specbook PDF with 500-character words / the same with 500 characters of prose instead",
                       "long_words", "prose"),
        "long_words_plain": ("  for reference: the same / the spec without them (a seventh of the text)", "long_words",
                             "plain_words"),
    }
    print(f"median of {args.repeats} runs each, wall clock (CPU of the process tree)")
    for name in commands:
        print(f"  {name:<12} {wall[name]:7.2f} s  ({cpu[name]:6.2f} s CPU)  {' '.join(commands[name][:4])}")
    ok = True
    print("ratios (wall; CPU) against targets")
    for key, (label, a, b) in ratios.items():
        r_wall, r_cpu = wall[a] / wall[b], cpu[a] / cpu[b]
        if key not in TARGETS:
            print(f"  {label:<92} {r_wall:5.2f}×; {r_cpu:5.2f}×")
            continue
        met = r_wall <= TARGETS[key]
        ok &= met
        print(f"  {label:<92} {r_wall:5.2f}×; {r_cpu:5.2f}×  target ≤ {TARGETS[key]:.1f}×  {'ok' if met else 'MISSED'}")
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
