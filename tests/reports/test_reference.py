"""The reference symposium (see conftest.py for who is who) through every output: the JSON of
the API, the XLSX workbook, the CSV zip, the PDF's text and the CLI. Every expected figure is
worked out by hand in the comments."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from agenda.models import ItemPerson, Speaker
from symposium.models import SEXES
from symposium.pdf_fonts import cjk_font
from tests.reports.conftest import add_item

# --- the hand computation, shared by every output --------------------------------------------
# Participants = confirmed, role participant: P1 P2 P3 P4 P5 P7 P8 P9 = 8
#   (P6 cancelled, P10 waiting, O1 organiser, S1 speaker, S2 moderator are out; P5 erased is in)
#   by sex: Female P1 P3 P8 = 3; Male P2 P5 P9 = 3; Other P7 = 1; undisclosed P4 = 1 → 3+3+1+1 = 8
REGISTERED = {"Female": 3, "Male": 3, "Other": 1, "Prefer not to say": 1}
# Attended (≥ 45 min on a day, or checked in): P1 (60), P2 (day 2: 50), P4 (checked in),
#   P5 (90), P7 (day 2: exactly 45), P8 (50) = 6. Not: P3 (nothing), P9 (40 < 45, stale flag).
#   by sex: Female P1 P8 = 2; Male P2 P5 = 2; Other P7 = 1; undisclosed P4 = 1 → 6
ATTENDED = {"Female": 2, "Male": 2, "Other": 1, "Prefer not to say": 1}
# % of registered: 3/8 = 37.5, 3/8 = 37.5, 1/8 = 12.5, 1/8 = 12.5
REGISTERED_PCT = {"Female": 37.5, "Male": 37.5, "Other": 12.5, "Prefer not to say": 12.5}
# % of attended: 2/6 = 33.33 → 33.3, 33.3, 1/6 = 16.67 → 16.7, 16.7
ATTENDED_PCT = {"Female": 33.3, "Male": 33.3, "Other": 16.7, "Prefer not to say": 16.7}
# Women and/or youth among the 6 attended: P1 (F), P2 (youth), P4 (youth), P8 (F) = 4 → 4/6 = 66.7%
# Speakers/experts: S1 (registration + agenda LAN@Example.VN, one person, Female from the
#   registration), S2 (Male), A1 王芳 (Female; speaker and moderator, once), A2 (Male); A3 is
#   only on a cancelled item → 4 people: Female 2, Male 2 → 2/4 = 50.0% women
# Economies with an attended participant, members only: Chile (P4), China (P7), Peru (P1, P2),
#   Viet Nam (P5) = 4; not the non-member (P8), not Mexico (only the speaker A2)
# Per day (participants): day 1 P1 F, P4 U, P5 M, P8 F = 4 (F2 M1 O0 U1)
#                         day 2 P1 F, P2 M, P7 O, P8 F = 4 (F2 M1 O1 U0)
# Survey: invited 6, responded 5 → 5/6 = 83.3%
#   knowledge pairs: R1 2→4 up, R2 3→3, R3 4→3, R5 1→3 up (R4 skipped before) → 2 of 4 = 50.0%
#   Wilson 95% for 2/4, z² = 3.8415: centre (0.5 + 3.8415/8)/(1 + 3.8415/4) = 0.5,
#     half = 1.96·√(0.0625 + 3.8415/64)/1.9604 = 0.3500 → 15.0%–85.0%: straddles 60 → uncertain
#   means over the 4 pairs: before (2+3+4+1)/4 = 2.5; after (4+3+3+3)/4 = 3.25; change 0.75
#   collaboration answered by R1 R2 R3 R4 (R5 skipped): yes R1 R3 R4 = 3 of 4 = 75.0%
#   Wilson for 3/4: centre (0.75 + 0.4802)/1.9604 = 0.6275, half 1.96·√(0.046875 + 0.06002)/1.9604
#     = 0.3269 → 30.1%–95.4%: straddles 60 → uncertain, met (75 ≥ 60)
TARGETS = [
    # label, target, actual, status, uncertain, interval
    ("% women participants", 50, 33.3, "not met", False, None),  # 2/6 < 50%
    ("% women and/or youth", 60, 66.7, "met", False, None),  # 4/6 ≥ 60%
    ("% women speakers", 40, 50.0, "met", False, None),  # 2/4 ≥ 40%
    ("Attendees", 5, 6, "met", False, None),  # 6 ≥ 5
    ("APEC economies represented", 5, 4, "not met", False, None),  # 4 < 5 (see above)
    ("% reporting increased knowledge", 60, 50.0, "not met", True, (15.0, 85.0)),
    ("% identifying collaboration opportunities", 60, 75.0, "met", True, (30.1, 95.4)),
]
ECONOMIES = [
    # economy, registered F M O U, attended F M O U, speakers — in APEC order, non-member last
    ("Chile", (1, 0, 0, 1), (0, 0, 0, 1), 0),  # P3 F, P4 U; attended P4; A3 cancelled
    ("China", (0, 0, 1, 0), (0, 0, 1, 0), 1),  # P7 O; A1
    ("Mexico", (0, 0, 0, 0), (0, 0, 0, 0), 1),  # only A2
    ("Peru", (1, 2, 0, 0), (1, 1, 0, 0), 1),  # P1 F, P2 M, P9 M; attended P1 P2; S2
    ("Viet Nam", (0, 1, 0, 0), (0, 1, 0, 0), 1),  # P5 M (erased; P6 cancelled); S1
    ("Non-member / international organisation", (1, 0, 0, 0), (1, 0, 0, 0), 0),  # P8
]
SPEAKERS = [  # by name, case-folded: Carlos, José, Lan, 王芳
    ("Carlos Quispe", "moderator", "Male", "Peru", "registration"),
    ("José Núñez", "speaker", "Male", "Mexico", "agenda"),
    ("Lan Nguyễn Thị", "speaker", "Female", "Viet Nam", "agenda + registration"),
    ("王芳", "speaker, moderator", "Female", "China", "agenda"),
]


@pytest.fixture
def report(client, login, reference) -> dict:
    """The JSON of the API, fetched by a viewer."""
    login("viewer")
    response = client.get(f"/api/symposia/{reference.symposium.id}/report")
    assert response.status_code == 200
    return response.get_json()


def test_participant_figures_in_json(report):
    participants = report["participants"]
    assert participants["registered"]["by_sex"] == REGISTERED
    assert participants["registered"]["total"] == 8
    assert participants["registered"]["pct_by_sex"] == REGISTERED_PCT
    assert participants["attended"]["by_sex"] == ATTENDED
    assert participants["attended"]["total"] == 6
    assert participants["attended"]["pct_by_sex"] == ATTENDED_PCT
    assert participants["women"] == {
        "count": 2,
        "of": 6,
        "pct": 33.3,
        "ci_low": None,
        "ci_high": None,
    }
    assert (participants["women_or_youth"]["count"], participants["women_or_youth"]["of"]) == (4, 6)
    assert participants["women_or_youth"]["pct"] == 66.7


def test_speaker_figures_in_json(report):
    speakers = report["speakers"]
    assert speakers["total"] == 4
    assert speakers["by_sex"] == {"Female": 2, "Male": 2, "Other": 0, "Prefer not to say": 0}
    assert speakers["women"]["pct"] == 50.0
    listed = [(p["name"], p["role"], p["sex"], p["economy"], p["source"]) for p in speakers["list"]]
    assert listed == SPEAKERS


def test_economy_figures_in_json(report):
    economies = report["economies"]
    assert economies["count"] == 4
    assert economies["represented"] == ["Chile", "China", "Peru", "Viet Nam"]
    assert economies["invited"] == 5
    rows = [
        (
            row["economy"],
            tuple(row["registered"]["by_sex"][s] for s in SEXES),
            tuple(row["attended"]["by_sex"][s] for s in SEXES),
            row["speakers"],
        )
        for row in economies["rows"]
    ]
    assert rows == ECONOMIES


def test_day_and_survey_figures_in_json(report):
    days = [(d["number"], d["date"], d["attended"]["by_sex"]) for d in report["days"]]
    assert days == [
        (1, "2027-03-23", {"Female": 2, "Male": 1, "Other": 0, "Prefer not to say": 1}),
        (2, "2027-03-24", {"Female": 2, "Male": 1, "Other": 1, "Prefer not to say": 0}),
    ]
    assert all(d["recorded"] for d in report["days"])
    survey = report["survey"]
    assert (survey["invited"], survey["responded"], survey["response_rate"]) == (6, 5, 83.3)
    assert survey["knowledge"] == {
        "count": 2,
        "of": 4,
        "pct": 50.0,
        "ci_low": 15.0,
        "ci_high": 85.0,
        "mean_before": 2.5,
        "mean_after": 3.25,
        "mean_change": 0.75,
    }
    assert survey["collaboration"] == {
        "count": 3,
        "of": 4,
        "pct": 75.0,
        "ci_low": 30.1,
        "ci_high": 95.4,
    }


def test_targets_in_json(report):
    got = [
        (
            t["label"],
            t["target"],
            t["actual"],
            t["status"],
            t["uncertain"],
            (t["ci_low"], t["ci_high"]) if t["ci_low"] is not None else None,
        )
        for t in report["targets"]
    ]
    assert got == TARGETS
    assert report["symposium"]["attendance_threshold_minutes"] == 45
    assert report["generated_at"].endswith("Z")


def _download(client, login, url: str):
    login("viewer")
    response = client.get(url)
    assert response.status_code == 200, response.status
    assert "attachment" in response.headers["Content-Disposition"]
    assert "sme-07-2026a" in response.headers["Content-Disposition"]
    return response


def test_xlsx_holds_every_table(client, login, reference):
    response = _download(client, login, f"/symposia/{reference.symposium.id}/report.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:3] == ["About", "Targets", "Participants"]
    sheet = {
        name: [list(row) for row in book[name].iter_rows(values_only=True)]
        for name in book.sheetnames
    }
    targets = [(r[0], r[2], r[3], r[6], r[7], r[4], r[5]) for r in sheet["Targets"][1:]]
    assert targets == [
        (label, target, actual, status, "yes" if uncertain else "no", *(interval or (None, None)))
        for label, target, actual, status, uncertain, interval in TARGETS
    ]
    participants = sheet["Participants"][1:]
    assert participants == [
        [sex, REGISTERED[sex], REGISTERED_PCT[sex], ATTENDED[sex], ATTENDED_PCT[sex]]
        for sex in SEXES
    ] + [["Total", 8, 100, 6, 100]]
    economies = [(r[0], tuple(r[3:7]), tuple(r[8:12]), r[12]) for r in sheet["Economies"][1:]]
    assert economies == ECONOMIES
    # registered totals 2+1+0+3+1+1 = 8, attended 1+1+0+2+1+1 = 6: the table adds up
    assert sum(r[2] for r in sheet["Economies"][1:]) == 8
    assert sum(r[7] for r in sheet["Economies"][1:]) == 6
    assert [tuple(r) for r in sheet["Speaker list"][1:]] == SPEAKERS
    assert sheet["Per day"][1:] == [
        [1, "2027-03-23", "yes", 4, 2, 1, 0, 1],
        [2, "2027-03-24", "yes", 4, 2, 1, 1, 0],
    ]
    survey = dict(sheet["Survey"][1:])
    assert survey["Response rate (%)"] == 83.3
    assert survey["% reporting increased knowledge"] == 50
    assert survey["Mean change"] == 0.75
    assert survey["Increased knowledge, 95% interval low (%)"] == 15
    assert survey["% identifying collaboration opportunities"] == 75
    assert dict(sheet["About"][1:])["Attendance threshold (minutes)"] == 45


def test_csv_zip_has_the_same_tables(client, login, reference):
    response = _download(client, login, f"/symposia/{reference.symposium.id}/report-csv.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert "targets.csv" in archive.namelist()
    assert "economies-represented.csv" in archive.namelist()

    def rows(name: str) -> list[list[str]]:
        text = archive.read(name).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))

    assert rows("economies-represented.csv")[1:] == [["Chile"], ["China"], ["Peru"], ["Viet Nam"]]
    assert rows("participants.csv")[-1] == ["Total", "8", "100.0", "6", "100.0"]
    knowledge = next(r for r in rows("targets.csv") if r[0] == "% reporting increased knowledge")
    assert knowledge == [
        "% reporting increased knowledge",
        "%",
        "60",
        "50.0",
        "15.0",
        "85.0",
        "not met",
        "yes",
    ]
    assert rows("speaker-list.csv")[1:] == [list(s) for s in SPEAKERS]


def test_pdf_text_reads_back(client, login, reference):
    response = _download(client, login, f"/symposia/{reference.symposium.id}/report.pdf")
    reader = PdfReader(io.BytesIO(response.data))
    title_page = reader.pages[0].extract_text()
    for fact in ("Digital trade for MSMEs", "SME 07 2026A", "23–24 March 2027", "Trần Thị Hoa"):
        assert fact in title_page
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    # The targets table comes first, then the sections in order.
    order = [
        "Targets",
        "Participants",
        "Speakers and experts",
        "Economies",
        "Participants per day",
        "Survey outcomes",
        "Definitions",
    ]
    positions = [flat.index(heading) for heading in order]
    assert positions == sorted(positions)
    assert (
        "% reporting increased knowledge 4 of 5 respondents answered both questions; response "
        "rate 83.3% (5 of 6 invited) 60.0% 50.0% 15.0–85.0% not met (uncertain)"
    ) in flat
    assert (
        "% identifying collaboration opportunities 4 of 5 respondents answered the question; "
        "response rate 83.3% (5 of 6 invited) 60.0% 75.0% 30.1–95.4% met (uncertain)"
    ) in flat
    assert "% women participants 50.0% 33.3% not met" in flat
    assert "Attendees 5 6 met" in flat
    assert "8 participants registered, 6 attended" in flat
    assert "Female 3 37.5% 2 33.3%" in flat
    assert "Prefer not to say 1 12.5% 1 16.7%" in flat
    assert "4 speakers and experts; women 50.0%" in flat
    assert "4 member economies with at least one attended participant (of 5 invited): " in flat
    assert "Chile; China; Peru; Viet Nam" in flat
    assert "Viet Nam 1 0 1 0 0 1 0 1 0 0 1" in flat
    assert "Day 1 Tue 23 Mar 2027 4 2 1 0 1" in flat
    assert "Response rate 83.3%" in flat
    assert "Mean change 0.75" in flat
    assert "at least 45 minutes" in flat
    assert "Data as of" in flat
    assert "Lan Nguyễn Thị" in flat
    assert cjk_font() is not None, "a CJK font is needed: make system-packages"
    assert "王芳" in flat


def test_cli_writes_each_format(runner, reference, tmp_path):
    symposium = reference.symposium
    for format_, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", b"PK"), ("json", b"{")):
        path = tmp_path / f"report.{format_}"
        result = runner.invoke(
            args=[
                "report",
                "completion",
                str(symposium.id),
                "--format",
                format_,
                "--output",
                str(path),
            ]
        )
        assert result.exit_code == 0, result.output
        assert path.read_bytes().startswith(magic)
    data = json.loads((tmp_path / "report.json").read_text("utf-8"))
    assert data["participants"]["attended"]["total"] == 6
    assert data["targets"][0]["status"] == "not met"
    # By project number too, whatever its letter case.
    path = tmp_path / "by-number.json"
    result = runner.invoke(
        args=["report", "completion", "sme 07 2026a", "--format", "json", "--output", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(path.read_text("utf-8"))["economies"]["count"] == 4


def test_cli_refuses_an_unknown_symposium(runner, reference, tmp_path):
    result = runner.invoke(args=["report", "completion", "NOPE 1", "-o", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert "No symposium" in result.output
    assert not (tmp_path / "x").exists()


def test_spreadsheet_cells_never_run_as_formulas(client, login, session, create_symposium_record):
    symposium = create_symposium_record(title='=HYPERLINK("http://evil.example","x")')
    for position, name in enumerate(["+SUM(1,2)", "@cmd", "-2+3", "\tTab"]):
        speaker = Speaker(symposium_id=symposium.id, name=name, sex="Male")
        session.add(speaker)
        session.flush()
        item = add_item(session, symposium.days[0].id, position)
        session.add(ItemPerson(item_id=item.id, speaker_id=speaker.id, role="speaker"))
    session.commit()
    login("viewer")
    book = load_workbook(io.BytesIO(client.get(f"/symposia/{symposium.id}/report.xlsx").data))
    # Text cells, exactly as typed (never run, whatever they start with: only a formula cell
    # is); the CSV, which has no cell types, gets the apostrophe.
    names = sorted(row[0] for row in book["Speaker list"].iter_rows(min_row=2, values_only=True))
    assert names == ["\tTab", "+SUM(1,2)", "-2+3", "@cmd"]
    assert book["About"]["B2"].value == '=HYPERLINK("http://evil.example","x")'
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(f"/symposia/{symposium.id}/report-csv.zip").data)
    )
    about = archive.read("about.csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in about
