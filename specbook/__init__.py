"""specbook: a Jupyter workbook that closes the eight questions of an integration spec.

The public surface is small: ``load``/``save`` (and ``loads``/``dumps`` on strings), ``check``, ``export``
(the handouts) and the model types. Everything else is internal.
"""

from specbook.checks import Finding, Report, check
from specbook.errors import SpecError
from specbook.export import export
from specbook.model import Goal, Project, Spec
from specbook.storage import dumps, load, loads, save

__all__ = [
    "Finding",
    "Goal",
    "Project",
    "Report",
    "Spec",
    "SpecError",
    "check",
    "dumps",
    "export",
    "load",
    "loads",
    "save",
]
