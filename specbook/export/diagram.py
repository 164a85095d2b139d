"""The diagram of systems and flows as inline SVG: one box per system, one arrow per direction between two
systems, labelled with the numbers of the flows it carries.

Laid out by Graphviz ``dot`` (arrows cross only where the graph forces it); where ``dot`` is missing or
fails, systems stand on a circle. Self-contained either way (no fonts, images or links to fetch), so the
browser and the PDF renderer draw the same picture. Every name is escaped and cut to fit its box.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess

from specbook.markup import esc
from specbook.model import Spec, table_records

BOX_W, BOX_H = 168.0, 46.0
MARGIN = 16.0
LINE_CHARS = 22  # characters per line of a system's name; two lines at most
GAP = 7.0  # distance between the two arrows of a pair of systems that send to each other
HEAD = 9.0  # arrowhead length


def _lines(name: str) -> list[str]:
    """A name on at most two lines of ``LINE_CHARS``, broken at spaces where possible, cut with "…"."""
    words = name.split() or [""]
    lines: list[str] = []
    current = ""
    for word in words:
        while len(word) > LINE_CHARS:  # a word longer than a line is broken anywhere
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:LINE_CHARS])
            word = word[LINE_CHARS:]
        candidate = f"{current} {word}".strip()
        if len(candidate) > LINE_CHARS:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    lines = [line for line in lines if line] or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][: LINE_CHARS - 1] + "…"]
    return lines


def _positions(n: int) -> list[tuple[float, float]]:
    if n == 1:
        return [(0.0, 0.0)]
    if n == 2:
        return [(-150.0, 0.0), (150.0, 0.0)]
    radius = max(130.0, n * (BOX_W * 0.62) / math.pi)
    return [(radius * math.cos(-math.pi / 2 + 2 * math.pi * i / n),
             radius * math.sin(-math.pi / 2 + 2 * math.pi * i / n)) for i in range(n)]


def _to_edge(cx: float, cy: float, dx: float, dy: float) -> float:
    """How far along the unit direction ``(dx, dy)`` from a box's centre its border is."""
    tx = (BOX_W / 2) / abs(dx) if dx else math.inf
    ty = (BOX_H / 2) / abs(dy) if dy else math.inf
    return min(tx, ty)


def _label(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:3])
    return f"{shown} +{len(numbers) - 3}" if len(numbers) > 3 else shown


LABELLED_EDGES = 60  # arrows whose numbers dot lays out as part of the graph (see dot_source)
DOT_TIMEOUT = 30  # seconds; a diagram of a few dozen systems takes well under one
_FONT = "DejaVu Sans"
_SVG_START = re.compile(r"<svg\b")
_DROP = re.compile(r"<!--.*?-->|<title>.*?</title>", re.DOTALL)


def _graph(spec: Spec) -> tuple[list[str], dict[tuple[str, str], list[int]]]:
    """The systems (declared ones first) and, per direction between two systems, the numbers of its flows."""
    flows = table_records(spec["flows"])
    systems = list(dict.fromkeys(spec.names("systems")))
    for f in flows:
        for end in (f["source"], f["target"]):
            if end and end not in systems:
                systems.append(end)
    edges: dict[tuple[str, str], list[int]] = {}
    for number, f in enumerate(flows, start=1):
        if f["source"] and f["target"] and f["source"] != f["target"]:
            edges.setdefault((f["source"], f["target"]), []).append(number)
    return systems, edges


def _dot_string(text: str) -> str:
    """``text`` as a DOT quoted string that ``dot`` shows as it is (no escape sequence is interpreted)."""
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_source(spec: Spec) -> str:
    """The graph of ``spec`` in Graphviz's DOT language: left to right, in the handout's colours."""
    systems, edges = _graph(spec)
    ids = {name: f"s{i}" for i, name in enumerate(systems)}
    lines = [
        "digraph specbook {",
        f'  graph [rankdir=LR, nodesep=0.35, ranksep=0.9, pad=0.15, fontname="{_FONT}"];',
        f'  node [shape=box, style="rounded,filled", fillcolor="#eef3f8", color="#3b5b7a", fontname="{_FONT}", '
        'fontsize=11, fontcolor="#1d3144", margin="0.15,0.08"];',
        f'  edge [color="#3b5b7a", fontname="{_FONT}", fontsize=10, fontcolor="#1d3144", arrowsize=0.8];',
    ]
    for name in systems:
        label = "\\n".join(_dot_string(line)[1:-1] for line in _lines(name))
        lines.append(f'  {ids[name]} [label="{label}"];')
    # dot lays a label out as a node of its own: beyond a few dozen arrows that costs it seconds a dozen
    # (15 s of CPU for 400 arrows), so a large graph's numbers are placed beside the arrows after layout
    key = "label" if len(edges) <= LABELLED_EDGES else "xlabel"
    for (a, b), numbers in edges.items():
        lines.append(f"  {ids[a]} -> {ids[b]} [{key}={_dot_string(' ' + _label(numbers) + ' ')}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_svg(spec: Spec) -> str | None:
    """The diagram laid out by Graphviz, or None when ``dot`` is not installed or fails."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    try:
        done = subprocess.run([dot, "-Tsvg"], input=dot_source(spec).encode("utf-8"), capture_output=True,
                              timeout=DOT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    svg = done.stdout.decode("utf-8", "replace")
    start = _SVG_START.search(svg)
    if done.returncode != 0 or start is None or "</svg>" not in svg:
        return None
    svg = _DROP.sub("", svg[start.start() : svg.rindex("</svg>") + len("</svg>")])
    return svg.replace("<svg ", '<svg class="sb-svg" role="img" ', 1)


def diagram_svg(spec: Spec) -> str:
    """The systems of ``spec`` and the flows between them as one ``<svg>`` element."""
    return _dot_svg(spec) or circle_svg(spec)


def circle_svg(spec: Spec) -> str:
    """The diagram without Graphviz: the systems on a circle, straight arrows between them."""
    systems, edges = _graph(spec)

    points = _positions(len(systems)) if systems else []
    where = dict(zip(systems, points, strict=True))
    if points:
        min_x = min(x for x, _ in points) - BOX_W / 2 - MARGIN
        min_y = min(y for _, y in points) - BOX_H / 2 - MARGIN
        width = max(x for x, _ in points) + BOX_W / 2 + MARGIN - min_x
        height = max(y for _, y in points) + BOX_H / 2 + MARGIN - min_y
    else:
        min_x, min_y, width, height = 0.0, 0.0, BOX_W, BOX_H

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sb-svg" viewBox="{min_x:.1f} {min_y:.1f} '
        f'{width:.1f} {height:.1f}" width="{width:.0f}" height="{height:.0f}" '
        'font-family="DejaVu Sans, Verdana, sans-serif" font-size="12">'
    ]
    labels = []
    for (a, b), numbers in edges.items():
        (ax, ay), (bx, by) = where[a], where[b]
        length = math.hypot(bx - ax, by - ay) or 1.0
        dx, dy = (bx - ax) / length, (by - ay) / length
        shift = GAP if (b, a) in edges else 0.0
        nx, ny = -dy * shift, dx * shift  # to the right of the direction of travel
        start = _to_edge(ax, ay, dx, dy) + 2
        end = length - _to_edge(bx, by, dx, dy) - 2
        if end - start < HEAD * 2:
            continue
        x1, y1 = ax + dx * start + nx, ay + dy * start + ny
        x2, y2 = ax + dx * end + nx, ay + dy * end + ny
        bx2, by2 = x2 - dx * HEAD, y2 - dy * HEAD
        head = (f"{x2:.1f},{y2:.1f} {bx2 - dy * HEAD / 2:.1f},{by2 + dx * HEAD / 2:.1f} "
                f"{bx2 + dy * HEAD / 2:.1f},{by2 - dx * HEAD / 2:.1f}")
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{bx2:.1f}" y2="{by2:.1f}" stroke="#3b5b7a" '
                   'stroke-width="1.6"/>')
        out.append(f'<polygon points="{head}" fill="#3b5b7a"/>')
        text = _label(numbers)
        mx, my = (x1 + x2) / 2 + nx * 1.6, (y1 + y2) / 2 + ny * 1.6
        half = 3.6 * len(text) + 6
        labels.append(f'<rect x="{mx - half:.1f}" y="{my - 9:.1f}" width="{2 * half:.1f}" height="17" rx="8" '
                      'fill="#ffffff" stroke="#3b5b7a" stroke-width="0.8"/>'
                      f'<text x="{mx:.1f}" y="{my + 4:.1f}" text-anchor="middle" fill="#1d3144" '
                      f'font-size="11">{esc(text, breaks=False)}</text>')
    for name, (x, y) in where.items():
        out.append(f'<rect x="{x - BOX_W / 2:.1f}" y="{y - BOX_H / 2:.1f}" width="{BOX_W:.0f}" '
                   f'height="{BOX_H:.0f}" rx="7" fill="#eef3f8" stroke="#3b5b7a" stroke-width="1.2"/>')
        lines = _lines(name)
        top = y + 4 - 7.5 * (len(lines) - 1)
        for i, line in enumerate(lines):
            out.append(f'<text x="{x:.1f}" y="{top + 15 * i:.1f}" text-anchor="middle" fill="#1d3144">'
                       f"{esc(line, breaks=False)}</text>")
    out += labels
    out.append("</svg>")
    return "".join(out)
