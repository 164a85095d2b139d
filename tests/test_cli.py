"""The command line, called in-process as a user would call it from a shell."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml

import specbook
from specbook.cli import main
from specbook.definitions import SCHEMA_VERSION
from specbook.scaffold import example_names

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {"shop-crm": "8 из 8 вопросов закрыто", "b2b-erp": "8 of 8 questions closed"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_check_example_is_complete_in_its_language(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, err = run(capsys, "check", str(ROOT / "examples" / name))
    assert code == 0, out + err
    assert EXAMPLES[name] in out.splitlines()[0]
    assert "Traceback" not in out + err


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_check_json_is_a_valid_document(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, _ = run(capsys, "check", str(ROOT / "examples" / name), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["readiness"] == {"closed": 8, "total": 8, "text": EXAMPLES[name]}
    assert data["counts"]["error"] == 0
    assert all({"code", "severity", "question", "location", "message"} <= set(f) for f in data["findings"])


def test_check_junit_is_xml_with_one_case_per_question(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "new", str(tmp_path / "acme"), "--lang", "en")[0] == 0
    code, out, _ = run(capsys, "check", str(tmp_path / "acme"), "--format", "junit")
    assert code == 1
    root = ET.fromstring(out.split("\n", 1)[1])
    cases = root.findall(".//testcase")
    questions = [c for c in cases if c.get("name", "")[:2] in {f"{n}." for n in range(1, 9)}]
    assert len(questions) == 8
    assert int(root.get("failures", "0")) >= 8  # an empty spec closes nothing


def test_new_workbook_is_open_and_readable(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    code, out, _ = run(capsys, "new", str(folder), "--lang", "ru")
    assert code == 0
    assert (folder / "spec.yaml").is_file() and (folder / "workbook.ipynb").is_file()
    spec = specbook.load(folder)
    assert spec.language == "ru" and spec.project.name == "acme"
    code, out, _ = run(capsys, "check", str(folder))
    assert code == 1
    assert "0 из 8 вопросов закрыто" in out
    assert "1. Цель" in out  # grouped by question, in the spec's language


def test_new_refuses_a_non_empty_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    code, _, err = run(capsys, "new", str(tmp_path))
    assert code == 2 and "not empty" in err
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_new_from_example_copies_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert set(EXAMPLES) <= set(example_names())
    code, _, _ = run(capsys, "new", str(tmp_path / "demo"), "--from-example", "shop-crm")
    assert code == 0
    assert specbook.load(tmp_path / "demo") == specbook.load(ROOT / "examples" / "shop-crm")


def test_unknown_example_lists_the_known_ones(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "new", str(tmp_path / "x"), "--from-example", "shop")
    assert code == 2
    assert "shop-crm" in err and "b2b-erp" in err


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("schema_version: 2\nlanguage: en\nflows:\n- name: a\n  max_delay_minutes: tomorrow\n",
         ":5:3: flows[0].max_delay_minutes: must be a whole number"),
        ("schema_version: 2\nsystems: [\n", ":3:1: is not valid YAML"),
        ("schema_version: 99\n", "upgrade specbook"),
        ("\xff\xfe", "not UTF-8"),
    ],
    ids=["letters-in-number", "malformed", "newer-version", "not-utf8"],
)
def test_unreadable_input_exits_2_naming_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, needle: str
) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(content.encode("latin-1") if content == "\xff\xfe" else content.encode())
    code, out, err = run(capsys, "check", str(path))
    assert code == 2
    assert str(path) in err and needle in err
    assert "Traceback" not in err and out == ""


def test_missing_file_and_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "check", str(tmp_path / "nope.yaml"))[0] == 2
    assert run(capsys, "frobnicate")[0] == 2
    assert run(capsys, "check", "x", "--format", "pdf")[0] == 2


def test_help_explains_commands_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for word in ("new", "check", "schema", "exit codes", "--from-example"):
        assert word in out


def _valid_spec_files() -> list[Path]:
    files = [ROOT / "examples" / name / "spec.yaml" for name in sorted(EXAMPLES)]
    files += sorted((ROOT / "tests" / "data").rglob("*.yaml"))
    out = []
    for f in files:
        try:
            specbook.load(f)
        except specbook.SpecError:
            continue
        if yaml.safe_load(f.read_text(encoding="utf-8")).get("schema_version") == SCHEMA_VERSION:
            out.append(f)  # older files are migrated on load; the schema describes the current layout
    return out


@pytest.mark.parametrize("path", _valid_spec_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_schema_validates_every_valid_spec_file(capsys: pytest.CaptureFixture[str], path: Path) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
    jsonschema.Draft202012Validator(schema).validate(data)


def test_schema_rejects_what_the_loader_rejects(capsys: pytest.CaptureFixture[str]) -> None:
    schema = json.loads(run(capsys, "schema")[1])
    validator = jsonschema.Draft202012Validator(schema)
    assert not validator.is_valid({"schema_version": 2, "flows": [{"name": "a", "colour": "red"}]})
    assert not validator.is_valid({"schema_version": 2, "flows": [{"name": "a", "trigger": "sometimes"}]})
    assert not validator.is_valid({"language": "de", "schema_version": 2})


# Text a spec may hold that would act on a terminal or break a report: escape codes, BEL, NUL, a C1
# control, a line separator, a bidirectional override, and a line break inside a name.
HOSTILE = ["Shop\\e[31mRED\\e[0m", "Bell\\a", "Nul\\0", "C1\\x9b2J", "Line\\Lsep", "Bidi\\u202Eevil",
           "Two\\nlines"]
RAW = ["\x1b", "\x07", "\x00", "\x9b", "\u2028", "\u202e"]


def _hostile_spec(path: Path) -> None:
    systems = "".join(f'- name: "{name}"\n' for name in HOSTILE)
    path.write_text(f"schema_version: 2\nlanguage: en\nsystems:\n{systems}", encoding="utf-8")
    spec = specbook.load(path)
    assert any("\x1b" in name for name in spec["systems"]["name"])  # the file really holds them


def test_check_text_shows_control_characters_visibly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    _hostile_spec(path)
    code, out, err = run(capsys, "check", str(path))
    assert code == 1, err
    for raw in RAW:
        assert raw not in out, repr(raw)
    assert "Shop\\x1b[31mRED" in out and "Bell\\x07" in out and "Nul\\x00" in out and "Bidi\\u202eevil" in out
    assert "Two\\nlines" in out  # one finding, one line


def test_every_report_format_is_valid_whatever_the_spec_holds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "spec.yaml"
    _hostile_spec(path)
    code, out, _ = run(capsys, "check", str(path), "--format", "junit")
    assert code == 1
    root = ET.fromstring(out.encode("utf-8"))  # XML 1.0 forbids most control characters: it must parse
    text = ET.tostring(root, encoding="unicode")
    assert "Bell\\x07" in text and "Shop\\x1b[31mRED" in text
    code, out, _ = run(capsys, "check", str(path), "--format", "json")
    data = json.loads(out)  # JSON keeps the exact values, escaped by JSON itself
    assert "\x07" not in out and "\x1b" not in out
    assert any("Bell\x07" in f["message"] for f in data["findings"])


def test_a_refused_file_is_reported_on_one_visible_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    key = "\\e[2J" + "k" * 900  # a YAML key is at most 1024 characters
    path.write_text(f'schema_version: 2\nproject:\n  "{key}": x\n  name: "a\\e[31m\\ab"\n', encoding="utf-8")
    code, _, err = run(capsys, "check", str(path))
    assert code == 2
    assert err.count("\n") == 1 and len(err) < 400, err  # one line: the unknown key, cut and made visible
    assert "\x1b" not in err and "\\x1b[2J" in err
    assert f"{path}:3:3: project." in err


def test_the_command_as_a_process_hands_over_all_it_printed_and_its_exit_code(tmp_path: Path) -> None:
    """The console script ends its process without tearing the interpreter down: what it printed into a
    pipe still arrives whole, and the exit codes are main()'s."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # output into a pipe is buffered

    def command(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "specbook", *argv], capture_output=True, text=True,
                              timeout=300, cwd=tmp_path, env=env)

    assert command("new", "acme", "--lang", "en").returncode == 0
    done = command("check", "acme", "--format", "json")
    assert done.returncode == 1  # an empty spec has errors
    assert json.loads(done.stdout)["counts"]["error"] > 0
    done = command("export", str(ROOT / "examples" / "b2b-erp"), "--to", "html", "-o", "out")
    assert done.returncode == 0, done.stderr
    written = [Path(line) for line in done.stdout.splitlines()]
    assert [p.suffix for p in written] == [".html", ".yaml", ".json"] and all(p.is_file() for p in written)
    assert "8 of 8 questions closed" in done.stderr
    done = command("schema")
    assert done.returncode == 0 and len(done.stdout) > 20_000  # tens of kilobytes through the pipe, whole
    assert json.loads(done.stdout)["properties"]["schema_version"]
    assert command("check", "no-such-folder").returncode == 2
