"""Matching the people of an attendance report to registrations: by e-mail address, then by
name compared loosely (accents, case, punctuation and the order of names do not count). Pure:
a name that could be two people, or nobody close enough, is left for an organiser to decide."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz, process

MATCHED, AMBIGUOUS, UNMATCHED = "matched", "ambiguous", "unmatched"  # as MatchStatus spells them
THRESHOLD = 90  # the least score (0–100) of a name match
MARGIN = 5  # how far ahead of the runner-up a match must be to be taken
POSSIBLE = 60  # the least score of a candidate offered first on the review screen
MAX_CANDIDATES = 5
# Letters that Unicode does not decompose into a base letter and an accent.
LETTERS = str.maketrans(
    {"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"}
)
APOSTROPHES = re.compile(r"['’‘`´]")
# Titles people add to the name they show in a meeting.
TITLES = frozenset(
    {"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sr", "sra", "srta", "ing", "lic"}
)
# "Ana Pérez (Ana)": Zoom's name as changed in the meeting, then the original one.
PARENTHESISED = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
# "Peru - Ana Pérez", "Ana Pérez | PRODUCE": organisers ask people to show their economy.
SEPARATORS = re.compile(r"\s+[-–—|/]\s+|\s*[|_]\s*")


class ReportedPerson(Protocol):
    name: str
    email: str


@dataclass(frozen=True)
class Person:
    """A registration as the matcher sees it."""

    id: int
    given_name: str
    family_name: str
    email: str | None


@dataclass(frozen=True)
class MatchResult:
    """``status`` is MATCHED (with ``person_id``), AMBIGUOUS or UNMATCHED; ``candidates`` are
    the people to offer first on the review screen, best first."""

    status: str
    person_id: int | None = None
    candidates: tuple[int, ...] = ()


def normalise_name(text: str) -> str:
    """A name compared loosely: no accents, case, punctuation or titles, its words in alphabetical
    order — so that "Nguyễn Thị Lan" and "Lan Nguyen Thi" are the same name."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(LETTERS))
    text = "".join(char for char in text if not unicodedata.combining(char)).translate(LETTERS)
    text = APOSTROPHES.sub("", text)  # O'Brien is OBrien, not O Brien
    words = re.sub(r"[\W_]+", " ", text).split()
    return " ".join(sorted(word for word in words if word not in TITLES))


def name_variants(name: str) -> list[str]:
    """The names a displayed name may stand for, normalised: as a whole, without and within
    parentheses, and each part around a separator."""
    texts = [name]
    if match := PARENTHESISED.match(name):
        texts += [match[1], match[2]]
    for text in list(texts):
        parts = SEPARATORS.split(text)
        if len(parts) > 1:
            texts += parts
    variants = [normalise_name(text) for text in texts]
    return [v for i, v in enumerate(variants) if v and v not in variants[:i]]


def _scores(name: str, keys: dict[int, str]) -> list[tuple[int, float]]:
    """(person id, best score over the name's variants), best first."""
    best: dict[int, float] = {}
    for variant in name_variants(name):
        # token_sort_ratio on sorted words is the plain ratio; the cutoff keeps it quick.
        found = process.extract(
            variant, keys, scorer=fuzz.ratio, processor=None, limit=None, score_cutoff=POSSIBLE
        )
        for _key, score, person_id in found:
            best[person_id] = max(best.get(person_id, 0.0), score)
    return sorted(best.items(), key=lambda item: (-item[1], item[0]))


def _by_name(scores: list[tuple[int, float]]) -> MatchResult:
    if not scores:
        return MatchResult(UNMATCHED)
    (first_id, first), runner_up = scores[0], scores[1][1] if len(scores) > 1 else 0.0
    if first >= THRESHOLD and first - runner_up > MARGIN:
        return MatchResult(MATCHED, first_id, (first_id,))
    if first >= THRESHOLD:
        close = tuple(person_id for person_id, score in scores if score >= first - MARGIN)
        return MatchResult(AMBIGUOUS, None, close)
    return MatchResult(UNMATCHED, None, tuple(p for p, _ in scores[:MAX_CANDIDATES]))


def match_rows(
    rows: Iterable[ReportedPerson], people: Sequence[Person], others: Collection[str] = ()
) -> list[MatchResult]:
    """A MatchResult for each row, in order: the person with the row's e-mail address (case does
    not count), else the one whose name scores at least THRESHOLD and more than MARGIN above
    everyone else's; otherwise AMBIGUOUS or UNMATCHED with candidates for an organiser.

    An address tells who the row is even when it is nobody's here: a row with an address of
    ``others`` (registrations that may not be credited, a cancelled one say) is that person and
    UNMATCHED; a row with an address nobody has is matched by name only when the name is the
    same (a close one, "Wang Fan" for "Wang Fang", is someone else as likely as not: AMBIGUOUS).
    """
    by_email = {p.email.strip().lower(): p.id for p in people if p.email}
    elsewhere = {address.strip().lower() for address in others}
    keys = {p.id: normalise_name(f"{p.given_name} {p.family_name}") for p in people}
    keys = {person_id: key for person_id, key in keys.items() if key}
    by_name: dict[str, tuple[MatchResult, bool]] = {}  # a rejoined person has the same name
    results = []
    for row in rows:
        email = (row.email or "").strip().lower()
        if email and email in by_email:
            results.append(MatchResult(MATCHED, by_email[email], (by_email[email],)))
            continue
        if email and email in elsewhere:
            results.append(MatchResult(UNMATCHED))
            continue
        if row.name not in by_name:
            scores = _scores(row.name, keys)
            by_name[row.name] = _by_name(scores), bool(scores) and scores[0][1] == 100
        result, same_name = by_name[row.name]
        if email and result.status == MATCHED and not same_name:
            result = MatchResult(AMBIGUOUS, None, result.candidates)
        results.append(result)
    return results
