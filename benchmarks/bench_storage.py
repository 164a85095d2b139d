"""Storage and check benchmark: ``python benchmarks/bench_storage.py [--sizes 1000 10000] [--worst-only]``.

For each size a generated spec (``generate.generate_spec``) is written to a temporary file; then the best
of several runs (``time.perf_counter``) of

* ``specbook.load(file)``, ``specbook.save(spec, fresh file)`` (the whole atomic write, fsync included),
  ``specbook.check(spec)``;
* the bare baselines on the same file: read + ``yaml.safe_load`` and ``yaml.safe_dump`` to a file
  (pure-Python PyYAML, the literal baseline), and the libyaml pair ``yaml.load(CSafeLoader)`` +
  ``yaml.dump(CSafeDumper)``;
* the whole ``python -m specbook check FILE`` command on 10k fields, as a subprocess;
* the worst cases of bad input (each must be accepted or refused within about 2 s): a 20 MB one-line flow
  list, 100,000 systems, a million one-line mappings, repeated keys, 40 lists each just under the row limit,
  220 KB / 2.2 MB / 20 MB of one repeated name, deep nesting, an alias bomb, a symlink to ``/dev/zero`` and
  a FIFO — each as a ratio to a plain ``yaml.safe_load`` (libyaml) of a
  normal-size spec file (1,000 fields) in the same run.

A spec holds at most ``storage.MAX_ROWS`` rows (a 10k-field spec holds about 24,000), so the sizes stop at
10,000 fields.

Slow operations get fewer repeats (one when a single run takes more than ~10 s).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from generate import generate_spec

import specbook

# targets of the brief
CHECK_10K_S = 0.100
LOAD_SAVE_10K_S = 0.500
SCALING_MAX = 12.0
CLI_10K_S = 1.5


def best_of(fn: Callable[[], Any], repeats: int, budget_s: float = 20.0) -> float:
    """The best time of up to ``repeats`` runs; stops early once ``budget_s`` is spent (at least one run)."""
    times: list[float] = []
    spent = 0.0
    while len(times) < repeats and (not times or spent + min(times) <= budget_s):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        spent += elapsed
    return min(times)


def _ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "—"
    return f"{seconds * 1000:,.0f}" if seconds >= 0.1 else f"{seconds * 1000:.1f}"


def _ratio(a: float, b: float) -> str:
    return "—" if math.isnan(a / b) else f"{a / b:.2f}×"


def bench_size(n: int, folder: Path, repeats: int, language: str, pure: bool = True) -> dict[str, float]:
    spec = generate_spec(n, language)
    path = folder / f"spec-{n}.yaml"
    specbook.save(spec, path, force=True)
    size = path.stat().st_size
    counter = iter(range(1_000_000))
    out: dict[str, float] = {"fields": n, "bytes": size}

    out["load"] = best_of(lambda: specbook.load(path), repeats)
    loaded = specbook.load(path)
    assert loaded == spec, "the generated spec does not round-trip"

    def save_fresh() -> None:
        specbook.save(loaded, folder / f"out-{n}-{next(counter)}.yaml")

    out["save"] = best_of(save_fresh, repeats)
    out["check"] = best_of(lambda: specbook.check(loaded), repeats)

    def py_load() -> Any:
        return yaml.safe_load(path.read_text(encoding="utf-8"))

    data = py_load()

    def py_dump() -> None:
        with (folder / f"py-{n}.yaml").open("w", encoding="utf-8") as handle:
            yaml.safe_dump(data, handle, allow_unicode=True, sort_keys=False)

    def c_load() -> Any:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

    def c_dump() -> None:
        with (folder / f"c-{n}.yaml").open("w", encoding="utf-8") as handle:
            yaml.dump(data, handle, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)

    slow = 2 if n >= 100_000 else repeats  # the pure-Python pair takes minutes at 100k fields
    out["py_load"] = best_of(py_load, slow) if pure else float("nan")
    out["py_dump"] = best_of(py_dump, slow) if pure else float("nan")
    out["c_load"] = best_of(c_load, repeats)
    out["c_dump"] = best_of(c_dump, repeats)
    for stale in folder.glob(f"out-{n}-*.yaml"):
        stale.unlink()
    return out


def bench_cli(n: int, folder: Path, repeats: int, language: str) -> tuple[float, str]:
    path = folder / f"spec-{n}.yaml"
    if not path.exists():
        specbook.save(generate_spec(n, language), path, force=True)
    if importlib.util.find_spec("specbook.__main__") is not None:
        command = [sys.executable, "-m", "specbook", "check", str(path)]
        what = "python -m specbook check FILE"
    else:
        command = [sys.executable, "-c", "import specbook,sys; specbook.check(specbook.load(sys.argv[1]))",
                   str(path)]
        what = "python -c 'specbook.check(specbook.load(FILE))' (specbook/__main__.py not found)"

    def run() -> None:
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        if done.returncode not in (0, 1):  # 1 = the check found errors, which is a normal outcome
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")

    return best_of(run, repeats), what


WORST_TARGET_S = 2.0


def _worst_cases(folder: Path) -> dict[str, Path]:
    cases: dict[str, str] = {
        "20 MB one-line flow list": "schema_version: 2\nx: [" + "a, " * 7_000_000 + "a]\n",
        "100,000 systems": "schema_version: 2\nsystems:\n" + "".join(f"- name: s{i}\n" for i in range(100_000)),
        "a million one-line mappings": "schema_version: 2\nx: [" + "{a: b}, " * 1_000_000 + "{}]\n",
        "repeated keys in 100,000 rows": "schema_version: 2\nsystems:\n" + "- {name: x, name: y}\n" * 100_000,
        # under every structural limit (no list longer than a spec has rows): only the value limit stops it
        "40 lists of 29,001 items": "schema_version: 2\nx: [" + ", ".join(
            "[" + "a, " * 29_000 + "a]" for _ in range(40)) + "]\n",
        "220 KB of one repeated name": "schema_version: 2\nsystems:\n" + "- name: x\n" * 22_000,
        "2.2 MB of one repeated name": "schema_version: 2\nsystems:\n" + "- name: x\n" * 220_000,
        "20 MB of one repeated name": "schema_version: 2\nsystems:\n" + "- name: x\n" * 2_000_000,
        "1,000,000 [ (deep flow)": "x: " + "[" * 1_000_000 + "]" * 1_000_000,
        "3,000 levels of block mappings": "".join(" " * i + "k:\n" for i in range(3000)),
        "billion laughs": 'a0: &a0 ["lol", "lol"]\n' + "".join(
            f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)),
        "60 MB of one comment": "schema_version: 2\n#" + "x" * 60_000_000 + "\n",
    }
    paths = {}
    for i, (name, text) in enumerate(cases.items()):
        path = folder / f"worst-{i}.yaml"
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    zero = folder / "dev-zero.yaml"
    zero.symlink_to("/dev/zero")
    paths["symlink to /dev/zero"] = zero
    fifo = folder / "fifo.yaml"
    os.mkfifo(fifo)
    paths["a FIFO with no writer"] = fifo
    return paths


def bench_worst(folder: Path, repeats: int) -> list[tuple[str, float, str]]:
    """(case, best time, outcome) for each worst case of bad input, first the baseline."""
    normal = folder / "normal.yaml"
    specbook.save(generate_spec(1_000), normal, force=True)
    rows = [("baseline: yaml.safe_load (libyaml) of a 1,000-field spec",
             best_of(lambda: yaml.load(normal.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader), repeats),
             f"{normal.stat().st_size / 1e6:.2f} MB")]
    for name, path in _worst_cases(folder).items():
        outcome = ""

        def load(path: Path = path) -> None:
            nonlocal outcome
            try:
                specbook.load(path)
                outcome = "accepted"
            except specbook.SpecError as exc:
                outcome = f"{type(exc).__name__}, {len(exc.problems)} problem(s), {len(str(exc)):,} chars"

        rows.append((name, best_of(load, min(repeats, 2)), outcome))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--worst-only", action="store_true", help="only the worst cases of bad input")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--language", choices=("en", "ru"), default="en")
    parser.add_argument("--no-pure-python", dest="pure", action="store_false",
                        help="skip the pure-Python PyYAML baseline (minutes at 100k fields)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="specbook-bench-") as tmp:
        print("… worst cases of bad input", file=sys.stderr, flush=True)
        worst = bench_worst(Path(tmp), args.repeats)
    base = worst[0][1]
    print(f"worst cases of bad input — PyYAML {yaml.__version__}; best of up to 2 runs; ratio to the baseline")
    for name, seconds, outcome in worst:
        print(f"  {name:<58} {seconds * 1000:>9,.0f} ms {seconds / base:>8.1f}×  {outcome}")
    slowest = max(worst[1:], key=lambda row: row[1])
    print(f"  [{'met ' if slowest[1] <= WORST_TARGET_S else 'MISS'}] every case accepted or refused within "
          f"{WORST_TARGET_S:.0f} s (slowest: {slowest[0]}, {slowest[1]:.2f} s)")
    print()
    if args.worst_only:
        return 0

    with tempfile.TemporaryDirectory(prefix="specbook-bench-") as tmp:
        folder = Path(tmp)
        rows = []
        for n in args.sizes:
            print(f"… {n:,} fields", file=sys.stderr, flush=True)
            rows.append(bench_size(n, folder, args.repeats, args.language, args.pure))
        cli_n = 10_000
        cli, cli_what = bench_cli(cli_n, folder, min(args.repeats, 3), args.language)

    print(f"specbook storage benchmark — Python {sys.version.split()[0]}, PyYAML {yaml.__version__} "
          f"(libyaml: {yaml.__with_libyaml__}), best of up to {args.repeats} runs, times in ms")
    print()
    header = ("fields", "file MB", "load", "save", "load+save", "check", "py load+dump", "C load+dump",
              "vs py", "vs C")
    print(" ".join(f"{h:>12}" for h in header))
    for r in rows:
        ours = r["load"] + r["save"]
        py = r["py_load"] + r["py_dump"]
        c = r["c_load"] + r["c_dump"]
        cells = (f"{int(r['fields']):,}", f"{r['bytes'] / 1e6:.1f}", _ms(r["load"]), _ms(r["save"]), _ms(ours),
                 _ms(r["check"]), _ms(py), _ms(c), _ratio(ours, py), _ratio(ours, c))
        print(" ".join(f"{cell:>12}" for cell in cells))
    print()
    print("vs py / vs C: (specbook load + save) / (bare YAML load + dump of the same file); < 1 is faster")

    by_n = {int(r["fields"]): r for r in rows}
    verdicts: list[tuple[str, bool]] = []
    if 1_000 in by_n and 10_000 in by_n:
        small, big = by_n[1_000], by_n[10_000]
        print()
        print("scaling 1k → 10k fields (time ratio for 10× the fields):")
        for key, label in (("load", "load"), ("save", "save"), ("check", "check")):
            print(f"  {label:<10} {big[key] / small[key]:6.1f}×")
        ratio = (big["load"] + big["save"]) / (small["load"] + small["save"])
        print(f"  {'load+save':<10} {ratio:6.1f}×")
        worst = max(big[k] / small[k] for k in ("load", "save", "check"))
        verdicts.append((f"10× fields ≤ {SCALING_MAX:.0f}× time (worst of load/save/check: {worst:.1f}×)",
                         worst <= SCALING_MAX))
    print()
    print(f"whole CLI on {cli_n:,} fields: {_ms(cli)} ms — {cli_what}")
    if 10_000 in by_n:
        r = by_n[10_000]
        verdicts.insert(0, (f"check of 10k fields ≤ {CHECK_10K_S * 1000:.0f} ms ({_ms(r['check'])} ms)",
                            r["check"] <= CHECK_10K_S))
        verdicts.insert(1, (f"load + save of 10k fields ≤ {LOAD_SAVE_10K_S * 1000:.0f} ms "
                            f"({_ms(r['load'] + r['save'])} ms)", r["load"] + r["save"] <= LOAD_SAVE_10K_S))
    verdicts.append((f"whole CLI check of 10k fields ≤ {CLI_10K_S:.1f} s ({cli:.2f} s)", cli <= CLI_10K_S))
    print()
    print("targets:")
    for text, ok in verdicts:
        print(f"  [{'met ' if ok else 'MISS'}] {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
