"""Command functions for ``twin report``, ``twin sweep`` and ``twin calibrate``.

Plain functions with typer-annotated parameters, registered by :mod:`twin.cli`
(``app.command("report")(report_command)``).  Bad input raises
:class:`twin.errors.InputError`, which the ``twin`` command prints as one line
per problem before exiting with status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from twin.errors import InputError, Problem

console = Console()
err_console = Console(stderr=True)

COMMAND_LINE = "<command line>"


def report_command(
    run: Path = typer.Argument(..., help="a result written by twin simulate --out (netCDF)"),
    out: Optional[Path] = typer.Option(None, help="folder for the figures and report.html "
                                                  "(default: RUN without its suffix, plus _report)"),
) -> None:
    """Draw a simulation result: PNG figures and one self-contained HTML page with the headline numbers."""
    from twin.report import load_run, make_report, summary_rows

    ds = load_run(run)
    folder = out if out is not None else run.with_name(f"{run.stem}_report")
    paths = make_report(ds, folder)
    table = Table(title=f"{ds.attrs['site']}: {run.name}")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for name, value in summary_rows(ds):
        table.add_row(name, value)
    console.print(table)
    for path in paths:
        console.print(f"written {path}", markup=False, highlight=False, soft_wrap=True)


def parse_vary(items: list[str], where: str = COMMAND_LINE) -> dict[str, list[str]]:
    """``["PARAM=V1,V2", ...]`` -> ``{PARAM: [V1, V2]}``; bad syntax, repeats and unknown names are errors."""
    from twin.sweep import check_vary

    problems: list[Problem] = []
    vary: dict[str, list[str]] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        values = [v.strip() for v in text.split(",")]
        if not sep or not name or not all(values):
            problems.append(Problem(where, "--vary", repr(item), "PARAM=V1,V2,... with no empty values"))
        elif name in vary:
            problems.append(Problem(where, "--vary", f"{name} given twice", "each parameter once"))
        else:
            vary[name] = values
    if problems:
        raise InputError(problems)
    check_vary(vary, where)
    return vary


def sweep_command(
    site: str = typer.Argument(..., help="built-in site name or site TOML path"),
    vary: list[str] = typer.Option([], "--vary", help="PARAM=V1,V2,... (repeatable); PARAM one of T_supply_set, "
                                                      "workload, weather, out_of_service, start"),
    scenario: list[str] = typer.Option([], "--scenario", help="baseline, heat_wave, plant_half_out (repeatable)"),
    out: Path = typer.Option(Path("sweep.zarr"), help="zarr store for the gathered results"),
    scheduler: Optional[str] = typer.Option(None, help="address of a running Dask scheduler "
                                                       "(default: a local cluster of 2 workers)"),
    hours: float = typer.Option(24.0, help="simulated hours per case"),
    plant_step: float = typer.Option(60.0, help="plant step (s)"),
    mode: str = typer.Option("quasi_steady", help="quasi_steady or dynamic"),
    resume: bool = typer.Option(True, help="reuse cases saved by an earlier run with the same inputs"),
    tls_ca_file: Optional[Path] = typer.Option(None, help="TLS: CA certificate of a --scheduler that requires TLS "
                                                          "(Dask connections are otherwise unauthenticated)"),
    tls_cert: Optional[Path] = typer.Option(None, help="TLS: this client's certificate (PEM)"),
    tls_key: Optional[Path] = typer.Option(None, help="TLS: this client's private key (PEM), if not in --tls-cert"),
) -> None:
    """Simulate every combination of the varied values and scenarios on a Dask cluster; write one zarr store.

    Exits 2 when every case failed on bad input, 1 when none completed for another reason."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from twin.site import load_site
    from twin.sweep import cases, check_out, run_sweep

    from twin.cli import options
    from twin.sweep import tls_security

    values = parse_vary(vary)
    cases(values, scenario or None, COMMAND_LINE)  # scenario names checked before anything runs
    options.number(hours, "--hours", 0.0, 8784.0, "h")
    options.number(plant_step, "--plant-step", 0.0, 3600.0, "s")
    check_out(out)
    security = None
    if tls_ca_file or tls_cert or tls_key:
        if not (tls_ca_file and tls_cert and scheduler):
            raise InputError.one(COMMAND_LINE, "--tls-ca-file/--tls-cert", "only part of the TLS options",
                                 "--scheduler tls://host:port with --tls-ca-file and --tls-cert (and --tls-key)")
        if not scheduler.startswith("tls://"):
            raise InputError.one(COMMAND_LINE, "--scheduler", repr(scheduler), "a tls:// address with the TLS options")
        security = tls_security(tls_ca_file, tls_cert, tls_key)
    loaded = load_site(site)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(f"sweep of {loaded.name}", total=None)
        ds = run_sweep(loaded, values, scenario or None, out, scheduler=scheduler, duration=hours * 3600,
                       plant_step=plant_step, mode=mode, resume=resume, security=security,
                       progress=lambda done, total: bar.update(task, completed=done, total=total))
    console.print(sweep_table(ds))
    for label, status, message in zip(ds.scenario.values, ds.status.values, ds.message.values):
        if message:
            console.print(f"{label}: {status}: {message}", markup=False, highlight=False, soft_wrap=True)
    for label, text in zip(ds.scenario.values, ds.out_of_range.values):
        if text and not str(text).startswith(("none", "not assessed")):
            for part in str(text).split("; "):
                console.print(f"NOT HELD: {label}: outside its validity range: {part}", style="bold red",
                              markup=False, highlight=False, soft_wrap=True)
    n = ds.sizes["scenario"]
    ok = int((ds.status == "ok").sum())
    console.print(f"{ok} of {n} cases ok, {ds.attrs['n_resumed']} read from {out}.parts; written {out}",
                  markup=False, highlight=False)
    if ok == 0:
        failed = [Problem(COMMAND_LINE, f"case {label}", str(message), "a case that runs")
                  for label, status, message in zip(ds.scenario.values, ds.status.values, ds.message.values)
                  if status == "failed"]
        if len(failed) == n:
            raise InputError(failed)
        err_console.print(f"error: none of the {n} cases completed (see the messages above)",
                          markup=False, highlight=False)
        raise typer.Exit(1)


def sweep_table(ds) -> Table:
    """One row per case: its varied values and scenario, status and headline KPIs."""
    varied = list(ds.attrs["varied"])
    table = Table(title=f"sweep of {ds.attrs['site']}")
    for column in varied + ["scenario", "status"]:
        table.add_column(column, no_wrap=True)
    for column in ("PUE", "max die (degC)", "water (m3)"):
        table.add_column(column, justify="right")
    for i in range(ds.sizes["scenario"]):
        case = ds.isel(scenario=i)
        values = [f"{v:g}" if isinstance(v, float) else str(v) for v in (case[n].item() for n in varied)]
        kpis = ["", "", ""]
        if str(case.status.values) == "ok":
            kpis = [f"{float(case.pue):.3f}", f"{float(case.T_die_peak):.1f}", f"{float(case.V_water):,.1f}"]
        table.add_row(*values, str(case.scenario_name.values), str(case.status.values), *kpis)
    return table


def calibrate_command(
    trace: Optional[Path] = typer.Argument(None, help="telemetry CSV (phases.csv beside it); "
                                                      "default: the bundled H200 trace"),
    detect: bool = typer.Option(False, "--detect", help="score the held-out phases with the rack-level fault "
                                                        "detector (5 s means, CUSUM; docs/telemetry.md)"),
    fault: Optional[str] = typer.Option(None, help="inject KIND:SIZE:START into the readings after the fit, "
                                                   "then detect: KIND R_die_plate or R_plate_coolant (SIZE a "
                                                   "multiplier), offset (K) or drift (K/min); START in s "
                                                   "from the first sample"),
) -> None:
    """Fit the two-node accelerator model to a measured trace; print the fit error and parameters."""
    from twin.calibrate import fit_accelerator

    injected = _parse_fault(fault) if fault is not None else None
    fit = fit_accelerator(trace)
    p = fit.params
    console.print(f"Two-node fit of {fit.source}", markup=False, highlight=False)
    console.print(f"fit phases: {', '.join(fit.fit_phases)} ({fit.n_fit} readings); validation phases: "
                  f"{', '.join(fit.validate_phases)} ({fit.n_validate} readings)", markup=False, highlight=False)
    table = Table(title="parameters (standard errors assume independent residuals)")
    for column, justify in (("parameter", "left"), ("value", "right"), ("standard error", "right"),
                            ("units", "left")):
        table.add_column(column, justify=justify)
    rows = [("C_die", p.C_die, "J/K"), ("C_plate", p.C_plate, "J/K"), ("R_die_plate", p.R_die_plate, "K/W"),
            ("R_plate_coolant", p.R_plate_coolant, "K/W"), ("T_coolant", fit.T_coolant, "degC")]
    for name, value, units in rows:
        table.add_row(name, f"{value:.4g}", f"{fit.stderr[name]:.2g}", units)
    console.print(table)
    console.print(f"time constants: {fit.tau_fast:.3f} s and {fit.tau_slow:.2f} s", markup=False)
    console.print(f"steady die rise: {fit.rise_per_W:.4f} K/W", markup=False)
    console.print(f"error, fit phases: RMS {fit.fit_rms_error_K:.2f} K", markup=False)
    console.print(f"error, validation phases: RMS {fit.rms_error_K:.2f} K, max {fit.max_error_K:.2f} K",
                  markup=False)
    if detect or injected is not None:
        _detect_on_trace(trace, fit, injected)


def _parse_fault(text: str):
    from twin.telemetry.rack import FAULT_KINDS, Fault

    parts = text.split(":")
    try:
        kind, size, start = parts[0], float(parts[1]), float(parts[2])
    except (IndexError, ValueError):
        kind = None
    if kind not in FAULT_KINDS or len(parts) != 3:
        raise InputError.one(COMMAND_LINE, "--fault", repr(text),
                             f"KIND:SIZE:START with KIND one of {', '.join(FAULT_KINDS)} (e.g. R_die_plate:1.2:200)")
    return Fault(kind, size, start)


def _detect_on_trace(trace, fit, fault) -> None:
    from twin.calibrate import load_trace
    from twin.telemetry import rack

    data, table, _ = load_trace(trace)
    ref = rack.reference(rack.residual(data, table, fit))
    found = rack.detect(rack.residual(rack.inject(data, table, fit, fault), table, fit), ref)
    w = found.windows
    console.print(f"rack-level detector: {ref.window_s:g} s means of measured - model, reference from the fit "
                  f"phases: sigma {ref.sigma:.2f} K (between phases {ref.sigma_phase:.2f} K, within "
                  f"{ref.sigma_window:.2f} K), CUSUM k {found.k:g}, h {found.h:g}", markup=False, highlight=False)
    if fault is not None:
        console.print(f"injected: {fault.kind} {fault.size:g} from {fault.start:g} s", markup=False)
    peak = max(w["cusum_high"].max(), w["cusum_low"].max()) if len(w) else float("nan")
    console.print(f"held-out phases: {len(w)} windows ({w['start_s'].min():.0f}-{w['end_s'].max():.0f} s), "
                  f"largest CUSUM {peak:.2f}, {len(found.alarms)} alarm(s)", markup=False)
    for direction, start, detected in found.alarms:
        console.print(f"  alarm {direction}: detected at {detected:.0f} s, estimated start {start:.0f} s",
                      markup=False)
