"""From a clicked figure on Analytics to the Sessions list behind it: the link's query parameters.

The Sessions page reads them (``core.sessions.browse.filter_from_link``); each chart says here what one of its points
means as a filter. Dates are the UTC days the dashboard's window covers, both inclusive. A chart's axis shows a
domain's label ("Active Directory"); the link needs the stored name (``active_directory``), which the point carries
as its ``customdata``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

SESSIONS_PAGE = "views/sessions.py"
# The domain bars draw resolved sessions as the first trace and escalated ones as the second (ui.charts.domain_bars).
BAR_STATUSES = ("resolved", "escalated")


def window_days(data: dict[str, Any]) -> tuple[str, str]:
    """The first and last UTC day (YYYY-MM-DD) of the dashboard's window (its end is exclusive)."""
    end = datetime.fromisoformat(data["end"]) - timedelta(microseconds=1)
    return data["start"][:10], end.date().isoformat()


def link(data: dict[str, Any], **filters: str | None) -> dict[str, str]:
    """Query parameters of the Sessions list for the dashboard's window and domain, narrowed by ``filters``
    (``domain``, ``status``, ``tier``, ``from``, ``to``; a None value is left out)."""
    first, last = window_days(data)
    params: dict[str, str | None] = {"domain": data.get("domain"), "from": first, "to": last, **filters}
    return {name: value for name, value in params.items() if value}


def _value(point: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = point.get(name)
        # Plotly sends a point's customdata as the value itself, or as a list when a trace carries several.
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if value is not None:
            return value
    return None


def from_point(chart: str, point: dict[str, Any], data: dict[str, Any]) -> dict[str, str] | None:
    """The Sessions link of one clicked point of ``chart`` (``mttr``, ``domains`` or ``coverage``); None when the
    point names nothing the list can filter on."""
    if chart == "mttr":
        day = str(_value(point, "x") or "")[:10]
        # A point is a day of resolution; the list filters on the day sessions started, which for most is the same.
        return link(data, status="resolved", **{"from": day, "to": day}) if day else None
    if chart == "domains":
        domain = _value(point, "customdata", "x")
        curve = _value(point, "curve_number", "curveNumber")
        status = BAR_STATUSES[curve] if isinstance(curve, int) and 0 <= curve < len(BAR_STATUSES) else None
        return link(data, domain=str(domain), status=status) if domain else None
    if chart == "coverage":
        domain = _value(point, "customdata", "y")
        return link(data, domain=str(domain)) if domain else None
    return None
