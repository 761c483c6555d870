"""Agenda speakers who registered on the open form (as everyone does, with the role
participant): the report counts them once, as speakers, not also as participants."""

from __future__ import annotations

from agenda.models import ItemPerson, Speaker
from tests.reports.conftest import add_day, add_item, add_registration


def test_a_registered_agenda_speaker_is_a_speaker_not_also_a_participant(
    client, login, session, economies, create_symposium_record
):
    symposium = create_symposium_record()
    day = symposium.days[0].id
    peru, chile = economies["Peru"], economies["Chile"]
    # Ana is on the agenda with her e-mail in capitals; Luis with no e-mail at all.
    ana = add_registration(session, symposium, peru, "Ana", email="ana@example.pe")
    luis = add_registration(
        session, symposium, chile, "Luis", family_name="Núñez", sex="Male", email="l@example.cl"
    )
    # Another Luis Núñez, of Peru, is only a participant: the same name in another economy.
    namesake = add_registration(
        session, symposium, peru, "Luis", family_name="Núñez", sex="Male", email="l@example.pe"
    )
    marta = add_registration(session, symposium, peru, "Marta")  # a participant only
    for person in (ana, luis, namesake, marta):
        add_day(session, person, day, 60)
    item = add_item(session, day, 0)
    for name, email, economy, sex in [
        ("Ana Example", "ANA@Example.PE", peru, "Prefer not to say"),
        ("NUNEZ luis", None, chile, "Male"),  # typed without accents
    ]:
        speaker = Speaker(
            symposium_id=symposium.id, name=name, email=email, economy_id=economy.id, sex=sex
        )
        session.add(speaker)
        session.flush()
        session.add(ItemPerson(item_id=item.id, speaker_id=speaker.id, role="speaker"))
    session.commit()

    login("viewer")
    report = client.get(f"/api/symposia/{symposium.id}/report").get_json()
    # Participants: the Peruvian Luis Núñez and Marta; Ana and the Chilean Luis speak.
    assert report["participants"]["registered"]["total"] == 2
    assert report["participants"]["attended"]["by_sex"] == {
        "Female": 1,
        "Male": 1,
        "Other": 0,
        "Prefer not to say": 0,
    }
    speakers = report["speakers"]
    listed = sorted((p["name"], p["sex"], p["economy"], p["source"]) for p in speakers["list"])
    assert listed == [
        ("Ana Example", "Female", "Peru", "agenda + registration"),  # her own sex wins
        ("Luis Núñez", "Male", "Chile", "agenda + registration"),
    ]
    rows = {row["economy"]: row for row in report["economies"]["rows"]}
    assert rows["Peru"]["registered"]["total"] == 2 and rows["Peru"]["speakers"] == 1
    assert rows["Chile"]["registered"]["total"] == 0 and rows["Chile"]["speakers"] == 1
