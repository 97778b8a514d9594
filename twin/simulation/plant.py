"""The dynamic plant as ODEs between communication points, and its cold-water storage.

States (all with physical inventories, none depending on the step):

- per CDU bank: the TCS water of the bank's CDUs and their headers, well mixed
  (``V_tcs`` per CDU from the catalogue), ``C_h dT_h/dt = Q_racks + P_pumps - Q_cdu``;
  the CDU outlet (rack inlet) is ``T_h - Q_cdu / C_tcs`` (ε-NTU, :mod:`twin.thermal.cdu`);
- per bank: the valve's PI controller on the measured TCS supply (sensor lag
  ``tau_sensor``), ``u = clip(u_I + K_p e, U_MIN, 1)``, ``du_I/dt = K_p/T_i e +
  (u - u_raw)/T_t`` (back-calculation anti-windup; Åström & Hägglund, *Advanced
  PID Control*, ISA 2006, sec. 3.5);
- per facility loop: the supply and return mains as ``n`` well-mixed cells
  each (a tanks-in-series discretisation of plug flow: the front spreads with
  variance ``delay^2 / n``, so the error against the exact delay falls as the
  cell count rises, tests/test_simulate.py);
- integrals of the heat removed by the plant and passed by each CDU, for the
  energy bookkeeping (linear invariants, which BDF, Radau and Runge-Kutta
  methods keep to round-off).

The plant's equipment (:func:`twin.thermal.plant.operate`, algebraic) is
evaluated at each communication point: a plant that holds its set-point
supplies ``min(T_in, T_set)`` over the step; one that cannot supplies
``T_in - Q_max / C`` with its capacity linearised in its inlet temperature and
the loop's capacity flow, ``Q_max = Q_0 + dQ/dT_in (T_in - T_in0) + dQ/dC (C - C_0)``
(slopes from evaluations 1 K warmer and at 1 % more flow), so the capacity
follows the water and the valves within the step (held, the plant removed a
fixed heat while the flow rose, and the pumps' energy was 0.15 % high at 10 s).
The equipment's electricity is held over the step from the communication point.  Inputs from the racks
(their mean heat to the TCS over the step) and the electrical side are held
over the step (co-simulation, exchange at communication points).

The right-hand side is evaluated by a compiled kernel (:mod:`twin.simulation._plant_kernel`,
numba) where numba imports; ``rhs_reference`` and ``algebraic_reference`` compute the same
from the validated components in numpy and are what the kernel is tested against
(tests/test_plant_kernel.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from twin.compiled import kernel as compiled_kernel
from twin.errors import InputError
from twin.simulation.assembly import FacilityLoops
from twin.simulation.graph import header_pressure, mains_resistance
from twin.site import Site
from twin.thermal import cdu
from twin.thermal.network import CP_FACILITY, RHO_FACILITY, facility_pump_power
from twin.thermal.plant import LoopPlant, operate
from twin.thermal.storage import StratifiedTank, TankState, tank_energy, tank_step

#: solve_ivp methods accepted for the plant.
METHODS = ("BDF", "Radau", "LSODA", "RK45", "RK23", "DOP853")


@dataclass(frozen=True)
class Solver:
    """How the plant ODEs are integrated between communication points.

    ``method``, ``rtol``, ``atol`` (K for temperatures) go to
    :func:`scipy.integrate.solve_ivp`; ``main_cells``: cells per facility main.
    Valve controller: ``K_p`` (1/K), ``T_i`` (s), anti-windup tracking time
    ``T_t`` (s), sensor lag ``tau_sensor`` (s) [estimates: a thermowell in a
    DN100-200 header responds in 5-10 s].
    """

    method: str = "LSODA"
    rtol: float = 1e-6
    atol: float = 1e-6
    main_cells: int = 24
    K_p: float = 0.05
    T_i: float = 60.0
    T_t: float = 20.0
    tau_sensor: float = 5.0

    def check(self) -> None:
        checks = [
            (self.method in METHODS, "method", self.method, "one of " + ", ".join(METHODS)),
            (0 < self.rtol < 1, "rtol", self.rtol, "a relative tolerance in (0, 1)"),
            (self.atol > 0, "atol", self.atol, "a positive absolute tolerance (K)"),
            (isinstance(self.main_cells, int) and 1 <= self.main_cells <= 1000, "main_cells", self.main_cells,
             "a whole number of cells from 1 to 1000"),
            (self.K_p >= 0 and self.T_i > 0 and self.T_t > 0 and self.tau_sensor > 0, "K_p/T_i/T_t/tau_sensor",
             (self.K_p, self.T_i, self.T_t, self.tau_sensor), "K_p >= 0 and positive times"),
        ]
        problems = [InputError.one("simulate", f"solver.{name}", repr(found), expected).problems[0]
                    for ok, name, found, expected in checks if not ok]
        if problems:
            raise InputError(problems)


@dataclass(frozen=True)
class PlantState:
    """The dynamic plant's ODE state at one instant, by name (SI: degC and the controller's integral),
    e.g. a state estimator's estimate (:meth:`twin.telemetry.estimate.PlantEKF.plant_state`), for
    ``twin.simulate(..., initial_state=...)``.

    Per CDU bank (the site's liquid-cooled rack groups, in ``groups`` order): ``T_h`` the TCS
    inventory, ``T_meas`` the valve controller's sensor reading of the TCS supply, ``u_I`` the
    controller's integral; per facility loop (``loops`` order) ``supply`` and ``ret``, the mains'
    cells from the plant's outlet (shape (loop, cell), ``Solver.main_cells`` cells each).
    """

    site: str  #: the site's name
    groups: tuple[str, ...]  #: the liquid-cooled rack groups (banks), in the engine's order
    loops: tuple[str, ...]  #: the facility loops, in the engine's order
    T_h: np.ndarray  #: (bank,) TCS inventory (degC)
    T_meas: np.ndarray  #: (bank,) sensed TCS supply (degC)
    u_I: np.ndarray  #: (bank,) valve controller integral (-)
    supply: np.ndarray  #: (loop, cell) supply main cells (degC)
    ret: np.ndarray  #: (loop, cell) return main cells (degC)

    def vector(self, model, ode: "PlantODE") -> np.ndarray:
        """The state packed for ``ode``, the plant of the assembled ``model`` (energy integrators at
        zero); one InputError line when it belongs to another site or has the wrong shape."""
        g = model.groups
        banks = tuple(g.names[i] for i in np.flatnonzero(g.liquid))
        checks = [("site", self.site, model.site.name), ("groups", tuple(self.groups), banks),
                  ("loops", tuple(self.loops), tuple(model.loops.names))]
        for name, found, expected in checks:
            if found != expected:
                raise InputError.one("simulate", f"initial_state.{name}", repr(found), repr(expected))
        shapes = dict(T_h=(ode.B,), T_meas=(ode.B,), u_I=(ode.B,), supply=(ode.L, ode.N), ret=(ode.L, ode.N))
        parts = {}
        for name, shape in shapes.items():
            value = np.asarray(getattr(self, name), dtype=float)
            if value.shape != shape or not np.isfinite(value).all():
                raise InputError.one("simulate", f"initial_state.{name}", f"shape {value.shape}"
                                     + ("" if np.isfinite(value).all() else " with non-finite values"),
                                     f"finite values of shape {shape} (cells per main: Solver.main_cells)")
            parts[name] = value
        return ode.pack(**parts)


@dataclass
class Inputs:
    """What is held over one communication step (arrays per bank ``b`` or loop ``i``)."""

    Q_racks: np.ndarray  #: (b) mean rack heat into the TCS (W)
    P_tcs_pumps: np.ndarray  #: (b) TCS pump heat (W)
    cdu_share: np.ndarray  #: (b) share of the bank's CDUs in service
    T_set_tcs: np.ndarray  #: (b) TCS supply set-point (degC)
    C_coils: np.ndarray  #: (i) capacity flow of coils wanted (W/K)
    coil_heat: np.ndarray  #: (i) heat the coils bring to the loop water (W)
    pumps_running: np.ndarray  #: (i) facility pumps running (a share of a pump counts its share)
    k_mains: np.ndarray  #: (i) resistance of the supply and return mains in series (Pa s2/m6), Colebrook at the last point
    T_set: np.ndarray  #: (i) facility supply set-point (degC)
    Q_plant_max: np.ndarray  #: (i) plant capacity at the communication point (W), inf while it holds T_set
    dQ_plant_dT: np.ndarray  #: (i) its slope in the plant's inlet temperature (W/K), 0 while it holds T_set
    T_plant_in0: np.ndarray  #: (i) the plant's inlet temperature at the communication point (degC)
    dQ_plant_dC: np.ndarray  #: (i) the capacity's slope in the loop's capacity flow (K), 0 while it holds T_set
    C_loop0: np.ndarray  #: (i) the loop's capacity flow at the communication point (W/K)
    x_tank: np.ndarray  #: (i) share of the loop flow through cold storage
    T_tank: np.ndarray  #: (i) cold storage outlet (degC)


class PlantODE:
    """The plant ODE system of a model's liquid banks and loops; ``y`` packs the states."""

    def __init__(self, groups, loops: FacilityLoops, liquid: np.ndarray, C_tcs_inventory: np.ndarray,
                 solver: Solver, compiled: bool | None = None):
        self.solver = solver
        self.loops = loops
        self._pumps0 = loops.pumps  # the assembled pumps (set_pump_power scales from these)
        self.loop = groups.loop[liquid]
        self.C_tcs = groups.C_tcs[liquid]
        self.C_fws_max = groups.C_fws_max[liquid]
        self.UA = groups.UA_cdu[liquid]
        self.C_h = C_tcs_inventory
        B, L, N = liquid.size, len(loops.names), solver.main_cells
        self.B, self.L, self.N = B, L, N
        self.C_cell = loops.M_main / N
        self.C_ref = loops.C_design
        self.C_ref_bank = np.maximum(self.C_fws_max, 1.0)
        # hydraulics (twin.simulation.graph.header_pressure): pump curves and the branches' design pressure
        self.a0 = np.array([p.dp_curve[0] for p in loops.pumps])
        self.a2 = np.array([p.dp_curve[2] for p in loops.pumps])
        self.dp_header = loops.dp_header
        self.V_per_C = 1.0 / (CP_FACILITY * RHO_FACILITY)
        sizes = dict(T_h=B, T_meas=B, u_I=B, supply=L * N, ret=L * N, S_removed=L, S_cdu=B, S_tank_V=L,
                     S_tank_H=L, S_pumps=L)
        self.slices, start = {}, 0
        for name, n in sizes.items():
            self.slices[name] = slice(start, start + n)
            start += n
        self.size = start
        self.inputs: Inputs | None = None
        self._sparsity = self._jac_sparsity()
        #: the compiled kernel (twin.simulation._plant_kernel) evaluates rhs and algebraic; the numpy
        #: ``rhs_reference`` and ``algebraic_reference`` are the model it is tested against
        self.kernel = _kernel() if compiled is not False else None
        if compiled and self.kernel is None:
            raise RuntimeError("the compiled plant kernel needs numba")
        self._packed = None
        if self.kernel is not None:
            self._static_packing()

    def set_UA(self, UA) -> None:
        """Replace the banks' CDU UA at design flows (W/K), e.g. a state estimator's fouling estimate;
        the right-hand side and the kernel read it as they read the assembled value."""
        self.UA = np.asarray(UA, dtype=float).copy()
        if self.kernel is not None:
            self._bank[2] = self.UA

    def set_pump_power(self, multiplier) -> None:
        """Scale each loop's facility pump power by ``multiplier`` (on the drive efficiency, as the
        calibration's ``P_fws_pumps`` multiplier, :func:`twin.telemetry.model.apply`), e.g. a state
        estimator's estimate; the hydraulics are unchanged."""
        import dataclasses

        m = np.asarray(multiplier, dtype=float)
        pumps = tuple(dataclasses.replace(p, eta_motor=p.eta_motor / m[i]) for i, p in enumerate(self._pumps0))
        self.loops = dataclasses.replace(self.loops, pumps=pumps)
        if self.kernel is not None:
            self._lp[17] = [p.eta_motor for p in pumps]

    def pack(self, **parts) -> np.ndarray:
        y = np.zeros(self.size)
        for name, value in parts.items():
            y[self.slices[name]] = np.ravel(value)
        return y

    def part(self, y, name):
        value = y[self.slices[name]]
        return value.reshape(self.L, self.N) if name in ("supply", "ret") else value

    def valve(self, y) -> tuple[np.ndarray, np.ndarray]:
        """``(u, u_raw)``: the valve openings and the PI output before clipping."""
        s = self.solver
        u_raw = self.part(y, "u_I") + s.K_p * (self.part(y, "T_meas") - self.inputs.T_set_tcs)
        return np.clip(u_raw, cdu.U_MIN, 1.0), u_raw

    def hydraulic_share(self, demand):
        """Per loop: the share of the wanted flow the pumps deliver (-).  The pumps hold the branches'
        design pressure ``dp_header`` (variable speed) while they can; at full speed they deliver the
        pressure where their curve meets the mains and the open branches, and every branch passes
        ``sqrt(dp / dp_header)`` of what its valve asks (a pressure-driven split)."""
        inp = self.inputs
        A = demand * self.V_per_C / np.sqrt(self.dp_header)
        dp = header_pressure(self.a0, self.a2, inp.pumps_running, inp.k_mains, A)
        share = np.sqrt(np.minimum(dp, self.dp_header) / self.dp_header)
        # nothing wanted: the valves keep their openings while a pump runs
        return np.where(inp.pumps_running > 0, np.where(demand > 0, share, 1.0), 0.0)

    def flows(self, y):
        """Valve openings, effective openings after the pumps' limit, and loop capacity flows (W/K)."""
        inp = self.inputs
        u, u_raw = self.valve(y)
        want = u * self.C_fws_max * inp.cdu_share
        demand = np.bincount(self.loop, want, minlength=self.L) + inp.C_coils
        scale = self.hydraulic_share(demand)
        ub = u * scale[self.loop]
        C_loop = np.bincount(self.loop, ub * self.C_fws_max * inp.cdu_share, minlength=self.L) + inp.C_coils * scale
        return u, u_raw, ub, C_loop

    def algebraic(self, y):
        """Every algebraic quantity at state ``y``: a dict of arrays."""
        if self.kernel is None:
            return self.algebraic_reference(y)
        alg_b, alg_l = self.kernel.algebraic(y, *self._pack())
        out = {name: alg_b[:, j].copy() for j, name in enumerate(self.kernel.BANK_OUT)}
        out.update({name: alg_l[:, j].copy() for j, name in enumerate(self.kernel.LOOP_OUT)})
        return out

    def algebraic_reference(self, y):
        """:meth:`algebraic` with the validated components in numpy (the compiled kernel's reference)."""
        inp = self.inputs
        u, u_raw, ub, C_loop = self.flows(y)
        supply, ret = self.part(y, "supply"), self.part(y, "ret")
        T_fws = supply[:, -1]
        T_h = self.part(y, "T_h")
        Q_cdu, T_tcs_supply, _ = cdu.exchange(T_h, T_fws[self.loop], self.C_tcs, self.C_fws_max * inp.cdu_share,
                                              self.UA * inp.cdu_share, ub)
        flowing = C_loop > 0
        C_safe = np.where(flowing, C_loop, 1.0)
        P_pumps = np.where(flowing, facility_pump_power(self.loops, C_loop), 0.0)
        heat_in = np.bincount(self.loop, Q_cdu, minlength=self.L) + inp.coil_heat + P_pumps
        T_return = T_fws + np.where(flowing, heat_in / C_safe, 0.0)
        T_in = ret[:, -1]
        Q_max = np.maximum(inp.Q_plant_max + inp.dQ_plant_dT * (T_in - inp.T_plant_in0)
                           + inp.dQ_plant_dC * (C_loop - inp.C_loop0), 0.0)
        T_out = np.maximum(np.minimum(T_in, inp.T_set), T_in - Q_max / C_safe)
        T_push = (1 - inp.x_tank) * T_out + inp.x_tank * inp.T_tank
        return dict(u=u, u_raw=u_raw, ub=ub, C_loop=C_loop, T_fws=T_fws, Q_cdu=Q_cdu, T_tcs_supply=T_tcs_supply,
                    T_return=T_return, T_plant_in=T_in, T_plant_out=T_out, T_push=T_push,
                    Q_removed=C_loop * (T_in - T_out), P_pumps=P_pumps)

    def rhs(self, t, y):
        """``dy/dt``: the compiled kernel where numba imports, else the numpy reference."""
        if self.kernel is None:
            return self.rhs_reference(t, y)
        packed = self._packed or self._pack() + (np.empty((self.B, 5)), np.empty((self.L, 8)))
        return self.kernel.rhs(y, *packed)

    def rhs_reference(self, t, y):
        """``dy/dt`` from the validated components in numpy: the model the compiled kernel is tested against."""
        s, inp = self.solver, self.inputs
        a = self.algebraic_reference(y)
        dy = np.empty_like(y)
        supply, ret = self.part(y, "supply"), self.part(y, "ret")
        rate = (a["C_loop"] / self.C_cell)[:, None]
        dy[self.slices["supply"]] = (rate * (np.column_stack([a["T_push"], supply[:, :-1]]) - supply)).ravel()
        dy[self.slices["ret"]] = (rate * (np.column_stack([a["T_return"], ret[:, :-1]]) - ret)).ravel()
        dy[self.slices["T_h"]] = (inp.Q_racks + inp.P_tcs_pumps - a["Q_cdu"]) / self.C_h
        dy[self.slices["T_meas"]] = (a["T_tcs_supply"] - self.part(y, "T_meas")) / s.tau_sensor
        error = self.part(y, "T_meas") - inp.T_set_tcs
        dy[self.slices["u_I"]] = s.K_p / s.T_i * error + (a["u"] - a["u_raw"]) / s.T_t
        dy[self.slices["S_removed"]] = a["Q_removed"] / self.C_ref
        dy[self.slices["S_cdu"]] = a["Q_cdu"] / self.C_ref_bank
        dy[self.slices["S_pumps"]] = a["P_pumps"] / self.C_ref
        dy[self.slices["S_tank_V"]] = inp.x_tank * a["C_loop"] / self.C_ref
        dy[self.slices["S_tank_H"]] = inp.x_tank * a["C_loop"] * a["T_plant_out"] / self.C_ref
        return dy

    def _jac_sparsity(self) -> np.ndarray:
        """Which states each derivative depends on: cells on their upstream neighbour, everything of a
        loop on its valves (through the loop flow), the mains' ends on the banks and the plant."""
        J = np.zeros((self.size, self.size), dtype=bool)
        idx = {name: np.arange(self.size)[sl] for name, sl in self.slices.items()}
        for i in range(self.L):
            banks = np.flatnonzero(self.loop == i)
            sup, ret = idx["supply"].reshape(self.L, self.N)[i], idx["ret"].reshape(self.L, self.N)[i]
            valves = np.concatenate([idx["T_meas"][banks], idx["u_I"][banks]])
            rows = np.concatenate([idx[n][banks] for n in ("T_h", "T_meas", "u_I", "S_cdu")]
                                  + [sup, ret] + [idx[n][i:i + 1] for n in ("S_removed", "S_tank_V", "S_tank_H", "S_pumps")])
            J[np.ix_(rows, valves)] = True  # the loop flow and the valves
            J[sup[1:], sup[:-1]] = J[ret[1:], ret[:-1]] = True
            J[sup, sup] = J[ret, ret] = True
            J[sup[0], ret[-1]] = True  # the plant: return main -> supply main
            ends = np.concatenate([idx["T_h"][banks], idx["T_meas"][banks], idx["S_cdu"][banks], ret[:1]])
            J[np.ix_(ends, np.concatenate([idx["T_h"][banks], sup[-1:]]))] = True  # the CDUs
            J[idx["S_removed"][i], ret[-1]] = J[idx["S_tank_H"][i], ret[-1]] = True
            J[idx["T_meas"][banks], idx["T_meas"][banks]] = True
        return J

    def advance(self, y, dt: float, whole_interval: bool = True):
        """Integrate over one communication step; returns the new state and the integrator's result.

        With LSODA and the compiled kernel the interval runs inside ODEPACK in one call
        (:func:`scipy.integrate.odeint` with ``tcrit`` at the step's end: the same LSODA code, options
        and tolerances that :func:`~scipy.integrate.solve_ivp` drives one step at a time from Python,
        without that per-step overhead; tests/test_plant_kernel.py holds the two equal).  Otherwise,
        or with ``whole_interval=False``, :func:`~scipy.integrate.solve_ivp`.
        """
        s = self.solver
        scale = np.ones(self.size)
        if self.kernel is not None:  # the inputs are held over the step: packed once
            self._packed = self._pack() + (np.empty((self.B, 5)), np.empty((self.L, 8)))
        try:
            if self.kernel is not None and s.method == "LSODA" and whole_interval:
                return self._odeint(y, dt)
            sol = solve_ivp(self.rhs, (0.0, dt), y, method=s.method, rtol=s.rtol, atol=s.atol * scale,
                            **({"jac_sparsity": self._sparsity} if s.method in ("BDF", "Radau") else {}))
        finally:
            self._packed = None
        if not sol.success:
            raise RuntimeError(f"plant integration failed: {sol.message}")
        return sol.y[:, -1], sol

    def _odeint(self, y, dt: float):
        from scipy.integrate import odeint
        from scipy.optimize import OptimizeResult

        s, rhs, packed = self.solver, self.kernel.rhs, self._packed
        ys, info = odeint(lambda state, _t: rhs(state, *packed), y, [0.0, dt], rtol=s.rtol, atol=s.atol,
                          tcrit=[dt], full_output=True, mxstep=1_000_000)
        if info["message"] != "Integration successful.":
            raise RuntimeError(f"plant integration failed: {info['message']}")
        return ys[-1], OptimizeResult(t=np.array([0.0, dt]), y=ys.T, nfev=int(info["nfe"][-1]),
                                      njev=int(info["nje"][-1]), nst=int(info["nst"][-1]), success=True)

    def _static_packing(self) -> None:
        """The kernel's arguments that do not change within a run (twin.simulation._plant_kernel)."""
        from twin.thermal.network import PUMP_SPEED_MIN, _dp_design

        s, loops = self.solver, self.loops
        offsets = [self.slices[name].start for name in ("T_h", "T_meas", "u_I", "supply", "ret", "S_removed",
                                                         "S_cdu", "S_tank_V", "S_tank_H", "S_pumps")]
        self._offsets = np.array(offsets + [self.B, self.L, self.N], dtype=np.int64)
        self._loop_of = np.ascontiguousarray(self.loop, dtype=np.int64)
        self._scalars = np.array([s.K_p, s.T_i, s.T_t, s.tau_sensor, cdu.U_MIN, CP_FACILITY * RHO_FACILITY,
                                  PUMP_SPEED_MIN])
        self._bank = np.zeros((9, self.B))
        self._bank[:5] = self.C_tcs, self.C_fws_max, self.UA, self.C_h, self.C_ref_bank
        self._lp = np.zeros((24, self.L))
        self._lp[19] = loops.dp_header
        self._lp[:2] = self.C_cell, self.C_ref
        for i, pump in enumerate(loops.pumps):
            self._lp[9:18, i] = (loops.n_pumps[i], loops.C_design[i] / (CP_FACILITY * RHO_FACILITY), _dp_design(pump),
                               *pump.dp_curve, pump.V_flow_best, pump.eta_best, pump.eta_motor)

    def _pack(self) -> tuple:
        """The kernel's arguments at the current inputs."""
        inp = self.inputs
        bank, lp = self._bank, self._lp
        bank[5:] = inp.Q_racks, inp.P_tcs_pumps, inp.cdu_share, inp.T_set_tcs
        lp[2:9] = (inp.C_coils, inp.coil_heat, inp.pumps_running, inp.T_set, inp.Q_plant_max, inp.x_tank, inp.T_tank)
        lp[18] = inp.k_mains
        lp[20:24] = inp.dQ_plant_dT, inp.T_plant_in0, inp.dQ_plant_dC, inp.C_loop0
        return self._loop_of, self._offsets, self._scalars, bank.copy(), lp.copy()

    def energy(self, y) -> float:
        """Heat (J, relative to 0 degC) in the TCS inventories and the mains."""
        return float(self.C_h @ self.part(y, "T_h") + self.C_cell @ (self.part(y, "supply")
                                                                      + self.part(y, "ret")).sum(axis=1))


@dataclass
class PlantPoint:
    """The plant's equipment at a communication point, held over the next step (arrays per loop)."""

    Q_plant_max: np.ndarray  #: capacity (W), inf while the plant holds its set-point, 0 without flow
    dQ_plant_dT: np.ndarray  #: its slope in the plant's inlet temperature (W/K)
    dQ_plant_dC: np.ndarray  #: its slope in the loop's capacity flow (K)
    x_tank: np.ndarray  #: share of the loop flow through cold storage
    T_tank: np.ndarray  #: cold storage outlet (degC)
    hours_left: np.ndarray  #: storage hours left at design flow (NaN without storage)
    equipment: np.ndarray  #: (loop, 3) compressors, plant fans, condenser pumps (W)
    Q_flow_to_atmosphere: np.ndarray  #: heat rejected (W)
    m_flow_water_use: np.ndarray  #: make-up water (kg/s)


def plant_point(plants, T_in, C_loop0, T_set, T_dry_bulb: float, T_wet_bulb: float, tanks=None,
                C_design=None) -> PlantPoint:
    """The loops' plants (``plants[i]``, a :class:`~twin.thermal.plant.LoopPlant` per loop) operated at a
    communication point: inlet ``T_in`` (degC) and capacity flow ``C_loop0`` (W/K) from the plant state.

    A plant that cannot hold its set-point gets its capacity linearised in its inlet temperature and the
    loop flow (slopes from the plant 1 K warmer and at 1 % more flow); the cold storage (``tanks[i]``, a
    ``_Storage`` or None; hours at ``C_design``) makes up the shortfall.  Used by the co-simulation master
    and the state estimator (:mod:`twin.telemetry.estimate`) alike.
    """
    L = len(plants)
    Q_plant_max, x_tank, T_tank, hours = np.full(L, np.inf), np.zeros(L), np.array(T_set, float).copy(), np.full(L, np.nan)
    dQ_plant_dT, dQ_plant_dC = np.zeros(L), np.zeros(L)
    equipment = np.zeros((L, 3))
    rejected, water = np.zeros(L), np.zeros(L)
    tanks = tanks if tanks is not None else [None] * L
    for i in range(L):
        if not C_loop0[i] > 0:
            Q_plant_max[i] = 0.0
            continue
        op = operate(plants[i], T_in[i], C_loop0[i], T_set[i], T_dry_bulb, T_wet_bulb)
        T_plant = float(op.T_supply)
        if T_plant > min(T_in[i], T_set[i]) + 1e-9:  # it cannot hold its set-point
            Q_plant_max[i] = max(float(op.Q_flow_removed), 0.0)
            if Q_plant_max[i] > 0:  # its capacity linearised in its inlet temperature and the loop flow, which
                # move within the step: slopes from the plant 1 K warmer and at 1 % more flow
                near = operate(plants[i], T_in[i] + np.array([1.0, 0.0]), C_loop0[i] * np.array([1.0, 1.01]),
                               T_set[i], T_dry_bulb, T_wet_bulb)
                dQ_plant_dT[i] = float(near.Q_flow_removed[0]) - Q_plant_max[i]
                dQ_plant_dC[i] = (float(near.Q_flow_removed[1]) - Q_plant_max[i]) / (0.01 * C_loop0[i])
        equipment[i] = op.P_compressors, op.P_fans, op.P_condenser_pumps
        rejected[i], water[i] = op.Q_flow_rejected, op.m_flow_water_use
        if tanks[i] is not None:
            x_tank[i] = tanks[i].share(T_plant, T_set[i])
            T_tank[i] = tanks[i].state.T_cold
            hours[i] = tanks[i].hours_left(C_design[i] / (RHO_FACILITY * CP_FACILITY))
    return PlantPoint(Q_plant_max, dQ_plant_dT, dQ_plant_dC, x_tank, T_tank, hours, equipment, rejected, water)


def mains_k(graph, names, C_flow, C_open) -> np.ndarray:
    """Per loop: the resistance of the supply and return mains in series (Pa s2/m6) at capacity flows
    ``C_flow`` (W/K; Colebrook, :func:`twin.simulation.graph.mains_resistance`), floored at 1e-3 of ``C_open``."""
    rho_cp = RHO_FACILITY * CP_FACILITY
    return np.array([float(mains_resistance(graph, name, max(C, 1e-3 * C_open[i]) / rho_cp))
                     for i, (name, C) in enumerate(zip(names, C_flow))])


def loop_plant(site: Site, loops: FacilityLoops, i: int, available: tuple[float, float, float]) -> LoopPlant:
    """Loop ``i``'s share of its plant with ``available`` (tower, dry cooler, chiller) fractions in
    service, and the chiller of the assembled model (the site's, or a calibrated one: an overlay's COP)."""
    import dataclasses

    share = LoopPlant.share(site.plant(loops.plant_names[i]), loops.plant_share[i],
                            dict(zip(("tower", "dry_cooler", "chiller"), available)))
    return dataclasses.replace(share, chiller=loops.plants[i].chiller)


def _kernel():
    """The compiled plant kernel, or None when numba is not importable."""
    return compiled_kernel("twin.simulation._plant_kernel")


class _Storage:
    """A loop's share of its plant's cold-water tanks, discharged when the plant falls short.

    Charged at ``T_set - delta_T_nominal`` at the start (full); while the plant's
    supply is above the set-point, the share ``x`` of the loop flow that brings
    the mix back to the set-point passes through the tank (cold water out at
    the bottom, warm plant water in at the top).  Not recharged within a run.
    """

    def __init__(self, tank: StratifiedTank, T_cold: float):
        self.tank = tank
        self.state = TankState(tank.volume, T_cold, T_cold)

    def energy(self) -> float:
        return tank_energy(self.tank, self.state)

    def share(self, T_plant: float, T_set: float) -> float:
        """Share of the loop flow drawn through the tank to bring ``T_plant`` back to ``T_set``."""
        if T_plant > T_set + 1e-6 and self.state.V_cold > 0 and self.state.T_cold < T_set:
            return min((T_plant - T_set) / (T_plant - self.state.T_cold), 1.0)
        return 0.0

    def exchange(self, V: float, H: float, T_ambient: float, dt: float) -> tuple[float, float]:
        """Take ``V`` (m3) of plant water carrying ``H`` (degC m3) in, give as much cold water out.

        Returns the tank's mean ambient gain (W) and the heat (J) by which the water
        drawn differed from the tank's cold zone at the start (zero while cold water is left).
        """
        T_cold = self.state.T_cold
        T_in = H / V if V > 0 else T_cold
        step = tank_step(self.tank, self.state, -V / dt, T_in, T_ambient, dt)
        self.state = step.state
        return step.Q_flow_ambient, self.tank.rho * self.tank.cp * V * (step.T_out - T_cold)

    def hours_left(self, V_flow_design: float) -> float:
        """Hours the remaining cold water could carry the whole loop at design flow."""
        return self.state.V_cold / V_flow_design / 3600.0


def _storage(site: Site, loops: FacilityLoops, i: int) -> _Storage | None:
    plant = site.plant(loops.plant_names[i])
    model = plant.storage_model
    if model is None or plant.storage_count == 0:
        return None
    tank = StratifiedTank(volume=plant.storage_count * model.volume * loops.plant_share[i],
                          UA_ambient=plant.storage_count * model.UA_loss * loops.plant_share[i],
                          rho=RHO_FACILITY, cp=CP_FACILITY)
    return _Storage(tank, loops.T_set[i] - model.delta_T_nominal)


def parse_solver(text: str) -> tuple[Solver, float | None]:
    """``"method=Radau,rtol=1e-8,atol=1e-8,step=5"`` -> ``(Solver, communication step in s or None)``."""
    fields, step = {}, None
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or key not in ("method", "rtol", "atol", "step", "main_cells"):
            raise InputError.one("--solver", key or item, repr(item),
                                 "key=value with keys method, rtol, atol, step (s), main_cells")
        try:
            if key == "method":
                fields[key] = value.strip()
            elif key == "main_cells":
                fields[key] = int(value)
            elif key == "step":
                step = float(value)
            else:
                fields[key] = float(value)
        except ValueError:
            raise InputError.one("--solver", key, repr(value), "a number") from None
    solver = Solver(**fields)
    solver.check()
    if step is not None and not (0 < step <= 3600):
        raise InputError.one("--solver", "step", repr(step), "a communication step in (0, 3600] s")
    return solver, step
