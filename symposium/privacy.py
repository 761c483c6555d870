"""Erasure steps that features add, so erasing a person reaches data the registration feature
does not own (survey drafts, say) without one feature writing into another's tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

# Each step gets the session and the registration being erased; it only flushes.
ErasureStep = Callable[[Session, Any], None]
_steps: list[ErasureStep] = []


def on_erasure(step: ErasureStep) -> ErasureStep:
    """Register ``step`` to run whenever a registration is erased (idempotent)."""
    if step not in _steps:
        _steps.append(step)
    return step


def run_erasure_steps(session: Session, registration: Any) -> None:
    for step in _steps:
        step(session, registration)
