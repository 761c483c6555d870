"""What the fuzz tests share: hypothesis settings, the hostile values, the case counter and the
check that every queued mail can still be built."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from symposium.mailers import build_email
from symposium.models import OutboxMessage
from tests.security.conftest import HYPOTHESIS_CASES, FullSymposium
from tests.security.seeding import MARKUP

# Cases per form; SYMPOSIUM_FUZZ_EXAMPLES=60 (say) digs deeper than the suite's default run.
FUZZ_EXAMPLES = int(os.environ.get("SYMPOSIUM_FUZZ_EXAMPLES", "8"))
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
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


def count_case(request: pytest.FixtureRequest) -> None:
    HYPOTHESIS_CASES[request.node.name] += 1


def assert_mails_build(full: FullSymposium) -> None:
    """The outbox worker can build every queued mail (a header with a line break could not)."""
    with full.session() as session:
        for message in session.scalars(sa.select(OutboxMessage)):
            build_email(message, full.app.config["MAIL_SENDER"])
