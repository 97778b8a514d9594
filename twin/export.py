"""Tables out of a result: CSV, Parquet or one Excel workbook.

``tables(ds)`` gives the tables a result holds, each a pandas DataFrame:

- ``summary``: the headline metrics (:func:`twin.metrics.display_rows`);
- ``monthly``: energy by component, PUE, pPUE, WUE, peak demand, water, fuel and
  emissions per local calendar month plus the whole run (display units);
- ``timeseries``: every variable on the ``time`` axis, one column per variable and
  component (``T_fws_supply[loop_a]``), SI units as in the file, with both the UTC
  time and the site's local time;
- ``provenance``: what produced the result (the file's global attributes).

``export(ds, path, fmt)`` writes them: ``csv`` and ``parquet`` one file per table
(``<stem>_<table>.<ext>``), ``xlsx`` one workbook with one sheet per table (and a
``units`` sheet naming the unit of every time-series column).  Every file is written
atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from twin import metrics
from twin.errors import InputError
from twin.results import atomic_path

FORMATS = ("csv", "parquet", "xlsx")


def timeseries(ds: xr.Dataset) -> tuple[pd.DataFrame, dict[str, str]]:
    """Time-series table (SI) and the unit of each column."""
    columns, units = {}, {}
    for name, da in ds.data_vars.items():
        if da.dims[:1] != ("time",) or da.dtype.kind not in "fiub":
            continue
        if da.ndim == 1:
            columns[name] = da.values
            units[name] = da.attrs.get("units", "")
        elif da.ndim == 2:
            dim = da.dims[1]
            for i, label in enumerate(ds[dim].values):
                key = f"{name}[{label}]"
                columns[key] = da.values[:, i]
                units[key] = da.attrs.get("units", "")
    time = pd.DatetimeIndex(ds.time.values, name="time_utc")
    frame = pd.DataFrame(columns, index=time)
    zone = ds.attrs.get("time_zone")
    if zone:
        frame.insert(0, f"time_local ({zone})", time.tz_localize("UTC").tz_convert(zone).tz_localize(None))
    return frame, units


def tables(ds: xr.Dataset) -> dict[str, pd.DataFrame]:
    """The tables of a result, by name (see the module docstring)."""
    series, _ = timeseries(ds)
    summary = pd.DataFrame(metrics.display_rows(ds), columns=["quantity", "value"]).set_index("quantity")
    provenance = pd.DataFrame([(k, str(v)) for k, v in ds.attrs.items()], columns=["attribute", "value"])
    return {"summary": summary, "monthly": metrics.monthly(ds), "timeseries": series,
            "provenance": provenance.set_index("attribute")}


def export(ds: xr.Dataset, path: str | Path, fmt: str) -> list[Path]:
    """Write the tables of ``ds`` as ``fmt`` ("csv", "parquet", "xlsx") at ``path`` (a file stem or .xlsx)."""
    if fmt not in FORMATS:
        raise InputError.one("<command line>", "--format", repr(fmt), "one of " + ", ".join(FORMATS))
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError.one(str(path), "--out", "a folder that does not exist", "a path in an existing folder")
    all_tables = tables(ds)
    if fmt == "xlsx":
        target = path.with_suffix(".xlsx")
        _, units = timeseries(ds)
        sheets = dict(all_tables, units=pd.DataFrame(list(units.items()), columns=["column", "units"]))
        with atomic_path(target) as tmp, open(tmp, "wb") as handle:
            with pd.ExcelWriter(handle, engine="openpyxl") as book:
                for name, table in sheets.items():
                    table.to_excel(book, sheet_name=name, index=name != "units")
        return [target]
    written = []
    for name, table in all_tables.items():
        target = path.with_name(f"{path.stem}_{name}.{fmt}")
        with atomic_path(target) as tmp:
            if fmt == "csv":
                table.to_csv(tmp)
            else:
                frame = table.copy()
                frame.columns = [str(c) for c in frame.columns]
                frame = frame.astype({c: str for c in frame.columns if frame[c].dtype == object})
                frame.index = frame.index.astype(str) if frame.index.dtype == object else frame.index
                frame.to_parquet(tmp)
        written.append(target)
    return written


def format_table(table: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """Numbers as readable text: thousands separators, fewer digits for large values (display only)."""
    def one(v):
        if isinstance(v, (float, np.floating)):
            if v != v:
                return ""
            return f"{v:,.{digits}f}" if abs(v) < 100 else f"{v:,.1f}" if abs(v) < 1e4 else f"{v:,.0f}"
        return str(v)
    return table.map(one)
