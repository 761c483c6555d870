"""Focal points: added one by one or from a CSV file, listed by economy, edited, removed, and
their links revoked — through the pages on both databases (the CSV reader on its own:
test_focal_point_csv.py)."""

from __future__ import annotations

import io
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from registration.focal_points import (
    MAX_IMPORT_BYTES,
    FocalPointImportError,
    FocalPointInput,
    add_focal_point,
    import_focal_points,
    parse_focal_point_csv,
)
from registration.models import FocalPoint, NominationLink
from symposium import db
from symposium.models import Economy, utcnow
from tests.conftest import post_form


def stored(session) -> list[tuple[str, str, str, str]]:
    session.expire_all()
    rows = session.execute(
        sa.select(FocalPoint.name, FocalPoint.email, Economy.name, FocalPoint.role)
        .join(Economy)
        .order_by(FocalPoint.id)
    )
    return [tuple(row) for row in rows]


@pytest.fixture
def symposium(create_symposium_record, economies):
    invited = [economies[name].id for name in ("Viet Nam", "Peru", "Chinese Taipei")]
    return create_symposium_record(invited_economy_ids=invited)


@pytest.fixture
def add_focal_point_record(session, economies):
    def factory(symposium, name="Ana Pérez", email="ana@example.org", economy="Peru", role=""):
        data = FocalPointInput(name, email, economies[economy].id, role)
        focal_point = add_focal_point(session, symposium, data)
        session.commit()
        return focal_point

    return factory


def add(client, symposium, economy_id, name="Ana Pérez", email="ana@example.org", role=""):
    fields = {"name": name, "email": email, "economy_id": economy_id, "role": role}
    return post_form(client, f"/symposia/{symposium.id}/focal-points/new", fields)


def upload(client, symposium, data: bytes, filename="focal-points.csv"):
    url = f"/symposia/{symposium.id}/focal-points/import"
    return post_form(client, url, {"file": (io.BytesIO(data), filename)})


# --- one by one ------------------------------------------------------------------------------


def test_organiser_adds_focal_points_one_by_one(client, login, session, symposium, economies):
    login()
    url = f"/symposia/{symposium.id}/focal-points"
    assert client.get(f"{url}/new").status_code == 200
    viet_nam = economies["Viet Nam"].id
    for name, email in (("Nguyễn Thị Lan", "Lan.Nguyen@Example.org"), ("Trần Văn Minh", "m@x.vn")):
        assert add(client, symposium, viet_nam, name, email, "SMEWG").status_code == 302
    assert stored(session) == [
        ("Nguyễn Thị Lan", "lan.nguyen@example.org", "Viet Nam", "SMEWG"),
        ("Trần Văn Minh", "m@x.vn", "Viet Nam", "SMEWG"),
    ]
    page = client.get(url).get_data(as_text=True)
    assert "Viet Nam (2)" in page and "Nguyễn Thị Lan" in page
    assert "1 of 3 invited economies have a focal point" in page


def test_invalid_or_listed_email_is_refused_with_a_field_message(
    client, login, session, symposium, add_focal_point_record, economies
):
    add_focal_point_record(symposium, email="ana@example.org")
    login()
    invalid = add(client, symposium, economies["Peru"].id, email="ana@")
    assert invalid.status_code == 422
    assert 'id="email-error">Enter a valid e-mail address.<' in invalid.get_data(as_text=True)
    no_economy = add(client, symposium, 0, email="other@example.org")
    assert 'id="economy_id-error">Choose the economy.<' in no_economy.get_data(as_text=True)
    # The same address in other case is the same address.
    again = add(client, symposium, economies["Chile"].id, "Other Ana", "ANA@Example.org")
    assert again.status_code == 422
    message = "ana@example.org is already a focal point of this symposium."
    assert f'id="email-error">{message}<' in again.get_data(as_text=True)
    assert len(stored(session)) == 1


@contextmanager
def saved_meanwhile(app, target, **row):
    """The first flush under way that adds a focal point finds ``row`` just committed by
    another connection, as when a concurrent request wins the race for an address."""
    done = []

    def insert_first(flushing, _context, _instances):
        if not done and any(isinstance(obj, FocalPoint) for obj in flushing.new):
            with db.database(app).engine.begin() as connection:
                values = {"name": "Saved meanwhile", "role": "", "created_at": utcnow(), **row}
                connection.execute(sa.insert(FocalPoint).values(**values))
            done.append(True)

    sa.event.listen(target, "before_flush", insert_first)
    try:
        yield
    finally:
        sa.event.remove(target, "before_flush", insert_first)
    assert done, "the competing insert ran between the check and the insert"


def test_losing_the_race_for_an_address_is_a_field_message_not_an_error_page(
    app, client, login, session, symposium, economies
):
    login()
    peru = economies["Peru"].id
    requests = db.database(app).sessionmaker
    row = {"symposium_id": symposium.id, "economy_id": peru, "email": "ana@example.org"}
    with saved_meanwhile(app, requests, **row):
        response = add(client, symposium, peru)
    assert response.status_code == 422
    assert "ana@example.org is already a focal point" in response.get_data(as_text=True)
    assert [row[0] for row in stored(session)] == ["Saved meanwhile"]


def test_losing_the_race_during_an_import_names_the_line_and_imports_nothing(
    app, session, symposium, economies
):
    row = {"symposium_id": symposium.id, "economy_id": economies["Japan"].id, "email": "k@x.org"}
    data = b"name,email,economy\nAna,a@x.org,PER\nKenji,K@x.org,JPN\n"
    with saved_meanwhile(app, session, **row), pytest.raises(FocalPointImportError) as caught:
        import_focal_points(session, symposium, data)
    assert caught.value.problems == [(3, "k@x.org is already a focal point of this symposium.")]
    session.commit()  # the request's transaction is still usable, and holds nothing imported
    assert [row[0] for row in stored(session)] == ["Saved meanwhile"]


def test_edit_and_remove_a_focal_point(
    client, login, session, symposium, add_focal_point_record, economies
):
    focal_point = add_focal_point_record(symposium)
    other = add_focal_point_record(
        symposium, name="Kenji Sato", email="k@example.org", economy="Japan"
    )
    login()
    url = f"/symposia/{symposium.id}/focal-points/{focal_point.id}"
    form = client.get(f"{url}/edit").get_data(as_text=True)
    assert 'value="ana@example.org"' in form
    fields = {
        "name": "Ana María Pérez",
        "email": "ana@example.org",
        "economy_id": economies["China"].id,
    }
    assert post_form(client, f"{url}/edit", fields).status_code == 302
    # Taking another focal point's address is refused as adding it is.
    clash = {**fields, "email": "K@example.org"}
    assert post_form(client, f"{url}/edit", clash).status_code == 422
    assert [row[:3] for row in stored(session)] == [
        ("Ana María Pérez", "ana@example.org", "China"),
        ("Kenji Sato", "k@example.org", "Japan"),
    ]
    assert post_form(client, f"{url}/delete", {}).status_code == 302
    assert [row[0] for row in stored(session)] == ["Kenji Sato"]
    wrong_symposium = f"/symposia/{symposium.id + 1}/focal-points/{other.id}/delete"
    assert post_form(client, wrong_symposium, {}).status_code == 404


def test_list_shows_gaps_of_invited_economies_and_flags_the_not_invited(
    client, login, symposium, add_focal_point_record
):
    add_focal_point_record(symposium)  # Peru, invited
    add_focal_point_record(symposium, name="Kenji Sato", email="k@example.org", economy="Japan")
    login("viewer")
    page = client.get(f"/symposia/{symposium.id}/focal-points").get_data(as_text=True)
    # Invited economies first, in APEC order, each shown even without a focal point.
    assert page.index("Peru (1)") < page.index("Chinese Taipei (0)") < page.index("Viet Nam (0)")
    assert page.index("Viet Nam (0)") < page.index("Japan (1)")
    assert page.count("No focal point yet.") == 2
    japan = page[page.index("Japan (1)") :]
    assert "not invited" in japan[:200]
    assert "not invited" not in page[: page.index("Japan (1)")]


# --- revoking links ------------------------------------------------------------------------------


def test_revoke_sets_revoked_at_on_every_live_link(
    client, login, session, symposium, add_focal_point_record
):
    focal_point = add_focal_point_record(symposium)
    earlier = utcnow().replace(year=2020)
    session.add_all(
        [
            NominationLink(focal_point_id=focal_point.id, token_hash="a" * 64),
            NominationLink(focal_point_id=focal_point.id, token_hash="b" * 64),
            NominationLink(focal_point_id=focal_point.id, token_hash="c" * 64, revoked_at=earlier),
        ]
    )
    session.commit()
    login()
    url = f"/symposia/{symposium.id}/focal-points/{focal_point.id}/revoke"
    response = post_form(client, url, {}, follow_redirects=True)
    assert "Revoked 2 nomination links of Ana Pérez." in response.get_data(as_text=True)
    session.expire_all()
    links = {
        link.token_hash[0]: link.revoked_at for link in session.scalars(sa.select(NominationLink))
    }
    assert links["a"] is not None and links["b"] is not None
    assert links["c"] == earlier  # an old revocation keeps its date


# --- the CSV import through the page ----------------------------------------------------------


def test_import_of_a_good_file_with_bom_and_semicolons_stores_every_row(
    client, login, session, symposium
):
    text = (
        "Name;E-mail;Economy;Role\r\n"
        "Nguyễn Thị Lan;lan.nguyen@example.org;viet nam;SMEWG focal point\r\n"
        "Trần Văn Minh;minh@example.org;VNM;\r\n"
        "José Ñúñez;jose@example.org;Peru;Ministerio de la Producción\r\n"
    )
    login()
    response = upload(client, symposium, "\ufeff".encode() + text.encode())
    assert response.status_code == 302
    assert stored(session) == [
        ("Nguyễn Thị Lan", "lan.nguyen@example.org", "Viet Nam", "SMEWG focal point"),
        ("Trần Văn Minh", "minh@example.org", "Viet Nam", ""),
        ("José Ñúñez", "jose@example.org", "Peru", "Ministerio de la Producción"),
    ]


def test_import_with_one_bad_row_shows_its_line_and_stores_nothing(
    client, login, session, symposium
):
    text = (
        "name,email,economy,role\n"
        "Ana Pérez,ana@example.org,Peru,\n"
        "Lin Mei,lin.mei@,Chinese Taipei,\n"
        "Kenji Sato,k@example.org,Japan,\n"
    )
    login()
    response = upload(client, symposium, text.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<td>3</td><td>“lin.mei@” is not a valid e-mail address.</td>" in page
    assert "Nothing was imported" in page
    assert stored(session) == []


def test_a_name_starting_with_equals_is_stored_as_typed(client, login, session, symposium):
    login()
    text = 'name,email,economy\n=HYPERLINK("x"),eq@example.org,PER\n'
    assert upload(client, symposium, text.encode()).status_code == 302
    assert stored(session) == [('=HYPERLINK("x")', "eq@example.org", "Peru", "")]


def test_import_refuses_addresses_already_listed(
    client, login, session, symposium, add_focal_point_record
):
    add_focal_point_record(symposium, email="ana@example.org")
    login()
    text = "name,email,economy\nKenji Sato,k@example.org,JPN\nAna,Ana@Example.org,PER\n"
    page = upload(client, symposium, text.encode()).get_data(as_text=True)
    assert "<td>3</td><td>ana@example.org is already a focal point of this symposium.</td>" in page
    assert len(stored(session)) == 1


def test_import_without_a_file_or_with_a_huge_one_says_so(client, login, session, symposium):
    login()
    url = f"/symposia/{symposium.id}/focal-points/import"
    missing = post_form(client, url, {})
    assert missing.status_code == 400
    assert "Choose a CSV file to import." in missing.get_data(as_text=True)
    huge = b"name,email,economy\n" + b"x" * MAX_IMPORT_BYTES
    response = upload(client, symposium, huge)
    assert response.status_code == 400
    assert "larger than 1 MB" in response.get_data(as_text=True)
    assert stored(session) == []


def test_example_file_downloads_and_imports_as_it_is(client, login, session, symposium, economies):
    login("viewer")
    response = client.get("/focal-points/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert len(parse_focal_point_csv(response.data, list(economies.values()))) == 3
    post_form(client, "/logout", {})
    login()
    assert upload(client, symposium, response.data).status_code == 302
    assert len(stored(session)) == 3


# --- who may do what ----------------------------------------------------------------------------


def test_viewer_sees_the_list_but_may_change_nothing(
    client, login, session, symposium, add_focal_point_record, economies
):
    focal_point = add_focal_point_record(symposium)
    login("viewer")
    base = f"/symposia/{symposium.id}/focal-points"
    page = client.get(base).get_data(as_text=True)
    assert "Ana Pérez" in page and "Add a focal point" not in page and "Remove" not in page
    for form_page in ("new", "import", f"{focal_point.id}/edit"):
        assert client.get(f"{base}/{form_page}").status_code == 403, form_page
    assert add(client, symposium, economies["Peru"].id, email="v@example.org").status_code == 403
    assert (
        upload(client, symposium, b"name,email,economy\nV,v@example.org,PER\n").status_code == 403
    )
    for action in ("delete", "revoke"):
        assert post_form(client, f"{base}/{focal_point.id}/{action}", {}).status_code == 403
    assert stored(session) == [("Ana Pérez", "ana@example.org", "Peru", "")]
