"""Checking the spec against the systems' real exports.

``verify(spec, samples)`` reads each attached export (CSV in UTF-8 or Windows-1251 with any delimiter,
XLSX, JSON lines) in chunks and returns a :class:`VerifyReport`: the same kind of findings as
``specbook.check`` — duplicated business keys, empty required fields, values that do not read as their
kind, statuses the mapping does not know, records of a flow missing at its target, a master's values not
held by its copy, reconciliations off by more than their tolerance — each with counts and a few example
rows, personal data masked. A file that cannot be read raises :class:`VerifyInputError` naming file, row
and column; the spec is never changed.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from specbook import lang
from specbook.checks import SEVERITIES, Report
from specbook.definitions import SECTIONS
from specbook.model import Spec, table_records
from specbook.verify.readers import DataFileError
from specbook.verify.rules import RULES, DataFinding, findings
from specbook.verify.scan import Sample, Scan, make_plan, scan


@dataclass(frozen=True)
class FileSummary:
    """One export as it was read: whose data, which file, how it was encoded, how many records."""

    system: str
    entity: str
    path: str
    kind: str
    encoding: str
    delimiter: str
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class VerifyReport(Report):
    """Findings on data, plus which files were read, when, and how many records each held."""

    files: tuple[FileSummary, ...] = field(default=())
    checked_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "checked_at": self.checked_at,
            "files": [f.to_dict() for f in self.files],
            "counts": {s: self.count(s) for s in SEVERITIES},
            "findings": [f.to_dict() for f in self.findings],
        }


class VerifyInputError(Exception):
    """Exports that cannot be read; ``problems`` holds one message per file, in the spec's language."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def parse_data_argument(text: str, base: str | os.PathLike[str] = ".") -> Sample:
    """``SYSTEM:ENTITY=PATH`` (as given to ``specbook verify --data``) as a :class:`Sample`."""
    head, sep, path = text.partition("=")
    system, colon, entity = head.partition(":")
    if not (sep and colon and system.strip() and entity.strip() and path.strip()):
        raise ValueError(text)
    return Sample(system.strip(), entity.strip(), str(Path(base) / path.strip()))


def samples_of(spec: Spec, base: str | os.PathLike[str]) -> list[Sample]:
    """The exports listed in the spec's samples table, their paths taken relative to the workbook folder."""
    frame = spec.tables.get("samples")
    if frame is None:
        return []
    return [Sample(r["system"], r["entity"], str(Path(base) / r["path"]), str(base))
            for r in table_records(frame) if r.get("system") and r.get("entity") and r.get("path")]


def _unknown(spec: Spec, sample: Sample) -> DataFileError | None:
    if sample.system not in spec.names("systems"):
        return DataFileError(sample.shown, "unknown_system", values={"name": sample.system})
    if sample.entity not in spec.names("entities"):
        return DataFileError(sample.shown, "unknown_entity", values={"name": sample.entity})
    return None


def verify(spec: Spec, samples: Iterable[Sample], *, rows_per_chunk: int | None = None) -> VerifyReport:
    """Check ``spec`` against the exports in ``samples``; raises :class:`VerifyInputError` for unreadable
    files (every file is tried, so all of them are named at once)."""
    chosen = list(samples)
    plan = make_plan(spec, chosen)
    scans: dict[tuple[str, str], Scan] = {}
    problems: list[str] = []
    kwargs = {"rows_per_chunk": rows_per_chunk} if rows_per_chunk else {}
    for sample in chosen:
        error = _unknown(spec, sample)
        if error is None and (sample.system, sample.entity) in scans:
            error = DataFileError(sample.shown, "twice", values={"system": sample.system, "entity": sample.entity})
        if error is not None:
            problems.append(error.render(spec.language))
            continue
        try:
            scans[(sample.system, sample.entity)] = scan(spec, plan, sample, **kwargs)
        except DataFileError as exc:
            problems.append(replace(exc, path=sample.shown).render(spec.language))
    if problems:
        raise VerifyInputError(problems)
    if not chosen:
        raise VerifyInputError([lang.text(spec.language, "verify.errors.no_samples")])
    found = findings(spec.language, plan, scans, table_records(spec["flows"]))
    order = {s.key: i for i, s in enumerate(SECTIONS)}
    found.sort(key=lambda f: order[f.section])
    files = tuple(
        FileSummary(s.sample.system, s.sample.entity, s.sample.shown, s.table.format.kind,
                    s.table.format.encoding.replace("-sig", ""), s.table.format.delimiter, s.rows)
        for s in scans.values()
    )
    when = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    return VerifyReport(spec.language, tuple(found), (), files, when)


def verify_path(path: str | os.PathLike[str], data: Sequence[str] = ()) -> VerifyReport:
    """Load the spec at ``path`` and verify it against ``data`` arguments, else against its samples table."""
    from specbook.storage import load, resolve

    spec = load(path)
    folder = resolve(path).parent
    if data:
        try:
            chosen = [parse_data_argument(d) for d in data]
        except ValueError as exc:
            raise VerifyInputError([lang.text(spec.language, "verify.errors.bad_argument", value=str(exc))]) \
                from None
    else:
        chosen = samples_of(spec, folder)
    return verify(spec, chosen)


__all__ = ["RULES", "DataFileError", "DataFinding", "FileSummary", "Sample", "VerifyInputError", "VerifyReport",
           "parse_data_argument", "samples_of", "verify", "verify_path"]
