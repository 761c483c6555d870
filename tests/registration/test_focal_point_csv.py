"""The focal-point CSV reader on its own: economies by name or code, line-numbered problems,
files it cannot take, and (hypothesis) only rows the service would accept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registration.focal_points import (
    MAX_IMPORT_BYTES,
    FocalPointImportError,
    FocalPointInput,
    input_problems,
    parse_focal_point_csv,
)
from symposium.economies import ALL_ECONOMIES
from symposium.models import Economy

# The reference economies without a database, for the pure CSV reader.
ECONOMIES = [Economy(id=i, code=e.code, name=e.name) for i, e in enumerate(ALL_ECONOMIES, 1)]
BY_NAME = {e.name: e for e in ECONOMIES}
CSV_HEADER = ("name", "email", "economy", "role")


def problems_of(text: str | bytes, listed: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(FocalPointImportError) as caught:
        parse_focal_point_csv(data, ECONOMIES, listed)
    return caught.value.problems


def test_reader_matches_economies_by_name_or_code_in_any_case():
    text = (
        "email,name,economy\n"  # any column order; no role column
        'a@x.org,A,"hong kong, china"\n'
        "b@x.org,B,tpe\n"
        "c@x.org,C,USA\n"  # the code of The United States, so not a wrong name
        "d@x.org,D,Non-member / International Organisation\n"
    )
    rows = parse_focal_point_csv(text.encode(), ECONOMIES)
    names = ("Hong Kong, China", "Chinese Taipei", "The United States", ALL_ECONOMIES[-1].name)
    assert [r.economy_id for r in rows] == [BY_NAME[name].id for name in names]
    assert rows[0] == FocalPointInput("A", "a@x.org", BY_NAME["Hong Kong, China"].id, "")


@pytest.mark.parametrize(
    ("written", "apec_name"),
    [
        ("Taiwan", "Chinese Taipei"),
        ("Vietnam", "Viet Nam"),
        ("Hong Kong", "Hong Kong, China"),
        ("Korea", "Republic of Korea"),
        ("South Korea", "Republic of Korea"),
        ("United States", "The United States"),
        ("Philippines", "The Philippines"),
    ],
)
def test_reader_points_common_wrong_names_to_the_apec_name(written, apec_name):
    problems = problems_of(f"name,email,economy\nA,a@x.org,{written}\n")
    assert len(problems) == 1
    line, reason = problems[0]
    assert line == 2
    assert f"“{written}” is not the APEC name" in reason and f"“{apec_name}”" in reason


def test_reader_reports_every_bad_row_by_spreadsheet_line():
    text = (
        "name,email,economy,role\n"
        "Ana,ana@x.org,Peru,\n"
        '"Multi\nline",,Peru,\n'  # one spreadsheet row although two lines of text
        "\n"  # a blank row still has its number
        ",b@x.org,Narnia,\n"
        "Ana again,ANA@x.org,Peru,\n"
        "Kenji,k@x.org,Japan,\n"
    )
    problems = problems_of(text, listed=("k@x.org",))
    assert [line for line, _ in problems] == [3, 3, 5, 5, 6, 7]
    reasons = dict(problems)
    assert "E-mail address is missing." in [r for n, r in problems if n == 3]
    assert "Name is missing." in [r for n, r in problems if n == 5]
    assert any("“Narnia” is not an APEC economy" in r for n, r in problems if n == 5)
    assert reasons[6] == "ana@x.org is also on line 2."
    assert reasons[7] == "k@x.org is already a focal point of this symposium."


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", (0, "The file is empty.")),
        (b"\xef\xbb\xbf\r\n;;;\r\n", (0, "The file is empty.")),
        (b"name,email,economy\n", (1, "The file has a header row but no rows.")),
        (b"name;mail;economy\nA;a@x.org;PER\n", (1, "The header row lacks the column(s) email")),
        (b"name,email,economy\nA,a@x.org,PER\nJos\xe9,j@x.org,PER\n", (3, "not UTF-8 text")),
        (b"PK\x03\x04rest of a workbook", (0, "This is a workbook, not a CSV file")),
        (b"name,email,economy\n" + b"x" * MAX_IMPORT_BYTES, (0, "larger than 1 MB")),
        (b'name,email,economy\n"A"x,a@x.org,PER\n', (2, "cannot be read as CSV")),
        (b"name,email,economy\nA\x00B,a@x.org,PER\n", (2, "control character")),
        (b"name,email,economy\n" + b"A" * 201 + b",a@x.org,PER\n", (2, "longer than 200")),
    ],
)
def test_reader_explains_files_it_cannot_take(data, expected):
    line, start = expected
    problems = problems_of(data)
    assert problems[0][0] == line
    assert start in problems[0][1]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_reader_never_fails_otherwise_on_any_bytes(data):
    try:
        parse_focal_point_csv(data, ECONOMIES)
    except FocalPointImportError as error:
        assert error.problems


CELL = st.one_of(
    st.text(max_size=30),
    st.emails(),
    st.sampled_from(["Peru", "VNM", "Taiwan", "a@x.org", "A@X.ORG", "=1+1", '"', ";", ","]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([",", ";"]),
    st.lists(st.lists(CELL, min_size=0, max_size=5), max_size=8),
    st.booleans(),
)
def test_reader_returns_only_rows_the_service_would_accept(delimiter, rows, bom):
    lines = [delimiter.join(CSV_HEADER)] + [
        delimiter.join('"' + cell.replace('"', '""') + '"' for cell in row) for row in rows
    ]
    data = ("\ufeff" if bom else "") + "\r\n".join(lines)
    try:
        result = parse_focal_point_csv(data.encode(), ECONOMIES)
    except FocalPointImportError as error:
        assert error.problems
    else:
        assert all(input_problems(row) == {} for row in result)
        assert all(row.economy_id in {e.id for e in ECONOMIES} for row in result)
        emails = [row.email for row in result]
        assert len(emails) == len(set(emails)) and all(e == e.lower() for e in emails)
