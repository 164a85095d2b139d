"""File names of a handout: the project's name and the spec's version (or date), safe on every file system.

Cyrillic is transliterated so that the names survive e-mail, archives and old tools; anything that is
not a letter, a digit, a dot or a dash becomes a dash.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata

from specbook.model import Spec

_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
     "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "yi", "ye", "g", "u"],
    strict=True,
))
MAX_LENGTH = 60
# Words a cut name must not end on: they promise a word that was cut off («…-dostavkoy-i»).
_DANGLING = frozenset({"i", "s", "v", "k", "o", "u", "na", "po", "ob", "ot", "do", "za", "iz", "ili", "dlya", "pri",
                       "a", "an", "and", "or", "of", "the", "to", "for", "with", "in", "on", "by", "at"})


def slug(text: str, fallback: str = "spec") -> str:
    """``"Магазин ↔ CRM"`` -> ``"magazin-crm"``: lower-case ASCII letters, digits, dots and dashes."""
    out = []
    for ch in text.lower():
        if ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        else:
            out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii"))
    value = re.sub(r"[^a-z0-9.]+", "-", "".join(out))
    value = re.sub(r"-{2,}", "-", value).strip("-.")
    if len(value) > MAX_LENGTH:  # cut at a word's end where there is one, never on a dangling "and"
        cut = value[: MAX_LENGTH + 1]
        if "-" not in cut[MAX_LENGTH // 2 :]:
            value = value[:MAX_LENGTH]
        else:
            kept = cut.rsplit("-", 1)[0].split("-")
            while len(kept) > 1 and kept[-1] in _DANGLING:
                kept.pop()
            value = "-".join(kept)
    return value.strip("-.") or fallback


def stem(spec: Spec, today: _dt.date | None = None) -> str:
    """The common start of every file of one handout: ``shop-and-crm-integration-v1.0``."""
    name = slug(spec.project.name)
    version = slug(spec.project.version, "")
    if version:
        return f"{name}-v{version.removeprefix('v')}"
    date = slug(spec.project.date, "") or (today or _dt.date.today()).isoformat()
    return f"{name}-{date}"
