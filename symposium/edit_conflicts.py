"""Two organisers editing the same thing at once: nobody's change is lost without a word.

An edit form remembers the values it was opened with (a hidden field). When it is saved, each
field is compared three ways: what the person saw, what they send, and what is saved now.

- Nobody else changed the field: what they send is saved.
- Somebody else changed it and this person left it alone: the newer value is kept (a stale
  form that only fixes the title no longer puts back the capacity changed meanwhile).
- Both changed it, differently: a conflict. Nothing is saved; the form comes back with the
  person's own values there (the newer ones named in a message, and the others' changes to
  the fields they left alone taken in), and now counts as having seen them, so saving again
  means "mine, knowingly".

A form sent without the hidden field (an old page, a script) is saved as sent, as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField, HiddenField, SubmitField
from wtforms.csrf.core import CSRFTokenField

SEEN = "seen_values"


class RemembersSeenValues:
    """Mixin for an edit form: the hidden field that carries the values it was opened with."""

    seen_values = HiddenField()


@dataclass(frozen=True)
class Conflict:
    """A field both people changed: its label and the value saved meanwhile, as text."""

    label: str
    saved: str

    def __str__(self) -> str:
        return f"{self.label} (saved meanwhile: {self.saved})"


def remember_seen(form: FlaskForm) -> None:
    """Record, in the form, the values it shows now (call after filling it for editing)."""
    form[SEEN].data = json.dumps({name: _plain(f.data) for name, f in _leaves(form)})


def merge_concurrent(form: FlaskForm, current: FlaskForm) -> list[Conflict]:
    """Fold into the submitted ``form`` what others saved since it was opened; ``current`` is
    the same form filled from what is saved now. Returns the conflicts (then the form, to be
    shown again, counts as having seen the current values)."""
    try:
        seen = json.loads(form[SEEN].data or "")
    except ValueError:
        return []  # sent without what it saw: saved as sent
    if not isinstance(seen, dict):
        return []
    saved = dict(_leaves(current))
    take_theirs, conflicts = [], []
    for name, mine in _leaves(form):
        theirs = saved.get(name)
        if name not in seen or theirs is None:
            continue
        base, now = seen[name], _plain(theirs.data)
        if now == base:
            continue  # nobody else changed it
        sent = _plain(mine.data)
        if sent == base:
            take_theirs.append((mine, theirs))
        elif sent != now:
            conflicts.append(Conflict(_label(form, name, mine), _shown(theirs.data)))
    for mine, theirs in take_theirs:
        mine.data, mine.raw_data, mine.process_errors = theirs.data, _as_sent(theirs), []
    if conflicts:
        remember_seen(current)
        form[SEEN].data = current[SEEN].data
    return conflicts


def conflict_message(conflicts: list[Conflict]) -> str:
    """What the person reads above the form when both changed the same fields."""
    fields = "; ".join(str(c) for c in conflicts)
    return (
        "Someone else saved changes to this page since you opened it, to fields you changed "
        f"too: {fields}. Nothing was saved. The form shows your values; save again to keep "
        "them, or change them first."
    )


def _leaves(form: FlaskForm) -> Iterator[tuple[str, Field]]:
    """Every field that holds a value, nested ones (a list of days) by their full name."""
    for field in form:
        if isinstance(field, CSRFTokenField | SubmitField) or field.short_name == SEEN:
            continue
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from _nested(entry)
        elif isinstance(field, FormField):
            yield from _leaves(field.form)
        else:
            yield field.name, field


def _nested(entry: Field) -> Iterator[tuple[str, Field]]:
    if isinstance(entry, FormField):
        yield from _leaves(entry.form)
    else:
        yield entry.name, entry


def _as_sent(field: Field) -> list[str]:
    """What a browser would send for the field's value (a form shows what was sent, not its
    data, and some validators read it)."""
    value = field.data
    if isinstance(value, bool):
        return ["y"] if value else []
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    shown = field._value() if hasattr(field, "_value") else value
    return [] if shown in (None, "") else [str(shown)]


def _plain(value: Any) -> Any:
    """A value as JSON can keep it, so that what was shown and what comes back compare equal:
    an empty field is None, text has the browser's line breaks undone, a list is in order."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip() or None
    if isinstance(value, list | tuple | set):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, bool | int | float):
        return value
    return str(value)


def _shown(value: Any, limit: int = 80) -> str:
    plain = _plain(value)
    if plain is None:
        return "empty"
    text = ", ".join(map(str, plain)) if isinstance(plain, list) else str(plain)
    text = " ".join(text.split())
    return f"“{text[:limit]}…”" if len(text) > limit else f"“{text}”"


def _label(form: FlaskForm, name: str, field: Field) -> str:
    """The field's label; for one of a list (``days-1-date``), with the list's and the line's."""
    parts = name.split("-")
    if len(parts) >= 3 and parts[1].isdigit() and parts[0] in form:
        return f"{form[parts[0]].label.text}, line {int(parts[1]) + 1}: {field.label.text}"
    return field.label.text
