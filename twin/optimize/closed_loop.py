"""Closed loop: a site's dispatch plan run back through the co-simulation.

:func:`verify_plan` drives :func:`twin.simulate` with the plan's IT load
(inflexible plus the flexible schedule, as a
:class:`twin.workload.ScheduleProfile` of fractions of the IT peak, the same
on every rack) over the plan's horizon and the site's own weather, from the
plan's first step in local standard time, and compares:

- **cooling energy**: the plan's cooling (the convex surrogate of the plant
  model) against the simulated plant (pumps, fans, compressors);
- **facility energy**: the plan's demand (IT, cooling and the electrical
  losses frozen into its load) against the simulation's facility power (IT,
  cooling and the losses of the electrical network at every step);
- **cost**: what the comparable parts cost.  The simulator's electrical
  controller dispatches the battery and the turbines *itself* (the battery
  drifts back to its set-point, turbines cover what the grid cannot, in merit
  order): it does **not** follow the plan's battery or turbine schedule.  So
  two costs are reported: (a) the simulated grid import billed with
  :func:`twin.optimize.tariffs.bill` plus the simulated fuel and battery
  throughput -- the cost of running the plan's load under the simulator's own
  controller; (b) the *plan-following* cost: the plan's import corrected by
  the difference between simulated and planned demand, billed the same way,
  plus the plan's fuel, starts and battery costs -- the gap (b) minus the
  planned cost isolates the error of the plan's load model (cooling surrogate,
  frozen losses);
- **violations**: dies above their throttle temperature, facility supply above
  the loop's ASHRAE class, battery state of charge outside its window (plan
  and simulation), grid import above its limit, unserved energy.

Long horizons: a dynamic co-simulation of a year is not practical, so above
``max_dynamic_days`` (or with ``mode="quasi_steady"``) the plant is solved in
steady state every plant step **with the electrical network off**: only
cooling and IT are compared from the plant run; then, on a site with a
battery or turbines (an islanded site always has them), the electrical
network -- the component the co-simulation steps -- is run over the simulated
IT and cooling power at 60 s steps (:func:`network_pass`), so the battery's
state of charge, the turbines, the grid import and the unserved energy are
checked through it all the same.  Only a site with neither keeps the plan's
frozen losses and skips the grid-side checks (the report says so).
"""

from __future__ import annotations

import math
import time as _time

import numpy as np
import xarray as xr

from twin.errors import InputError
from twin.optimize.tariffs import bill

MWH = 3.6e9
#: Plant steps tried, largest first: the largest that the facility mains allow and that divides the plan step is used.
PLANT_STEPS = (300.0, 240.0, 180.0, 120.0, 90.0, 60.0, 45.0, 30.0, 20.0, 15.0, 10.0, 5.0, 2.0, 1.0)


def max_plant_step(site) -> float:
    """Longest plant step (s) the dynamic simulation accepts: the shortest transport delay of a facility main."""
    from twin.simulation import build
    from twin.thermal.network import CP_FACILITY, RHO_FACILITY

    model = build(site)
    g, lp = model.groups, model.loops
    liquid = np.flatnonzero(g.liquid)
    rho_cp = RHO_FACILITY * CP_FACILITY
    C_open = np.bincount(g.loop[liquid], g.C_fws_max[liquid], minlength=len(lp.names)) + model.C_coils
    return float(np.min(lp.M_main / rho_cp / (C_open / rho_cp)))


def _plant_step(site, step: float, limit: float) -> float:
    bound = min(limit, max_plant_step(site))
    for candidate in PLANT_STEPS:
        if candidate <= bound and abs(step / candidate - round(step / candidate)) < 1e-9:
            return candidate
    raise InputError.one("verify_plan", "plant_step", f"no plant step <= {bound:g} s divides the plan step {step:g} s",
                         "a plan step that is a whole number of seconds")


def _per_step(values, m: int) -> np.ndarray:
    """Plant-step series -> plan-step means (``m`` plant steps per plan step)."""
    v = np.asarray(values, float)
    return v.reshape(-1, m, *v.shape[1:]).mean(axis=1)


def verify_plan(site, plan, inputs=None, *, mode: str | None = None, plant_step: float | None = None,
                it_step: float | None = None, max_dynamic_days: float = 2.0, weather=None) -> tuple[dict, xr.Dataset]:
    """Run ``plan`` through :func:`twin.simulate` and compare (see the module docstring).

    ``plan``: a :class:`~twin.optimize.from_site.SitePlan`, or a plan Dataset
    from :func:`~twin.optimize.from_site.plan_site` with its ``inputs``.
    ``mode``: ``"dynamic"`` (co-simulation with the electrical network) or
    ``"quasi_steady"`` (plant steady state each plant step, electrical off);
    default dynamic up to ``max_dynamic_days``.  ``plant_step`` (s): default the
    largest step up to 300 s (dynamic) or 900 s (quasi-steady) that divides the
    plan step and that the facility mains allow; ``it_step`` (s): the IT power
    step of the dynamic run, default the plant step (the plan's load is
    constant over each plan step).  Returns ``(report, ds)``: the comparison
    (SI units except where a key says ``_MWh``) and the simulation Dataset.
    """
    import twin
    from twin.electrical.network import ElectricalControl
    from twin.site import load_site
    from twin.workload import ScheduleProfile

    t_start = _time.perf_counter()
    site = load_site(site) if isinstance(site, str) else site
    if hasattr(plan, "plan") and hasattr(plan, "inputs"):
        inputs = plan.inputs if inputs is None else inputs
        plan = plan.plan
    if inputs is None or getattr(inputs, "P_it_peak", 0) <= 0 or getattr(inputs, "standard_start", None) is None:
        raise InputError.one("verify_plan", "inputs", type(inputs).__name__,
                             "the SiteDispatchInputs the plan was made from (twin.optimize.site_dispatch_inputs)")
    if "P_it" not in plan:
        raise InputError.one("verify_plan", "plan", "a plan without P_it", "a plan from twin.optimize.plan_site")
    step = float(inputs.step_s)
    T = len(inputs.time)
    days = T * step / 86400.0
    if mode is None:
        mode = "dynamic" if days <= max_dynamic_days + 1e-9 else "quasi_steady"
    if mode not in ("dynamic", "quasi_steady"):
        raise InputError.one("verify_plan", "mode", repr(mode), "'dynamic', 'quasi_steady' or None")
    dynamic = mode == "dynamic"
    if plant_step is None:
        plant_step = _plant_step(site, step, 300.0) if dynamic else \
            next(c for c in (900.0, 600.0, 300.0, 60.0, 1.0) if c <= step and abs(step / c - round(step / c)) < 1e-9)
    plant_step = float(plant_step)
    m = int(round(step / plant_step))
    if m < 1 or abs(m * plant_step - step) > 1e-9 * step:
        raise InputError.one("verify_plan", "plant_step", f"{plant_step:g} s", f"a divisor of the plan step {step:g} s")
    it_step = plant_step if it_step is None else float(it_step)

    IT_plan = plan["P_it"].values
    fractions = np.clip(IT_plan / inputs.P_it_peak, 0.0, 1.0)
    profile = ScheduleProfile(fractions, step, inputs.workload_start_s)
    from twin.clock import standard_start

    start = standard_start(inputs.standard_start, site)
    control = False
    if dynamic:
        soc0 = inputs.bess.soc_initial if inputs.bess is not None else None
        control = ElectricalControl(soc_initial=soc0) if soc0 is not None else ElectricalControl()
    ds = twin.simulate(site, start=start, duration=T * step, workload=profile, plant_step=plant_step, it_step=it_step,
                       mode=mode, electrical=control, weather=weather)
    t_sim = _time.perf_counter() - t_start

    IT_sim = _per_step(ds["P_it_total"].values, m)
    cooling_sim = _per_step(ds["P_cooling"].values, m)
    cooling_plan = plan["P_cooling"].values
    losses_plan = plan["P_losses"].values
    demand_plan = plan["P_demand"].values
    el = None
    if dynamic and "P_poi" in ds:
        el = {name: ds[name].values for name in ("P_poi", "P_bess", "soc", "P_unserved", "P_facility")
              if name in ds}
        if "fuel" in ds:
            el["fuel"] = ds["fuel"].values
        el_step = plant_step
    elif site.electrical.islanded or inputs.turbines or inputs.bess is not None:
        el, el_step = network_pass(site, inputs, ds["P_it_total"].values, ds["P_cooling"].values, plant_step)
    electrical = el is not None
    if electrical:
        demand_sim = _per_step(el["P_facility"], int(round(step / el_step)))
    else:
        demand_sim = IT_sim + cooling_sim + losses_plan
    E = lambda P: float(np.sum(P)) * step  # noqa: E731

    report: dict = {
        "mode": mode, "electrical": bool(electrical), "plant_step_s": plant_step, "it_step_s": it_step,
        "horizon_h": T * step / 3600.0, "simulation_time_s": t_sim,
        "planned_IT_MWh": E(IT_plan) / MWH, "simulated_IT_MWh": E(IT_sim) / MWH,
        "planned_cooling_MWh": E(cooling_plan) / MWH, "simulated_cooling_MWh": E(cooling_sim) / MWH,
        "planned_facility_MWh": E(demand_plan) / MWH, "simulated_facility_MWh": E(demand_sim) / MWH,
    }
    report["cooling_gap_fraction"] = _gap(report["simulated_cooling_MWh"], report["planned_cooling_MWh"])
    report["facility_gap_fraction"] = _gap(report["simulated_facility_MWh"], report["planned_facility_MWh"])
    report["cooling_gap_max_step_W"] = float(np.max(np.abs(cooling_sim - cooling_plan)))

    # costs
    tariff, time_index = inputs.tariff, inputs.time
    planned = float(plan["objective"])
    plan_costs = {str(c): float(v) for c, v in zip(plan["category"].values, plan["cost"].values)}
    report["planned_cost_USD"] = planned
    report["planned_costs_USD"] = plan_costs
    following = plan["P_grid_import"].values + (demand_sim - demand_plan)
    limit = inputs.grid.P_import_max
    over = np.clip(following - limit, 0.0, None)
    following_bill = bill(tariff, time_index, step, np.clip(following, 0.0, None), plan["P_grid_export"].values)
    non_grid = sum(v for k, v in plan_costs.items() if k in ("fuel", "starts", "battery_degradation", "emissions"))
    report["plan_following_costs_USD"] = {**following_bill,
                                          **{k: v for k, v in plan_costs.items() if k not in following_bill}}
    report["plan_following_cost_USD"] = float(sum(following_bill.values()) + non_grid)
    report["plan_following_cost_gap_fraction"] = _gap(report["plan_following_cost_USD"], planned)
    report["plan_following_import_over_limit_MWh"] = E(over) / MWH
    notes = ["plan-following cost: the plan's grid import plus (simulated - planned) facility demand, billed, with "
             "the plan's own fuel, start and battery costs; its gap to the planned cost is the error of the plan's "
             "load model"]
    if electrical:
        notes.insert(0, "the simulator's electrical controller dispatches the battery and the turbines itself "
                        "(battery back to its set-point, turbines for what the grid cannot carry); it does not follow "
                        "the plan's battery or turbine schedule, so its grid import and fuel differ from the plan's "
                        "by design")
        m_el = int(round(step / el_step))
        import_sim = _per_step(el["P_poi"], m_el)
        sim_bill = bill(tariff, time_index, step, import_sim)
        fuel_sim = 0.0
        if inputs.turbines and "fuel" in el:
            fuel_J = el["fuel"].sum(axis=0) * el_step  # per fleet, in the site's (and the plan's) order
            fuel_sim = float(np.dot([t.fuel_price for t in inputs.turbines], fuel_J))
            report["simulated_fuel_MWh"] = float(fuel_J.sum()) / MWH
            report["planned_fuel_MWh"] = float(plan["P_fuel"].sum()) * step / MWH
        degradation = 0.0
        if inputs.bess is not None:
            throughput = float(np.abs(el["P_bess"]).sum()) * el_step
            degradation = inputs.bess.degradation_cost * throughput
        simulated = {**sim_bill, "fuel": fuel_sim, "battery_degradation": degradation}
        report["simulated_costs_USD"] = simulated
        report["simulated_cost_USD"] = float(sum(simulated.values()))
        report["simulated_cost_gap_fraction"] = _gap(report["simulated_cost_USD"], planned)
        report["simulated_grid_MWh"] = E(import_sim) / MWH
        report["planned_grid_MWh"] = E(plan["P_grid_import"].values) / MWH
        if not dynamic:
            notes.append(f"{mode} plant run; the electrical network (the co-simulation's component) then run over the "
                         f"simulated IT and cooling power at {el_step:g} s steps: battery, turbines, grid import and "
                         "unserved energy checked through it")
    else:
        notes.append(f"{mode} run with the electrical network off: cooling and IT compared; facility demand takes the "
                     "plan's frozen losses; battery, grid and unserved-energy checks not made")

    # violations
    tol = 1e-6
    violations: dict = {
        "die_over_throttle_steps": int((ds["T_die_max"] > ds["T_die_limit"]).any("group").sum()),
        "facility_over_class_steps": int((ds["T_fws_supply"] > ds["liquid_class_limit"] + 0.05).any("loop").sum()),
    }
    if inputs.bess is not None:
        b = inputs.bess
        soc = plan["soc"].values
        violations["plan_soc_outside_steps"] = int(np.sum((soc < b.soc_min - tol) | (soc > b.soc_max + tol)))
    violations["plan_import_over_limit_steps"] = int(np.sum(plan["P_grid_import"].values > limit * (1 + tol) + 1.0))
    if electrical:
        if inputs.bess is not None:
            soc = el["soc"]
            violations["simulated_soc_outside_steps"] = int(np.sum((soc < inputs.bess.soc_min - tol)
                                                                   | (soc > inputs.bess.soc_max + tol)))
        violations["simulated_import_over_limit_steps"] = int(np.sum(el["P_poi"] > limit * (1 + tol) + 1.0))
        violations["unserved_MWh"] = float(np.sum(el["P_unserved"])) * el_step / MWH
        report["simulated_turbine_MWh"] = float(np.sum(el["P_turbines"])) * el_step / MWH if "P_turbines" in el \
            else None
        if "P_turbines" not in el and "P_turbines" in ds:
            report["simulated_turbine_MWh"] = float(ds["P_turbines"].sum()) * plant_step / MWH
    report["violations"] = violations
    report["violated"] = [k for k, v in violations.items() if v > 0]
    report["notes"] = notes
    report["total_time_s"] = _time.perf_counter() - t_start
    return report, ds


def network_pass(site, inputs, P_it, P_cooling, plant_step: float, it_step: float = 60.0) -> tuple[dict, float]:
    """The electrical network run over simulated IT and cooling power (held over each plant step).

    For runs where the plant is solved in steady state (the electrical network
    is not co-simulated): the same :class:`~twin.electrical.network.ElectricalNetwork`
    the co-simulation steps, with its controller (battery from the plan's
    initial state of charge, turbines committed in merit order), at ``it_step``
    seconds (or the plant step when 60 s does not divide it).  Returns the
    per-step arrays (``P_poi``, ``P_turbines``, ``P_bess``, ``soc``,
    ``P_unserved``, ``fuel``, ``P_facility`` = IT, cooling and losses) and
    their step.
    """
    from twin.electrical.network import ElectricalControl, ElectricalNetwork, concatenate_blocks

    soc0 = inputs.bess.soc_initial if inputs.bess is not None else None
    control = ElectricalControl(soc_initial=soc0) if soc0 is not None else ElectricalControl()
    network = ElectricalNetwork.from_site(site, control)
    k = int(round(plant_step / it_step)) if plant_step >= it_step and \
        abs(plant_step / it_step - round(plant_step / it_step)) < 1e-9 else 1
    dt = plant_step / k
    IT = np.repeat(np.asarray(P_it, float), k)
    cooling = np.repeat(np.asarray(P_cooling, float), k)
    state = network.initial_state(IT[: max(1, int(3600 / dt))], cooling[: max(1, int(3600 / dt))])
    blocks = []
    block = max(1, int(86400 / dt))
    for a in range(0, IT.size, block):
        state, out = network.step_block(state, IT[a:a + block], cooling[a:a + block], dt, a * dt)
        blocks.append(out)
    arrays = concatenate_blocks(blocks)
    el = {name: np.asarray(arrays[name]) for name in ("P_poi", "P_turbines", "P_bess", "soc", "P_unserved", "fuel")}
    el["P_facility"] = np.asarray(arrays["P_demand"]) + np.asarray(arrays["P_unserved"])
    return el, dt


def _gap(simulated: float, planned: float) -> float:
    return (simulated - planned) / planned if planned else (0.0 if simulated == 0 else math.inf)


def format_report(report: dict) -> list[tuple[str, str]]:
    """Rows (quantity, value) for printing a :func:`verify_plan` report."""
    rows = [
        ("simulation", f"{report['mode']}, plant step {report['plant_step_s']:g} s"
                       + ((", electrical network co-simulated" if report["mode"] == "dynamic" else
                           ", electrical network run over the simulated load") if report["electrical"]
                          else ", electrical network off")
                       + f", {report['simulation_time_s']:.1f} s"),
        ("cooling energy planned / simulated", f"{report['planned_cooling_MWh']:,.1f} / "
                                               f"{report['simulated_cooling_MWh']:,.1f} MWh "
                                               f"({report['cooling_gap_fraction']:+.2%})"),
        ("facility energy planned / simulated", f"{report['planned_facility_MWh']:,.1f} / "
                                                f"{report['simulated_facility_MWh']:,.1f} MWh "
                                                f"({report['facility_gap_fraction']:+.2%})"),
        ("planned cost", f"{report['planned_cost_USD']:,.0f} USD"),
        ("plan-following cost", f"{report['plan_following_cost_USD']:,.0f} USD "
                                f"({report['plan_following_cost_gap_fraction']:+.2%})"),
    ]
    if "simulated_cost_USD" in report:
        rows.append(("cost under the simulator's own controller", f"{report['simulated_cost_USD']:,.0f} USD "
                                                                   f"({report['simulated_cost_gap_fraction']:+.2%})"))
    if report.get("simulated_turbine_MWh") is not None:
        rows.append(("turbine energy / fuel simulated", f"{report['simulated_turbine_MWh']:,.1f} / "
                                                        f"{report.get('simulated_fuel_MWh', 0.0):,.1f} MWh"))
    if "unserved_MWh" in report.get("violations", {}):
        rows.append(("unserved energy simulated", f"{report['violations']['unserved_MWh']:,.3f} MWh"))
    violated = report["violated"]
    rows.append(("violations", "none" if not violated else
                 ", ".join(f"{k} {report['violations'][k]:g}" for k in violated)))
    return rows
