"""``twin optimize sweep``: every combination planned on Dask equals plan_site run directly; the sensitivity table
averages over the other parameters; bad --vary values are one line."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_bad_input

from twin.errors import InputError
from twin.optimize import plan_site
from twin.optimize.sweep import cases, check_vary, plot_sweep, run_plan_sweep, sensitivity_table


def test_sweep_cases_equal_direct_plans_and_the_sensitivity_table(tmp_path):
    vary = {"bess_scale": ["0", "1"], "flexible_share": [0.0, 0.1]}
    ds = run_plan_sweep("cortex", vary, start="2025-07-14", days=1, cooling=False)
    assert list(ds.status.values) == ["ok"] * 4
    assert list(ds.case.values)[1] == "bess_scale=0|flexible_share=0.1"
    direct = plan_site("cortex", start="2025-07-14", days=1, cooling=False, bess_scale=1.0, flexible_share=0.1)
    assert float(ds.cost.values[3]) == pytest.approx(direct.figures["total_cost_USD"], rel=1e-9)
    assert float(ds.savings.values[3]) == pytest.approx(direct.figures["savings_USD"], rel=1e-9, abs=1e-6)
    # no battery and no flexible load: the plan is its baseline
    assert float(ds.savings.values[0]) == pytest.approx(0.0, abs=1e-6 * float(ds.cost.values[0]))
    table = sensitivity_table(ds)
    bess = table[table.parameter == "bess_scale"].set_index("value")
    assert bess.loc[1.0, "cost_USD"] == pytest.approx(ds.cost.values[2:].mean())
    assert bess["swing_USD"].iloc[0] == pytest.approx(abs(ds.cost.values[:2].mean() - ds.cost.values[2:].mean()))
    assert plot_sweep(ds, tmp_path)[0].stat().st_size > 0


def test_vary_values_are_checked():
    assert check_vary({"fuel_price": ["3.5", "4.2 USD/MMBtu"]})["fuel_price"] == pytest.approx([3.5, 4.2], rel=1e-3)
    assert cases({"price_year": ["2024", "2025"]})[1] == ("price_year=2025", {"price_year": 2025})
    for vary, word in (({"bess": ["1"]}, "bess_scale"), ({"flexible_share": ["1.5"]}, "flexible_share"),
                       ({"price_year": ["soon"]}, "price_year"), ({"fuel_price": ["3 USD/t"]}, "fuel_price"),
                       ({"bess_scale": ["1", "1.0"]}, "distinct"), ({}, "--vary")):
        with pytest.raises(InputError, match=word):
            check_vary(vary)


def test_cli_refuses_a_bad_vary_in_one_line():
    from test_optimize_commands import app, runner

    from twin.optimize.commands import sweep_command

    app.registered_groups[0].typer_instance.command("sweep")(sweep_command)
    result = runner.invoke(app, ["optimize", "sweep", "cortex", "--vary", "bess_scale=1,x"])
    assert_bad_input(result, "bess_scale")
    result = runner.invoke(app, ["optimize", "sweep", "cortex", "--vary", "colour=red"])
    assert_bad_input(result, "colour")
