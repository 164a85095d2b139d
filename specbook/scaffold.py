"""Creating a workbook folder: ``spec.yaml`` and ``workbook.ipynb``, empty or from a bundled example."""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

from specbook.model import Project, Spec
from specbook.storage import SPEC_FILE, load, save

WORKBOOK_FILE = "workbook.ipynb"
_REPO = Path(__file__).resolve().parent.parent


def _bundled(installed: str, in_repo: str) -> Path:
    """A data folder or file: inside the installed package, or in the source tree it was installed from."""
    candidate = Path(str(resources.files("specbook").joinpath(installed)))
    return candidate if candidate.exists() else _REPO / in_repo


def template_path() -> Path:
    return _bundled("_templates/workbook.ipynb", "notebooks/workbook.ipynb")


def examples_dir() -> Path:
    return _bundled("_examples", "examples")


def example_names() -> list[str]:
    root = examples_dir()
    return sorted(p.name for p in root.iterdir() if (p / SPEC_FILE).is_file()) if root.is_dir() else []


class UnknownExampleError(ValueError):
    def __init__(self, name: str) -> None:
        names = ", ".join(example_names()) or "none"
        super().__init__(f"No example named {name!r}; examples: {names}")


class FolderNotEmptyError(FileExistsError):
    pass


def create(folder: str | os.PathLike[str], language: str | None = None, example: str | None = None) -> Path:
    """Make ``folder`` a new workbook: its spec (empty, or a copy of an example) and the workbook notebook."""
    target = Path(folder)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FolderNotEmptyError(f"{target} already exists and is not empty")
    if example is not None:
        if example not in example_names():
            raise UnknownExampleError(example)
        spec = load(examples_dir() / example / SPEC_FILE)
        spec.origins.clear()
        if language is not None and language != spec.language:
            spec.language = language
    else:
        spec = Spec(language=language or "en", project=Project(name=target.resolve().name))
    target.mkdir(parents=True, exist_ok=True)
    save(spec, target / SPEC_FILE)
    shutil.copyfile(template_path(), target / WORKBOOK_FILE)
    return target
