"""Data checks before telemetry is used: coverage, gaps, stuck sensors, out-of-range and unit-suspect tags.

Each finding is one line naming the tag, what was found and what was expected;
:func:`check` returns them all (nothing is dropped without a line saying so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.telemetry.sources import Telemetry
from twin.telemetry.tagmap import TagMap, convert
from twin.units import SI_UNITS

#: A gap is an interval longer than this many median sample intervals.
GAP_FACTOR = 3.0
#: A sensor is stuck when it repeats one value for at least this long (s) and this many samples.
STUCK_SECONDS = 1800.0
STUCK_SAMPLES = 10
#: Alternative units tried when a tag's values are implausible in its stated units.
ALTERNATIVES = {
    "temperature": ("degF", "K", "degC"),
    "power": ("W", "kW", "MW", "hp", "ton_refrigeration"),
    "mass_flow": ("kg/s", "lb/s", "kg/h", "t/h"),
    "dimensionless": ("%", ""),
}


@dataclass(frozen=True)
class Finding:
    tag: str
    kind: str  #: missing, unmapped, coverage, gap, stuck, out_of_range, unit_suspect, not_number, duplicate,
    #: clock_skew (with :func:`clock_findings`)
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.tag}: {self.message}"


@dataclass(frozen=True)
class TagSummary:
    tag: str
    variable: str
    component: str
    n: int  #: samples with a number
    interval: float  #: median sample interval (s)
    coverage: float  #: share of the span's expected samples present (0-1)
    first: pd.Timestamp | None
    last: pd.Timestamp | None


def check(tagmap: TagMap, data: Telemetry) -> tuple[list[TagSummary], list[Finding]]:
    """Summaries per mapped tag and every finding, in tag order."""
    findings = [Finding(note.split(":")[0], "not_number", note.split(": ", 1)[-1])
                for note in data.notes if "not numbers" in note]
    findings += [Finding("*", "source", note) for note in data.notes if "not numbers" not in note]
    present = set(data.frame["tag"].unique())
    for tag in sorted(present - set(tagmap.bindings)):
        n = int((data.frame["tag"] == tag).sum())
        findings.append(Finding(tag, "unmapped", f"{n} samples of a tag the map does not bind; not used"))
    summaries = []
    span_start, span_end = (data.frame["time"].min(), data.frame["time"].max()) if len(data.frame) else (None, None)
    for tag, binding in tagmap.bindings.items():
        if tag not in present:
            findings.append(Finding(tag, "missing", f"no samples; expected {binding.variable} of {binding.component}"))
            summaries.append(TagSummary(tag, binding.variable, binding.component, 0, float("nan"), 0.0, None, None))
            continue
        series = data.series(tag)
        duplicated = series.index.duplicated()
        if duplicated.any():
            findings.append(Finding(tag, "duplicate", f"{int(duplicated.sum())} repeated timestamps "
                                    f"(first {series.index[duplicated][0]:%Y-%m-%d %H:%M:%S} UTC); last value used"))
        values = series[~series.isna()]
        summary, found = _one(tag, binding, values, span_start, span_end)
        summaries.append(summary)
        findings += found
    return summaries, findings


def _one(tag, binding, values: pd.Series, span_start, span_end) -> tuple[TagSummary, list[Finding]]:
    found = []
    t = values.index.to_numpy().astype("datetime64[ns]").astype(np.int64) / 1e9
    dt = np.diff(t)
    interval = float(np.median(dt[dt > 0])) if np.any(dt > 0) else float("nan")
    span = (span_end - span_start).total_seconds() if span_start is not None else 0.0
    expected = span / interval + 1 if interval == interval and interval > 0 else max(len(values), 1)
    coverage = min(len(np.unique(t)) / expected, 1.0) if expected else 0.0
    summary = TagSummary(tag, binding.variable, binding.component, len(values), interval, coverage,
                         values.index.min() if len(values) else None, values.index.max() if len(values) else None)
    if len(values) == 0:
        return summary, [Finding(tag, "missing", "every sample is missing or not a number")]
    if coverage < 0.95:
        found.append(Finding(tag, "coverage", f"{coverage:.0%} of the {expected:,.0f} samples expected at its "
                             f"{interval:g} s interval over the data's span"))
    if interval == interval:
        gap = dt > GAP_FACTOR * interval
        if gap.any():
            k = int(np.argmax(np.where(gap, dt, 0)))
            start = values.index[k]
            found.append(Finding(tag, "gap", f"{int(gap.sum())} gaps longer than {GAP_FACTOR:g} x {interval:g} s; "
                                 f"longest {_duration(dt[k])} from {start:%Y-%m-%d %H:%M:%S} UTC"))
    si = binding.to_si(values.to_numpy())
    if binding.spec.varies and len(si) >= STUCK_SAMPLES:
        change = np.flatnonzero(np.diff(si) != 0) + 1
        starts = np.concatenate(([0], change))
        ends = np.concatenate((change, [len(si)])) - 1
        lengths = ends - starts + 1
        durations = t[ends] - t[starts]
        # a reading of exactly zero is equipment off, not a stuck sensor
        stuck = (lengths >= STUCK_SAMPLES) & (durations >= STUCK_SECONDS) & (si[starts] != 0)
        if stuck.any():
            k = int(np.argmax(np.where(stuck, durations, -1)))
            found.append(Finding(tag, "stuck", f"held {values.iloc[starts[k]]:g} {binding.units} for "
                                 f"{_duration(durations[k])} ({lengths[k]} samples) from "
                                 f"{values.index[starts[k]]:%Y-%m-%d %H:%M:%S} UTC"))
    target = SI_UNITS[binding.spec.kind]
    median = float(np.median(si))
    plausible = binding.low <= median <= binding.high
    suspect = None
    if not plausible:
        for alt in ALTERNATIVES.get(binding.spec.kind, ()):
            if alt == binding.units:
                continue
            try:
                other = float(convert(np.array(np.median(values.to_numpy())), alt, target))
            except Exception:
                continue
            if binding.low <= other <= binding.high:
                suspect = alt
                break
    if suspect is not None:
        found.append(Finding(tag, "unit_suspect", f"median {median:.4g} {target} is implausible for "
                             f"{binding.variable} as {binding.units!r}; as {suspect!r} it would be "
                             f"{float(convert(np.array(np.median(values.to_numpy())), suspect, target)):.4g} {target}"))
    else:
        out = (si < binding.low) | (si > binding.high)
        if out.any():
            k = int(np.argmax(out))
            found.append(Finding(tag, "out_of_range", f"{int(out.sum())} samples outside {binding.low:g}..{binding.high:g} "
                                 f"{target} (first {si[k]:.4g} at {values.index[k]:%Y-%m-%d %H:%M:%S} UTC)"))
    return summary, found


def clock_findings(skews) -> list[Finding]:
    """``clock_skew`` findings from :func:`twin.telemetry.align.estimate_skews`: one line per tag whose
    estimated skew is at least :data:`twin.telemetry.align.REPORT_SKEW`, or that is not identifiable."""
    from twin.telemetry.align import MIN_CONTRAST, REPORT_SKEW

    out = []
    for k in skews:
        if not k.identifiable:
            out.append(Finding(k.tag, "clock_skew", f"not identifiable: the tag and the twin do not move enough in "
                               f"the training window (contrast {k.contrast:.2f}, needs {MIN_CONTRAST:g}; load steps "
                               "are what show a lag)"))
        elif abs(k.seconds) >= REPORT_SKEW:
            out.append(Finding(k.tag, "clock_skew", f"timestamps {abs(k.seconds):.0f} s "
                               f"{'late' if k.seconds > 0 else 'early'} against the twin ({k.reference} reference); "
                               f"expected within +-{REPORT_SKEW:g} s; --align corrects it"))
    return out


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"
