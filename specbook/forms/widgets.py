"""Parts every form is built from: the base :class:`Form`, inline messages, labelled fields bound to one
answer, the banner that offers to reload, a section's heading and findings, and the "to be confirmed" mark.

Callbacks here do two things: change the model through :mod:`specbook.edits` and tell the workbook
(``Session.changed``). Views refresh from the model when the workbook says something changed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import ipywidgets as W
from ipywidgets.widgets.widget_description import DescriptionWidget

from specbook import edits, lang
from specbook.checks import describe_location, location_section
from specbook.definitions import SECTION
from specbook.errors import SpecError
from specbook.markup import esc
from specbook.session import Change, Session

LABEL_WIDTH = "17em"
ERROR_STYLE = "color:#b3261e"
MUTED_STYLE = "color:#5f6368"

Choices = Sequence[tuple[str, str]]


class Form:
    """A view of some answers of one workbook. It refreshes itself when the tables it ``depends`` on
    change; while it sets its own widgets (``quiet``), their callbacks do not write back."""

    depends: frozenset[str] = frozenset()

    def __init__(self, wb: Session) -> None:
        self.wb = wb
        self._quiet = 0
        self.widget: W.Widget = W.VBox()

    @property
    def language(self) -> str:
        """The spec's language now (a reload may bring another)."""
        return self.wb.spec.language

    def text(self, key: str, /, **values: object) -> str:
        return lang.text(self.language, key, **values)

    def listen(self) -> None:
        self.wb.on_change(self._on_change)

    def _on_change(self, change: Change) -> None:
        if change.touches(self.depends):
            self.refresh()

    def refresh(self) -> None:
        """Show the model as it is now."""

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    @property
    def busy(self) -> bool:
        return self._quiet > 0

    def edit(self, change: Callable[[], object], *tables: str, message: Message, at_once: bool = False) -> bool:
        """Make one model edit and tell the workbook; a refused edit shows its reason in ``message``."""
        try:
            change()
        except edits.EditError as exc:
            message.show(exc.message(self.language))
            return False
        message.clear()
        self.wb.changed(*tables, at_once=at_once)
        return True


class Message:
    """A line beside a field for what went wrong with the last input (empty when all is well)."""

    def __init__(self) -> None:
        self.text = ""
        self.widget = W.HTML("")

    def show(self, text: str) -> None:
        self.text = text
        self.widget.value = f'<span class="specbook-message" style="{ERROR_STYLE}">⚠ {esc(text)}</span>'

    def clear(self) -> None:
        self.text = ""
        if self.widget.value:
            self.widget.value = ""


def name_labels(widget: W.Widget) -> None:
    """Give every described input under ``widget`` a tooltip: ipywidgets writes a missing one into its
    label's title as the word «null», which the page then shows on hover and reads out."""
    if isinstance(widget, DescriptionWidget) and widget.tooltip is None:
        widget.tooltip = widget.description or ""
    for child in getattr(widget, "children", ()) or ():
        name_labels(child)


def _labelled_input(widget: W.Widget) -> DescriptionWidget | None:
    if isinstance(widget, DescriptionWidget) and not isinstance(widget, W.Button):
        return widget
    for child in getattr(widget, "children", ()) or ():
        found = _labelled_input(child)
        if found is not None:
            return found
    return None


def labelled(label: str, widget: W.Widget, message: Message | None = None, help_text: str = "") -> W.Widget:
    """A field: its label on the left (the input's own description, so that the page ties the label to the
    input), the input, and its message below the input."""
    target = _labelled_input(widget)
    widget.layout.flex = "1 1 auto"
    widget.layout.width = "auto"
    parts: list[W.Widget] = []
    if target is not None:
        target.description = label
        target.style.description_width = LABEL_WIDTH
        if help_text:
            target.tooltip = help_text
    else:
        title = f' title="{esc(help_text)}"' if help_text else ""
        parts.append(W.HTML(f"<span{title}>{esc(label)}</span>",
                            layout=W.Layout(width=LABEL_WIDTH, min_width=LABEL_WIDTH)))
    if message is None:
        return W.HBox([*parts, widget], layout=W.Layout(width="100%", max_width="60em"))
    right = W.VBox([widget, message.widget], layout=W.Layout(flex="1 1 auto"))
    return W.HBox([*parts, right], layout=W.Layout(width="100%", max_width="60em"))


def prose_style() -> W.HTML:
    """Long text boxes in the reader's proportional font, not the code font of notebooks."""
    return W.HTML("<style>.specbook-section textarea, .specbook-prose textarea "
                  "{font-family: var(--jp-ui-font-family, sans-serif); font-size: inherit}</style>")


def set_options(dropdown: W.Dropdown | W.Select, choices: Choices, value: Any) -> None:
    """New options for a dropdown, keeping ``value`` (added if it is not among them, so nothing is lost)."""
    choices = list(choices)
    values = [v for _w, v in choices]
    if value not in values:
        choices.append((str(value), value))
    if list(dropdown.options) != choices:
        dropdown.options = choices
    if dropdown.value != value:
        dropdown.value = value


class Bound:
    """One input widget bound to one answer: ``read()`` gives the model value as text, ``write(text)``
    parses and stores it (raising :class:`edits.EditError` on bad input). A refused input stays in the
    widget with its message until it is corrected or the answer changes elsewhere."""

    def __init__(self, form: Form, widget: W.ValueWidget, read: Callable[[], Any],
                 write: Callable[[Any], None], tables: Sequence[str], *, at_once: bool = False) -> None:
        self.form = form
        self.input = widget
        self.read = read
        self.message = Message()
        self._write = write
        self._tables = tuple(tables)
        self._at_once = at_once
        self.refused = False
        widget.observe(self._typed, names="value")

    def _typed(self, change: dict[str, Any]) -> None:
        if self.form.busy:
            return
        self.refused = not self.form.edit(lambda: self._write(change["new"]), *self._tables,
                                          message=self.message, at_once=self._at_once)

    def refresh(self, *, force: bool = False) -> None:
        if self.refused and not force:
            return
        self.refused = False
        self.message.clear()
        with self.form.quiet():
            value = self.read()
            if isinstance(self.input, W.TagsInput):
                value = list(value)
            if self.input.value != value:
                self.input.value = value


class Banner(Form):
    """Says when the spec file changed on disk (and offers to reload it or to keep this version) or when a
    save failed (with the reason, and a button to try again). One per workbook: see :func:`banner`."""

    def __init__(self, wb: Session) -> None:
        super().__init__(wb)
        self.note = W.HTML()
        self.reload_button = W.Button(description=self.text("forms.banner.reload"), icon="refresh",
                                      button_style="warning", layout=W.Layout(width="auto"))
        self.overwrite_button = W.Button(description=self.text("forms.banner.overwrite"),
                                         layout=W.Layout(width="auto"))
        self.retry_button = W.Button(description=self.text("forms.banner.retry"), icon="save",
                                     button_style="danger", layout=W.Layout(width="auto"))
        self.reload_button.on_click(lambda _b: self._reload())
        self.overwrite_button.on_click(lambda _b: self.wb.overwrite())
        self.retry_button.on_click(lambda _b: self.wb.flush())
        self.widget = W.VBox([self.note, W.HBox([self.retry_button, self.reload_button, self.overwrite_button])],
                             layout=W.Layout(border="2px solid #e8a317", padding="0.5em", margin="0.5em 0",
                                             display="none"))
        self.widget.add_class("specbook-banner")
        self.failure = ""
        self.refresh()
        wb.on_change(lambda _c: self.refresh())

    def _reload(self) -> None:
        try:
            self.wb.reload()
        except SpecError as exc:
            self.failure = str(exc)
            self.refresh()
        else:
            self.failure = ""

    @property
    def shown(self) -> bool:
        return self.widget.layout.display != "none"

    def refresh(self) -> None:
        error = self.wb.save_error
        if not (self.wb.conflict or self.wb.stale or error):
            self.failure = ""
            self.widget.layout.display = "none"
            return
        parts = []
        if error:
            parts.append(esc(self.text("forms.banner.save_failed", file=self.wb.path.name, reason=error)))
        if self.wb.conflict or self.wb.stale:
            parts.append(esc(self.text("forms.banner.conflict" if self.wb.conflict else "forms.banner.stale")))
        failure = esc(self.failure, breaks=False)
        extra = f'<pre style="{ERROR_STYLE};white-space:pre-wrap">{failure}</pre>' if self.failure else ""
        self.note.value = f'<span role="alert"><b>⚠</b> {"<br>".join(parts)}</span>{extra}'
        self.retry_button.layout.display = "flex" if error else "none"
        self.reload_button.layout.display = "flex" if (self.wb.conflict or self.wb.stale) else "none"
        # only unsaved answers are worth keeping over the file; without them there is nothing to overwrite with
        self.overwrite_button.layout.display = "flex" if self.wb.conflict else "none"
        self.widget.layout.display = "flex"


def banner(wb: Session) -> Banner:
    """The workbook's one banner (shown under its title, not repeated in every section)."""
    if "banner" not in wb.forms:
        wb.forms["banner"] = Banner(wb)
    found: Banner = wb.forms["banner"]
    return found


def section_heading(language: str, key: str) -> W.HTML:
    """The section's title, its question, why it matters and an example answer."""
    t = lambda part: lang.text(language, f"sections.{key}.{part}")  # noqa: E731
    return W.HTML(
        f'<h3 style="margin:0.3em 0">{esc(t("title"))}</h3>'
        f'<p style="margin:0.2em 0"><b>{esc(t("question"))}</b></p>'
        f'<p style="margin:0.2em 0;{MUTED_STYLE}">{esc(t("why"))}</p>'
        f'<p style="margin:0.2em 0;{MUTED_STYLE}"><i>{esc(lang.text(language, "forms.example"))}:</i> '
        f"{esc(t('example'))}</p>"
    )


def heading(text: str) -> W.HTML:
    return W.HTML(f'<h4 style="margin:0.8em 0 0.2em 0">{esc(text)}</h4>')


def note(text: str) -> W.HTML:
    return W.HTML(f'<p style="margin:0.2em 0;{MUTED_STYLE}">{esc(text)}</p>')


class Findings(Form):
    """What the checks still find open in one section: the same findings as the readiness panel."""

    def __init__(self, wb: Session, section: str) -> None:
        super().__init__(wb)
        self.section = section
        self.widget = W.HTML()
        self.refresh()
        wb.on_change(lambda _c: self.refresh())

    def refresh(self) -> None:
        found = [f for f in self.wb.report.findings if f.section == self.section]
        head = f"<b>{esc(self.text('forms.findings'))}</b>"
        if not found:
            nothing = esc(self.text("forms.nothing_open"))
            self.widget.value = f'{head}<div style="{MUTED_STYLE}">✓ {nothing}</div>'
            return
        items = "".join(
            f'<li><span style="{_SEVERITY_STYLE[f.severity]}">{esc(lang.choice(self.language, "severity", f.severity))}'
            f"</span>: {esc(f.message)}</li>"
            for f in found
        )
        self.widget.value = f'{head}<ul style="margin:0.2em 0;padding-left:1.4em">{items}</ul>'


_SEVERITY_STYLE = {"error": ERROR_STYLE + ";font-weight:bold", "warning": "color:#8a5300;font-weight:bold",
                   "info": MUTED_STYLE}


class ConfirmMark(Form):
    """Marks an answer of a section as "to be confirmed" by someone (a row of ``open_points``)."""

    depends = frozenset({"open_points"})

    def __init__(self, wb: Session, section: str, contexts: Sequence[Callable[[], Choices]] = ()) -> None:
        super().__init__(wb)
        self.section = section
        self.contexts = list(contexts)
        self.message = Message()
        self.answer = W.Dropdown(options=[], value=None, description=self.text("forms.mark.answer"),
                                 style={"description_width": "initial"}, layout=W.Layout(width="auto"))
        self.who = W.Text(description=self.text("forms.mark.who"), style={"description_width": "initial"},
                          layout=W.Layout(width="auto"))
        self.mark_button = W.Button(description=self.text("forms.mark.mark"), icon="flag",
                                    layout=W.Layout(width="auto"))
        self.confirmed_button = W.Button(description=self.text("forms.mark.confirmed"), icon="check",
                                         layout=W.Layout(width="auto"))
        self.listing = W.HTML()
        self.mark_button.on_click(lambda _b: self._mark())
        self.confirmed_button.on_click(lambda _b: self._confirmed())
        self.answer.observe(lambda _c: self._show_who(), names="value")
        title = W.HTML(f'<b title="{esc(self.text("forms.mark.hint"))}">{esc(self.text("forms.mark.title"))}</b>',
                       layout=W.Layout(width=LABEL_WIDTH, min_width=LABEL_WIDTH))
        self.answer.layout = W.Layout(width="34em")
        self.who.layout = W.Layout(width="22em")
        self.widget = W.VBox([
            W.HBox([title, self.answer, self.who, self.mark_button, self.confirmed_button],
                   layout=W.Layout(flex_flow="row wrap", align_items="center")),
            self.message.widget,
            self.listing,
        ], layout=W.Layout(margin="0.6em 0 0 0", padding="0.3em 0 0 0", border_top="1px solid #ddd"))
        self.widget.add_class("specbook-mark")
        self.refresh()
        self.listen()

    def _mark(self) -> None:
        where = self.answer.value
        if not where:
            self.message.show(self.text("forms.errors.choose_answer"))
            return
        self.edit(lambda: edits.mark(self.wb.spec, where, self.who.value), "open_points",
                  message=self.message, at_once=True)

    def _confirmed(self) -> None:
        where = self.answer.value
        if not where:
            self.message.show(self.text("forms.errors.choose_answer"))
            return
        self.edit(lambda: edits.unmark(self.wb.spec, where), "open_points", message=self.message, at_once=True)

    def _show_who(self) -> None:
        marks = self._marks()
        if self.answer.value and self.answer.value in marks:
            self.who.value = marks[self.answer.value]

    def _marks(self) -> dict[str, str]:
        df = self.wb.spec["open_points"]
        return {str(loc): str(who) for loc, who in zip(df["location"].tolist(), df["who"].tolist(), strict=True)
                if location_section(str(loc)) == self.section}

    def choices(self) -> list[tuple[str, str]]:
        title = self.text(f"sections.{self.section}.title")
        out = [(self.text("forms.mark.whole", section=title), self.section)]
        for scalar in SECTION[self.section].scalars:
            out.append((describe_location(self.language, scalar), scalar))
        for context in self.contexts:
            out.extend(context())
        seen: dict[str, str] = {}
        for label, where in out:
            if where not in seen.values() and location_section(where) == self.section:
                seen[label] = where
        return list(seen.items())

    def follow(self) -> None:
        """The person moved to another answer (a cell, a record): offer it first."""
        self.refresh_choices(follow=True)

    def refresh_choices(self, follow: bool = False) -> None:
        choices = self.choices()
        values = [v for _w, v in choices]
        # nothing is chosen until the person chooses (or moves to an answer, which is then offered)
        keep = self.answer.value if self.answer.value in values and not follow else None
        if follow and len(values) > 1:
            keep = values[-1]
        with self.quiet():
            if list(self.answer.options) != choices:
                self.answer.options = choices
            self.answer.value = keep

    def refresh(self) -> None:
        self.refresh_choices()
        marks = self._marks()
        if not marks:
            self.listing.value = f'<span style="{MUTED_STYLE}">{esc(self.text("forms.mark.none"))}</span>'
            return
        items = []
        for where, who in marks.items():
            answer = describe_location(self.language, where)
            key = "forms.mark.item" if who.strip() else "forms.mark.item_nobody"
            items.append(f"<li>⚑ {esc(self.text(key, answer=answer, who=who))}</li>")
        self.listing.value = f'<ul style="margin:0.2em 0;padding-left:1.4em">{"".join(items)}</ul>'

