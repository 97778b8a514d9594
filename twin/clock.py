"""One clock for simulations, plans and reports.

- **Stored**: every result's ``time`` is UTC (CF encoding, ``seconds since
  1970-01-01 00:00:00 UTC``), with the site's IANA time zone (daylight saving
  included) in ``ds.attrs["time_zone"]``.
- **Typed**: a ``--start`` without an offset is the site's local civil time
  (``"2025-07-21 15:00"`` in Memphis in July is 15:00 CDT = 20:00 UTC); a start
  with an offset or ``Z`` is that instant.  A wall-clock time that does not exist
  (spring forward) moves forward; one that repeats (fall back) is the first.
- **Weather**: typical years (TMY3) and design days are tabulated in local
  *standard* time; they are read at ``UTC + standard offset``.
- **Workload clocks** count seconds from local standard-time midnight of the
  first day (plans and simulations alike); **scenario times** (``at=15:00``) are
  local civil time.
- **Shown**: CLI tables, report and plots speak local civil time and name the
  zone (``CDT``/``CST``).
"""

from __future__ import annotations

import pandas as pd

from twin.errors import InputError


def site_zone(site) -> str:
    """The site's IANA time zone; without one, the fixed standard offset as ``Etc/GMT+N``."""
    name = getattr(site.location, "time_zone_name", "")
    if name:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError.one(site.file, "location.time_zone_name", repr(name),
                                 "an IANA time zone such as 'America/Chicago'") from None
        return name
    hours = float(site.location.time_zone)
    if hours != int(hours):
        raise InputError.one(site.file, "location.time_zone_name", "nothing",
                             f"an IANA time zone name (the offset {hours:g} h has no Etc/GMT zone)")
    return f"Etc/GMT{-int(hours):+d}" if hours else "UTC"


def parse_start(start, zone: str, where: str = "start") -> pd.Timestamp:
    """The start instant (UTC, tz-aware) of ``start``: local civil time in ``zone`` unless it has an offset."""
    try:
        first = pd.Timestamp(start)
    except (ValueError, TypeError, OverflowError):
        raise InputError.one("<command line>" if where.startswith("--") else "simulate", where, repr(start),
                             "a timestamp such as '2025-07-21 14:00' (local time) or '2025-07-21T19:00Z'") from None
    if first is pd.NaT:
        raise InputError.one("simulate", where, repr(start), "a timestamp such as '2025-07-21 14:00'")
    if first.tz is None:
        first = first.tz_localize(zone, ambiguous=True, nonexistent="shift_forward")
    return first.tz_convert("UTC")


def standard_time(instant: pd.Timestamp, site) -> pd.Timestamp:
    """Naive local standard time (no daylight saving) of a tz-aware instant: the weather's clock."""
    return instant.tz_convert("UTC").tz_localize(None) + pd.Timedelta(hours=float(site.location.time_zone))


def standard_start(naive, site) -> str:
    """A naive local standard time (the weather's and plans' clock) as a start with its fixed offset."""
    hours = float(site.location.time_zone)
    sign = "+" if hours >= 0 else "-"
    h, m = divmod(int(round(abs(hours) * 60)), 60)
    return f"{pd.Timestamp(naive):%Y-%m-%dT%H:%M:%S}{sign}{h:02d}:{m:02d}"


def seconds_after_midnight(moment: pd.Timestamp) -> float:
    """Seconds of ``moment`` (naive or tz-aware) after its own midnight."""
    return float((moment - moment.normalize()).total_seconds())


def result_zone(ds) -> str:
    """The time zone a result records ("UTC" for results without one)."""
    return str(ds.attrs.get("time_zone") or "UTC")


def local_naive(times, zone: str):
    """UTC times as naive local civil times (numpy datetime64), for plotting."""
    return local(times, zone).tz_localize(None).values


def local(times, zone: str) -> pd.DatetimeIndex:
    """UTC times (naive datetime64 or tz-aware) as tz-aware local civil times in ``zone``."""
    index = pd.DatetimeIndex(times)
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    return index.tz_convert(zone)


def label(times, zone: str) -> str:
    """A period as people read it: ``2025-07-21 00:00 CDT``."""
    first = local(times[:1], zone)[0]
    return f"{first:%Y-%m-%d %H:%M} {first.tzname()}"


def zone_label(times, zone: str) -> str:
    """Axis label: ``local time (America/Chicago, CDT)``."""
    names = sorted({t.tzname() for t in local(times, zone)[[0, -1]]})
    return f"local time ({zone}, {'/'.join(names)})"
