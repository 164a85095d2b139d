"""The ``specbook`` command: wiring only — parse, call one function, write the result.

Exit codes: 0 success (for ``check``: no errors); 1 ``check`` found errors; 2 the input could not be read,
or the command was used wrongly. No command prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from specbook import lang
from specbook._perf import defer_iri_grammar
from specbook.checks import check
from specbook.errors import SpecError
from specbook.export import DEFAULT_DIR, UnknownFormatError, WorkbookRunError, export_handouts
from specbook.reporting import FORMATS, to_text
from specbook.scaffold import FolderNotEmptyError, UnknownExampleError, create, example_names
from specbook.schema import json_schema_text
from specbook.storage import load

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2

EPILOG = """exit codes:
  0  success; for check: no errors (warnings and notes may remain)
  1  check: the spec has errors; verify: the data contradict the spec
  2  the input could not be read, or the command was used wrongly

examples:
  specbook new acme --lang ru                 a new workbook folder
  specbook new demo --from-example shop-crm   start from a bundled example
  specbook check acme                         what is still open, grouped by question
  specbook check acme --format junit > report.xml
  specbook verify acme --data CRM:Order=deals.xlsx   the spec against the systems' exports
  specbook export acme                        handouts (HTML, PDF), spec copy and JSON Schema in exports/
                                              beside the folder acme
  specbook app acme --port 8866               the workbook code-free in a browser, for the customer
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="specbook",
        description="Specify an integration between business systems: answer the eight questions in a "
        "Jupyter workbook, check what is open or contradictory, and export a handout to sign.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    new = commands.add_parser("new", help="create a workbook folder (spec.yaml and workbook.ipynb)",
                              description="Create DIR with spec.yaml and workbook.ipynb.")
    new.add_argument("dir", metavar="DIR", help="folder to create (must not exist, or be empty)")
    new.add_argument("--lang", choices=lang.LANGUAGES, help="language of the workbook (default: en)")
    new.add_argument("--from-example", metavar="NAME",
                     help=f"copy a bundled example spec ({', '.join(example_names()) or 'none bundled'})")
    new.set_defaults(run=_new)

    chk = commands.add_parser("check", help="check a spec and show what is open, by question",
                              description="Check a spec file or a workbook folder. Exit 0: no errors; "
                              "1: errors found; 2: unreadable input.")
    chk.add_argument("path", metavar="PATH", help="a spec.yaml file, or a workbook folder containing one")
    chk.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format (default: text)")
    chk.add_argument("--verbose", action="store_true",
                     help="text output: add each finding's code and location (as in the JSON output)")
    chk.set_defaults(run=_check)

    ver = commands.add_parser("verify", help="check the spec against the systems' exports (CSV, XLSX, JSON lines)",
                              description="Read the exports given with --data (else those in the spec's samples "
                              "table) and check keys, required fields, formats, statuses, flows and "
                              "reconciliations on them. Exit 0: no errors; 1: errors found; 2: unreadable spec "
                              "or data file.")
    ver.add_argument("path", metavar="PATH", help="a spec.yaml file, or a workbook folder containing one")
    ver.add_argument("--data", action="append", default=[], metavar="SYSTEM:ENTITY=PATH",
                     help="an export of ENTITY from SYSTEM (repeat for each file)")
    ver.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format (default: text)")
    ver.add_argument("--verbose", action="store_true", help="text output: add each finding's code and location")
    ver.set_defaults(run=_verify)

    schema = commands.add_parser("schema", help="print the JSON Schema of the spec file",
                                 description="Print the JSON Schema that every valid spec file validates against.")
    schema.set_defaults(run=_schema)

    exp = commands.add_parser("export", help="export the handout (HTML, PDF), the spec file and its JSON Schema",
                              description="Run the workbook of PATH with static views and write its handouts, a "
                              "copy of the spec file and its JSON Schema to DIR; print the absolute paths written, "
                              "and the readiness (with a warning when the spec has errors) on stderr. Exit 0: "
                              "written; 1: --strict and the spec has errors (nothing written); 2: unreadable input "
                              "or a workbook cell failed.")
    exp.add_argument("path", metavar="PATH",
                     help="a workbook folder, its spec.yaml or workbook.ipynb, or any spec file")
    exp.add_argument("--to", default="html,pdf", metavar="FORMATS",
                     help="comma-separated formats: html, pdf (default: html,pdf)")
    exp.add_argument("-o", "--output", metavar="DIR", default=None,
                     help=f"folder to write to (default: {DEFAULT_DIR}/ beside the workbook folder)")
    exp.add_argument("--strict", action="store_true",
                     help="write nothing and exit 1 when the spec has errors")
    exp.set_defaults(run=_export)

    app = commands.add_parser("app", help="serve the workbook code-free in a browser (customer mode)",
                              description="Serve the workbook of DIR with Voila on 127.0.0.1 and print its URL; "
                              "answers land in DIR/spec.yaml. Stop with Ctrl-C. Exit 2: unreadable spec or port "
                              "in use.")
    app.add_argument("dir", metavar="DIR", help="a workbook folder (or its spec.yaml)")
    app.add_argument("--port", type=int, metavar="N", help="port to listen on (default: 8866 or the next free one)")
    app.set_defaults(run=_app)
    return parser


def _new(args: argparse.Namespace) -> int:
    folder = create(args.dir, language=args.lang, example=args.from_example)
    print(folder / "spec.yaml")
    print(folder / "workbook.ipynb")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    return _write_report(check(load(args.path)), args, FORMATS, to_text)


def _write_report(report: Any, args: argparse.Namespace, formats: Mapping[str, Callable[[Any, str], str]],
                  text: Callable[..., str]) -> int:
    """One report (of check or verify) on stdout in the format asked; the exit code its errors give."""
    if args.format == "text":
        sys.stdout.write(text(report, args.path, verbose=args.verbose))
    else:
        sys.stdout.write(formats[args.format](report, args.path))
    return EXIT_OK if report.ok else EXIT_FINDINGS


def _verify(args: argparse.Namespace) -> int:
    from specbook.verify import VerifyInputError, verify_path
    from specbook.verify.report import FORMATS as VERIFY_FORMATS
    from specbook.verify.report import to_text as verify_text

    try:
        report = verify_path(args.path, args.data)
    except VerifyInputError as exc:
        for problem in exc.problems:
            print(f"specbook verify: {problem}", file=sys.stderr)
        return EXIT_INPUT
    return _write_report(report, args, VERIFY_FORMATS, verify_text)


def _schema(args: argparse.Namespace) -> int:
    sys.stdout.write(json_schema_text())
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    defer_iri_grammar()  # in case a kernel runs the workbook: nbformat imports jsonschema

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    done = export_handouts(args.path, to=args.to, output_dir=args.output, refuse_errors=args.strict,
                           on_kernel=say)
    report = done.report
    t = report.language
    counts = lang.text(t, "ui.findings_count", errors=report.count("error"), warnings=report.count("warning"),
                       infos=report.count("info"))
    for path in done.paths:
        print(path)
    say(lang.text(t, "export.summary", path=args.path, readiness=report.readiness(), counts=counts))
    if not report.ok:
        key = "export.refused" if args.strict else "export.has_errors"
        say(lang.text(t, key, count=report.count("error"), path=args.path))
    return EXIT_FINDINGS if args.strict and not report.ok else EXIT_OK


def _app(args: argparse.Namespace) -> int:
    from specbook.app import serve

    return serve(args.dir, port=args.port)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (tests call this in-process)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2): argparse has printed the message
        return int(exc.code) if isinstance(exc.code, int) else EXIT_INPUT
    try:
        return int(args.run(args))
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except SpecError as exc:  # already names file, line and field of every problem
        print(exc, file=sys.stderr)
    except (FolderNotEmptyError, UnknownExampleError, UnknownFormatError, WorkbookRunError) as exc:
        print(f"specbook {args.command}: {exc}", file=sys.stderr)
    except OSError as exc:
        where = exc.filename or getattr(args, "path", None) or getattr(args, "dir", "")
        print(f"specbook {args.command}: {where}: {exc.strerror or exc}", file=sys.stderr)
    return EXIT_INPUT


def entry() -> None:
    """The ``specbook`` console script: :func:`main`, then the end of the process. Once a command has
    written and closed its files the process ends without tearing the interpreter down: freeing a rendered
    PDF's hundreds of thousands of objects one by one took a third of a second after the export was done.
    ``specbook app`` ends the ordinary way, so that its server's clean-up runs."""
    code = main()
    if sys.argv[1:2] == ["app"]:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader that went away, or a stream already closed
        pass
    os._exit(code)


if __name__ == "__main__":
    entry()
