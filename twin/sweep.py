"""Parameter sweeps and scenarios on a Dask cluster: ``run_sweep(site, vary, scenarios, out)``.

Every combination of the varied values and the named scenarios is one case,
simulated by :func:`twin.simulate` on a ``dask.distributed`` cluster (a local
one of 2 single-threaded worker processes by default).  The results are
gathered into one Dataset with a ``scenario`` dimension whose labels name the
case (``T_supply_set=30|workload=0.8|scenario=baseline``), with one coordinate
per varied parameter, ``scenario_name`` and ``start``; attrs ``varied`` lists the
varied parameters.  It holds per case

- scalar KPIs: ``pue``, ``E_it``, ``E_cooling``, ``T_die_peak``,
  ``T_fws_supply_peak``, ``V_water``, ``energy_residual``, ``n_throttled_peak``;
- a few time series on the common axis ``time`` (time since the case's start):
  ``P_it_total``, ``P_cooling``, ``P_facility``, ``T_die_max`` (hottest group),
  ``T_fws_supply`` (warmest loop), ``m_flow_water_use`` (all loops),
  ``Q_flow_rejected``, ``T_dry_bulb``, ``T_wet_bulb``;
- ``out_of_range``: the correlations the case ran outside their validity range, where and
  for how long (the simulation's ``out_of_range`` attribute; "none: ..." when all held);
- ``status`` ("ok", "failed" for bad input, "error" for anything else) and
  ``message`` (why a case failed, or a warning for an ok case whose energy
  balance does not close); a failed case holds NaN and the others still complete.

Parameters to vary (``PARAMETERS``):

- ``T_supply_set``: facility supply set-point of every loop (degC, 2-60).  A loop
  whose ASHRAE liquid class does not admit it moves to the lowest class that
  does (W32 at 35 degC becomes W40), as a warmer set-point means equipment of
  that class;
- ``workload``: IT load as a fraction of rack peak (constant profile, 0-1);
- ``weather``: a weather spec for :func:`twin.weather.load_weather`;
- ``out_of_service``: fraction of every plant's units out of service (0-1);
- ``start``: start time, local standard time (``2025-07-21 14:00``).

Scenarios (``SCENARIOS``, a small registry for now): ``baseline`` (the site as
it is), ``heat_wave`` (weather ``heatwave:<site weather location>``) and
``plant_half_out`` (half of every plant's units out of service).

Resume: each finished case is saved as it completes, as one small netCDF in
``<out>.parts/`` keyed on content: the site's resolved values and file bytes, the bytes
of any weather file it uses, the case, the run settings, the twin version and a
fingerprint of the package's code and bundled data (:func:`code_fingerprint`); a re-run
after a changed input recomputes exactly the cases that use it;
a sweep run again with the same arguments reads those cases instead of
simulating them.  Cases ending in "error" (not bad input) are not saved, so a
re-run retries them.  The parts are kept after the sweep, so a re-run with an
extra value only simulates the new cases.

Security: Dask connections are not authenticated.  Anyone who can reach a scheduler's
port can submit code that its workers run as their user.  The local cluster listens on
the loopback interface only (other users of the same machine can still reach it) and
serves no dashboard.  For a remote ``scheduler``, run it with TLS and client
certificates and pass them with :func:`tls_security` (``twin sweep --tls-ca-file
--tls-cert --tls-key``, address ``tls://host:port``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import uuid
import warnings
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import xarray as xr

from twin.catalog import did_you_mean
from twin.errors import InputError
from twin.results import variable, write_netcdf
from twin.site import LIQUID_CLASSES, Site, load_site

#: Parameters a sweep can vary, and the type of their values.
PARAMETERS = {"T_supply_set": float, "workload": float, "weather": str, "out_of_service": float, "start": str}
#: Units and long_name of each parameter's coordinate in the sweep Dataset.
PARAMETER_ATTRS = {
    "T_supply_set": ("degC", "facility supply set-point of every loop"),
    "workload": ("1", "IT load as a fraction of rack peak"),
    "weather": ("", "weather spec"),
    "out_of_service": ("1", "fraction of every plant's units out of service"),
    "start": ("", "start of the case, local standard time"),
}
#: Named scenarios: parameter settings ("{location}" is the site's weather location).
SCENARIOS = {
    "baseline": {},
    "heat_wave": {"weather": "heatwave:{location}"},
    "plant_half_out": {"out_of_service": 0.5},
}
#: Energy-balance residual (fraction of IT energy) above which an ok case carries a warning message.
RESIDUAL_WARNING = 1e-6
DEFAULT_START = "2025-07-21 00:00"
DEFAULT_WORKLOAD = 0.8

_SERIES = {
    # name: (source variable, reduction over its component dim, units, long_name)
    "P_it_total": ("P_it_total", None, "W", "IT electrical power of the site"),
    "P_cooling": ("P_cooling", None, "W", "cooling power: pumps, fans and compressors"),
    "P_facility": ("P_facility", None, "W", "total facility power: IT, cooling and electrical losses"),
    "T_die_max": ("T_die_max", "max", "degC", "highest accelerator die temperature of any rack group"),
    "T_fws_supply": ("T_fws_supply", "max", "degC", "facility water supply temperature of the warmest loop"),
    "m_flow_water_use": ("m_flow_water_use", "sum", "kg/s", "make-up water of all plants"),
    "Q_flow_rejected": ("Q_flow_rejected", None, "W", "heat leaving the cooling water system at the plants"),
    "T_dry_bulb": ("T_dry_bulb", None, "degC", "outdoor dry-bulb temperature"),
    "T_wet_bulb": ("T_wet_bulb", None, "degC", "outdoor wet-bulb temperature"),
}


def check_vary(vary: dict[str, list], where: str = "sweep") -> dict[str, list]:
    """``vary`` with known parameter names, non-empty unique value lists, values converted to their type."""
    problems = []
    out = {}
    for name, values in vary.items():
        if name not in PARAMETERS:
            problems += InputError.one(where, name, "an unknown parameter", "one of " + ", ".join(PARAMETERS)
                                       + did_you_mean(name, PARAMETERS)).problems
            continue
        kind = PARAMETERS[name]
        values = list(values)
        bad = [v for v in values if not _converts(kind, v)]
        if bad:
            problems += InputError.one(where, name, repr(bad[0]), "numbers" if kind is float else "text").problems
            continue
        converted = [kind(v) for v in values]
        if not converted:
            problems += InputError.one(where, name, "no values", "at least one value").problems
        elif len(set(converted)) < len(converted):
            problems += InputError.one(where, name, f"repeated values {values}", "distinct values").problems
        out[name] = converted
    if problems:
        raise InputError(problems)
    return out


def _converts(kind, value) -> bool:
    try:
        kind(value)
        return True
    except (TypeError, ValueError):
        return False


def cases(vary: dict[str, list], scenarios: list[str] | None, where: str = "sweep") -> list[tuple[str, dict]]:
    """The (label, settings) of every case: each combination of varied values and scenarios, in order."""
    vary = check_vary(vary, where)
    scenarios = list(scenarios or ["baseline"])
    problems = []
    for name in scenarios:
        if name not in SCENARIOS:
            problems += InputError.one(where, "scenario", repr(name), "one of " + ", ".join(SCENARIOS)
                                       + did_you_mean(name, SCENARIOS)).problems
        else:
            clash = sorted(set(SCENARIOS[name]) & set(vary))
            if clash:
                problems += InputError.one(where, "scenario", f"{name!r}, which sets {', '.join(clash)}",
                                           "a scenario that does not set a varied parameter").problems
    if len(set(scenarios)) < len(scenarios):
        problems += InputError.one(where, "scenario", f"repeated names {scenarios}", "distinct names").problems
    if problems:
        raise InputError(problems)
    out = []
    for combo in itertools.product(*vary.values(), scenarios):
        settings = dict(zip(vary, combo[:-1]))
        label = "|".join([*(f"{k}={_text(v)}" for k, v in settings.items()), f"scenario={combo[-1]}"])
        out.append((label, {**SCENARIOS[combo[-1]], **settings, "scenario": combo[-1]}))
    return out


def _text(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def apply_supply_set(site: Site, T_supply_set: float) -> Site:
    """``site`` with every loop's supply set-point at ``T_supply_set`` (degC), each loop's class raised to admit it."""
    loops = []
    for loop in site.facility_loops:
        liquid_class = loop.liquid_class
        if T_supply_set > LIQUID_CLASSES[liquid_class]:
            liquid_class = min((c for c, bound in LIQUID_CLASSES.items() if bound >= T_supply_set),
                               key=LIQUID_CLASSES.get)
        loops.append(replace(loop, T_supply_set=T_supply_set, liquid_class=liquid_class))
    return replace(site, facility_loops=tuple(loops))


def _simulate_case(site: Site, where: str, settings: dict, duration: float, plant_step: float,
                   mode: str) -> xr.Dataset:
    """Simulate one case and reduce it to KPIs and a few time series; ``where`` names it in errors."""
    from twin.simulation import simulate
    from twin.workload import ConstantProfile

    T_set = settings.get("T_supply_set")
    if T_set is not None:
        if not 2.0 <= T_set <= 60.0:
            raise InputError.one(where, "T_supply_set", f"{T_set:g} degC", "a supply set-point of 2-60 degC")
        site = apply_supply_set(site, T_set)
    failed = settings.get("out_of_service", 0.0)
    if not 0.0 <= failed <= 1.0:
        raise InputError.one(where, "out_of_service", f"{failed:g}", "a fraction between 0 and 1")
    weather = settings.get("weather")
    if weather is not None:
        weather = weather.replace("{location}", site.location.weather)
    ds = simulate(site, start=settings.get("start", DEFAULT_START), duration=duration, plant_step=plant_step,
                  mode=mode, weather=weather, workload=ConstantProfile(settings.get("workload", DEFAULT_WORKLOAD)),
                  out_of_service={p.name: failed for p in site.plants} if failed else None)
    return reduce_run(ds)


def reduce_run(ds: xr.Dataset) -> xr.Dataset:
    """KPIs and key time series of a simulation result, on a time axis counted from its start."""
    step = float(ds.attrs["step_s"])
    elapsed = (ds.time.values - ds.time.values[0]).astype("timedelta64[ns]")
    variables = {}
    for name, (source, how, units, long_name) in _SERIES.items():
        da = ds[source]
        others = [d for d in da.dims if d != "time"]
        if how is not None and others:
            da = getattr(da, how)(others)
        variables[name] = variable("time", da.values, units, long_name)
    water = float(ds.m_flow_water_use.sum()) * step / 1e3
    die = ds.T_die_max
    kpis = {
        "pue": (ds.twin.pue(), "1", "PUE over the run: total facility energy / IT energy (twin.metrics)"),
        "E_it": (ds.twin.energy("P_it"), "J", "IT energy"),
        "E_cooling": (ds.twin.energy("P_cooling"), "J", "cooling energy: pumps, fans and compressors"),
        "T_die_peak": (float(die.max()) if bool(die.notnull().any()) else np.nan, "degC",
                       "highest accelerator die temperature of the run"),
        "T_fws_supply_peak": (float(ds.T_fws_supply.max()), "degC", "highest facility water supply temperature"),
        "V_water": (water, "m3", "make-up water used over the run (1000 kg/m3)"),
        "energy_residual": (ds.twin.energy_residual(), "1", "energy-balance residual as a fraction of IT energy"),
        "n_throttled_peak": (float(ds.n_throttled.sum("group").max()), "1", "most racks throttled at once"),
    }
    variables.update({k: variable((), v, u, n) for k, (v, u, n) in kpis.items()})
    return xr.Dataset(variables, coords={"time": elapsed},
                      attrs={"out_of_range": str(ds.attrs.get("out_of_range", "not assessed"))})


def run_case(site: Site, label: str, settings: dict, duration: float, plant_step: float, mode: str) -> dict:
    """One case on a worker: ``{"status", "message", "result"}``; never raises (so errors travel as text)."""
    try:
        result = _simulate_case(site, f"sweep case {label}", settings, duration, plant_step, mode)
        residual = float(result.energy_residual)
        message = f"energy balance not closed: residual {residual:.2g} of IT energy" \
            if abs(residual) > RESIDUAL_WARNING else ""
        return {"status": "ok", "message": message, "result": result}
    except InputError as error:
        return {"status": "failed", "message": str(error).replace("\n", "; "), "result": None}
    except Exception as error:  # noqa: BLE001 - recorded per case; the sweep goes on
        return {"status": "error", "message": f"{type(error).__name__}: {error}", "result": None}


def _file_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over the package's source (every ``twin/**/*.py``) and its bundled data (the
    catalogue, sites and weather tables): any change to the code or the model changes it."""
    from twin.paths import data_dir

    root = Path(__file__).resolve().parent
    files = sorted(root.rglob("*.py"))
    for name in ("models", "sites", "weather"):
        folder = data_dir(name)
        if folder.is_dir():
            files += sorted(p for p in folder.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.name).encode())
        digest.update(_file_hash(path).encode())
    return digest.hexdigest()


def _weather_hash(spec: str | None) -> str:
    """Content hash of a weather spec that names a file; the spec itself otherwise (built-in
    weather is covered by :func:`code_fingerprint`)."""
    if spec and Path(spec).is_file():
        return _file_hash(spec)
    return str(spec)


def _part_key(site: Site, settings: dict, duration: float, plant_step: float, mode: str) -> str:
    """Resume key of one case, on content: the site's resolved values and file bytes, the
    weather file's bytes, the case, the run options, the twin version and the code fingerprint.
    A changed input changes the key of exactly the cases that use it."""
    from twin import __version__

    weather = settings.get("weather")
    weather = weather.replace("{location}", site.location.weather) if isinstance(weather, str) else None
    site_file = _file_hash(site.file) if site.file and Path(site.file).is_file() else ""
    text = json.dumps({"site": hashlib.sha256(repr(replace(site, file="", catalogues=())).encode()).hexdigest(),
                       "site_file": site_file, "site_weather": _weather_hash(site.location.weather),
                       "weather": _weather_hash(weather), "case": settings, "duration": duration,
                       "plant_step": plant_step, "mode": mode, "version": __version__,
                       "code": code_fingerprint()}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _read_part(path: Path, key: str) -> dict | None:
    """A saved case, or None when absent, unreadable or for other settings."""
    if not path.is_file():
        return None
    try:
        with xr.open_dataset(path, engine="h5netcdf") as part:
            part = part.load()
    except (OSError, ValueError):
        return None
    if part.attrs.get("key") != key:
        return None
    status, message = str(part.attrs["status"]), str(part.attrs["message"])
    result = part if status == "ok" else None
    return {"status": status, "message": message, "result": result}


def _write_part(path: Path, key: str, label: str, outcome: dict) -> None:
    part = outcome["result"] if outcome["result"] is not None else xr.Dataset()
    part = part.assign_attrs(key=key, case=label, status=outcome["status"], message=outcome["message"])
    write_netcdf(part, path)


def _gather(labels: list[str], settings: list[dict], outcomes: list[dict], resumed: list[bool],
            vary_names: list[str]) -> xr.Dataset:
    """One Dataset over the ``scenario`` dim; failed cases hold NaN."""
    results = [o["result"] for o in outcomes]
    template = next((r for r in results if r is not None), None)
    if template is not None:
        blank = xr.full_like(template, np.nan)
        ds = xr.concat([r if r is not None else blank for r in results], dim="scenario", join="exact",
                       combine_attrs="override").drop_attrs(deep=False)
        ds["time"].attrs.update(long_name="time since the start of the case")
    else:
        ds = xr.Dataset()
    coords = {"scenario": np.array(labels, dtype=object),
              "scenario_name": ("scenario", np.array([s["scenario"] for s in settings], dtype=object))}
    named = dict.fromkeys(["start", *vary_names])  # the start of every case is kept, varied or not
    for name in named:
        values = [s.get(name, DEFAULT_START) for s in settings]
        coords[name] = ("scenario", np.array(values, dtype=object if PARAMETERS[name] is str else float))
    ds = ds.assign_coords(coords)
    ds["status"] = variable("scenario", np.array([o["status"] for o in outcomes], dtype=object), "",
                            "ok, failed (bad input) or error")
    ds["message"] = variable("scenario", np.array([o["message"] for o in outcomes], dtype=object), "",
                             "why the case did not complete, or a warning")
    ds["out_of_range"] = variable("scenario", np.array([r.attrs.get("out_of_range", "not assessed") if r is not None
                                                        else "" for r in results], dtype=object), "",
                                  "correlations outside their validity range: where and for how long")
    ds["resumed"] = variable("scenario", np.array(resumed, dtype=int), "1",
                             "1 when the case was read from an earlier run's saved part")
    ds["scenario"].attrs.update(long_name="case: varied parameters and named scenario")
    ds["scenario_name"].attrs.update(long_name="named scenario of the case")
    for name in named:
        units, long_name = PARAMETER_ATTRS[name]
        ds[name].attrs.update(units=units, long_name=long_name)
    return ds


def check_out(out: str | Path) -> Path:
    """``out`` as a Path, if a zarr store may be written there (a new path or an existing store)."""
    out = Path(out)
    if not out.parent.is_dir():
        raise InputError.one(str(out), "output path", "a folder that does not exist", "a path in an existing folder")
    if out.exists() and not (out / "zarr.json").is_file() and not (out / ".zgroup").is_file():
        raise InputError.one(str(out), "output path", "an existing file or folder that is not a zarr store",
                             "a new path or an earlier sweep's zarr store")
    return out


def write_zarr(ds: xr.Dataset, out: Path) -> Path:
    """Write ``ds`` as a zarr store at ``out`` atomically: into a temporary folder, then renamed.

    An existing zarr store at ``out`` is replaced; anything else there is an error.
    """
    out = check_out(out)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    old = out.with_name(f".{out.name}.{uuid.uuid4().hex}.old")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Consolidated metadata")
            ds.to_zarr(tmp, mode="w")
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return out


def run_sweep(site: Site | str, vary: dict[str, list], scenarios: list[str] | None, out: str | Path, *,
              scheduler: str | None = None, duration: float = 86400.0, plant_step: float = 60.0,
              mode: str = "quasi_steady", resume: bool = True, progress=None, security=None) -> xr.Dataset:
    """Simulate every case of ``vary`` x ``scenarios`` on a Dask cluster; write and return the gathered Dataset.

    scheduler: address of a running Dask scheduler (default: start a local cluster of 2
    single-threaded worker processes for this sweep); duration, plant_step (s) and mode as
    :func:`twin.simulate` (quasi-steady by default: plant operation over the day);
    resume: read cases saved in ``<out>.parts/`` by an earlier run with the same arguments;
    progress: a callable ``progress(done, total)`` called once at the start (with the
    resumed cases done) and after each case; security: a ``distributed.Security`` (TLS
    certificates) for connecting to ``scheduler``, see :func:`tls_security`.
    """
    from twin.outputs import claim

    site = load_site(site) if isinstance(site, str) else site
    todo = cases(vary, scenarios)
    out = check_out(out)
    with claim(out):  # one sweep per store; temporaries of killed writes removed
        return _run_sweep(site, todo, list(vary), out, scheduler, duration, plant_step, mode, resume, progress,
                          security)


def _run_sweep(site, todo, vary_names, out, scheduler, duration, plant_step, mode, resume, progress, security):
    from twin.outputs import remove

    parts = Path(f"{out}.parts")
    parts.mkdir(exist_ok=True)
    remove(parts.glob(".*.tmp"))
    settings = [s for _, s in todo]
    keys = [_part_key(site, s, duration, plant_step, mode) for s in settings]
    paths = [parts / f"{k}.nc" for k in keys]
    outcomes = [_read_part(p, k) if resume else None for p, k in zip(paths, keys)]
    resumed = [o is not None for o in outcomes]
    missing = [i for i, o in enumerate(outcomes) if o is None]
    total = len(todo)
    done = n_resumed = total - len(missing)
    if progress is not None:
        progress(done, total)
    if missing:
        for i, outcome in _compute(site, todo, missing, duration, plant_step, mode, scheduler, security):
            outcomes[i] = outcome
            if outcome["status"] != "error":
                _write_part(paths[i], keys[i], todo[i][0], outcome)
            done += 1
            if progress is not None:
                progress(done, total)
    ds = _gather([label for label, _ in todo], settings, outcomes, resumed, vary_names)
    ds.attrs.update(site=site.name, duration_s=float(duration), step_s=float(plant_step), mode=mode,
                    title=f"twin sweep of {site.name}", varied=vary_names, n_resumed=n_resumed)
    write_zarr(ds, out)
    return ds


def local_cluster(n_workers: int = 2):
    """A local cluster of single-threaded worker processes, bound to the loopback interface,
    serving no dashboard: the scheduler's HTTP server (which distributed always starts) has no
    routes and listens on a random loopback port, the workers' likewise.  distributed's own log
    lines below ERROR (the nanny's "still alive after 4.0 seconds, killing" at shutdown, ...) are
    kept out of the output: a case that fails is reported by the sweep itself."""
    import logging

    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}):
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                            dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                            silence_logs=logging.ERROR)


def tls_security(ca_file: str | Path, cert: str | Path, key: str | Path | None = None):
    """A ``distributed.Security`` for a scheduler that requires TLS with client certificates
    (mutual TLS): the only authentication Dask offers.  Files are PEM; ``key`` may be inside ``cert``."""
    from distributed.security import Security

    problems = [InputError.one(str(path), option, "no such file", "a PEM file").problems[0]
                for path, option in ((ca_file, "--tls-ca-file"), (cert, "--tls-cert"), (key, "--tls-key"))
                if path is not None and not Path(path).is_file()]
    if problems:
        raise InputError(problems)
    return Security(tls_ca_file=str(ca_file), tls_client_cert=str(cert),
                    tls_client_key=str(key) if key else None, require_encryption=True)


def _compute(site, todo, indices, duration, plant_step, mode, scheduler, security=None):
    """Yield ``(index, outcome)`` as cases finish on the cluster."""
    yield from map_cases(run_case, site, {i: (*todo[i], duration, plant_step, mode) for i in indices},
                         scheduler, security)


def map_cases(function, shared, arguments: dict, scheduler=None, security=None):
    """Yield ``(key, function(shared, *arguments[key]))`` as cases finish on a Dask cluster.

    ``shared`` (e.g. the site) is scattered once to every worker; the cluster
    is ``scheduler`` or a :func:`local_cluster` started and closed here.  A
    case whose worker raises yields ``{"status": "error", "message": ...,
    "result": None}``; the others still complete.  ``twin sweep`` and ``twin
    optimize sweep`` both run through here.
    """
    from distributed import Client, as_completed

    cluster = local_cluster() if scheduler is None else None
    try:
        with Client(scheduler or cluster, security=security) as client:
            shared = client.scatter(shared, broadcast=True)
            futures = {client.submit(function, shared, *args, pure=False): i for i, args in arguments.items()}
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except Exception as error:  # noqa: BLE001 - a lost worker fails its case only
                    outcome = {"status": "error", "message": f"{type(error).__name__}: {error}", "result": None}
                yield futures[future], outcome
    finally:
        if cluster is not None:
            cluster.close()
