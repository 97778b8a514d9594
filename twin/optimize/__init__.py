"""Power scheduling for the sites: grid, gas turbines, Megapacks, flexible training load, cooling.

``dispatch(inputs)`` solves one horizon with HiGHS and returns the plan as an
``xarray.Dataset``; ``rolling_horizon(inputs, window_s, step_s)`` re-plans
over a sliding window (model-predictive control); ``savings_table`` compares
a plan with its baseline (``baseline_inputs``: no battery, no flexibility).
Inputs are the frozen dataclasses of :mod:`twin.optimize.inputs`; tariffs
and price data come from :mod:`twin.optimize.tariffs` and
:mod:`twin.optimize.prices`.
"""

from twin.optimize.diagnose import InfeasiblePlan
from twin.optimize.dispatch import baseline_inputs, dispatch, pyomo_model, savings_table
from twin.optimize.inputs import (
    Battery,
    CoincidentPeak,
    CoolingSurrogate,
    DemandCharge,
    DemandResponseEvent,
    DispatchInputs,
    Emissions,
    FixedPricePPA,
    FlexibleLoad,
    GridConnection,
    Tariff,
    TurbineType,
    VirtualPPA,
)
from twin.optimize.mpc import rolling_horizon
from twin.optimize.from_site import SiteDispatchInputs, SitePlan, plan_site, site_dispatch_inputs, write_plan
from twin.optimize.closed_loop import verify_plan

__all__ = [
    "Battery",
    "CoincidentPeak",
    "CoolingSurrogate",
    "DemandCharge",
    "DemandResponseEvent",
    "DispatchInputs",
    "Emissions",
    "FixedPricePPA",
    "FlexibleLoad",
    "GridConnection",
    "InfeasiblePlan",
    "Tariff",
    "TurbineType",
    "VirtualPPA",
    "SiteDispatchInputs",
    "SitePlan",
    "baseline_inputs",
    "dispatch",
    "plan_site",
    "plot_plan",
    "pyomo_model",
    "rolling_horizon",
    "savings_table",
    "site_dispatch_inputs",
    "verify_plan",
    "write_plan",
]


def __getattr__(name: str):
    # plot_plan imports matplotlib: loaded on first use only
    if name == "plot_plan":
        from twin.optimize.plots import plot_plan

        return plot_plan
    raise AttributeError(f"module 'twin.optimize' has no attribute {name!r}")
