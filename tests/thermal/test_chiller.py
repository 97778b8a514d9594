"""Chiller:Electric:EIR against the EnergyPlus data set and its worked examples; the
Carnot-fraction chiller against those curves, a manufacturer's figures and the Carnot limit;
the free-cooling coil against effectiveness-NTU."""

import dataclasses
import json

import numpy as np
import pytest

from twin.thermal.chiller import (
    DT_CONDENSER,
    FIXED_LOSS_SHARE,
    LIFT_DESIGN,
    AirCooledChiller,
    Biquadratic,
    CarnotChiller,
    ElectricEIRChiller,
    Quadratic,
    air_cooled_chiller_operation,
    carnot_chiller_operation,
    carnot_cop,
    chiller_operation,
    stage_chillers,
)
from twin.thermal.dry_cooler import DryCooler
from twin.thermal.heat_exchanger import effectiveness_counterflow


def _build(entry, Q_flow_nominal=None):
    def biquadratic(c):
        return Biquadratic(tuple(c["coefficients"]), c["x_min"], c["x_max"], c["y_min"], c["y_max"])

    plr = entry["EIRFPLR"]
    return ElectricEIRChiller(
        Q_flow_nominal=Q_flow_nominal or entry["ref_capacity_W"],
        COP_nominal=entry["ref_COP"],
        CAPFT=biquadratic(entry["CAPFT"]),
        EIRFT=biquadratic(entry["EIRFT"]),
        EIRFPLR=Quadratic(tuple(plr["coefficients"]), plr["x_min"], plr["x_max"]),
        PLR_min=entry["min_PLR"],
        PLR_max=entry["max_PLR"],
        min_unloading_ratio=entry["min_unloading_ratio"],
    )


@pytest.fixture(scope="module")
def data(reference_dir):
    return json.loads((reference_dir / "chillers_energyplus.json").read_text())


@pytest.fixture(scope="module")
def doe2(data):
    return _build(data["chillers"][0], 4.0e6)


def test_reference_points_are_calibration_points(data):
    """CAPFT, EIRFT ~ 1 at each chiller's reference temperatures (McQuay 3165 kW EIRFT is 1.058)."""
    for entry in data["chillers"]:
        chiller = _build(entry, 1.0e6)
        x, y = entry["ref_LCHWT_C"], entry["ref_ECWT_C"]
        assert chiller.CAPFT(x, y) == pytest.approx(1.0, abs=0.011), entry["name"]
        assert chiller.EIRFT(x, y) == pytest.approx(1.0, abs=0.06), entry["name"]
        assert chiller.EIRFPLR(1.0) == pytest.approx(1.0, abs=0.003), entry["name"]


def test_worked_examples(data):
    by_name = {entry["name"]: entry for entry in data["chillers"]}
    examples = data["worked_examples_computed_here"]
    assert len(examples) == 10
    for ex in examples:
        chiller = _build(by_name[ex["chiller"]], ex["Q_ref_W"])
        x, y = ex["T_chw_leaving_C"], ex["T_cond_entering_C"]
        assert chiller.CAPFT(x, y) == pytest.approx(ex["CAPFT"], abs=1e-6)
        assert chiller.EIRFT(x, y) == pytest.approx(ex["EIRFT"], abs=1e-6)
        op = chiller_operation(chiller, ex["load_W"], x, y)
        assert op.Q_flow_available == pytest.approx(ex["Q_avail_W"], rel=1e-6)
        assert op.PLR == pytest.approx(ex["PLR"], rel=1e-6)
        assert op.P == pytest.approx(ex["P_W"], rel=1e-6), ex["chiller"]  # brief: <= 0.01 %
        assert op.Q_flow_evaporator / op.P == pytest.approx(ex["COP"], rel=1e-4)
        assert op.Q_flow_condenser == pytest.approx(op.P + ex["load_W"], rel=1e-9)
        assert op.Q_flow_unmet == pytest.approx(0.0, abs=1e-6) and op.cycling_ratio == 1.0


def test_worked_example_in_words_vectorised(doe2):
    """physics.md 1.3: 532.0 kW at 10/29.4 degC, 498.8 kW at 10/24 degC, PLR 0.75."""
    y = np.array([29.4, 24.0])
    Q_available = 4.0e6 * doe2.CAPFT(10.0, y)
    op = chiller_operation(doe2, 0.75 * Q_available, 10.0, y)
    np.testing.assert_allclose(op.P, [532.0e3, 498.8e3], rtol=1e-4)


def test_curve_limits_clamp_inputs(doe2):
    """DOE-2 curves hold y in 24-35 degC: 20 degC condenser water performs as 24 degC."""
    low = chiller_operation(doe2, 2.0e6, 7.0, 20.0)
    at_limit = chiller_operation(doe2, 2.0e6, 7.0, 24.0)
    assert low.P == pytest.approx(at_limit.P, rel=1e-12)


def test_false_loading_and_cycling(doe2):
    """EnergyPlus: below min unloading (0.2) power at PLR 0.2; below min PLR (0.1) on/off cycling."""
    Q_available = 4.0e6 * doe2.CAPFT(6.67, 29.4)
    P_at_unloading = Q_available / 5.5 * doe2.EIRFT(6.67, 29.4) * doe2.EIRFPLR(0.2)
    false = chiller_operation(doe2, 0.15 * Q_available, 6.67, 29.4)
    assert false.P == pytest.approx(P_at_unloading, rel=1e-12)
    assert false.Q_flow_false_load == pytest.approx(0.05 * Q_available, rel=1e-9)
    assert false.Q_flow_condenser == pytest.approx(false.P + 0.2 * Q_available, rel=1e-12)
    cycling = chiller_operation(doe2, 0.05 * Q_available, 6.67, 29.4)
    assert cycling.cycling_ratio == pytest.approx(0.5)
    assert cycling.P == pytest.approx(0.5 * P_at_unloading, rel=1e-12)
    assert cycling.Q_flow_false_load == pytest.approx(0.2 * 0.5 * Q_available - 0.05 * Q_available)
    off = chiller_operation(doe2, 0.0, 6.67, 29.4)
    assert off.P == 0.0 and off.Q_flow_condenser == 0.0


def test_capacity_limit(doe2):
    Q_available = 4.0e6 * doe2.CAPFT(6.67, 29.4)
    op = chiller_operation(doe2, 1.2 * Q_available, 6.67, 29.4)
    assert op.PLR == 1.0
    assert op.Q_flow_unmet == pytest.approx(0.2 * Q_available)


def _carnot(entry, condenser="water", T_condenser_max=40.0):
    plr = entry["EIRFPLR"]
    return CarnotChiller(
        Q_flow_nominal=entry["ref_capacity_W"] or 1.0e6,
        COP_nominal=entry["ref_COP"], T_leaving_nominal=entry["ref_LCHWT_C"], T_condenser_nominal=entry["ref_ECWT_C"],
        EIRFPLR=Quadratic(tuple(plr["coefficients"]), plr["x_min"], plr["x_max"]), PLR_min=entry["min_PLR"],
        PLR_max=entry["max_PLR"], min_unloading_ratio=entry["min_unloading_ratio"], T_condenser_max=T_condenser_max,
        dT_condenser=DT_CONDENSER[condenser])


#: Largest deviation of the Carnot-fraction model from each published curve set over the
#: curves' own range (full load); with a constant Carnot fraction (no fixed-loss term) they were
#: 0.11, 0.14, 0.18, 0.13, 0.12, 0.04.  The McQuay sets are left out: the 3165 kW set's EIRFT is
#: 1.058 at its own reference point and the 4020 kW set's COP falls as the condenser water cools
#: below 18 degC, neither of which a lift-based model can follow.
CURVE_AGREEMENT = {
    "DOE-2 Centrifugal/5.50COP": 0.06,
    "ElectricEIRChiller York YT 3133kW/9.16COP/Vanes": 0.14,
    "ElectricEIRChiller Carrier 19XR 742kW/5.42COP/VSD": 0.10,
    "ElectricEIRChiller Trane RTHB 538kW/5.12COP/Valve": 0.04,
    "ElectricEIRChiller Trane RTHB 531kW/4.83COP/Valve": 0.045,
    "ElectricEIRChiller Trane RTWA 383kW/4.17COP/Valve": 0.035,
}


def test_carnot_chiller_follows_the_published_curves_inside_their_range(data):
    for entry in data["chillers"]:
        if entry["name"] not in CURVE_AGREEMENT:
            continue
        eir, carnot = _build(entry, 1.0e6), _carnot(entry)
        c = entry["EIRFT"]
        x, y = np.meshgrid(np.linspace(c["x_min"], c["x_max"], 5), np.linspace(c["y_min"], c["y_max"], 7))
        COP_eir = entry["ref_COP"] / eir.EIRFT(x, y)
        deviation = np.abs(carnot.COP_full_load(x, y) / COP_eir - 1.0)
        assert deviation.max() < CURVE_AGREEMENT[entry["name"]], entry["name"]
        assert carnot.COP_full_load(entry["ref_LCHWT_C"], entry["ref_ECWT_C"]) == pytest.approx(entry["ref_COP"])


def test_carnot_chiller_at_low_lift_against_the_published_curves_held_out(data):
    """The published curve sets inside their limits below 23 K of refrigerant lift (17.2-22.2 K:
    low-lift centrifugals and screws at cold condenser water), points no fit has seen: with the
    fixed-loss term the model is within -3.2/+9.8 % of the curves (McQuay 4020 kW, York YT,
    Carrier 19XR, Trane RTHB; 25 points), where a constant Carnot fraction was up to +17.4 %
    optimistic.  (McQuay 3165 kW, whose EIRFT is 1.058 at its own reference: +16.5 to +27.6 %,
    was +25.7 to +38.0 %.)"""
    deviations, constant = [], []
    for entry in data["chillers"]:
        if entry["name"] == "ElectricEIRChiller McQuay PFH 3165kW/6.48COP/Vanes":
            continue
        eir, carnot = _build(entry, 1.0e6), _carnot(entry)
        c = entry["EIRFT"]
        x, y = np.meshgrid(np.linspace(c["x_min"], c["x_max"], 5), np.linspace(c["y_min"], c["y_max"], 7))
        low = carnot.lift(x, y) < 23.0
        COP_eir = entry["ref_COP"] / eir.EIRFT(x[low], y[low])
        deviations.append(carnot.COP_full_load(x[low], y[low]) / COP_eir - 1.0)
        constant.append(dataclasses.replace(carnot, fixed_loss_share=0.0).COP_full_load(x[low], y[low]) / COP_eir - 1.0)
        assert np.all(COP_eir < carnot_cop(x[low], y[low]))
    deviations, constant = np.concatenate(deviations), np.concatenate(constant)
    assert deviations.size == 25
    assert deviations.min() == pytest.approx(-0.032, abs=0.001) and deviations.max() == pytest.approx(0.098, abs=0.001)
    assert constant.max() == pytest.approx(0.174, abs=0.001)


def test_carnot_chiller_follows_a_manufacturers_air_cooled_figures(data):
    """Advantage Engineering (Oswalt): 50 F leaving water, EER 11.3 at 95 F air, 17.1 at 70 F air
    (44 and 31 K of lift: above the air-cooled design lift, no fixed-loss fall; within 4.3 %)."""
    unit = _carnot(data["chillers"][0], condenser="air", T_condenser_max=52.0)
    unit = dataclasses.replace(unit, lift_design=LIFT_DESIGN["air"])
    f = lambda T: (T - 32.0) / 1.8  # noqa: E731
    ratio = unit.COP_full_load(f(50), f(70)) / unit.COP_full_load(f(50), f(95))
    assert ratio == pytest.approx(17.1 / 11.3, rel=0.05)


@pytest.fixture(scope="module")
def carrier_30xw(reference_dir):
    table = np.loadtxt(reference_dir / "chiller_carrier_30xw_p_1012.csv", delimiter=",", skiprows=1)
    T_leaving, T_condenser, Q_flow, P = table.T
    return T_leaving, T_condenser, Q_flow / P


def _calibrated_on(T_leaving, T_condenser, COP, at=(7.0, 30.0)):
    rating = (T_leaving == at[0]) & (T_condenser == at[1])
    return CarnotChiller(Q_flow_nominal=1.0e6, COP_nominal=float(COP[rating][0]), T_leaving_nominal=at[0],
                         T_condenser_nominal=at[1], EIRFPLR=Quadratic((0.0, 0.0, 1.0), 0.0, 1.0), PLR_min=0.1,
                         PLR_max=1.0, min_unloading_ratio=0.1, T_condenser_max=60.0)


def test_carnot_chiller_against_a_manufacturers_table_to_18_degC_leaving_water(carrier_30xw):
    """Carrier 30XW-P 1012 (water-cooled screw, ~1 MW; EN 14511 table of the manufacturer's
    product data: 5-18 degC leaving chilled water, 25-45 degC entering condenser water).
    Calibrated at the EN 14511 rating (7 degC leaving, 30 degC entering condenser water), the
    Carnot-fraction model is within 7.5 % of the table up to 10 degC leaving water and 35 degC
    condenser water; beyond, it is optimistic: the table's COP rises less with warmer leaving
    water than a constant Carnot fraction says (+8 to +30 % at 15-18 degC leaving water, most at
    the smallest lift), and falls less as the condenser water warms (+25 % at 45 degC).  The
    checked span is the chiller's validity range in :mod:`twin.validity`.

    With the fixed-loss term below the rating lift (39.7 K; fixed-loss share fitted to this table
    and the WAMAK one) the warm-water points come to +6.7 to +17.6 % (constant Carnot fraction:
    +8.1 to +29.9 %), the coldest-condenser points to -4.5 % (was -3.3 %); above the rating lift
    nothing changes (+25.3 % at 5/45 degC)."""
    T_leaving, T_condenser, COP = carrier_30xw
    unit = _calibrated_on(T_leaving, T_condenser, COP)
    deviation = unit.COP_full_load(T_leaving, T_condenser) / COP - 1.0
    classic = (T_leaving <= 10.0) & (T_condenser <= 35.0)
    warm = T_leaving >= 15.0
    assert np.abs(deviation[classic]).max() < 0.075
    assert deviation[warm].min() == pytest.approx(0.067, abs=0.001) and deviation[warm].max() == pytest.approx(
        0.176, abs=0.001)
    assert deviation.min() == pytest.approx(-0.045, abs=0.001) and deviation.max() == pytest.approx(0.253, abs=0.001)
    constant = dataclasses.replace(unit, fixed_loss_share=0.0).COP_full_load(T_leaving, T_condenser) / COP - 1.0
    assert constant[warm].max() == pytest.approx(0.299, abs=0.001)
    i = np.flatnonzero((T_leaving == 18.0) & (T_condenser == 25.0))[0]  # the smallest lift of the table
    assert COP[i] == pytest.approx(7.62, abs=0.01) and unit.COP_full_load(18.0, 25.0) == pytest.approx(8.96, abs=0.01)
    # the manufacturer's machine and the model both stay below Carnot between the water temperatures
    assert np.all(COP < carnot_cop(T_leaving, T_condenser))
    assert np.all(unit.COP_full_load(T_leaving, T_condenser) < carnot_cop(T_leaving, T_condenser))
    # the validity range is the span of this table (and of the EIR curve sets, inside it)
    from twin.validity import RANGES
    lift = unit.lift(T_leaving, T_condenser)
    assert RANGES["carnot_T_leaving"].low == T_leaving.min()  # (the warm end: the heat pump's table, below)
    assert RANGES["carnot_lift"].low < lift.min()  # (the low end: the air-cooled table, below)
    assert RANGES["carnot_lift"].high == pytest.approx(lift.max(), abs=0.05)


@pytest.fixture(scope="module")
def wamak_twd220(reference_dir):
    """The WAMAK table in the model's terms: (evaporator water leaving, condenser water entering,
    condenser water leaving) in degC, cooling COP (-).  The table gives heating capacity and power
    at the evaporator's entering and the condenser's leaving water; cooling capacity is heating
    minus power, and the other water temperatures follow at the record's nominal flows
    (27.35 m3/h evaporator, 29.07 m3/h condenser; water at 997 kg/m3, 4184 J/(kg K))."""
    table = np.loadtxt(reference_dir / "heat_pump_wamak_twd220.csv", delimiter=",", skiprows=1)
    T_evaporator_entering, T_condenser_leaving, Q_flow_condenser, P = table.T
    Q_flow_evaporator = Q_flow_condenser - P
    m_flow_evaporator, m_flow_condenser = 27.35 / 3600.0 * 997.0, 29.07 / 3600.0 * 997.0
    T_leaving = T_evaporator_entering - Q_flow_evaporator / (m_flow_evaporator * 4184.0)
    T_condenser = T_condenser_leaving - Q_flow_condenser / (m_flow_condenser * 4184.0)
    return T_leaving, T_condenser, T_condenser_leaving, Q_flow_evaporator / P


def test_carnot_chiller_against_a_warm_source_heat_pump_table_to_37_degC_leaving_water(wamak_twd220):
    """WAMAK TWW220 (water-to-water, 220 kW, R513A; manufacturer's product sheet, EN 14511
    package of Modelica Buildings): a machine built for warm source water, -5 to 45 degC entering
    the evaporator.  Its rows at 55-60 degC condenser water (condensing near the air-cooled
    chillers' 49-59 degC at 35-45 degC air) inside the checked lift span give 12-37 degC leaving
    water.  Calibrated at 30 degC entering / 55 degC condenser water (24.8 degC leaving, 41 K
    lift), the constant Carnot fraction holds within 3.5 % from 25 to 37 degC leaving water
    (lift 26-41 K) with a constant Carnot fraction, within -5.5/+1.9 % with the fixed-loss term
    below the rating lift (the table's fraction peaks at 36 K, below that rating); towards the
    largest lifts of the span it is
    optimistic (+22 % at 56 K), as the compressor's efficiency falls away from its design
    pressure ratio.  With the Carrier table (a 7 degC machine, +30 % at its smallest lift) this
    brackets the model: its form holds at warm water for a machine built for it; what a
    particular chiller reaches there depends on its design lift."""
    T_leaving, T_condenser, T_condenser_leaving, COP = wamak_twd220
    unit = CarnotChiller(Q_flow_nominal=220e3, COP_nominal=1.0, T_leaving_nominal=0.0, T_condenser_nominal=0.0,
                         EIRFPLR=Quadratic((0.0, 0.0, 1.0), 0.0, 1.0), PLR_min=0.1, PLR_max=1.0,
                         min_unloading_ratio=0.1, T_condenser_max=80.0)
    lift = unit.lift(T_leaving, T_condenser)
    span = (T_condenser_leaving <= 60.0) & (lift <= 56.7)
    assert span.sum() == 57
    i = np.flatnonzero((T_condenser_leaving == 55.0) & (np.abs(T_leaving - 24.78) < 0.01))[0]
    assert COP[i] == pytest.approx(5.281, abs=5e-4) and lift[i] == pytest.approx(41.05, abs=0.01)
    unit = dataclasses.replace(unit, COP_nominal=float(COP[i]), T_leaving_nominal=float(T_leaving[i]),
                               T_condenser_nominal=float(T_condenser[i]))
    assert unit.eta_carnot == pytest.approx(0.741, abs=5e-4)
    deviation = unit.COP_full_load(T_leaving, T_condenser) / COP - 1.0
    warm = span & (lift <= 41.1)
    assert (T_leaving[warm].min(), T_leaving[warm].max()) == (pytest.approx(24.78, abs=0.01),
                                                              pytest.approx(36.99, abs=0.01))
    assert deviation[warm].min() == pytest.approx(-0.055, abs=0.001) and deviation[warm].max() < 0.02
    constant = dataclasses.replace(unit, fixed_loss_share=0.0).COP_full_load(T_leaving, T_condenser) / COP - 1.0
    assert constant[warm].min() > -0.02 and constant[warm].max() < 0.035
    assert deviation[span].min() > -0.06 and deviation[span].max() == pytest.approx(0.223, abs=0.002)
    # hotter condensing (70-80 degC water, beyond every chiller here): a smaller Carnot fraction
    assert np.all(deviation[(T_condenser_leaving >= 70.0) & (lift <= 56.7)] > 0.05)
    # the machine and the model stay below Carnot between the water temperatures
    assert np.all(COP < carnot_cop(T_leaving, T_condenser))
    assert np.all(unit.COP_full_load(T_leaving, T_condenser)[span] < carnot_cop(T_leaving, T_condenser)[span])
    # the validity range's warm end is this table's span
    from twin.validity import RANGES

    assert RANGES["carnot_T_leaving"].high == pytest.approx(T_leaving[span].max(), abs=0.05)
    assert RANGES["carnot_lift"].low < lift[span].min() and RANGES["carnot_lift"].high > lift[span].max()


def test_fixed_loss_share_is_fitted_to_the_two_manufacturers_tables(carrier_30xw, wamak_twd220):
    """The fixed-loss share is the least-squares fit (log COP) of the model, each table calibrated
    at its rating, to the 37 points below the rating lift of the Carrier 30XW-P and WAMAK TWW220
    tables.  Fitted alone they give 0.42 (Carrier) and 0.02 (WAMAK, whose Carnot fraction peaks
    below its rating lift): the spread a reader should keep in mind."""
    from scipy.optimize import least_squares

    carrier = (_calibrated_on(*carrier_30xw), *carrier_30xw)
    T_leaving, T_condenser, T_condenser_leaving, COP = wamak_twd220
    i = np.flatnonzero((T_condenser_leaving == 55.0) & (np.abs(T_leaving - 24.78) < 0.01))[0]
    wamak = dataclasses.replace(carrier[0], COP_nominal=float(COP[i]), T_leaving_nominal=float(T_leaving[i]),
                                T_condenser_nominal=float(T_condenser[i]))
    span = (T_condenser_leaving <= 60.0) & (wamak.lift(T_leaving, T_condenser) <= 56.7)
    wamak = (wamak, T_leaving[span], T_condenser[span], COP[span])

    def residuals(p, tables):
        out = []
        for unit, T_l, T_c, table_COP in tables:
            unit = dataclasses.replace(unit, fixed_loss_share=p[0])
            below = unit.lift(T_l, T_c) < unit.lift_nominal
            out.append(np.log(unit.COP_full_load(T_l[below], T_c[below]) / table_COP[below]))
        return np.concatenate(out)

    fit = least_squares(residuals, [0.3], bounds=(0.0, 1.0), args=([carrier, wamak],))
    assert residuals(fit.x, [carrier, wamak]).size == 37
    assert fit.x[0] == pytest.approx(FIXED_LOSS_SHARE, abs=5e-4)
    alone = [least_squares(residuals, [0.3], bounds=(0.0, 1.0), args=([t],)).x[0] for t in (carrier, wamak)]
    assert alone == [pytest.approx(0.42, abs=0.005), pytest.approx(0.017, abs=0.005)]


@pytest.fixture(scope="module")
def vitocal_251(reference_dir):
    table = np.loadtxt(reference_dir / "chiller_viessmann_vitocal251_a08.csv", delimiter=",", skiprows=1)
    T_leaving, T_air, Q_flow, P = table.T
    return T_leaving, T_air, Q_flow / P


def _air_cooled_on(T_leaving, T_air, COP, at, lift_design=None):
    i = np.flatnonzero((T_leaving == at[0]) & (T_air == at[1]))[0]
    return CarnotChiller(Q_flow_nominal=8e3, COP_nominal=float(COP[i]), T_leaving_nominal=at[0], T_condenser_nominal=at[1],
                         EIRFPLR=Quadratic((0.0, 0.0, 1.0), 0.0, 1.0), PLR_min=0.1, PLR_max=1.0, min_unloading_ratio=0.1,
                         T_condenser_max=60.0, dT_condenser=DT_CONDENSER["air"], lift_design=lift_design)


def test_carnot_chiller_at_low_lift_against_an_air_cooled_table_held_out(vitocal_251):
    """Viessmann Vitocal 251-A08 in cooling (air-to-water, inverter; EN 14511 table of the
    planning book, 7 and 18 degC leaving water, 20-45 degC air), not used in any fit.  At 18 degC
    its Carnot fraction peaks at A30 (31.4 K: the air-cooled design lift) and falls towards
    21.4 K, the smallest lift of any manufacturer's table here.

    - The fall: calibrated at that peak, the fixed-loss term (share fitted on the two water-cooled
      tables) follows the 21.4-28.4 K points within 1.1 % (a constant fraction: +0.5 to +6.3 %).
    - As the catalogue's air-cooled unit is modelled (calibrated at the A35/W7 rating, fraction
      constant down to the design lift, falling below it) the model is pessimistic at the
      18 degC low-lift points: -12.5 to -13.1 % (a constant fraction: -6.6 to -11.7 %), because
      this machine's fraction rises by 14 % from its rating to its peak and the model credits
      none of that rise.  Above the rating lift it is optimistic, as at every table (+29 % at
      A45/W7).
    """
    T_leaving, T_air, COP = vitocal_251
    peak = _air_cooled_on(T_leaving, T_air, COP, (18.0, 30.0))
    lift = peak.lift(T_leaving, T_air)
    fraction = COP / carnot_cop(T_leaving - peak.dT_evaporator, T_air + peak.dT_condenser)
    at_18 = T_leaving == 18.0
    assert lift[at_18][np.argmax(fraction[at_18])] == pytest.approx(LIFT_DESIGN["air"], abs=0.005)
    assert lift.min() == pytest.approx(21.44, abs=0.005)
    low = at_18 & (lift < peak.lift_nominal)
    assert low.sum() == 3
    deviation = peak.COP_full_load(T_leaving, T_air) / COP - 1.0
    assert np.abs(deviation[low]).max() == pytest.approx(0.011, abs=0.001)
    constant = dataclasses.replace(peak, fixed_loss_share=0.0).COP_full_load(T_leaving, T_air) / COP - 1.0
    assert (constant[low].min(), constant[low].max()) == (pytest.approx(0.005, abs=0.001), pytest.approx(0.063, abs=0.001))

    rated = _air_cooled_on(T_leaving, T_air, COP, (7.0, 35.0), lift_design=LIFT_DESIGN["air"])
    deviation = rated.COP_full_load(T_leaving, T_air) / COP - 1.0
    assert (deviation[low].min(), deviation[low].max()) == (pytest.approx(-0.131, abs=0.001),
                                                            pytest.approx(-0.125, abs=0.001))
    constant = dataclasses.replace(rated, fixed_loss_share=0.0).COP_full_load(T_leaving, T_air) / COP - 1.0
    assert (constant[low].min(), constant[low].max()) == (pytest.approx(-0.117, abs=0.001),
                                                          pytest.approx(-0.066, abs=0.001))
    assert deviation.max() == pytest.approx(0.285, abs=0.001)
    # the machine and the model stay below Carnot between the water and air temperatures
    assert np.all(COP < carnot_cop(T_leaving, T_air))
    assert np.all(rated.COP_full_load(T_leaving, T_air) < carnot_cop(T_leaving, T_air))
    # the validity range's low-lift end is this table's smallest lift
    from twin.validity import RANGES

    assert RANGES["carnot_lift"].low == pytest.approx(lift.min(), abs=0.005)


def test_warm_water_cop_of_the_catalogues_air_cooled_unit_in_values():
    """The air-cooled free-cooling unit of the catalogue (COP 3.2 at 6.67 degC water / 35 degC
    air, condenser fans included) at the sites' operating points: COP (-) and the Carnot COP
    between the leaving water and the outdoor air; the model is always the smaller.  At 35 degC
    water and 38 degC air (22.4 K lift, below the 31.44 K design lift) the fixed losses take
    5.9 % off the constant-fraction COP (7.515 -> 7.075); at 45 degC air (29.4 K) 1.0 %."""
    from twin.catalog import load_catalog
    from twin.thermal.plant import carnot_chiller

    unit = carnot_chiller(load_catalog().get("chiller", "air_cooled_1700kw_free_cooling"))
    points = np.array([[6.67, 35.0], [20.0, 35.0], [35.0, 38.0], [35.0, 45.0], [35.0, 52.0]])
    COP = unit.COP_full_load(points[:, 0], points[:, 1])
    np.testing.assert_allclose(COP, [3.200, 4.654, 7.075, 5.669, 4.628], atol=5e-4)
    np.testing.assert_allclose(carnot_cop(points[:, 0], points[:, 1]), [9.88, 19.54, 102.72, 30.82, 18.13], atol=0.01)
    assert np.all(COP < carnot_cop(points[:, 0], points[:, 1]))
    assert unit.eta_carnot == pytest.approx(0.557, abs=5e-4)
    # the catalogue's defaults are the fitted share and the air-cooled design lift
    assert unit.fixed_loss_share == FIXED_LOSS_SHARE and unit.lift_design == LIFT_DESIGN["air"]


def test_carnot_chiller_stays_below_carnot_at_the_same_lift(data):
    """At any water temperatures and load, with the fixed losses counted from the rating lift
    (water-cooled) or the air-cooled design lift, and a share up to 0.9."""
    rng = np.random.default_rng(3)
    for entry in data["chillers"]:
        for condenser in ("water", "air"):
            unit = dataclasses.replace(_carnot(entry, condenser, T_condenser_max=60.0),
                                       lift_design=LIFT_DESIGN[condenser], fixed_loss_share=rng.uniform(0.0, 0.9))
            T_leaving = rng.uniform(4.0, 42.0, 500)
            T_condenser = T_leaving + rng.uniform(0.5, 30.0, 500)
            load = rng.uniform(0.05, 1.0, 500) * unit.Q_flow_nominal
            op = carnot_chiller_operation(unit, load, T_leaving, T_condenser)
            running = op.P > 0
            COP = op.Q_flow_evaporator[running] / op.P[running]
            assert np.all(COP < carnot_cop(T_leaving, T_condenser)[running]), (entry["name"], condenser)
            np.testing.assert_allclose(op.Q_flow_condenser, op.P + op.Q_flow_evaporator + op.Q_flow_false_load)


def test_carnot_chiller_at_warm_water_and_beyond_its_condenser_limit(data):
    """Warmer leaving water raises COP (less lift) up to ~40 degC; above T_condenser_max it stops."""
    unit = _carnot(data["chillers"][0], condenser="air", T_condenser_max=52.0)
    COP = unit.COP_full_load(np.array([6.67, 20.0, 30.0, 35.0, 40.0]), 29.4)
    assert np.all(np.diff(COP) > 0) and COP[0] == pytest.approx(5.5)
    op = carnot_chiller_operation(unit, unit.Q_flow_nominal * 0.5, 35.0, np.array([38.0, 51.9, 52.1, 65.0]))
    assert np.all(op.Q_flow_evaporator[:2] > 0) and np.all(op.Q_flow_available[2:] == 0)
    np.testing.assert_allclose(op.Q_flow_unmet[2:], unit.Q_flow_nominal * 0.5)
    assert np.all(op.P[2:] == 0)
    # above the rating lift the motor limits the capacity; below it the rating caps it
    assert unit.capacity(6.67, 45.0) < unit.Q_flow_nominal and unit.capacity(30.0, 35.0) == unit.Q_flow_nominal


def coil(UA=212.5e3, m_air=169.0):
    return DryCooler(UA_nominal=UA, m_flow_air_nominal=m_air, m_flow_water_nominal=m_air * 1006.0 / 4180.0,
                     P_fan_nominal=45e3, FR_air_min=0.1)


def test_free_cooling_coil_is_an_effectiveness_ntu_exchanger(doe2):
    """At its nominal flows and full fan the coil passes eps * C_min * (T_water - T_air), with
    eps from the counterflow relation (Incropera Table 11.3); its fans slow so the water does
    not leave colder than the set-point; no coil work when the air is warmer than the water."""
    unit = AirCooledChiller(doe2, coil())
    m_flow, cp = 169.0 * 1006.0 / 4180.0, 4180.0
    C = m_flow * cp
    NTU = 212.5e3 / C
    T_return, T_air = 53.0, 35.0
    op = air_cooled_chiller_operation(unit, m_flow, cp, T_return, 10.0, T_air)
    Q_expected = effectiveness_counterflow(NTU, 1.0) * C * (T_return - T_air)
    assert op.Q_flow_free_cooling == pytest.approx(Q_expected, rel=1e-6)
    assert op.T_precooled == pytest.approx(T_air + 8.0, abs=1e-3)  # the rating: 8 K approach at full duty
    assert op.P_free_cooling_fan == pytest.approx(45e3)
    cold = air_cooled_chiller_operation(unit, m_flow, cp, 45.0, 35.0, np.array([5.0, 20.0, 50.0]))
    np.testing.assert_allclose(cold.T_precooled[:2], 35.0, atol=1e-6)  # holds the set-point, fans slowed
    assert np.all(cold.P_free_cooling_fan[:2] < 45e3) and cold.P_free_cooling_fan[0] < cold.P_free_cooling_fan[1]
    assert cold.T_precooled[2] == 45.0 and cold.P_free_cooling_fan[2] == 0.0 and cold.Q_flow_free_cooling[2] == 0.0
    np.testing.assert_allclose(cold.Q_flow_rejected, C * 10.0 + cold.P, rtol=1e-9)  # heat out = load + power


def test_a_smaller_coil_leaves_more_to_the_compressor(doe2):
    m_flow, cp = 40.0, 4180.0
    big, small = (air_cooled_chiller_operation(AirCooledChiller(doe2, coil(UA)), m_flow, cp, 45.0, 35.0, 25.0)
                  for UA in (212.5e3, 60e3))
    assert small.T_precooled > big.T_precooled and small.P > big.P


def test_staging_with_redundancy():
    load = np.array([0.0, 3.0e6, 9.0e6, 12.0e6, 20.0e6])
    s = stage_chillers(load, 4.0e6, n_installed=4, PLR_max=0.9)
    np.testing.assert_array_equal(s.n_required, [0, 1, 3, 4, 6])
    np.testing.assert_array_equal(s.n_on, [0, 1, 3, 4, 4])
    np.testing.assert_array_equal(s.redundancy_met, [True, True, True, False, False])
    s = stage_chillers(load, 4.0e6, n_installed=4, PLR_max=0.9, run_redundant=True)
    np.testing.assert_array_equal(s.n_on, [0, 2, 4, 4, 4])
    assert stage_chillers(7.2e6, 4.0e6, 4, PLR_max=0.9).n_required == 2  # exactly 2 x 90 %
