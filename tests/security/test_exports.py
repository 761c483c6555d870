"""Every spreadsheet download in the URL map, and personal data in the downloads.

Cells typed as ``=1+1``, ``+1``, ``-1``, ``@SUM(A1)``, or starting with a tab or carriage
return, reach CSV files with a leading apostrophe and XLSX workbooks as text cells, so no
spreadsheet program runs them. Erasing a person removes them from every table, mail and
download, and the figures stay as they were.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from registration.attendance_models import DayAttendance
from registration.models import Registration
from surveys.models import SurveyInvitation
from symposium.spreadsheet import FORMULA_STARTS
from tests.conftest import csrf_token
from tests.security.conftest import FullSymposium, app_rules, route_url
from tests.security.database import database_rows
from tests.security.seeding import FORMULA_CELLS, UNSTRIPPED
from tests.symposium.test_access import PUBLIC_ENDPOINTS

SPREADSHEET_SUFFIXES = (".csv", ".xlsx", ".zip")
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
NOMINEE_CELLS = ("=1+1", "@SUM(A1)", "+1", "-1", '=HYPERLINK("http://example.org")')
# The text cells each download must carry, neutralised (as stored: the services strip spaces).
REQUIRED = {
    "registration.participants_csv": {*(c.strip() for c in FORMULA_CELLS), *UNSTRIPPED.values()},
    "registration.nominations_csv": set(NOMINEE_CELLS),
    "surveys.responses_csv": {"=1+1"},
    "agenda.csv_file": {"=1+1", "@SUM(A1) (-1, Viet Nam)"},
}
REQUIRED |= {e.replace("_csv", "_xlsx"): cells for e, cells in REQUIRED.items()}


def spreadsheet_routes(full: FullSymposium) -> dict[str, str]:
    """Endpoint → URL of every CSV, XLSX and zipped-CSV download."""
    return {
        rule.endpoint: route_url(full, rule)
        for rule in app_rules(full.app)
        if rule.rule.endswith(SPREADSHEET_SUFFIXES)
    }


def csv_cells(data: bytes) -> list[str]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so Excel reads accents right"
    text = data.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def csv_files(data: bytes, mimetype: str) -> dict[str, list[str]]:
    if mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name: csv_cells(archive.read(name)) for name in archive.namelist()}
    return {"": csv_cells(data)}


@pytest.fixture(scope="module")
def downloads(full_symposium) -> dict[str, object]:
    full = full_symposium
    found = {e: full.organiser.get(url) for e, url in spreadsheet_routes(full).items()}
    assert len(found) >= 9
    return found


def test_csv_cells_that_would_be_formulas_start_with_an_apostrophe(downloads):
    checked = 0
    for endpoint, response in downloads.items():
        if response.mimetype == XLSX:
            continue
        assert response.status_code == 200, endpoint
        for name, cells in csv_files(response.data, response.mimetype).items():
            for cell in cells:
                if cell.startswith(FORMULA_STARTS):
                    assert NUMBER.fullmatch(cell), (endpoint, name, cell)
            for wanted in REQUIRED.get(endpoint, ()):
                assert "'" + wanted in cells, (endpoint, wanted)
            checked += 1
    assert checked >= 6


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_xlsx_cells_that_would_be_formulas_are_text_cells(downloads):
    checked = 0
    for endpoint, response in downloads.items():
        if response.mimetype != XLSX:
            continue
        assert response.status_code == 200, endpoint
        workbook = load_workbook(io.BytesIO(response.data))
        texts = set()  # XML reads a carriage return in a cell as a line feed
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (endpoint, sheet.title, cell.coordinate)
                    if isinstance(cell.value, str):
                        texts.add(cell.value)
                        if cell.value.startswith(FORMULA_STARTS):
                            assert cell.data_type == "s", (endpoint, cell.coordinate, cell.value)
        for wanted in REQUIRED.get(endpoint, ()):
            wanted = wanted.replace("\r", "\n")
            assert wanted in texts or "'" + wanted in texts, (endpoint, wanted)
        checked += 1
    assert checked >= 3


def test_personal_downloads_are_for_organisers_and_viewers_only(full_symposium, downloads):
    full = full_symposium
    anonymous = full.app.test_client()
    for endpoint, url in spreadsheet_routes(full).items():
        if endpoint in PUBLIC_ENDPOINTS:
            # The public agenda names speakers, never a registrant or an address.
            assert not re.search(rb"@[\w-]+\.", anonymous.get(url).data), endpoint
            continue
        assert anonymous.get(url).status_code == 302, endpoint
        assert full.viewer.get(url).status_code == 200, endpoint


# --- erasure ---------------------------------------------------------------------------------


def _everything(full: FullSymposium) -> dict[str, str]:
    """The text of every table and of every download (spreadsheets, PDFs, calendars, JSON),
    as one string each; the pages show what the tables hold."""
    texts = {f"table {name}": repr(rows) for name, rows in database_rows(full.app).items()}
    anonymous = full.app.test_client()
    for rule in app_rules(full.app):
        if "GET" not in rule.methods:
            continue
        client = anonymous if rule.endpoint in PUBLIC_ENDPOINTS else full.organiser
        response = client.get(route_url(full, rule))
        if response.mimetype == "application/pdf":
            pages = PdfReader(io.BytesIO(response.data)).pages
            texts[rule.endpoint] = " ".join(page.extract_text() for page in pages)
        elif response.mimetype == XLSX:
            workbook = load_workbook(io.BytesIO(response.data))
            texts[rule.endpoint] = repr([list(s.values) for s in workbook.worksheets])
        elif response.mimetype == "application/zip":
            texts[rule.endpoint] = repr(csv_files(response.data, response.mimetype))
        elif response.mimetype != "text/html":
            texts[rule.endpoint] = response.get_data(as_text=True)
    return texts


def _figures(full: FullSymposium) -> dict[str, Any]:
    """What the statistics are read from: the summary, the survey counts, the report."""
    base = f"/symposia/{full.id}"
    figures = {"summary": full.organiser.get(f"{base}/registrations/summary.csv").data}
    report = full.organiser.get(f"/api/symposia/{full.id}/report")
    if report.status_code == 200:
        figures["report"] = report.get_json()
        # When the figures were read, not what they are (it moves on at the turn of a minute).
        figures["report"].pop("generated_at", None)
        about = figures["report"]["tables"]["About"]
        about[:] = [row for row in about if row["Field"] != "Figures as of (UTC)"]
    responses = full.organiser.get(f"{base}/survey/responses.csv").data
    figures["responses"] = responses.count(b"\n")
    return figures


def _people_with_every_trace(session, full: FullSymposium) -> list[Registration]:
    """A nominee who attended (a nomination, an invitation and a confirmation mail, attendance
    rows) and a registrant who attended and answered the survey (a survey link and mail)."""
    attended = (
        sa.select(Registration)
        .join(DayAttendance, DayAttendance.registration_id == Registration.id)
        .where(Registration.symposium_id == full.id, Registration.erased_at.is_(None))
        # A speaker is also named in the circulars already sent, which erasure keeps.
        .where(Registration.role == "participant")
        .order_by(Registration.id)
    )
    nominee = session.scalars(attended.where(Registration.nomination_id.is_not(None))).first()
    respondent = session.scalars(
        attended.join(SurveyInvitation, SurveyInvitation.registration_id == Registration.id)
        .where(SurveyInvitation.completed_at.is_not(None))
        .where(Registration.given_name.not_in(["Registrant", "=1+1"]))
    ).first()
    assert nominee is not None and respondent is not None
    return [nominee, respondent]


def test_erasing_people_removes_them_everywhere_and_keeps_the_figures(pristine):
    full = pristine
    with full.session() as session:
        people = _people_with_every_trace(session, full)
        traces = {
            person.id: {person.email, person.full_name}
            | ({person.nomination.email} if person.nomination else set())
            for person in people
        }
    before = _everything(full)
    for found in traces.values():
        assert all(any(t in text for text in before.values()) for t in found)
    figures = _figures(full)

    for person_id in traces:
        url = f"/symposia/{full.id}/registrations/{person_id}/erase"
        data = {"csrf_token": csrf_token(full.organiser), "understood": "y"}
        assert full.organiser.post(url, data=data).status_code == 302

    left = {
        (where, trace)
        for where, text in _everything(full).items()
        for found in traces.values()
        for trace in found
        if trace.lower() in text.lower()
    }
    assert left == set()
    assert _figures(full) == figures
