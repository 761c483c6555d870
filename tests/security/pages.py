"""The forms on a page as a browser sees them, and what a test sends from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select", "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)  # every checked box / selected option
    autocomplete: str = ""  # what the field tells the browser it may fill in


@dataclass
class PageForm:
    """A form as a browser would see it: where it posts and the fields it sends."""

    page: str
    action: str
    method: str
    enctype: str
    id: str = ""
    fields: list[FormField] = field(default_factory=list)

    def values(self) -> dict[str, list[str]]:
        """What the browser would send untouched (first option, checked boxes)."""
        sent: dict[str, list[str]] = {}
        for f in self.fields:
            if f.kind in ("submit", "button", "file", "reset"):
                continue
            if f.kind in ("checkbox", "radio"):
                if f.value:
                    sent[f.name] = f.chosen or [f.value]
                continue
            if f.kind == "select" and len(f.chosen) > 1:
                sent[f.name] = list(f.chosen)
                continue
            if f.kind == "select":
                value = f.value or (f.options[0] if f.options else "")
            else:
                value = f.value
            sent.setdefault(f.name, []).append(value)
        return sent


class _FormParser(HTMLParser):
    """Collects the forms of a page with their fields, options and pre-filled values."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None
        self._option: dict[str, Any] | None = None
        self._owner: PageForm | None = None  # the form of an element outside it (form="…")
        self._elsewhere: list[tuple[str, FormField]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = urlsplit(urljoin(self.page, a.get("action") or self.page))
            self._form = PageForm(
                self.page,
                action.path + (f"?{action.query}" if action.query else ""),
                (a.get("method") or "get").upper(),
                a.get("enctype", ""),
                a.get("id", ""),
            )
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
        elif "name" not in a or (self._form is None and "form" not in a):
            return
        elif tag == "input":
            self._input(a)
        elif tag == "select":
            self._select = self._add(a, FormField(a["name"], "select"))
        elif tag == "textarea":
            self._textarea = self._add(a, FormField(a["name"], "textarea"))
        elif tag == "button":
            self._add(a, FormField(a["name"], "submit", a.get("value", "")))

    def _add(self, a: dict[str, str], new: FormField) -> FormField:
        new.autocomplete = a.get("autocomplete", "")
        if "form" in a:
            self._elsewhere.append((a["form"], new))
        else:
            assert self._form is not None
            self._form.fields.append(new)
        return new

    def _input(self, a: dict[str, str]) -> None:
        kind = a.get("type", "text").lower()
        if kind not in ("checkbox", "radio"):
            self._add(a, FormField(a["name"], kind, a.get("value", "")))
            return
        value = a.get("value", "on")
        siblings = (
            [f for o, f in self._elsewhere if o == a.get("form")]
            if "form" in a
            else (self._form.fields if self._form else [])
        )
        same = next((f for f in siblings if f.name == a["name"]), None)
        if same is None:
            same = self._add(a, FormField(a["name"], kind))
        same.options.append(value)
        if "checked" in a:
            same.value = value
            same.chosen.append(value)

    def close(self) -> None:
        super().close()
        by_id = {form.id: form for form in self.forms if form.id}
        for owner, element in self._elsewhere:
            if owner in by_id:
                by_id[owner].fields.append(element)

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        elif self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            option = self._option
            value = option["text"].strip() if option["value"] is None else option["value"]
            self._select.options.append(value)
            if option["selected"]:
                self._select.value = value
                self._select.chosen.append(value)
            self._option = None
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(page: str, html: str) -> list[PageForm]:
    """Every form on an HTML page."""
    parser = _FormParser(page)
    parser.feed(html)
    parser.close()
    return parser.forms


def with_token(data: dict[str, Any], token: str | None) -> dict[str, Any]:
    """``data`` with every CSRF field (prefixed forms have their own) set to ``token``, or
    removed when ``token`` is None."""
    names = [name for name in data if name.endswith("csrf_token")] or ["csrf_token"]
    sent = {name: value for name, value in data.items() if not name.endswith("csrf_token")}
    if token is not None:
        sent.update(dict.fromkeys(names, token))
    return sent


def filled_in(forms: list[PageForm] | None, text: str) -> dict[str, list[str]]:
    """What a browser would send from the first of ``forms``, every text box set to ``text``
    (so a request that got through would visibly change something); generic values when no
    page shows the form."""
    if not forms:
        return {"title": [text], "preset": ["two-day-apec"], "direction": ["up"]}
    kinds = {f.name: f.kind for f in forms[0].fields}
    sent = forms[0].values()
    for name in sent:
        if kinds.get(name) in ("text", "textarea") and name != "csrf_token":
            sent[name] = [text]
    return sent
