"""Edit layer benchmark: ``python benchmarks/bench_edits.py [--sizes 20 200 2000] [--repeats 5]``.

For each size a generated spec (``generate.generate_spec``): the cost of one cell edit as a grid makes it
(``edits.set_cell``: converted, validated, written, its Change kept for undo) against the bare write
(``edits.set_value``), a 20 × 3 pasted block, a rename that follows every reference, and undo/redo of it.
Figures are best-of-``--repeats`` seconds and the ratio of a recorded edit to a bare write, measured in the
same run.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from generate import generate_spec

from specbook import edits


def best(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(size: int, repeats: int) -> str:
    spec = generate_spec(size)
    counter = iter(range(10**9))
    bare = best(lambda: edits.set_value(spec, "flows", 0, "why", f"w{next(counter)}"), repeats)
    cell = best(lambda: edits.set_cell(spec, "flows", 0, "why", f"c{next(counter)}"), repeats)
    block = [[f"p{next(counter)}", "150", "30"] for _ in range(20)]
    paste = best(lambda: edits.paste(spec, "flows", ["why", "volume_per_day", "max_delay_minutes"], block), repeats)
    history = edits.History()
    names = iter(f"Renamed system {i}" for i in range(10**9))
    rename = best(lambda: history.keep(edits.set_cell(spec, "systems", 0, "name", next(names))), repeats)
    undo = best(lambda: (history.undo(spec), history.redo(spec)), repeats)
    return f"{size:>7} {bare:>10.5f} {cell:>10.5f} {cell / bare:>6.1f} {paste:>11.4f} {rename:>8.4f} {undo:>10.5f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 200, 2000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"{'fields':>7} {'set_value':>10} {'set_cell':>10} {'ratio':>6} {'paste 20x3':>11} {'rename':>8} "
          f"{'undo+redo':>10}")
    for size in args.sizes:
        print(measure(size, args.repeats))


if __name__ == "__main__":
    main()
