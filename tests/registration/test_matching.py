"""Matching report rows to registrations (pure): by address, then by a loosely compared name,
leaving every doubtful case to an organiser."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registration.matching import (
    AMBIGUOUS,
    MATCHED,
    UNMATCHED,
    MatchResult,
    Person,
    match_rows,
    name_variants,
    normalise_name,
)


@dataclass
class Row:
    name: str
    email: str = ""


PEOPLE = [
    Person(1, "Lan", "Nguyễn Thị", "lan@example.vn"),
    Person(2, "Ana", "Pérez", "ana.perez@example.pe"),
    Person(3, "María", "García", "maria@example.cl"),
    Person(4, "Maria", "Garcia", "mgarcia@example.pe"),
    Person(5, "Jorge", "Quispe", "jorge@example.pe"),
    Person(6, "Seán", "O'Brien", None),  # erased people have no address
]


def match(name: str, email: str = "", people=PEOPLE) -> MatchResult:
    (result,) = match_rows([Row(name, email)], people)
    return result


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Nguyễn Thị Lan", "Lan Nguyen Thi"),
        ("PÉREZ, Ana", "ana perez"),
        ("Dr. Ana Pérez", "Ana PEREZ"),
        ("Trần Đức Anh", "tran duc anh"),
        ("O'Brien, Seán", "Sean OBrien"),
        ("Jean-Pierre  Dupont", "Dupont Jean Pierre"),
        ("Søren Kierkegaard", "Soren Kierkegaard"),
    ],
)
def test_names_written_differently_normalise_to_the_same(one, other):
    assert normalise_name(one) == normalise_name(other)


@pytest.mark.parametrize(("one", "other"), [("Ana Pérez", "Ana Pereira"), ("Lan", "Lan Nguyen")])
def test_different_names_stay_different(one, other):
    assert normalise_name(one) != normalise_name(other)


def test_name_variants_try_the_original_name_and_parts_around_separators():
    assert name_variants("Lan N (Nguyễn Thị Lan)") == [
        "lan lan n nguyen thi",
        "lan n",
        "lan nguyen thi",
    ]
    assert "ana perez" in name_variants("Peru - Ana Pérez")


def test_address_matches_whatever_the_case_and_before_the_name():
    assert match("Someone Else", "ANA.Perez@Example.PE") == MatchResult(MATCHED, 2, (2,))


def test_name_matches_whatever_the_order_accents_and_punctuation():
    assert match("Lan Nguyen Thi", "lan.personal@mail.example").person_id == 1
    assert match("PEREZ, Ana").person_id == 2
    assert match("SEAN O’BRIEN").person_id == 6  # a curly apostrophe too


def test_zoom_original_name_in_parentheses_is_tried():
    assert match("Lan N (Nguyễn Thị Lan)") == MatchResult(MATCHED, 1, (1,))


def test_two_registrants_of_the_same_name_are_ambiguous_with_both_as_candidates():
    result = match("Maria Garcia", "maria.g@mail.example")
    assert result == MatchResult(AMBIGUOUS, None, (3, 4))


def test_a_close_name_is_not_taken_but_offered():
    result = match("Jorge Q.")
    assert result.status == UNMATCHED and result.person_id is None
    assert result.candidates == (5,)
    assert match("Lan Nguyen").status == UNMATCHED  # a name left out is not a small difference


def test_a_match_needs_a_clear_margin_over_the_runner_up():
    people = [
        Person(1, "Maria Fernanda", "Gonzalez Rodriguez", "a@x"),
        Person(2, "Maria Fernanda", "Gonzales Rodriguez", "b@x"),
    ]
    assert match("Maria Fernanda Gonzalez Rodriguez", people=people).status == AMBIGUOUS
    assert match("Maria Fernanda Gonzalez Rodriguez", people=people[:1]).person_id == 1


def test_an_address_that_is_nobodys_here_takes_only_the_same_name():
    """ "Fuzzy but never guessed": with an address of its own, a close name is as likely
    someone else; the same name (a personal account of the registrant) is still them."""
    people = [Person(1, "Fang", "Wang", "fang@example.cn")]
    assert match("Wang Fan", people=people).person_id == 1  # no address: the name decides
    close = match("Wang Fan", "wang.fan@other.example.cn", people=people)
    assert (close.status, close.candidates) == (AMBIGUOUS, (1,))
    assert match("Fang WANG", "fang.personal@example.com", people=people).person_id == 1


def test_an_address_of_a_registration_that_may_not_be_credited_is_that_person():
    """A cancelled María García's row is hers, not the confirmed Maria Garcia's."""
    confirmed = [Person(4, "Maria", "Garcia", "mgarcia@example.pe")]
    (row,) = match_rows([Row("María García", "MARIA@example.cl")], confirmed, ["maria@example.cl"])
    assert row == MatchResult(UNMATCHED)
    assert match("María García", people=confirmed).person_id == 4  # without the address: her


def test_nobody_close_is_unmatched_without_candidates():
    assert match("APEC Symposium Host", "organiser@example.org") == MatchResult(UNMATCHED)
    assert match("", "") == MatchResult(UNMATCHED)


WORDS = st.lists(
    st.text("abcdefghijklmnopqrstuvwxyzéñđ", min_size=2, max_size=8), min_size=1, max_size=4
)


@given(WORDS, st.randoms())
def test_order_and_case_of_words_never_change_the_normal_form(words, random):
    shuffled = list(words)
    random.shuffle(shuffled)
    assert normalise_name(" ".join(words)) == normalise_name(", ".join(shuffled).upper())


@given(
    st.lists(st.tuples(st.text(max_size=20), st.sampled_from(["", "ana.perez@example.pe", "x@y"])))
)
def test_every_row_gets_a_result_that_names_only_known_people(rows):
    results = match_rows([Row(name, email) for name, email in rows], PEOPLE)
    known = {person.id for person in PEOPLE}
    assert len(results) == len(rows)
    for (_, email), result in zip(rows, results, strict=True):
        assert set(result.candidates) <= known
        assert (result.status == MATCHED) == (result.person_id is not None)
        if email == "ana.perez@example.pe":
            assert result.person_id == 2
