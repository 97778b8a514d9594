"""Command-line options parsed and bounded before any work starts.

Every check raises :class:`twin.errors.InputError` naming the option, what was found and
what was expected, so the ``twin`` command prints one line and exits with status 2:
numbers finite and inside their range, dates inside what pandas can represent, output
paths writable (checked before a run, not after it), and runs whose memory or time
estimate exceeds a limit refused up front with the estimate.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from twin.errors import InputError

COMMAND_LINE = "<command line>"
#: Earliest and latest year of ``--start``: inside pandas' nanosecond range (1677-2262) with room for a run.
YEAR_MIN, YEAR_MAX = 1900, 2200


def number(value: float, option: str, low: float, high: float, unit: str = "", *,
           low_open: bool = True) -> float:
    """``value`` if finite and in ``(low, high]`` (``[low, high]`` with ``low_open=False``)."""
    ok = math.isfinite(value) and (low < value if low_open else low <= value) and value <= high
    if not ok:
        bracket = "(" if low_open else "["
        raise InputError.one(COMMAND_LINE, option, f"{value:g}",
                             f"a finite number in {bracket}{low:g}, {high:g}]{' ' + unit if unit else ''}")
    return value


def start(text: str, option: str = "--start"):
    """``text`` as a pandas Timestamp between :data:`YEAR_MIN` and :data:`YEAR_MAX`."""
    import pandas as pd

    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):
        stamp = None
    if stamp is None or stamp is pd.NaT or not YEAR_MIN <= stamp.year <= YEAR_MAX:
        raise InputError.one(COMMAND_LINE, option, repr(text),
                             f"a date and time between {YEAR_MIN} and {YEAR_MAX}, such as '2025-07-21 14:00'")
    return stamp


def output_file(path: Path | None, option: str = "--out") -> Path | None:
    """Refuse, before any work, an output file that could not be written: a folder, a missing
    or unwritable folder, an unwritable existing file."""
    if path is None:
        return None
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise InputError.one(str(path), option, "a folder", "a file name (e.g. run.nc)")
    if not folder.is_dir():
        raise InputError.one(str(path), option, "a folder that does not exist", "a path in an existing folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError.one(str(path), option, "a folder this user cannot write", "a writable folder")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError.one(str(path), option, "a file this user cannot overwrite", "a writable path")
    return path


def output_folder(path: Path | None, option: str) -> Path | None:
    """Refuse, before any work, an output folder that is an existing file or cannot be created."""
    if path is None:
        return None
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError.one(str(path), option, "an existing file", "a folder (existing or new)")
    parent = path if path.is_dir() else path.parent
    if not parent.is_dir():
        raise InputError.one(str(path), option, "a folder whose parent does not exist",
                             "a folder in an existing folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError.one(str(path), option, "a folder this user cannot write", "a writable folder")
    return path


# --- run size --------------------------------------------------------------------------------

# Cost model, from benchmarks/README.md on the 2-core reference machine: B-SIM-3 (525,600
# quasi-steady steps, 0.55 GB: ~1 kB per plant step), B-SIM-1 (6.6e8 rack-steps in ~13 s:
# ~2e-8 s per rack and IT step; ~5 us per IT step for the electrical controller and
# bookkeeping) and the demo hall (dynamic plant, chillers: ~20 ms per plant step, contended).
BYTES_PER_PLANT_STEP = 1_000
BYTES_PER_PLANT_STEP_UNIT = 200
BYTES_PER_IT_STEP = 200
SECONDS_PER_IT_STEP = 5e-6
SECONDS_PER_IT_STEP_UNIT = 2e-8
SECONDS_PER_PLANT_STEP = {"dynamic": 2e-2, "quasi_steady": 2e-5}


def memory_limit() -> float:
    """Largest run memory estimate accepted (bytes): ``TWIN_MEMORY_MAX`` (GiB) or half the machine's RAM."""
    if os.environ.get("TWIN_MEMORY_MAX"):
        return float(os.environ["TWIN_MEMORY_MAX"]) * 2**30
    try:
        return 0.5 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def time_limit() -> float:
    """Largest run time estimate accepted (s): ``TWIN_TIME_MAX`` (h), default 48 h."""
    return float(os.environ.get("TWIN_TIME_MAX", 48)) * 3600.0


def estimate_run(units: int, hours: float, plant_step: float, it_step: float, *, mode: str = "dynamic",
                 it_series: bool = False) -> tuple[float, float]:
    """(bytes, CPU seconds) a simulation needs, to the order of magnitude (the cost model above).

    ``units``: simulated rack units (rack groups, or racks with ``--resolution rack``);
    ``it_series``: the electrical series are kept at every IT step.
    """
    n_plant = hours * 3600.0 / plant_step
    n_it = hours * 3600.0 / it_step if mode == "dynamic" else 0.0
    memory = n_plant * (BYTES_PER_PLANT_STEP + units * BYTES_PER_PLANT_STEP_UNIT) \
        + (n_it * BYTES_PER_IT_STEP if it_series else 0.0)
    seconds = n_it * (SECONDS_PER_IT_STEP + units * SECONDS_PER_IT_STEP_UNIT) \
        + n_plant * SECONDS_PER_PLANT_STEP.get(mode, SECONDS_PER_PLANT_STEP["dynamic"])
    return memory, seconds


def check_run_size(units: int, hours: float, plant_step: float, it_step: float, *, mode: str = "dynamic",
                   it_series: bool = False) -> tuple[float, float]:
    """Refuse a run whose estimate is above :func:`memory_limit` or :func:`time_limit`, with the
    numbers; return the estimate (bytes, CPU seconds)."""
    memory, seconds = estimate_run(units, hours, plant_step, it_step, mode=mode, it_series=it_series)
    if memory > memory_limit():
        raise InputError.one(COMMAND_LINE, "--hours/--plant-step/--it-step",
                             f"a run needing ~{memory / 2**30:,.1f} GiB ({hours:g} h at a {plant_step:g} s plant "
                             f"step and {it_step:g} s IT step, {units:,} rack units)",
                             f"at most {memory_limit() / 2**30:,.1f} GiB (TWIN_MEMORY_MAX): fewer hours or "
                             "longer steps")
    if seconds > time_limit():
        raise InputError.one(COMMAND_LINE, "--hours/--plant-step/--it-step",
                             f"a run needing ~{seconds / 3600:,.1f} h of CPU ({hours:g} h at a {it_step:g} s IT "
                             f"step, {units:,} rack units)",
                             f"at most {time_limit() / 3600:g} h (TWIN_TIME_MAX): fewer hours or longer steps")
    return memory, seconds
