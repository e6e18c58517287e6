"""Read an HTML form the way a browser submits it: every input, select and textarea with its value."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.fields: dict[str, str] = {}
        self.checkboxes: set[str] = set()
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action", "") == self.action
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") == "checkbox":
                self.checkboxes.add(name)
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            else:
                self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
                self.fields.setdefault(self._select, value)
            if "selected" in a:
                self.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one line break that follows <textarea>.
            text = self.fields[self._textarea]
            self.fields[self._textarea] = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._textarea = None


def form_values(html: str, action: str) -> tuple[dict[str, str], set[str]]:
    """Return what the form posting to ``action`` sends as it stands, and the names of its checkboxes.

    ``action`` "" is a form without an action attribute (it posts to its own page).
    """
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.fields, f"no form posts to {action}"
    return reader.fields, reader.checkboxes
