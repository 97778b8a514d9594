"""``twin optimize dispatch`` and ``twin optimize setpoints`` through a small typer app registered as twin.cli does:
exit 0 with the savings printed, exit 2 with one ``error:`` line per problem and no traceback for bad input."""

from __future__ import annotations

import re

import pytest
import typer
import xarray as xr
from conftest import assert_bad_input
from typer.testing import CliRunner

from twin.cli import _Commands
from twin.optimize import plan_site
from twin.optimize.commands import dispatch_command, setpoints_command
from twin.site import sites_dir

app = typer.Typer(cls=_Commands, add_completion=False, pretty_exceptions_enable=False)
optimize_app = typer.Typer()
optimize_app.command("dispatch")(dispatch_command)
optimize_app.command("setpoints")(setpoints_command)
app.add_typer(optimize_app, name="optimize")
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, ["optimize", *[str(a) for a in args]], env={"COLUMNS": "220"})


def test_dispatch_prints_the_savings_and_writes_the_plan(tmp_path):
    result = invoke("dispatch", "cortex", "--days", 2, "--start", "2025-08-04 00:00", "--out", tmp_path / "plan.nc",
                    "--plots", tmp_path / "figures")
    assert result.exit_code == 0, result.output
    assert "prices: SYNTHETIC ERCOT-like year 2025" in result.output
    # the savings table holds the same numbers as the plan made through the API
    same = plan_site("cortex", start="2025-08-04 00:00", days=2)
    total = same.savings.loc["total"]
    row = next(line for line in result.output.splitlines() if re.search(r"\btotal\b", line))
    for value in (total.baseline_USD, total.plan_USD, total.savings_USD):
        assert f"{value:,.0f}" in row, (value, row)
    for words in ("battery cycles", "flexible energy shifted", "peak grid import", "times (s)"):
        assert words in result.output
    ds = xr.open_dataset(tmp_path / "plan.nc")
    assert float(ds["objective"]) == pytest.approx(float(ds["cost"].sum()))
    assert float(ds["objective_baseline"]) == pytest.approx(float(ds["cost_baseline"].sum()))
    assert float(ds["objective_baseline"]) == pytest.approx(total.baseline_USD)
    assert all({"units", "long_name"} <= set(ds[v].attrs) for v in ds.data_vars)
    ds.close()
    for name in ("dispatch.png", "battery.png", "costs.png"):
        assert (tmp_path / "figures" / name).stat().st_size > 10_000


def test_dispatch_explains_a_site_that_cannot_meet_its_load(tmp_path):
    text = (sites_dir() / "cortex.toml").read_text()
    text = re.sub(r"(?m)^pue_design = .*$", "pue_design = 1.0", text)
    text = re.sub(r'(?m)^P_import_max = .*$', 'P_import_max = "147 MW"', text)
    path = tmp_path / "cortex_short.toml"
    path.write_text(text)
    # the site file passes its checks; at full IT load the grid and the battery cannot carry two days
    assert_bad_input(invoke("dispatch", path, "--days", 2, "--it-load", 1.0), "dispatch plan", "short by")


def test_dispatch_bad_options():
    assert_bad_input(invoke("dispatch", "cortex", "--step", "7min"), "--step", "divides a day")
    assert_bad_input(invoke("dispatch", "cortex", "--step", "2 kg"), "--step", "a time")
    assert_bad_input(invoke("dispatch", "cortex", "--mpc-window", "30min"), "--mpc-window")
    assert_bad_input(invoke("dispatch", "nosuchsite"), "nosuchsite")


def test_setpoints_prints_the_plan_and_its_savings():
    result = invoke("setpoints", "cortex", "--hours", 3)
    assert result.exit_code == 0, result.output
    assert "set-points by loop" in result.output and "savings" in result.output
    assert_bad_input(invoke("setpoints", "cortex", "--price", "50 kg"), "--price")


CLAUSE = '''
import pyomo.environ as pyo


def must_run(model):
    """Must-run clause: at least one unit of the first fleet on in every step."""
    fleet = model.turbine_type.first()
    model.must_run = pyo.Constraint(model.time, rule=lambda m, t: m.turbine_on[fleet, t] >= 1)
'''


def test_dispatch_extend_and_prices_from_the_command_line(tmp_path):
    (tmp_path / "clauses.py").write_text(CLAUSE)
    result = invoke("dispatch", "colossus1", "--days", 1, "--extend", f"{tmp_path / 'clauses.py'}:must_run",
                    "--fuel-price", "4.2 USD/MMBtu", "--emissions-price", "50 USD/t")
    assert result.exit_code == 0, result.output
    assert "solved: Pyomo model solved with highs, extended by must_run" in result.output
    assert "CO2 price: 50 USD/t" in result.output
    plain = invoke("dispatch", "colossus1", "--days", 1)
    assert "solved: fast: the matrix handed to HiGHS" in plain.output


def test_dispatch_bad_extension_solver_and_prices(tmp_path):
    (tmp_path / "clauses.py").write_text(CLAUSE)
    assert_bad_input(invoke("dispatch", "cortex", "--extend", "clauses.py"), "--extend", "path.py:function")
    assert_bad_input(invoke("dispatch", "cortex", "--extend", f"{tmp_path / 'nofile.py'}:f"), "--extend")
    assert_bad_input(invoke("dispatch", "cortex", "--extend", f"{tmp_path / 'clauses.py'}:absent"), "absent",
                     "no such function")
    assert_bad_input(invoke("dispatch", "cortex", "--solver", "no_such_solver"), "--solver", "no_such_solver")
    assert_bad_input(invoke("dispatch", "cortex", "--fuel-price", "4.2"), "--fuel-price")
    assert_bad_input(invoke("dispatch", "cortex", "--fuel-price", "1e6 USD/MMBtu"), "--fuel-price")
    assert_bad_input(invoke("dispatch", "cortex", "--emissions-price", "50 USD/MWh"), "--emissions-price")


def test_dispatch_rolling_horizon_with_a_forecast_reports_the_value_of_perfect_information():
    result = invoke("dispatch", "cortex", "--days", 2, "--start", "2025-08-04 00:00", "--mpc-window", "24h",
                    "--forecast", "seasonal_naive", "--cp-forecast", "predicted")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "value of perfect information" in x)
    assert "seasonal naive (24 h season)" in line
    assert int(line.rsplit(":", 1)[1].replace("USD", "").replace(",", "").strip()) > 0
    assert_bad_input(invoke("dispatch", "cortex", "--days", 1, "--mpc-window", "24h", "--forecast", "tea_leaves"),
                     "--forecast")
