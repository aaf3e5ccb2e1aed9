"""How figures are written for people: one place, so every page says "6.2 h" the same way."""

from __future__ import annotations

import math

MINUS = "\u2212"  # a real minus sign: a hyphen looks like a dash in a metric's delta
_HOUR = 60.0
_DAY = 24 * _HOUR


def duration(minutes: float | None, *, empty: str = "–") -> str:
    """Minutes written in the unit their size calls for: "45 min" under an hour, "6.2 h" under a day, "4.4 d" beyond.

    Minutes are whole numbers; hours and days carry one decimal (a trailing ".0" stays, so a column reads evenly).
    A value that rounds up to the next unit is written in it ("59.6 min" is "1.0 h", not "60 min"). None or a value
    that is not a number shows ``empty``.
    """
    if minutes is None or not math.isfinite(minutes):
        return empty
    sign = MINUS if minutes < 0 else ""
    size = abs(minutes)
    if round(size) < _HOUR:
        return f"{sign}{size:.0f} min"
    if round(size / _HOUR, 1) < 24:
        return f"{sign}{size / _HOUR:.1f} h"
    return f"{sign}{size / _DAY:.1f} d"


def duration_change(minutes: float | None) -> str | None:
    """A change in minutes with its sign ("+45 min", "−1.7 d"); None when there is no change to show."""
    if minutes is None or not math.isfinite(minutes):
        return None
    text = duration(minutes)
    if text == "0 min" or text == f"{MINUS}0 min":
        return "0 min"  # under half a minute either way: no sign to show
    return text if text.startswith(MINUS) else f"+{text}"


def metric_delta(change: str | None) -> str | None:
    """A signed change for ``st.metric``, which reads the arrow's direction from a leading ASCII hyphen."""
    return None if change is None else change.replace(MINUS, "-", 1)


def duration_axis(largest_minutes: float | None) -> tuple[float, str]:
    """``(minutes per unit, unit name)`` for a chart axis whose largest value is ``largest_minutes``: the unit
    ``duration`` would write that value in, so an axis reads "0–90 h" instead of "0–5k min"."""
    text = duration(largest_minutes or 0)
    if text.endswith(" d"):
        return _DAY, "days"
    if text.endswith(" h"):
        return _HOUR, "hours"
    return 1.0, "minutes"
