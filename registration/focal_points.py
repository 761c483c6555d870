"""Focal points of a symposium: adding, changing and removing them, reading a CSV list of them
(pure), and revoking their nomination links."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from registration.models import FocalPoint, NominationLink
from registration.nomination_links import live_links
from symposium.accounts import normalise_email
from symposium.models import Economy, Symposium, utcnow

MAX_IMPORT_BYTES = 1024 * 1024
CSV_COLUMNS = ("name", "email", "economy", "role")
# Header spellings people use for the same column (compared after _key()).
COLUMN_ALIASES = {
    "name": "name",
    "full name": "name",
    "email": "email",
    "e mail": "email",
    "email address": "email",
    "e mail address": "email",
    "economy": "economy",
    "role": "role",
    "forum role": "role",
    "forum": "role",
}
# Names people write instead of the APEC one. Never mapped silently: APEC nomenclature is a
# matter of protocol, so the organiser corrects the file and sees the right name.
WRONG_ECONOMY_NAMES = {
    "TPE": ("taiwan", "republic of china", "roc", "twn", "taiwan roc", "taiwan china"),
    "HKG": ("hong kong", "hong kong sar", "hong kong sar china", "hk", "hksar"),
    "VNM": ("vietnam", "viet nam socialist republic of", "socialist republic of viet nam", "vn"),
    "KOR": ("korea", "south korea", "korea republic of", "korea south", "rok", "kr"),
    "USA": ("us", "u s", "u s a", "united states", "united states of america", "america"),
    "PHL": ("philippines", "republic of the philippines", "ph"),
    "BRN": ("brunei",),
    "RUS": ("russian federation",),
    "CHN": ("people s republic of china", "prc"),
    "XXX": ("non member", "international organisation", "international organization"),
}
# C0 control characters and DEL: PostgreSQL refuses NUL, and none belongs in a name or address.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
LIMITS = {"name": 200, "email": 254, "role": 200}


@dataclass(frozen=True)
class FocalPointInput:
    """What an organiser enters for one focal point (by form or as a CSV row)."""

    name: str
    email: str
    economy_id: int
    role: str = ""


class FocalPointError(ValueError):
    """A focal point that cannot be saved; ``field`` names the form field the message is for."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class FocalPointImportError(ValueError):
    """A CSV file that cannot be imported; ``problems`` lists (line, reason).

    Lines are numbered as a spreadsheet shows them (the header is line 1); line 0 stands for
    the file as a whole (empty, too large, not UTF-8 text).
    """

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"line {line}: {reason}" for line, reason in problems))
        self.problems = problems


# --- checks shared by the form and the CSV import ----------------------------------------------


def _text_problem(label: str, value: str, limit: int) -> str | None:
    if CONTROL_CHARACTERS.search(value):
        return f"{label} contains a control character (such as a tab or line break)."
    if len(value) > limit:
        return f"{label} is longer than {limit} characters."
    return None


def input_problems(data: FocalPointInput) -> dict[str, str]:
    """What is wrong with ``data`` on its own (not its clash with others), by field name."""
    problems: dict[str, str] = {}
    name, email, role = data.name.strip(), data.email.strip(), data.role.strip()
    if not name:
        problems["name"] = "Name is missing."
    elif problem := _text_problem("Name", name, LIMITS["name"]):
        problems["name"] = problem
    if not email:
        problems["email"] = "E-mail address is missing."
    elif problem := _text_problem("E-mail address", email, LIMITS["email"]):
        problems["email"] = problem
    else:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            problems["email"] = f"“{email}” is not a valid e-mail address."
    if problem := _text_problem("Forum / role", role, LIMITS["role"]):
        problems["role"] = problem
    return problems


# --- services (they flush; the view commits) ----------------------------------------------------


def _email_in_use(session: Session, symposium_id: int, email: str, except_id: int | None) -> bool:
    query = sa.select(FocalPoint.id).where(
        FocalPoint.symposium_id == symposium_id, FocalPoint.email == email
    )
    if except_id is not None:
        query = query.where(FocalPoint.id != except_id)
    return session.scalar(query) is not None


def _taken_message(email: str) -> str:
    return f"{email} is already a focal point of this symposium."


def _save(session: Session, focal_point: FocalPoint, data: FocalPointInput) -> None:
    problems = input_problems(data)
    if session.get(Economy, data.economy_id) is None:
        problems["economy_id"] = "Choose an economy from the list."
    if problems:
        field, message = next(iter(problems.items()))
        raise FocalPointError(message, field)
    email = normalise_email(data.email)
    if _email_in_use(session, focal_point.symposium_id, email, focal_point.id):
        raise FocalPointError(_taken_message(email), "email")
    try:
        # A savepoint, so that losing a race to the unique constraint (someone saved the same
        # address since the check above) leaves the request's transaction usable.
        with session.begin_nested():
            focal_point.name = data.name.strip()
            focal_point.email = email
            focal_point.economy_id = data.economy_id
            focal_point.role = data.role.strip()
            session.add(focal_point)
    except IntegrityError:
        if not _email_in_use(session, focal_point.symposium_id, email, focal_point.id):
            raise
        raise FocalPointError(_taken_message(email), "email") from None


def add_focal_point(session: Session, symposium: Symposium, data: FocalPointInput) -> FocalPoint:
    """Add a focal point; raises FocalPointError for bad input or an address already listed."""
    focal_point = FocalPoint(symposium_id=symposium.id)
    _save(session, focal_point, data)
    return focal_point


def update_focal_point(session: Session, focal_point: FocalPoint, data: FocalPointInput) -> None:
    """Change a focal point; raises FocalPointError as ``add_focal_point`` does."""
    _save(session, focal_point, data)


def delete_focal_point(session: Session, focal_point: FocalPoint) -> None:
    """Remove a focal point with its links; nominations it made stay, without their sender."""
    session.delete(focal_point)
    session.flush()


def revoke_links(session: Session, focal_point: FocalPoint) -> int:
    """Revoke every nomination link of ``focal_point`` not revoked yet; return how many of them
    still worked (the others had expired, see nomination_links.py)."""
    working = len(live_links(focal_point.links, focal_point.symposium))
    session.execute(
        sa.update(NominationLink)
        .where(NominationLink.focal_point_id == focal_point.id, NominationLink.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    session.flush()
    return working


def focal_points_by_economy(
    session: Session, symposium: Symposium
) -> list[tuple[Economy, list[FocalPoint], bool]]:
    """(economy, its focal points, invited?) — every invited economy first, even one without a
    focal point (so gaps show), then the other economies that have focal points."""
    focal_points = session.scalars(
        sa.select(FocalPoint)
        .where(FocalPoint.symposium_id == symposium.id)
        .options(selectinload(FocalPoint.economy), selectinload(FocalPoint.links))
        .order_by(FocalPoint.name, FocalPoint.id)
    ).all()
    by_economy: dict[int, list[FocalPoint]] = {}
    for focal_point in focal_points:
        by_economy.setdefault(focal_point.economy_id, []).append(focal_point)
    invited = list(symposium.invited_economies)
    invited_ids = {economy.id for economy in invited}
    others = sorted(
        {fp.economy for fp in focal_points if fp.economy_id not in invited_ids},
        key=lambda economy: economy.position,
    )
    return [(e, by_economy.get(e.id, []), True) for e in invited] + [
        (e, by_economy[e.id], False) for e in others
    ]


def import_focal_points(session: Session, symposium: Symposium, data: bytes) -> int:
    """Add every focal point of a CSV file, or none: raises FocalPointImportError listing the
    problems of the file. Returns how many were added."""
    economies = session.scalars(sa.select(Economy)).all()

    def listed() -> set[str]:
        query = sa.select(FocalPoint.email).where(FocalPoint.symposium_id == symposium.id)
        return set(session.scalars(query))

    rows = parse_focal_point_csv(data, economies, listed())
    try:
        with session.begin_nested():
            session.add_all(
                FocalPoint(
                    symposium_id=symposium.id,
                    name=row.name,
                    email=row.email,
                    economy_id=row.economy_id,
                    role=row.role,
                )
                for row in rows
            )
    except IntegrityError:
        # Someone added one of these addresses meanwhile; parsing again names the lines.
        parse_focal_point_csv(data, economies, listed())
        raise
    return len(rows)


# --- the CSV file (pure) --------------------------------------------------------------------------


def _key(text: str) -> str:
    """Text compared loosely: case, punctuation and spacing do not count."""
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


def economy_lookup(economies: Iterable[Economy]) -> dict[str, Economy]:
    """Each economy under its APEC name and its 3-letter code (both compared with ``_key``)."""
    lookup: dict[str, Economy] = {}
    for economy in economies:
        lookup[_key(economy.name)] = economy
        lookup[_key(economy.code)] = economy
    return lookup


def _economy_problem(value: str, lookup: dict[str, Economy]) -> str:
    if not value:
        return "Economy is missing."
    by_code = {economy.code: economy for economy in lookup.values()}
    for code, wrong_names in WRONG_ECONOMY_NAMES.items():
        if _key(value) in wrong_names and code in by_code:
            right = by_code[code]
            return f"“{value}” is not the APEC name: write “{right.name}” (or its code {code})."
    return (
        f"“{value}” is not an APEC economy. Write its APEC name (e.g. “Viet Nam”) or 3-letter "
        "code (e.g. VNM); for anyone else, “Non-member / international organisation” (XXX)."
    )


def _decode(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise FocalPointImportError([(0, "The file is larger than 1 MB; split it in two.")])
    if data.startswith(b"PK\x03\x04"):
        raise FocalPointImportError(
            [(0, "This is a workbook, not a CSV file: save it as “CSV UTF-8 (comma delimited)”.")]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        message = "The file is not UTF-8 text: save it as “CSV UTF-8 (comma delimited)”."
        raise FocalPointImportError([(line, message)]) from None


def _records(text: str) -> list[list[str]]:
    # A header written with semicolons (Excel in many locales) means semicolon-separated cells.
    first_line = text.lstrip("\r\n").partition("\n")[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as error:
        raise FocalPointImportError(
            [(len(records) + 1, f"The line cannot be read as CSV ({error}).")]
        ) from None
    return records


def _columns(header: list[str], line: int) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        column = COLUMN_ALIASES.get(_key(title))
        if column is not None:
            columns.setdefault(column, index)
    missing = [name for name in CSV_COLUMNS[:3] if name not in columns]
    if missing:
        raise FocalPointImportError(
            [
                (
                    line,
                    f"The header row lacks the column(s) {', '.join(missing)}; "
                    f"it needs {', '.join(CSV_COLUMNS)} (role may be left out).",
                )
            ]
        )
    return columns


def parse_focal_point_csv(
    data: bytes, economies: Iterable[Economy], listed_emails: Iterable[str] = ()
) -> list[FocalPointInput]:
    """Read a CSV file of focal points: a header row with the columns name, email, economy and
    (optionally) role, comma- or semicolon-separated, in UTF-8 with or without a BOM.

    Raises FocalPointImportError with every problem found (each bad row, by line, and
    addresses repeated in the file or in ``listed_emails``); no row is returned unless all are
    good. Cells are kept as typed (a name starting with "=" included): exports neutralise them.
    """
    records = _records(_decode(data))
    # A spreadsheet counts blank rows too, so line numbers are positions among all records.
    numbered = [(number, record) for number, record in enumerate(records, start=1)]
    filled = [(n, r) for n, r in numbered if any(cell.strip() for cell in r)]
    if not filled:
        raise FocalPointImportError([(0, "The file is empty.")])
    (header_line, header), rows = filled[0], filled[1:]
    columns = _columns(header, header_line)
    if not rows:
        raise FocalPointImportError([(header_line, "The file has a header row but no rows.")])

    lookup = economy_lookup(economies)
    listed = {normalise_email(email) for email in listed_emails}
    first_seen: dict[str, int] = {}
    problems: list[tuple[int, str]] = []
    result: list[FocalPointInput] = []
    for line, row in rows:

        def cell(column: str, row: list[str] = row) -> str:
            index = columns.get(column)
            return row[index].strip() if index is not None and index < len(row) else ""

        economy = lookup.get(_key(cell("economy")))
        data_row = FocalPointInput(
            name=cell("name"),
            email=normalise_email(cell("email")),
            economy_id=economy.id if economy else 0,
            role=cell("role"),
        )
        row_problems = list(input_problems(data_row).values())
        if economy is None:
            row_problems.append(_economy_problem(cell("economy"), lookup))
        email = data_row.email
        if email and email in first_seen:
            row_problems.append(f"{email} is also on line {first_seen[email]}.")
        elif email in listed:
            row_problems.append(_taken_message(email))
        first_seen.setdefault(email, line)
        problems.extend((line, problem) for problem in row_problems)
        result.append(data_row)
    if problems:
        raise FocalPointImportError(problems)
    return result
