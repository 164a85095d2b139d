"""A name box: a text line with its visible label and, optionally, its button, as one anywidget view.

The text typed and the click (or Enter) that submits it arrive in the kernel as one custom message,
``{"op": "submit", "value": TEXT, "seq": N}``, so the kernel can never act on a click before the text it
goes with. An ordinary ``Text`` beside a ``Button`` cannot promise that: the widget manager holds back a
text box's state updates while earlier ones are pending, and the button's click overtakes them.

With ``button`` the box empties as it submits (an Add box); a text the kernel refuses comes back into it.
Without ``button`` it is a rename box: it shows :attr:`value` and submits its text when it loses the
focus or on Enter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets as T

from specbook.forms.sheet import STATIC

__all__ = ["NameBox"]

OnSubmit = Callable[[str], bool]


class NameBox(anywidget.AnyWidget):
    """``on_submit(text)`` is called with every text submitted; it returns whether the text was taken.
    A box without ``button`` or ``on_submit`` sets :attr:`value` to the text submitted instead."""

    _esm = STATIC / "namebox.js"
    _css = STATIC / "namebox.css"

    label = T.Unicode("").tag(sync=True)
    placeholder = T.Unicode("").tag(sync=True)
    button = T.Unicode("").tag(sync=True)
    value = T.Unicode("").tag(sync=True)
    disabled = T.Bool(False).tag(sync=True)
    width = T.Unicode("").tag(sync=True)  # the text line's width (CSS), its natural one when empty
    label_width = T.Unicode("").tag(sync=True)  # the label's width (CSS), to line up with other fields

    def __init__(self, *, label: str, button: str = "", placeholder: str = "", value: str = "",
                 on_submit: OnSubmit | None = None, **kwargs: Any) -> None:
        super().__init__(label=label, button=button, placeholder=placeholder, value=value, **kwargs)
        self.on_submit = on_submit
        self.on_msg(self._on_msg)

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("op") == "submit":
            self.submit(content.get("value"), seq=content.get("seq"))

    def submit(self, text: Any, *, seq: Any = 0) -> bool:
        """Hand ``text`` to ``on_submit`` as if typed and submitted in the browser; answers the browser."""
        taken = False
        if isinstance(text, str):
            if self.on_submit is not None:
                taken = bool(self.on_submit(text))
            elif not self.button:  # a rename box without its own handler: observers of ``value`` act
                self.value = text
                taken = True
        self.send({"op": "result", "seq": seq if isinstance(seq, int) else 0,
                   "refused_value": None if taken or not isinstance(text, str) else text})
        return taken
