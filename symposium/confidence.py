"""Confidence intervals for the shares a survey and the completion report give against a
target: with the few responses a symposium gets, a share alone can mislead."""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the standard normal quantile of 0.975


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of ``successes`` of ``n`` (fractions; None when n is 0).

    Unlike the normal approximation it stays inside 0–1 and behaves with few responses, which
    is what a symposium survey has.
    """
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)
