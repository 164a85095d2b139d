"""Reading the systems' exports: CSV (any delimiter, UTF-8 with or without BOM, or Windows-1251), XLSX and
JSON lines, in chunks of string columns so that memory stays bounded whatever the file's size.

Every problem with a file is a :class:`DataFileError` naming the file, the row and the column; nothing
here raises anything else for a bad file.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import python_calamine

from specbook import lang

FileKind = Literal["csv", "xlsx", "jsonl"]
CHUNK_ROWS = 100_000
_PROBE_BYTES = 1 << 16
_BLOCK = 1 << 20
_DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class DataFileError(Exception):
    """A data file that cannot be read as a table: where (file, row, column) and what (a language key)."""

    path: str
    key: str
    row: int | None = None
    column: str | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def render(self, language: str) -> str:
        what = lang.text(language, f"verify.errors.{self.key}", **self.values)
        where = [self.path]
        if self.row is not None:
            where.append(lang.text(language, "verify.row", n=self.row))
        if self.column is not None:
            where.append(lang.text(language, "verify.column", name=self.column))
        return ", ".join(where) + ": " + what

    def __str__(self) -> str:
        return self.render(lang.DEFAULT_LANGUAGE)


@dataclass(frozen=True)
class FileFormat:
    """``verified``: every byte was seen to fit the encoding; when not, the file's head settled which
    encoding it is, and a byte further on that does not fit is located once reading meets it."""

    kind: FileKind
    encoding: str = "utf-8"
    delimiter: str = ","
    verified: bool = True


def _kind(path: Path, head: bytes) -> FileKind:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if suffix in (".jsonl", ".ndjson", ".json") or head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{"):
        return "jsonl"
    return "csv"


def _line_and_field(data: bytes, offset: int, delimiter: bytes) -> tuple[int, int]:
    """The 1-based line and 0-based field of byte ``offset`` (quotes ignored: a hint, not a parser)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, data[line_start:offset].count(delimiter)


def _high_bytes(path: Path, end: int) -> int:
    """How many bytes of the file before ``end`` are not ASCII (counted only once a file fails as UTF-8)."""
    high = 0
    with path.open("rb") as fh:
        while end > 0 and (block := fh.read(min(_BLOCK, end))):
            high += len(block) - len(block.translate(None, bytes(range(0x80, 0x100))))
            end -= len(block)
    return high


def _encoding(path: Path, head: bytes) -> tuple[str, int | None]:
    """``utf-8-sig`` when every byte is UTF-8, ``cp1251`` when the file is a single-byte Cyrillic one;
    otherwise ``("", offset)`` of the first byte that fits neither (a UTF-8 file broken midway)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                high = _high_bytes(path, offset + exc.start)
                if high >= 8:  # valid UTF-8 Cyrillic came first: a file broken midway, not Windows-1251
                    return "", offset + exc.start
                break
            offset += len(block)
        else:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                return "", offset
            return "utf-8-sig", None
    with path.open("rb") as fh:  # not UTF-8: every byte must be Windows-1251 (only 0x98 is not)
        offset = 0
        while block := fh.read(_BLOCK):
            at = block.find(b"\x98")
            if at >= 0:
                return "", offset + at
            offset += len(block)
    return "cp1251", None


def _settled_by_head(head: bytes, whole: bool) -> bool:
    """Whether the head alone settles that the file is UTF-8: it decodes, and holds enough non-ASCII bytes
    that a byte further on that does not fit makes the file a UTF-8 one broken midway (see ``_encoding``),
    never a Windows-1251 one."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    except UnicodeDecodeError:
        return False
    return len(head) - len(head.translate(None, bytes(range(0x80, 0x100)))) >= 8


def _encoding_error(p: Path, source: str, kind: FileKind, bad: int) -> DataFileError:
    """The first byte of the file that fits neither encoding, by line and column."""
    data = p.read_bytes()[: bad + 1]
    delimiter = _delimiter(data.decode("utf-8", "replace")) if kind == "csv" else ","
    line, column = _line_and_field(data, bad, delimiter.encode())
    name = None
    if kind == "csv" and line > 1:
        header = next(csv.reader([data.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")],
                                 delimiter=delimiter))
        name = header[column] if column < len(header) else str(column + 1)
    return DataFileError(source, "encoding", row=line, column=name, values={"byte": f"0x{data[bad]:02X}"})


def _unfit_byte(t: Table, row: int, exc: UnicodeDecodeError) -> DataFileError:
    """The message for a byte that reading found not to fit the file's encoding."""
    if not t.format.verified:
        _encoding_name, bad = _encoding(Path(t.path), b"")
        if bad is not None:
            return _encoding_error(Path(t.path), t.path, t.format.kind, bad)
    return DataFileError(t.path, "encoding", row=row, values={"byte": f"0x{exc.object[exc.start]:02X}"})


def sniff(path: str | Path) -> FileFormat:
    """The kind, encoding and delimiter of a data file; :class:`DataFileError` when it is no table."""
    p = Path(path)
    source = str(path)
    try:
        if not p.is_file():
            raise DataFileError(source, "not_a_file")
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(_PROBE_BYTES)
    except OSError as exc:
        raise DataFileError(source, "unreadable", values={"reason": exc.strerror or str(exc)}) from None
    if size == 0 or not head.strip(b"\xef\xbb\xbf \r\n\t"):
        raise DataFileError(source, "empty")
    kind = _kind(p, head)
    if kind == "xlsx":
        return FileFormat("xlsx")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise DataFileError(source, "binary")
    verified = True
    if _settled_by_head(head, whole=size <= len(head)):
        encoding, bad, verified = "utf-8-sig", None, size <= len(head)
    else:
        encoding, bad = _encoding(p, head)
    if bad is not None:
        raise _encoding_error(p, source, kind, bad)
    if kind == "jsonl":
        return FileFormat("jsonl", encoding, verified=verified)
    text = head.decode(encoding.replace("-sig", ""), "ignore").lstrip("\ufeff")
    return FileFormat("csv", encoding, _delimiter(text), verified)


def _delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first = lines[0]
        return max(_DELIMITERS, key=first.count) if any(d in first for d in _DELIMITERS) else ","


# --------------------------------------------------------------------------- tables


@dataclass
class Table:
    """An opened data file: its format, header and a way to stream chunks of chosen columns as strings."""

    path: str
    format: FileFormat
    columns: list[str]

    def chunks(self, usecols: Sequence[str], rows: int = CHUNK_ROWS) -> Iterator[tuple[int, pd.DataFrame]]:
        """``(file row of the chunk's first record, chunk)``; every cell a string, an empty cell ``""``."""
        if self.format.kind == "csv":
            yield from _csv_chunks(self, usecols, rows)
        elif self.format.kind == "xlsx":
            yield from _xlsx_chunks(self, usecols, rows)
        else:
            yield from _jsonl_chunks(self, usecols, rows)


_BAD_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _csv_chunks(t: Table, usecols: Sequence[str], rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    # Every column is read (a chunk at a time) so that a row with more cells than the header is caught;
    # pandas lets it pass when only some columns are asked for.
    wanted = list(usecols)
    first = 2
    try:
        # opened inside the try: pandas decodes its first buffer (about 256 KiB, past the probed head) here
        with pd.read_csv(t.path, sep=t.format.delimiter, encoding=t.format.encoding, dtype=object,
                         chunksize=rows, na_filter=False, engine="c") as reader:
            for chunk in reader:
                yield first, chunk if list(chunk.columns) == wanted else chunk[wanted]
                first += len(chunk)
    except pd.errors.ParserError as exc:
        m = _BAD_LINE.search(str(exc))
        if m:
            expected, line, saw = (int(g) for g in m.groups())
            raise DataFileError(t.path, "ragged", row=line, column=str(expected + 1),
                                values={"expected": expected, "saw": saw}) from None
        raise DataFileError(t.path, "unparsable", row=first, values={"reason": str(exc).strip()}) from None
    except UnicodeDecodeError as exc:  # a byte past the probed head; keep the promise of one message
        raise _unfit_byte(t, first, exc) from None


def _csv_header(path: str, fmt: FileFormat) -> list[str]:
    with Path(path).open(encoding=fmt.encoding, newline="") as fh:
        row = next(csv.reader(fh, delimiter=fmt.delimiter), [])
    return [c.strip() for c in row]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _xlsx_rows(path: str) -> Iterator[tuple[int, list[Any]]]:
    """``(file row, cells)`` of a workbook's first sheet from its first filled row on (some systems write a
    blank line or two above an export's header). calamine reads the sheet at once, ten times as fast as a
    streaming XML reader."""
    try:
        rows = python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows()
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise DataFileError(path, "bad_xlsx", values={"reason": str(exc) or type(exc).__name__}) from None
    started = False
    for number, row in enumerate(rows, start=1):
        started = started or not _blank(row)
        if started:
            yield number, row


def _blank(row: Sequence[Any]) -> bool:
    return not any(c is not None and str(c).strip() for c in row)


def _xlsx_header(path: str) -> tuple[list[str], bool]:
    """The header of a workbook's first sheet, and whether a record follows it."""
    rows = _xlsx_rows(path)
    header = next(rows, (0, []))[1]
    return [_cell(c).strip() for c in header], any(not _blank(row) for _, row in rows)


def _xlsx_chunks(t: Table, usecols: Sequence[str], rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    index = [t.columns.index(c) for c in usecols]
    buffer: list[list[str]] = []
    first = 0
    it = _xlsx_rows(t.path)
    next(it, None)
    for number, row in it:
        blank = _blank(row)
        if buffer and (blank or len(buffer) >= rows):  # a chunk holds consecutive rows: its numbers follow on
            yield first, pd.DataFrame(buffer, columns=list(usecols), dtype=object)
            buffer = []
        if blank:
            continue
        if not buffer:
            first = number
        buffer.append([_cell(row[i]) if i < len(row) else "" for i in index])
    if buffer:
        yield first, pd.DataFrame(buffer, columns=list(usecols), dtype=object)


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _jsonl_records(path: str, encoding: str) -> Iterator[tuple[int, dict[str, Any]]]:
    with Path(path).open(encoding=encoding) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFileError(path, "bad_json", row=number, values={"reason": exc.msg}) from None
            if not isinstance(record, dict):
                raise DataFileError(path, "bad_json_record", row=number)
            yield number, _flatten(record)


def _jsonl_header(path: str, encoding: str) -> list[str]:
    names: dict[str, None] = {}
    for i, (_number, record) in enumerate(_jsonl_records(path, encoding)):
        names.update(dict.fromkeys(record))
        if i >= 100:
            break
    return list(names)


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return _cell(value)


def _jsonl_chunks(t: Table, usecols: Sequence[str], rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    buffer: list[list[str]] = []
    first = 0
    try:
        for number, record in _jsonl_records(t.path, t.format.encoding):
            if not buffer:
                first = number
            buffer.append([_json_cell(record.get(c)) for c in usecols])
            if len(buffer) >= rows:
                yield first, pd.DataFrame(buffer, columns=list(usecols), dtype=object)
                buffer = []
    except UnicodeDecodeError as exc:
        raise _unfit_byte(t, first or 1, exc) from None
    if buffer:
        yield first, pd.DataFrame(buffer, columns=list(usecols), dtype=object)


def open_table(path: str | Path) -> Table:
    """Sniff a data file and read its header; a file with a header and no record is refused here."""
    source = str(path)
    fmt = sniff(path)
    sheet_has_records: bool | None = None  # a workbook's sheet is read once for its header and first record
    try:
        if fmt.kind == "csv":
            columns = _csv_header(source, fmt)
        elif fmt.kind == "xlsx":
            columns, sheet_has_records = _xlsx_header(source)
        else:
            columns = _jsonl_header(source, fmt.encoding)
    except UnicodeDecodeError as exc:
        if not fmt.verified:
            raise _unfit_byte(Table(source, fmt, []), 1, exc) from None
        raise DataFileError(source, "unparsable", row=1, values={"reason": str(exc)}) from None
    except (OSError, csv.Error) as exc:
        raise DataFileError(source, "unparsable", row=1, values={"reason": str(exc)}) from None
    if not any(columns):
        raise DataFileError(source, "no_header", row=1)
    table = Table(source, fmt, columns)
    try:
        has_records = sheet_has_records if sheet_has_records is not None else (
            fmt.kind == "jsonl" or _has_records(table))
    except UnicodeDecodeError as exc:
        raise _unfit_byte(table, 2, exc) from None
    if not has_records:
        raise DataFileError(source, "header_only", row=2)
    return table


def _has_records(t: Table) -> bool:
    with Path(t.path).open(encoding=t.format.encoding, newline="") as fh:
        fh.readline()
        return any(line.strip() for line in fh)


__all__ = ["CHUNK_ROWS", "DataFileError", "FileFormat", "Table", "open_table", "sniff"]
