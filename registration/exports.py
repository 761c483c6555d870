"""Nominations as a table, for the CSV and XLSX downloads (cells made safe by the core)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from registration.nomination_listing import EconomyNominations

HEADER = (
    "Economy",
    "Given name",
    "Family name",
    "E-mail",
    "Sex",
    "Organisation",
    "Organisation type",
    "Job title",
    "Under 35",
    "Intended role",
    "Status",
    "Nominated by",
    "Nominated at (UTC)",
    "Note",
)


def nomination_rows(groups: list[EconomyNominations]) -> Iterator[Sequence[Any]]:
    """One row per nomination, economy by economy."""
    for group in groups:
        for n in group.nominations:
            yield (
                group.economy.name,
                n.given_name,
                n.family_name,
                n.email,
                n.sex,
                n.organisation,
                n.organisation_type,
                n.job_title,
                "yes" if n.youth else "no",
                n.intended_role,
                n.status,
                n.focal_point.name if n.focal_point else "",
                n.created_at.strftime("%Y-%m-%d %H:%M"),
                n.note,
            )
