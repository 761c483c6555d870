"""Fuzzing with hypothesis: every form on the pages, every route's URL and query string, and
the uploads (focal-point CSV, Zoom and Teams reports), with random and hostile input.

Nothing answers 500 (the app runs with exceptions propagated, so one fails the test with its
traceback), every mail queued meanwhile can still be built, and a refused upload leaves the
tables exactly as they were: no partial import. The number of cases run per test is printed at
the end of the session ("hypothesis cases run").
"""

from __future__ import annotations

import io
import itertools
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registration.attendance_models import AttendanceImport
from registration.demo_people import Attendee, zoom_report
from registration.models import Registration
from surveys.models import SurveyInvitation
from surveys.responses import ECONOMY_FIELD, SEX_FIELD
from surveys.services import personal_token, survey_for
from symposium.mailers import build_email
from symposium.models import OutboxMessage, Symposium
from tests.conftest import csrf_token
from tests.security.conftest import HYPOTHESIS_CASES, FullSymposium, app_rules, route_url
from tests.security.database import database_rows
from tests.security.pages import FormField, PageForm, page_forms, with_token
from tests.security.seeding import MARKUP
from tests.symposium.test_access import PUBLIC_ENDPOINTS

SAMPLE_REPORTS = Path(__file__).parent.parent / "registration" / "reports"

FUZZ = settings(
    max_examples=8,
    deadline=None,
    database=None,  # no example database written into the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Values that have broken web applications before: markup, formulas, control characters and
# NUL, numbers too large for a database column or not numbers at all, odd dates and times,
# digits that are not ASCII, right-to-left overrides, very long text.
HOSTILE = (
    MARKUP,
    "=1+1",
    "\x00",
    "a\x00b",
    "\r\nBcc: someone@example.org",
    "\t",
    " ",
    "-1",
    "0",
    "2147483648",
    "9" * 40,
    "-9223372036854775809",
    "1e309",
    "NaN",
    "²",
    "١٢٣",
    "0x1F",
    "9999-99-99",
    "2027-02-30",
    "0000-01-01",
    "25:61",
    "23:59:60",
    "../../etc/passwd",
    "{{7*7}}",
    "%(x)s %s %n",
    "' OR 1=1 --",
    "\u202eevil",
    "😀" * 60,
    "x" * 20_000,
    "a@b",
    "@",
    "Europe/Nowhere",
    "UTC\x00",
)
ANY_TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200), st.integers().map(str))


def value_of(form_field) -> st.SearchStrategy[str]:
    """A field's own values (what a browser sends) or anything at all."""
    own = [v for v in (form_field.value, *form_field.options) if v]
    if own:
        return st.one_of(st.sampled_from(own), ANY_TEXT)
    return ANY_TEXT


DAY = re.compile(r"days-(\d)-date")


def plausible(form: PageForm, serial: int) -> dict[str, list[str]]:
    """What a person filling the form in sensibly would send: the values the page shows, and
    for empty fields a value of the right kind (so the fuzzer gets past validation and reaches
    the services, one odd field at a time)."""
    sent = form.values()
    for f in form.fields:
        if f.kind in ("submit", "file") or f.name.endswith("csrf_token"):
            continue
        if sent.get(f.name, [""])[0]:
            continue
        if match := DAY.fullmatch(f.name):
            number = int(match.group(1))
            value = f"2027-06-{number + 1:02d}" if number < 2 else ""
        elif f.name.endswith("deadline"):
            value = "2027-05-20"
        elif "timezone" in f.name:
            value = "America/Lima"
        elif f.options:
            value = next((o for o in f.options if o and o != "0"), "")
        else:
            value = {
                "email": f"fuzz{serial}@example.org",
                "number": "30",
                "date": "2027-06-01",
                "time": "09:30",
                "url": "https://example.org/fuzz",
            }.get(f.kind, f"Fuzz {serial}")
        sent[f.name] = [value]
    return sent


def form_data(form: PageForm) -> st.SearchStrategy[dict[str, list[str]]]:
    """Mostly the plausible values with one to three fields changed to anything (or left out);
    sometimes any subset of the fields with anything in them, and a field the form lacks."""
    names = [f.name for f in form.fields if f.kind != "file" and not f.name.endswith("csrf_token")]
    fields = {f.name: st.lists(value_of(f), min_size=1, max_size=3) for f in form.fields
              if f.name in names}  # fmt: skip
    extra = st.dictionaries(st.text(string.ascii_letters, min_size=1, max_size=8),
                            st.lists(ANY_TEXT, max_size=2), max_size=2)  # fmt: skip
    anything = st.builds(lambda a, b: {**b, **a}, st.fixed_dictionaries({}, optional=fields), extra)
    if not names:
        return anything

    def change(serial: int, changes: dict[str, list[str] | None]) -> dict[str, list[str]]:
        sent = plausible(form, serial)
        for name, value in changes.items():
            if value is None:
                sent.pop(name, None)
            else:
                sent[name] = value
        return sent

    changes = st.dictionaries(
        st.sampled_from(names),
        st.one_of(st.none(), st.lists(ANY_TEXT, min_size=1, max_size=2)),
        min_size=1,
        max_size=3,
    )
    one_field_off = st.builds(change, st.integers(0, 10**6), changes)
    return st.one_of(one_field_off, one_field_off, one_field_off, anything)


def count_case(request: pytest.FixtureRequest) -> None:
    HYPOTHESIS_CASES[request.node.name] += 1


def assert_mails_build(full: FullSymposium) -> None:
    """The outbox worker can build every queued mail (a header with a line break could not)."""
    with full.session() as session:
        for message in session.scalars(sa.select(OutboxMessage)):
            build_email(message, full.app.config["MAIL_SENDER"])


# --- every form -------------------------------------------------------------------------------

# Forms whose success removes or closes what the next examples post to: fuzzed last.
CLOSING = ("delete", "remove", "erase", "cancel", "withdraw", "revoke", "bulk", "decide")
# Forms no page shows to the shared symposium's organiser right now (the agenda already has
# items, the survey is open, the organiser is logged in…): posted with the fields they have.
UNSHOWN_FORMS = {
    "agenda.use_preset": ["preset"],
    "registration.distribute": [],
    "surveys.open": [],
    "surveys.remove_question": [],
    "surveys.remove_section": [],
    "auth.login": ["email", "password"],
}


def every_form(full: FullSymposium, crawled: dict[str, list[PageForm]]) -> list[PageForm]:
    """One form per POST endpoint (the first a page shows, or one made up from its fields)."""
    forms = {endpoint: found[0] for endpoint, found in crawled.items()}
    for rule in app_rules(full.app):
        if "POST" in rule.methods and rule.endpoint not in forms:
            assert rule.endpoint in UNSHOWN_FORMS, f"no page shows a form for {rule.endpoint}"
            form = PageForm("", route_url(full, rule), "POST", "")
            form.fields = [FormField(name, "text") for name in UNSHOWN_FORMS[rule.endpoint]]
            forms[rule.endpoint] = form
    forms.pop("auth.logout")  # would end the organiser's session; CSRF-tested elsewhere
    return sorted(forms.values(), key=lambda f: (_endpoint(full, f).endswith(CLOSING), f.action))


def _endpoint(full: FullSymposium, form: PageForm) -> str:
    adapter = full.app.url_map.bind("localhost")
    return adapter.match(form.action.partition("?")[0], method="POST")[0]


def _form_classes() -> list[type[FlaskForm]]:
    """Every FlaskForm the application defines."""
    found, waiting = [], list(FlaskForm.__subclasses__())
    while waiting:
        cls = waiting.pop()
        waiting += cls.__subclasses__()
        if cls.__module__.split(".")[0] in APP_PACKAGES:
            found.append(cls)
    return found


APP_PACKAGES = ("symposium", "registration", "agenda", "surveys", "reports")


def test_every_wtforms_form_of_the_app_is_fuzzed(full_symposium, crawled_forms):
    """Each form class has its fields in a form fuzzed below (the participant filter, sent by
    GET, in the query strings fuzzed further down)."""
    fuzzed = [{f.name for f in form.fields} for form in every_form(full_symposium, crawled_forms)]
    fuzzed.append(set(QUERY_NAMES))
    classes = _form_classes()
    assert len(classes) >= 25
    with full_symposium.app.test_request_context():
        for cls in classes:
            names = {f.name for f in cls(meta={"csrf": False}) if f.type != "SubmitField"}
            found = [{n for n in names if _sent(n, fields)} for fields in fuzzed]
            # A page may leave one field out (a new item's day, an edited item's place).
            assert max(map(len, found)) >= len(names) - 1, f"{cls.__name__} is not fuzzed"
            assert set().union(*found) == names, f"{cls.__name__}: {names - set().union(*found)}"


def _sent(name: str, fields: set[str]) -> bool:
    """A field of the class is among the form's, maybe with a prefix or as a list of them."""
    return any(m == name or m.startswith(f"{name}-") or m.endswith(f"-{name}") for m in fields)


def test_every_form_with_random_and_hostile_values_never_fails(pristine, crawled_forms, request):
    full = pristine
    anonymous = full.app.test_client()
    anonymous.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    forms = every_form(full, crawled_forms)
    assert len(forms) >= 45
    for form in forms:
        endpoint = _endpoint(full, form)
        client = anonymous if endpoint in PUBLIC_ENDPOINTS else full.organiser
        fuzz_form(form, client, lambda: count_case(request))()
    assert_mails_build(full)


def fuzz_form(form: PageForm, client, counted: Callable[[], None]) -> Callable[[], None]:
    """A hypothesis test posting random values to ``form`` with the client's CSRF token."""

    @FUZZ
    @given(data=form_data(form))
    def post(data: dict[str, list[str]]) -> None:
        counted()
        response = client.post(form.action, data=with_token(data, csrf_token(client)))
        assert response.status_code < 500, form.action

    return post


# Values that broke web applications before, by the kind of field they go into: NUL (which
# PostgreSQL refuses in text), numbers beyond any column, digits int() refuses.
CHOICES = ("hidden", "select", "radio", "checkbox")
SHARP_VALUES = (
    ("Fuzz\x00text", ("text", "textarea", "search")),
    ("9" * 20, ("number",)),
    ("²", CHOICES),
    ("2147483648", CHOICES),  # an id one past PostgreSQL's INTEGER
)


def test_every_form_with_sharp_values_in_each_kind_of_field_never_fails(pristine, crawled_forms):
    """Not left to chance: every form once per kind of field, every field of that kind set to
    the value that breaks it, the others filled in sensibly (so the request gets as far as
    the services)."""
    full = pristine
    anonymous = full.app.test_client()
    anonymous.environ_base["REMOTE_ADDR"] = "10.0.0.98"
    sent = 0
    for form in every_form(full, crawled_forms):
        endpoint = _endpoint(full, form)
        client = anonymous if endpoint in PUBLIC_ENDPOINTS else full.organiser
        for value, kinds in SHARP_VALUES:
            names = [f.name for f in form.fields if f.kind in kinds and "timezone" not in f.name
                     and not f.name.endswith("csrf_token")]  # fmt: skip
            if not names:
                continue
            data = plausible(form, sent) | {name: [value] for name in names}
            response = client.post(form.action, data=with_token(data, csrf_token(client)))
            assert response.status_code < 500, (endpoint, value)
            sent += 1
    assert sent >= 50
    assert_mails_build(full)


def test_an_id_too_large_for_the_database_in_a_valid_form_never_fails(pristine, crawled_forms):
    """Each field that names a row, alone set one past PostgreSQL's INTEGER while the rest of
    the form is sensible, so the id reaches the query (a form left invalid stops before)."""
    full = pristine
    anonymous = full.app.test_client()
    sent = 0
    for form in every_form(full, crawled_forms):
        endpoint = _endpoint(full, form)
        client = anonymous if endpoint in PUBLIC_ENDPOINTS else full.organiser
        for field in form.fields:
            if not (field.name.endswith(("_id", "_ids")) and field.kind in (*CHOICES, "number")):
                continue
            data = plausible(form, sent) | {field.name: ["2147483648"]}
            response = client.post(form.action, data=with_token(data, csrf_token(client)))
            assert response.status_code < 500, (endpoint, field.name)
            sent += 1
    assert sent >= 10


def unanswered_survey_links(full: FullSymposium) -> list[str]:
    """The personal survey link of everyone who has not answered yet."""
    with full.session() as session:
        survey = survey_for(session, session.get(Symposium, full.id))
        people = session.scalars(
            sa.select(SurveyInvitation.registration_id)
            .join(Registration, Registration.id == SurveyInvitation.registration_id)
            .where(SurveyInvitation.survey_id == survey.id)
            .where(SurveyInvitation.completed_at.is_(None), Registration.erased_at.is_(None))
        ).all()
        return [personal_token(survey.id, p, full.app.config["SECRET_KEY"]) for p in people]


def test_the_anonymous_survey_form_never_fails(pristine, request):
    """An anonymous survey asks for sex and economy itself: the same checks on that form,
    each request with the link of someone who has not answered (so it is not refused as
    answered already)."""
    full = pristine
    with full.session() as session:
        survey_for(session, session.get(Symposium, full.id)).anonymous = True
        session.commit()
    links = itertools.cycle(unanswered_survey_links(full))
    client = full.app.test_client()
    url = f"/survey/{next(links)}"
    form = next(f for f in page_forms(url, client.get(url).text) if f.method == "POST")
    assert {SEX_FIELD, ECONOMY_FIELD} <= {f.name for f in form.fields}

    def answer(data: dict[str, list[str]]) -> None:
        response = client.post(f"/survey/{next(links)}", data=with_token(data, csrf_token(client)))
        assert response.status_code < 500, data

    for value, kinds in SHARP_VALUES:
        names = [f.name for f in form.fields if f.kind in kinds and f.name != "csrf_token"]
        if names:
            answer(plausible(form, 0) | {name: [value] for name in names})

    @FUZZ
    @given(data=form_data(form))
    def fuzz(data: dict[str, list[str]]) -> None:
        count_case(request)
        answer(data)

    fuzz()


# --- every route's URL and query string -------------------------------------------------------

QUERY_NAMES = ("page", "status", "economy", "q", "sex", "role", "attended", "tz", "after",
               "window_start", "window_end", "by", "next", "format")  # fmt: skip
HUGE_IDS = (2**31, 10**30)


def test_every_route_with_out_of_range_ids_and_odd_tokens_is_not_found(full_symposium):
    """Ids beyond any database column and tokens that are not tokens: a 404, never a 500."""
    full = full_symposium
    anonymous = full.app.test_client()
    tried = 0
    for rule in app_rules(full.app):
        numbers = [a for a in rule.arguments if a != "token"]
        cases = [{a: huge for a in numbers} for huge in HUGE_IDS if numbers]
        if "token" in rule.arguments:
            cases += [{"token": odd} for odd in ("x" * 5000, "\u202e", "..")]
        client = anonymous if rule.endpoint in PUBLIC_ENDPOINTS else full.organiser
        for values in cases:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": csrf_token(client)}
                response = client.open(route_url(full, rule, **values), method=method, data=data)
                assert response.status_code == 404, (rule.endpoint, values, method)
                tried += 1
    assert tried >= 100


def test_every_page_with_odd_values_in_every_known_parameter_never_fails(full_symposium):
    full = full_symposium
    anonymous = full.app.test_client()
    pages = [r for r in app_rules(full.app) if "GET" in r.methods]
    for rule in pages:
        client = anonymous if rule.endpoint in PUBLIC_ENDPOINTS else full.organiser
        for value in ("²", "9" * 20, "-1", str(2**31), MARKUP):
            query = dict.fromkeys(QUERY_NAMES, value)
            response = client.get(route_url(full, rule), query_string=query)
            assert response.status_code < 500, (rule.endpoint, value)


def test_every_page_with_random_query_strings_never_fails(full_symposium, request):
    full = full_symposium
    anonymous = full.app.test_client()
    pages = [r for r in app_rules(full.app) if "GET" in r.methods]

    @settings(FUZZ, max_examples=100)
    @given(
        rule=st.sampled_from(pages),
        query=st.dictionaries(
            st.one_of(st.sampled_from(QUERY_NAMES), st.text(max_size=5)), ANY_TEXT, max_size=4
        ),
    )
    def visit(rule, query):
        count_case(request)
        client = anonymous if rule.endpoint in PUBLIC_ENDPOINTS else full.organiser
        response = client.get(route_url(full, rule), query_string=query)
        assert response.status_code < 500, (rule.endpoint, query)

    visit()


# --- uploads ----------------------------------------------------------------------------------


def _upload(full: FullSymposium, url: str, data: bytes, name: str, **fields: str):
    sent = {"csrf_token": csrf_token(full.organiser), **fields,
            "file": (io.BytesIO(data), name)}  # fmt: skip
    return full.organiser.post(url, data=sent, content_type="multipart/form-data")


def header_rows(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    """A CSV-like text: cells joined as they are, so quotes and separators inside stay raw."""
    return "\n".join(delimiter.join(cells) for cells in [header, *rows])


FOCAL_HEADERS = (["name", "email", "economy", "role"], ["Name", "E-mail", "Economy"],
                 ["email", "name"], [])  # fmt: skip
CELL = st.one_of(
    ANY_TEXT,
    st.sampled_from(["Peru", "PER", "Viet Nam", "Vietnam", "Hong Kong", "focal@example.org",
                     "Focal Point", '"quoted, cell"', '"unterminated']),
    st.emails().map(str),
)  # fmt: skip
FOCAL_FILES = st.one_of(
    st.binary(max_size=2000),
    st.builds(
        lambda header, rows, delimiter, encoding, bom: (
            bom + header_rows(header, rows, delimiter)
        ).encode(encoding, errors="replace"),
        st.sampled_from(FOCAL_HEADERS),
        st.lists(st.lists(CELL, max_size=5), max_size=6),
        st.sampled_from([",", ";", "\t"]),
        st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252"]),
        st.sampled_from(["", "\ufeff"]),
    ),
)


def _focal_points(full: FullSymposium) -> list[dict[str, Any]]:
    return database_rows(full.app, "focal_point")["focal_point"]


def test_focal_point_csv_uploads_import_all_or_nothing(pristine, request):
    full = pristine
    url = f"/symposia/{full.id}/focal-points/import"

    def upload(data: bytes, name: str) -> int:
        before = _focal_points(full)
        response = _upload(full, url, data, name)
        assert response.status_code < 500
        after = _focal_points(full)
        if response.status_code != 302:
            assert after == before, "a refused file changed the focal points"
            return 0
        added = after[len(before) :]
        assert after[: len(before)] == before and added, "an import only ever adds"
        text = data.decode("utf-8-sig", errors="replace").lower()
        assert all(point["email"] in text for point in added)
        return len(added)

    # The way through works, once: the same addresses again are refused as a whole.
    good = b"name,email,economy\nAna,ana.fp@example.pe,Peru\nLe,le.fp@example.vn,VNM\n"
    assert upload(good, "focal.csv") == 2
    assert upload(good + b"New,new.fp@example.cl,Chile\n", "focal.csv") == 0

    @settings(FUZZ, max_examples=40)
    @given(data=FOCAL_FILES, name=st.sampled_from(["focal.csv", "x.xlsx", "", "a\x00.csv"]))
    def fuzz(data: bytes, name: str) -> None:
        count_case(request)
        upload(data, name)

    fuzz()


ATTENDANCE_TABLES = ("attendance_import", "attendance_row", "day_attendance", "manual_check")


def _attendance(full: FullSymposium) -> dict[str, list[dict[str, Any]]]:
    return database_rows(full.app, *ATTENDANCE_TABLES)


def _valid_zoom_report(full: FullSymposium, day_number: int) -> bytes:
    """A Zoom report of the day for twenty registrants, as the demo makes them."""
    with full.session() as session:
        symposium = session.get(Symposium, full.id)
        people = session.scalars(
            sa.select(Registration)
            .where(Registration.symposium_id == full.id, Registration.status == "confirmed")
            .order_by(Registration.id)
            .limit(20)
        ).all()
        attendees = [Attendee(p.full_name, p.email or "") for p in people]
        day = symposium.days[day_number - 1]
        return zoom_report(symposium.title, day.starts_at, 170, attendees, seed=day_number)


def mutated(base: bytes) -> st.SearchStrategy[bytes]:
    """``base`` cut short, with a slice replaced by random bytes or hostile text, or a line
    dropped: files that are almost right, where parsers break."""

    def cut(at: float) -> bytes:
        return base[: int(len(base) * at)]

    def splice(at: float, length: int, insert: bytes) -> bytes:
        start = int(len(base) * at)
        return base[:start] + insert + base[start + length :]

    def drop_line(at: float) -> bytes:
        lines = base.split(b"\n")
        del lines[int(len(lines) * at) % len(lines)]
        return b"\n".join(lines)

    fraction = st.floats(0, 1)
    noise = st.one_of(st.binary(max_size=40), ANY_TEXT.map(lambda t: t.encode("utf-8")[:200]))
    return st.one_of(
        st.just(base),
        st.builds(cut, fraction),
        st.builds(splice, fraction, st.integers(0, 40), noise),
        st.builds(drop_line, fraction),
    )


def test_zoom_and_teams_uploads_import_all_or_nothing(pristine, request):
    full = pristine
    valid = {day: _valid_zoom_report(full, day) for day in (1, 2)}
    samples = [path.read_bytes() for path in sorted(SAMPLE_REPORTS.glob("*.csv"))]
    # Mostly a day's own report, cut or spliced, sent as the organiser would; else anything.
    as_sent = st.sampled_from([1, 2]).flatmap(
        lambda day: st.tuples(
            mutated(valid[day]), st.just(day), st.just("America/Lima"),
            st.sampled_from(["auto", "zoom"]),
        )
    )  # fmt: skip
    anything = st.tuples(
        st.one_of(st.sampled_from([*valid.values(), *samples]).flatmap(mutated), st.binary()),
        st.sampled_from([1, 2]),
        st.sampled_from(["America/Lima", "UTC", "Asia/Tokyo", "Nowhere/Zone", ""]),
        st.sampled_from(["auto", "zoom", "teams", "webex", ""]),
    )

    def upload(data: bytes, day: int, zone: str, source: str) -> int:
        before = _attendance(full)
        url = f"/symposia/{full.id}/attendance/day/{day}/import"
        response = _upload(full, url, data, "report.csv", timezone=zone, source=source)
        assert response.status_code < 500
        if response.status_code != 302:
            assert _attendance(full) == before, "a refused report changed the attendance"
            return response.status_code
        with full.session() as session:
            day_id = session.get(Symposium, full.id).days[day - 1].id
            reports = session.scalars(
                sa.select(AttendanceImport).where(AttendanceImport.day_id == day_id)
            ).all()
            assert len(reports) == 1, "importing a day again replaces its report"
        return response.status_code

    # The way through works: a day's report is taken, and taken again in its place.
    assert upload(valid[1], 1, "America/Lima", "zoom") == 302
    assert upload(valid[1], 1, "America/Lima", "auto") == 302

    @settings(FUZZ, max_examples=40)
    @given(case=st.one_of(as_sent, anything))
    def fuzz(case: tuple[bytes, int, str, str]) -> None:
        count_case(request)
        upload(*case)

    fuzz()
    assert_mails_build(full)
