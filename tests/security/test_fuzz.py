"""Fuzzing with hypothesis: every form on the pages and every route's URL and query string,
with random and hostile input (the uploads are in test_fuzz_uploads.py).

Nothing answers 500 (the app runs with exceptions propagated, so one fails the test with its
traceback) and every mail queued meanwhile can still be built. The number of cases run per
test is printed at the end of the session ("hypothesis cases run").
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Callable

import sqlalchemy as sa
from flask_wtf import FlaskForm
from hypothesis import given, settings
from hypothesis import strategies as st

from registration.models import Registration
from surveys.invitations import personal_token
from surveys.models import SurveyInvitation
from surveys.responses import ECONOMY_FIELD, SEX_FIELD
from surveys.services import survey_for
from symposium.models import Symposium
from tests.conftest import csrf_token
from tests.security.conftest import FullSymposium, app_rules, route_url
from tests.security.fuzzing import ANY_TEXT, FUZZ, assert_mails_build, count_case
from tests.security.pages import FormField, PageForm, page_forms, with_token
from tests.security.seeding import MARKUP
from tests.symposium.test_access import PUBLIC_ENDPOINTS


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


# --- every form -------------------------------------------------------------------------------

# Forms whose success removes or closes what the next examples post to: fuzzed last.
CLOSING = ("delete", "remove", "erase", "cancel", "withdraw", "revoke", "bulk", "decide")
# Forms no page shows to the shared symposium's organiser right now (the agenda already has
# items, the survey is open, the organiser is logged in…): posted with the fields they have.
UNSHOWN_FORMS = {
    "agenda.use_preset": ["preset"],
    "registration.distribute": ["version", "fingerprint"],
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
