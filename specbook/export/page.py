"""The handout page filled from its parts: the ``specbook_handout`` template rendered by Jinja with the
settings nbconvert's template exporters use, so that ``specbook export`` and ``jupyter nbconvert --to
specbook_html`` write the same page while the former imports no part of nbconvert (nor nbformat, whose
schema validation pulls in jsonschema and its format checkers). The template is compiled once a process.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAME = "specbook_handout"
TEMPLATE_FILE = "index.html.j2"
# nbconvert's TemplateExporter: these extensions, no autoescape (the template escapes what needs it), and
# the page stripped of leading line breaks
_EXTENSIONS = ["jinja2.ext.loopcontrols"]


@functools.cache
def _template() -> Any:
    from jinja2 import Environment, FileSystemLoader

    environment = Environment(loader=FileSystemLoader(str(TEMPLATES / TEMPLATE_NAME)),
                              extensions=_EXTENSIONS)
    return environment.get_template(TEMPLATE_FILE)


def page_html(parts: dict[str, Any]) -> str:
    """The handout page of ``parts`` (:meth:`specbook.export.handout.Handout.as_resources`)."""
    html: str = _template().render(resources={"specbook": parts})
    return html.lstrip("\r\n")
