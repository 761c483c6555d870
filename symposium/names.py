"""Whether two records name the same person: a name's key without accents, letter case or
word order ("Nguyễn Thị Lan" and "lan NGUYEN thi" share one), stored beside the name so that
a query can compare keys (a registrant who is also on the agenda, among 100,000)."""

from __future__ import annotations

import re
import unicodedata


def plain_letters(text: str | None) -> str:
    """``text`` in lower case without accents (Chávez → chavez), for sorting and matching."""
    letters = unicodedata.normalize("NFKD", text or "").casefold()
    return "".join(c for c in letters if not unicodedata.combining(c))


def name_key(*parts: str | None) -> str:
    """The words of the name's parts, plain and sorted; empty for an empty (or erased) name."""
    return " ".join(sorted(re.findall(r"\w+", plain_letters(" ".join(p or "" for p in parts)))))
