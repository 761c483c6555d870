"""The demo's registrants and the Zoom reports of its two days, invented but plausible: names
of each economy, a realistic mix of sex, age and organisations, people who drop and rejoin,
and a few report rows that match nobody (a host account, a phone)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

NAMES = {
    "Peru": (["Lucía", "Rosa", "Carmen", "Milagros", "Andrea", "Patricia"],
             ["José", "Luis", "Jorge", "Miguel", "Renzo"],
             ["Quispe", "Flores", "Sánchez", "Huamán", "Rojas", "Vargas", "Chávez"]),
    "Chile": (["Francisca", "Javiera", "Camila", "Constanza", "Valentina"],
              ["Matías", "Sebastián", "Felipe", "Cristóbal"],
              ["González", "Muñoz", "Soto", "Contreras", "Silva", "Pizarro"]),
    "Hong Kong, China": (["Ka-yan", "Wing-sze", "Mei-ling", "Hoi-ying"],
                         ["Chi-keung", "Ka-ho", "Wai-man"],
                         ["Chan", "Wong", "Leung", "Cheung", "Lau"]),
    "Mexico": (["Mariana", "Guadalupe", "Fernanda", "Daniela", "Ximena"],
               ["Alejandro", "Juan Carlos", "Eduardo", "Iván"],
               ["Hernández", "García", "Martínez", "López", "Ramírez"]),
    "Singapore": (["Wei Ling", "Siti", "Priya", "Hui Min"],
                  ["Jun Jie", "Muhammad", "Arjun", "Zhi Hao"],
                  ["Tan", "Lim", "Ng", "Rahman", "Krishnan"]),
    "Chinese Taipei": (["Yu-ting", "Shu-fen", "Ya-wen", "Hsin-yi"],
                       ["Chih-hao", "Chun-hung", "Wei-lun"],
                       ["Lin", "Chen", "Huang", "Chang", "Wu"]),
    "Viet Nam": (["Thị Hồng", "Thu Trang", "Ngọc Anh", "Thanh Hương"],
                 ["Văn Nam", "Minh Đức", "Quốc Bảo", "Hoàng Long"],
                 ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng"]),
}  # fmt: skip
FAMILY_NAME_FIRST = {"Hong Kong, China", "Chinese Taipei", "Viet Nam"}
ORGANISATIONS = (
    ("Government", "Ministry of Production", "Policy analyst"),
    ("Government", "SME agency", "Programme manager"),
    ("Government", "Ministry of Trade", "Deputy director"),
    ("Private sector", "Chamber of commerce", "Digital trade adviser"),
    ("Private sector", "Online marketplace", "Head of seller services"),
    ("Academia", "National university", "Researcher"),
    ("Civil society", "Women entrepreneurs network", "Coordinator"),
    ("International organisation", "Regional development bank", "Consultant"),
)


@dataclass(frozen=True)
class DemoPerson:
    given_name: str
    family_name: str
    email: str
    economy: str
    sex: str
    youth: bool
    organisation_type: str
    organisation: str
    job_title: str


def ascii_mailbox(*words: str) -> str:
    """An ASCII mailbox name for invented people (not every mail server takes UTF-8 ones)."""
    text = unicodedata.normalize("NFKD", ".".join(words).lower())
    return "".join(c for c in text.encode("ascii", "ignore").decode() if c.isalnum() or c == ".")


def demo_people(count: int, economies: Sequence[str], seed: int = 2027) -> list[DemoPerson]:
    """``count`` registrants spread over ``economies``; about 55% women, a few undisclosed."""
    rng = random.Random(seed)  # noqa: S311  (invented demo data, not secrets)
    people, used = [], set()
    while len(people) < count:
        economy = economies[len(people) % len(economies)]
        women, men, families = NAMES[economy]
        roll = rng.random()
        sex = (
            "Female"
            if roll < 0.55
            else "Male"
            if roll < 0.93
            else rng.choice(["Other", "Prefer not to say"])
        )
        given = rng.choice(women if sex == "Female" else men if sex == "Male" else women + men)
        family = rng.choice(families)
        email = f"{ascii_mailbox(given, family)}@participants.example"
        if email in used:
            continue  # namesakes exist, but the demo keeps the review screen to a few rows
        used.add(email)
        kind, organisation, job = rng.choice(ORGANISATIONS)
        people.append(
            DemoPerson(given, family, email, economy, sex, rng.random() < 0.3, kind,
                       organisation, job)
        )  # fmt: skip
    return people


@dataclass(frozen=True)
class Attendee:
    """Someone in a day's report: how Zoom shows their name, and their e-mail if signed in."""

    name: str
    email: str


def display_name(person: DemoPerson, rng: random.Random) -> str:
    """How people appear in Zoom: full name, family name first, or without accents."""
    if person.economy in FAMILY_NAME_FIRST:
        return f"{person.family_name} {person.given_name}"
    if rng.random() < 0.2:
        return (
            unicodedata.normalize("NFKD", f"{person.given_name} {person.family_name}")
            .encode("ascii", "ignore")
            .decode()
        )
    return f"{person.given_name} {person.family_name}"


def zoom_report(
    topic: str,
    starts: dt.datetime,
    minutes: int,
    attendees: Sequence[Attendee],
    seed: int,
) -> bytes:
    """A Zoom participant report (times in the host zone of ``starts``): a meeting summary,
    a blank line, then one row per join. Some people drop and rejoin; some leave early; two
    rows belong to nobody registered."""
    rng = random.Random(seed)  # noqa: S311  (invented demo data, not secrets)
    fmt = "%m/%d/%Y %I:%M:%S %p"
    rows = []
    for attendee in attendees:
        join = starts + dt.timedelta(minutes=rng.randint(-8, 12), seconds=rng.randint(0, 59))
        leave = starts + dt.timedelta(minutes=minutes - rng.randint(0, 15))
        if rng.random() < 0.08:  # left early, under the threshold
            leave = join + dt.timedelta(minutes=rng.randint(5, 20))
        elif rng.random() < 0.12:  # dropped and rejoined, with an overlapping second session
            drop = join + dt.timedelta(minutes=rng.randint(30, 80))
            rows.append((attendee, join, drop))
            join = drop - dt.timedelta(minutes=1)
        rows.append((attendee, join, leave))
    opened = starts - dt.timedelta(minutes=15)
    for extra in (Attendee("SMEWG Host", ""), Attendee("iPhone", "")):
        rows.append((extra, opened, starts + dt.timedelta(minutes=minutes)))
    rows.sort(key=lambda row: row[1])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Meeting ID", "Topic", "Start Time", "End Time", "User Email",
                     "Duration (Minutes)", "Participants"])  # fmt: skip
    end = starts + dt.timedelta(minutes=minutes + 10)
    writer.writerow(["812 3456 7890", topic, opened.strftime(fmt), end.strftime(fmt),
                     "po@demo.example.org", minutes + 25, len(rows)])  # fmt: skip
    writer.writerow([])
    writer.writerow(["Name (Original Name)", "User Email", "Join Time", "Leave Time",
                     "Duration (Minutes)", "Guest"])  # fmt: skip
    for attendee, join, leave in rows:
        duration = max(int((leave - join).total_seconds() // 60), 1)
        writer.writerow([attendee.name, attendee.email, join.strftime(fmt), leave.strftime(fmt),
                         duration, "No" if attendee.email else "Yes"])  # fmt: skip
    return buffer.getvalue().encode("utf-8-sig")
