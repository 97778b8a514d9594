"""Equipment schedule of a site (``twin show SITE --equipment``) and one catalogue datasheet
(``twin catalog KIND NAME``), as tables in the units people read."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from rich.table import Table

#: How each kind is rated, for the schedule: (field, scale, unit).
RATING = {
    "rack": ("P_peak", 1e3, "kW"),
    "cdu": ("Q_flow_nominal", 1e3, "kW"),
    "chiller": ("Q_flow_nominal", 1e3, "kW"),
    "cooling_tower": ("Q_flow_nominal", 1e6, "MW"),
    "dry_cooler": ("Q_flow_nominal", 1e3, "kW"),
    "pump": ("V_flow_nominal", 1e-3, "L/s"),
    "storage_tank": ("volume", 1.0, "m3"),
    "transformer": ("S_rated", 1e6, "MVA"),
    "ups": ("P_rated", 1e3, "kW"),
    "bess": ("P_rated", 1e6, "MW"),
    "turbine": ("P_rated", 1e6, "MW"),
}

#: What a kind is, in words (turbine names such as "solar_titan350" are Solar Turbines' gas turbines).
KIND_WORDS = {
    "rack": "IT rack", "cdu": "coolant distribution unit", "chiller": "chiller", "cooling_tower": "cooling tower cell",
    "dry_cooler": "dry cooler", "pump": "facility water pump", "storage_tank": "chilled-water storage tank",
    "transformer": "transformer", "ups": "UPS module", "bess": "battery (BESS)", "turbine": "gas turbine",
}


def _rating(kind: str, entry, count: int) -> tuple[str, str]:
    name, scale, unit = RATING[kind]
    one = getattr(entry, name) / scale
    whole = one * count
    bigger = {"kW": ("MW", 1e3), "MW": ("GW", 1e3), "L/s": ("m3/s", 1e3)}
    if unit in bigger and whole >= 10 * bigger[unit][1]:
        return f"{one:,.4g} {unit}", f"{whole / bigger[unit][1]:,.1f} {bigger[unit][0]}"
    return f"{one:,.4g} {unit}", f"{whole:,.1f} {unit}"


def _status(entry, short: bool = True) -> str:
    if entry.estimate:
        return "estimate"
    if entry.estimated:
        if short:
            return f"datasheet, {len(entry.estimated)} fields estimated"
        return "datasheet; estimated: " + ", ".join(entry.estimated)
    return "datasheet"


def schedule_rows(site) -> list[tuple]:
    """(where, what, model, count incl. spares, spares, rating each, total rating, basis) per equipment set.

    Basis: "datasheet", "datasheet, N fields estimated" or "estimate" (see ``twin catalog KIND NAME``)."""
    rows = []

    def add(where, kind, entry, count, spares=0):
        if entry is None or count == 0:
            return
        each, whole = _rating(kind, entry, count)
        rows.append((where, KIND_WORDS[kind], entry.name, f"{count:,}", f"{spares:,}", each, whole, _status(entry)))

    for g in site.rack_groups:
        add(f"racks {g.name}", "rack", g.model, g.count)
        if g.cdu_model is not None:
            add(f"racks {g.name}", "cdu", g.cdu_model, g.cdu_count)
    for loop in site.facility_loops:
        add(f"loop {loop.name}", "pump", loop.pump_model, 0 if loop.pump_model is None else
            _pumps(site, loop), loop.pump_spares)
    for p in site.plants:
        add(f"plant {p.name}", "cooling_tower", p.tower_model, p.tower_count, p.tower_spares)
        add(f"plant {p.name}", "dry_cooler", p.dry_cooler_model, p.dry_cooler_count, p.dry_cooler_spares)
        add(f"plant {p.name}", "chiller", p.chiller_model, p.chiller_count, p.chiller_spares)
        add(f"plant {p.name}", "storage_tank", p.storage_model, p.storage_count)
    el = site.electrical
    for where, eq in (("substation", el.substation), ("unit substations", el.unit_substation), ("UPS", el.ups)):
        if eq is not None:
            add(where, "ups" if where == "UPS" else "transformer", eq.entry, eq.count, eq.spares)
    for b in el.bess:
        add("BESS", "bess", b.entry, b.count, b.spares)
    for t in el.turbines:
        add("on-site generation", "turbine", t.entry, t.count)
    return rows


def _pumps(site, loop) -> int:
    """Facility pumps of a loop: enough for its racks' peak heat at the loop's design rise, plus spares
    (water at 4180 J/(kg K) and 990 kg/m3, as the site check sizes them)."""
    import math

    load = sum(g.P_peak for g in site.rack_groups if g.facility_loop == loop.name)
    flow = load / (4180.0 * 990.0 * loop.delta_T_nominal)
    return max(math.ceil(flow / loop.pump_model.V_flow_nominal - 1e-9), 1) + loop.pump_spares


def schedule_table(site) -> Table:
    table = Table(title=f"{site.name}: equipment schedule")
    for column in ("where", "what", "model", "count", "spares", "rating each", "total", "basis"):
        table.add_column(column, justify="right" if column in ("count", "spares", "rating each", "total") else "left")
    for row in schedule_rows(site):
        table.add_row(*row)
    return table


def _raw(path: Path | None) -> dict:
    """The entry's TOML as written (values with their units)."""
    from twin.catalog import read_toml

    return read_toml(path) if path is not None and path.is_file() else {}


def datasheet(kind: str, name: str, catalog=None) -> tuple[list[str], Table]:
    """Header lines (description, source, basis, note, file) and a table of every field of one entry
    of ``catalog`` (default: the built-in catalogue)."""
    from twin.catalog import load_catalog

    catalog = catalog or load_catalog()
    entry = catalog.get(kind, name, file="<command line>", field="NAME")
    path = catalog.file_of(kind, name)
    raw = _raw(path)
    header = [f"{KIND_WORDS.get(kind, kind)} {name}: {entry.description}",
              f"source: {entry.source}", f"basis: {_status(entry, short=False)}"]
    if entry.note:
        header.append(f"note: {entry.note}")
    if path is not None:
        header.append(f"file: {path}")
    table = Table(title=f"{kind} {name}", expand=True)
    for column in ("field", "as written", "SI value", "estimate", "meaning"):
        table.add_column(column)
    skip = {"name", "description", "source", "estimate", "estimated", "note"}
    for f in fields(entry):
        if f.name in skip or f.name not in raw and f.metadata.get("kind") is None:
            continue
        value = getattr(entry, f.name)
        written = raw.get(f.name, "(default)")
        si = f"{value:.6g}" if isinstance(value, float) else str(value)
        flagged = "yes" if entry.estimate or f.name in entry.estimated else ""
        table.add_row(f.name, str(written), si, flagged, f.metadata.get("doc", ""))
    return header, table
