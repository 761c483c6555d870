"""The report's dashboard: who may read it, what it shows, and charts a screen reader can read."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("role", ["organiser", "viewer"])
def test_dashboard_shows_the_figures_to_organisers_and_viewers(client, login, reference, role):
    login(role)
    page = client.get(f"/symposia/{reference.symposium.id}/report").get_data(as_text=True)
    flat = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    # 6 of the 8 registered participants attended; 2 of them women (33.3%); 4 of 6 women/youth
    assert "8 registered, 6 attended" in flat
    assert "Women: 33.3% of attended participants (2 of 6)" in flat
    assert "women and/or youth: 66.7% (4 of 6)" in flat
    # Chile, China, Peru, Viet Nam: not Mexico (speaker only) nor the non-member line
    assert "4 member economies with at least one attended participant (of 5 invited): " in flat
    assert "Chile; China; Peru; Viet Nam" in flat
    assert re.search(
        r"% reporting increased knowledge 4 of 5 respondents answered both questions; "
        r"response rate 83\.3% \(5 of 6 invited\) 60\.0% 50\.0% 15\.0–85\.0% not met uncertain",
        flat,
    )
    assert "王芳" in flat and "Lan Nguyễn Thị" in flat
    for kind in ("report.pdf", "report.xlsx", "report-csv.zip", "api/symposia"):
        assert kind in page


def test_report_tab_leads_to_the_dashboard(client, login, reference):
    login("viewer")
    detail = client.get(f"/symposia/{reference.symposium.id}").get_data(as_text=True)
    assert f'href="/symposia/{reference.symposium.id}/report"' in detail


def test_charts_have_text_alternatives_and_no_inline_style(client, login, reference):
    login("viewer")
    response = client.get(f"/symposia/{reference.symposium.id}/report")
    page = response.get_data(as_text=True)
    charts = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    keys = [re.search(r'id="chart-([a-z]+)"', chart).group(1) for chart in charts]
    assert keys == ["outcomes", "participants", "speakers", "economies", "days"]
    for chart in charts:
        ident = re.search(r'id="(chart-[a-z]+)"', chart).group(1)
        assert 'role="img"' in chart
        assert f'aria-labelledby="{ident}-title {ident}-desc"' in chart
        assert f'<title id="{ident}-title">' in chart and f'<desc id="{ident}-desc">' in chart
    participants = next(c for c in charts if 'id="chart-participants"' in c)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", participants).group(1)
    assert "Female: Registered 3, Attended 2" in desc
    assert "Prefer not to say: Registered 1, Attended 1" in desc
    # The CSP allows neither inline scripts nor style attributes.
    assert "style=" not in page
    assert "<script>" not in page and not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_report_needs_a_login(client, reference):
    symposium_id = reference.symposium.id
    for url in (
        f"/symposia/{symposium_id}/report",
        f"/symposia/{symposium_id}/report.pdf",
        f"/symposia/{symposium_id}/report.xlsx",
        f"/symposia/{symposium_id}/report-csv.zip",
        f"/api/symposia/{symposium_id}/report",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_unknown_symposium_is_not_found(client, login):
    login("viewer")
    assert client.get("/symposia/999999/report").status_code == 404
    assert client.get("/api/symposia/999999/report").status_code == 404


def test_a_new_symposium_reports_no_data(client, login, create_symposium_record):
    symposium = create_symposium_record(target_attendees=20)
    login("organiser")
    page = client.get(f"/symposia/{symposium.id}/report").get_data(as_text=True)
    assert "0 registered, 0 attended" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "no survey for this symposium" in page
    assert "no data" in page
    for url in ("report.pdf", "report.xlsx", "report-csv.zip"):
        assert client.get(f"/symposia/{symposium.id}/{url}").status_code == 200
    report = client.get(f"/api/symposia/{symposium.id}/report").get_json()
    assert report["survey"] is None and report["economies"]["count"] == 0
