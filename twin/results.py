"""Result Datasets: conventions, atomic netCDF writing and the ``ds.twin`` accessor.

Conventions
- dims ``time`` plus component dims (``rack_group``, ``plant``, ...); every
  variable carries ``units`` and ``long_name``;
- a value at time ``t`` is the average over the step ``[t, t + step_s)``;
  ``ds.attrs["step_s"]`` is the step in seconds, so an energy is
  ``sum(P) * step_s``;
- energy-balance terms use fixed names so the accessor works on a saved file
  without this package: ``Q_flow_into_plant`` (heat entering the cooling system,
  W), ``Q_flow_rejected`` (heat leaving it to the environment, W) and
  ``E_thermal_stored`` (thermal energy stored in the cooling system relative to
  the start, J, at the *end* of each step); power balance uses ``P_sources``,
  ``P_loads``, ``P_losses`` and ``P_storage`` (W).
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from twin.errors import InputError


def variable(dims, data, units: str, long_name: str) -> xr.Variable:
    """An xarray Variable with the two attributes every result variable must have."""
    return xr.Variable(dims, np.asarray(data), attrs={"units": units, "long_name": long_name})


def make_dataset(time, variables: dict[str, xr.Variable], *, step_s: float, coords: dict | None = None,
                 attrs: dict | None = None) -> xr.Dataset:
    """Assemble a result Dataset and check the conventions (units and long_name on every variable)."""
    ds = xr.Dataset(variables, coords={"time": time, **(coords or {})},
                    attrs={"step_s": float(step_s), **(attrs or {})})
    missing = [name for name, v in ds.data_vars.items() if not {"units", "long_name"} <= set(v.attrs)]
    if missing:
        raise ValueError(f"result variables without units/long_name: {missing}")
    return ds


#: CF standard names of result variables that have one (CF standard name table v84); the rest have none.
STANDARD_NAMES = {
    "T_dry_bulb": "air_temperature",
    "T_wet_bulb": "wet_bulb_temperature",
}
#: Conventions written into every result.
CONVENTIONS = "CF-1.10"
#: Time encoding of every result: UTC.
TIME_UNITS = "seconds since 1970-01-01 00:00:00"


def cell_methods(name: str, da: xr.DataArray) -> str | None:
    """CF cell_methods of a result variable: rates are step means, stored energies end-of-step values."""
    dim = next((d for d in da.dims if d.startswith("time")), None)
    if dim is None:
        return None
    if name.startswith(("P_", "Q_flow", "m_flow", "fuel", "NOx", "CO2", "cost", "power_share")):
        return f"{dim}: mean"
    if name.startswith(("E_", "soc")):
        return f"{dim}: point"
    return None


def apply_cf(ds: xr.Dataset, zone: str | None = None) -> xr.Dataset:
    """CF-1.10 metadata: Conventions, standard_name where one exists, cell_methods, time axes in UTC.

    ``zone``: the site's IANA time zone, kept as ``attrs["time_zone"]`` (the stored clock is UTC).
    """
    ds.attrs["Conventions"] = CONVENTIONS
    if zone:
        ds.attrs["time_zone"] = zone
    for name, da in ds.data_vars.items():
        if name in STANDARD_NAMES:
            da.attrs["standard_name"] = STANDARD_NAMES[name]
        method = cell_methods(str(name), da)
        if method:
            da.attrs["cell_methods"] = method
    for dim in [d for d in ds.dims if str(d).startswith("time")]:
        if dim in ds.coords and np.issubdtype(ds[dim].dtype, np.datetime64):
            ds[dim].attrs.update(standard_name="time", axis="T", long_name="start of the step (UTC)")
            ds[dim].encoding.update(units=TIME_UNITS, calendar="proleptic_gregorian", dtype="float64")
    for dim in ("group", "loop", "fleet", "category", "turbine_type", "scenario"):
        if dim in ds.coords and "long_name" not in ds[dim].attrs:
            ds[dim].attrs["long_name"] = {"group": "rack group", "loop": "facility water loop",
                                          "fleet": "gas-turbine fleet", "category": "cost category",
                                          "turbine_type": "gas-turbine type", "scenario": "sweep case"}[dim]
    return ds


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    An interrupted or failed write leaves no half-written file behind.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise InputError.one(str(path), "output path", "a folder that does not exist", "a path in an existing folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the result the usual permissions
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` to ``path`` as netCDF (h5netcdf engine) atomically, with CF-1.10 metadata."""
    clean = apply_cf(ds.copy(), ds.attrs.get("time_zone"))
    for name, value in clean.attrs.items():
        if isinstance(value, bool):
            clean.attrs[name] = int(value)
    with atomic_path(path) as tmp:
        clean.to_netcdf(tmp, engine="h5netcdf")
    return Path(path)


def _energy(da: xr.DataArray, step_s: float) -> float:
    return float(da.sum("time")) * step_s


@xr.register_dataset_accessor("twin")
class TwinAccessor:
    """Domain views of a result Dataset: ``ds.twin.pue()``, ``ds.twin.energy_residual()``, ..."""

    def __init__(self, ds: xr.Dataset):
        self._ds = ds

    @property
    def step_s(self) -> float:
        return float(self._ds.attrs["step_s"])

    def energy(self, name: str) -> float:
        """Energy (J) of a power variable summed over time and any component dims."""
        return _energy(self._ds[name].sum([d for d in self._ds[name].dims if d != "time"]), self.step_s)

    def pue(self) -> float:
        """PUE over the run: total facility energy / IT energy (ISO/IEC 30134-2), see :mod:`twin.metrics`."""
        from twin import metrics

        return metrics.pue(self._ds)

    def ppue_cooling(self) -> float:
        """Partial PUE of the cooling system: (IT + cooling energy) / IT energy."""
        from twin import metrics

        return metrics.ppue_cooling(self._ds)

    def wue(self) -> float:
        """WUE: site water (L) / IT energy (kWh) (ISO/IEC 30134-9)."""
        from twin import metrics

        return metrics.wue(self._ds)

    def cue(self, grid_CO2_intensity: float | None = None) -> float:
        """CUE: CO2 (kg) / IT energy (kWh) (ISO/IEC 30134-8); on-site fuel only without a grid intensity (kg/J)."""
        from twin import metrics

        return metrics.cue(self._ds, grid_CO2_intensity)

    def metrics(self) -> dict[str, float]:
        """The headline metrics in SI (:func:`twin.metrics.headline`)."""
        from twin import metrics

        return metrics.headline(self._ds)

    def monthly(self):
        """Monthly table (local calendar) plus the whole run, in display units (:func:`twin.metrics.monthly`)."""
        from twin import metrics

        return metrics.monthly(self._ds)

    def energy_residual(self) -> float:
        """Relative energy-balance residual of the cooling system over the run.

        (heat in - heat rejected - change in stored heat) / IT energy.
        """
        ds = self._ds
        stored = ds["E_thermal_stored"]
        change = float(stored.isel(time=-1))
        residual = self.energy("Q_flow_into_plant") - self.energy("Q_flow_rejected") - change
        return residual / self.energy("P_it")

    def power_residual(self) -> float:
        """Largest relative power-balance residual of any step:
        |sources + storage discharge - loads - losses| / peak load (``P_storage`` > 0 discharging)."""
        ds = self._ds
        gap = ds["P_sources"] - ds["P_loads"] - ds["P_losses"] + ds["P_storage"]
        return float(np.abs(gap).max() / ds["P_loads"].max())

    # --- the grid connection --------------------------------------------------------------------------

    def _poi(self) -> tuple[np.ndarray, float]:
        """Grid import series and its step: every IT step when the run kept them, else plant steps."""
        ds = self._ds
        if "P_poi_it" in ds:
            return ds["P_poi_it"].values, float(ds.attrs["step_it_s"])
        return ds["P_poi"].values, self.step_s

    def peak_demand(self, averaging_time: float | None = None) -> float:
        """Highest grid import (W), optionally averaged over ``averaging_time`` s (e.g. 900 for 15 min)."""
        from twin.electrical.metrics import peak_demand

        P, dt = self._poi()
        return float(peak_demand(P, dt, averaging_time))

    def ramp_rate(self, interval: float = 1.0) -> float:
        """Largest change of grid import over ``interval`` s, in W/s (x60 for W/min over 60 s)."""
        from twin.electrical.metrics import max_ramp_rate

        P, dt = self._poi()
        return float(max_ramp_rate(P, dt, interval))

    def swing(self, window: float | None = None) -> float:
        """Grid import swing (W): highest minus lowest over the run, or within ``window`` s."""
        from twin.electrical.metrics import swing_amplitude

        P, dt = self._poi()
        return float(swing_amplitude(P, dt, window))

    def oscillation_energy(self, f_low: float = 0.1, f_high: float = 20.0) -> float:
        """Power of the grid import's oscillation in the band [f_low, f_high] Hz (W^2; its root is the rms)."""
        from twin.electrical.metrics import band_oscillation_energy

        P, dt = self._poi()
        return float(band_oscillation_energy(P, dt, f_low, f_high))

    def energy_by_component(self) -> dict[str, float]:
        """Energy (J) over the run of IT, each cooling term, each electrical loss and the supplies."""
        names = ["P_it", "P_tcs_pumps", "P_air_fans", "P_fws_pumps", "P_compressors", "P_plant_fans",
                 "P_condenser_pumps", "P_losses_transformers", "P_losses_ups", "P_losses_distribution",
                 "P_poi", "P_turbines", "P_bess", "P_unserved"]
        return {name: self.energy(name) for name in names if name in self._ds}

    def emissions(self) -> dict[str, float]:
        """Turbine fuel (J), NOx and CO2 (kg) over the run, by fleet summed."""
        return {"fuel_J": self.energy("fuel"), "NOx_kg": self.energy("NOx"), "CO2_kg": self.energy("CO2")}


# --- provenance -------------------------------------------------------------------------------------


def describe_event(event) -> str:
    """One event in words (``chiller outage 100 % (plant chillers)``, ``utility outage``)."""
    kind = type(event).__name__
    if kind == "EquipmentOutage":
        where = f" ({event.target})" if event.target else ""
        return f"{event.kind} outage {event.fraction:.0%}{where}"
    if kind == "UtilityOutage":
        return "utility outage"
    if kind == "TurbineTrip":
        return f"{event.units} x {event.target} trip"
    return kind


def events_json(events) -> str:
    """Events as JSON for a file attribute: label, start and end (s from the run start; end may be null)."""
    import json

    out = []
    for e in events:
        start = float(getattr(e, "start", 0.0))
        duration = getattr(e, "duration", None)
        end = start + float(duration) if duration is not None and np.isfinite(float(duration)) else None
        out.append({"label": describe_event(e), "start_s": start, "end_s": end})
    return json.dumps(out)


def read_events(ds: xr.Dataset) -> list[dict]:
    """The events a result records (see :func:`events_json`); [] for results without them."""
    import json

    try:
        return list(json.loads(ds.attrs.get("events", "[]")))
    except (TypeError, ValueError):
        return []


def file_hash(path) -> str:
    """SHA-256 of a file's bytes ("" when it cannot be read)."""
    import hashlib

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def _folder_hash(folder) -> str:
    """SHA-256 over a catalogue folder's datasheets (relative names and bytes)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*.toml")):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(file_hash(path).encode())
    return digest.hexdigest()


def provenance(site, *, start, zone: str, weather, scenario, workload, events, options: dict) -> dict:
    """What produced a result, as netCDF-safe attributes: site and its file hash, weather spec,
    scenario and events, workload, solver options, twin version, command line, start and time zone."""
    import datetime
    import shlex
    import sys

    from twin import __version__

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if program == "__main__.py" and "twin.cli" in sys.modules:  # python -m twin.cli
        program = "twin"
    command = shlex.join([program, *sys.argv[1:]])
    local = start.tz_convert(zone)
    return {
        "site": site.name,
        "site_file": str(site.file),
        "site_sha256": file_hash(site.file),
        "site_catalogues": "; ".join(f"{folder} (sha256 {_folder_hash(folder)})"
                                     for folder in getattr(site, "catalogues", ())),
        "weather_spec": weather if isinstance(weather, str) else ("a Dataset given by the caller"
                                                                   if weather is not None else ""),
        "scenario": "" if scenario is None else str(getattr(scenario, "name", scenario)),
        "events": events_json(events),
        "workload": repr(workload),
        "options": ", ".join(f"{k}={v}" for k, v in options.items()),
        "twin_version": __version__,
        "command_line": command,
        "start": local.isoformat(),
        "start_utc": start.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
        "time_zone": zone,
        "history": f"{now} twin {__version__}: {command}",
    }


def finish(ds: xr.Dataset, *, start, provenance_attrs: dict) -> xr.Dataset:
    """A result as stored: its time axes in UTC from ``start`` (a tz-aware instant), provenance
    attributes, CF-1.10 metadata (``provenance_attrs["time_zone"]`` is the site's zone)."""
    first = np.datetime64(start.tz_convert("UTC").tz_localize(None).to_datetime64(), "ns")
    axes = {}
    for dim in ("time", "time_it"):
        if dim in ds.coords:
            values = ds[dim].values
            axes[dim] = first + (values - values[0]) if dim == "time" else first + (values - ds.time.values[0])
    zone = provenance_attrs.get("time_zone") or "UTC"
    for key, value in list(ds.attrs.items()):  # moments the run recorded on its own axis -> local ISO with offset
        if key.endswith("_unpowered_from") and value:
            moment = first + (np.datetime64(value, "ns") - ds.time.values[0])
            ds.attrs[key] = pd.Timestamp(moment).tz_localize("UTC").tz_convert(zone).isoformat()
    ds = ds.assign_coords(axes)
    ds.attrs.update(provenance_attrs)
    return apply_cf(ds, provenance_attrs.get("time_zone"))
