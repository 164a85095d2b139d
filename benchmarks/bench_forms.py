"""Forms benchmark: ``python benchmarks/bench_forms.py [--sizes 20 200 2000] [--repeats 3]``.

For each size a generated spec (``generate.generate_spec``) is written to a temporary workbook folder; then,
in a fresh :class:`specbook.workbook.Workbook` each run, the Python side of building every form of the
template — the title, the readiness panel and the twelve sections — is timed (best of ``--repeats``), and the
widgets it created are counted (ipywidgets' registry, layouts and styles included). The widget count must not
grow with the number of rows; the 2,000-field build must take at most a second.

Also timed, on the largest size: one grid cell edit as the browser sends it (parse, model, readiness, save)
and one keystroke in a text field (model only; the save follows after the save delay).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import ipywidgets as W
from generate import generate_spec

from specbook import save
from specbook.definitions import SECTIONS
from specbook.forms import build_readiness, build_section, build_title, section_form
from specbook.workbook import Workbook

BUILD_2000_S = 1.0  # target of the brief


def widget_count() -> tuple[int, int]:
    """All widgets, and those a person sees (not layouts and styles)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        widgets = list(W.Widget.widgets.values())
    shown = sum(1 for w in widgets if isinstance(w, W.DOMWidget))
    return len(widgets), shown


def build_all(wb: Workbook) -> None:
    build_title(wb)
    build_readiness(wb)
    for section in SECTIONS:
        if section.key != "project":
            build_section(wb, section.key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 200, 2000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    build_all(Workbook(_folder(20, Path(tempfile.mkdtemp()))))  # imports and first-use caches, not timed

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            folder = _folder(n, Path(tmp))
            times, counts = [], []
            for _ in range(args.repeats):
                wb = Workbook(folder)
                before = widget_count()
                start = time.perf_counter()
                build_all(wb)
                times.append(time.perf_counter() - start)
                after = widget_count()
                counts.append((after[0] - before[0], after[1] - before[1]))
            rows.append((n, min(times), counts[0]))
        largest = max(args.sizes)
        wb = Workbook(_folder(largest, Path(tmp), again=True))
        build_all(wb)
        cell_s = _cell_edit(wb)
        key_s = _keystroke(wb)

    print(f"{'fields':>8} {'build (s)':>10} {'widgets':>8} {'of which controls':>18}")
    for n, seconds, (count, shown) in rows:
        print(f"{n:>8} {seconds:>10.3f} {count:>8} {shown:>18}")
    print(f"one grid cell edit on {largest} fields (parse, model, readiness, atomic save): {cell_s * 1000:.0f} ms")
    print(f"one keystroke in a text field on {largest} fields (model; save after the delay): {key_s * 1000:.1f} ms")
    counts_same = len({count for _n, _s, count in rows}) == 1
    big = [seconds for n, seconds, _c in rows if n >= 2000]
    print(f"widgets independent of rows: {'yes' if counts_same else 'NO'}; "
          f"2,000-field build ≤ {BUILD_2000_S:.0f} s: {'yes' if all(s <= BUILD_2000_S for s in big) else 'NO'}")
    return 0 if counts_same and all(s <= BUILD_2000_S for s in big) else 1


def _folder(n: int, root: Path, again: bool = False) -> Path:
    folder = root / (f"{n}-again" if again else str(n))
    folder.mkdir(exist_ok=True)
    save(generate_spec(n), folder / "spec.yaml")
    return folder


def _cell_edit(wb: Workbook) -> float:
    errors = section_form(wb, "errors").answers
    at = list(errors.frame.columns).index(errors.label("stuck_after_minutes"))
    start = time.perf_counter()
    errors.grid._DataGrid__handle_custom_msg(
        None, {"event_type": "cell-changed", "row": 0, "column_index": at, "value": "45"}, [])
    return time.perf_counter() - start


def _keystroke(wb: Workbook) -> float:
    problem = section_form(wb, "goal").problem.input
    wb.changed = lambda *tables, at_once=False: None  # type: ignore[method-assign]  # keystroke only, no save
    start = time.perf_counter()
    problem.value = problem.value + "!"
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
