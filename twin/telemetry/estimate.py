"""State estimation on the plant's ODE states: an extended Kalman filter on the engine's dynamic plant.

The state is that of :class:`twin.simulation.plant.PlantODE` without its energy integrators: per CDU
bank the TCS inventory ``T_h``, the sensor's reading ``T_meas`` and the valve controller's integral
``u_I``; per facility loop the supply and return mains' cells.  Each step of the filter:

- inputs from telemetry (:func:`plant_inputs`): rack heat to the TCS from the measured IT power per
  group (its liquid share, as the engine's steady state), the TCS pumps' heat, the air-side and hall
  heat the coils bring to the loop water, the facility set-points, and the plant's equipment at the
  communication point (:func:`twin.simulation.plant.plant_point`, the master's own function), with the
  mains' resistance at the loop's flow (:func:`twin.simulation.plant.mains_k`);
- prediction of the mean with the engine's integrator (``PlantODE.advance``, the model that runs, not
  a copy); of the covariance with ``Phi = expm(A dt)``, ``A`` the Jacobian of ``PlantODE.rhs`` at the
  state by forward differences, ``P- = Phi P Phi' + Q``;
- measurement model ``h(x)`` from ``PlantODE.algebraic`` for the tags the map binds to the plant's
  states (TCS supply and return, valve opening, facility supply and return, loop flow, facility pump
  power), ``H`` by forward differences; update in Joseph form.

Noise: ``R`` is diagonal, each tag's spread (the replay residual's over the training window, as the
offset filter's); ``Q = theta * Q_0 dt`` with ``Q_0`` a fixed shape (:data:`Q_SHAPE`: K2/s for
temperatures, 1/s for the controller integral) and the one scale ``theta`` chosen by maximising the
innovations' Gaussian likelihood over the first hours of the training window
(:func:`fit_q`, :func:`scipy.optimize.minimize_scalar` on log10 theta).

With ``ua=True`` and ``pumps=True`` (the tracker's ``estimator="ekf-params"``) each CDU bank's UA
multiplier and each loop's facility pump power multiplier (the calibration's ``UA_cdu`` and
``P_fws_pumps``) join the state as random walks (:data:`Q_UA`), set on the plant through
``PlantODE.set_UA`` and ``PlantODE.set_pump_power``: a fouling CDU shows as its multiplier falling, a
worn pump as its multiplier rising.  A fault none of them stands for (a drifting sensor) is read as
a parameter change, and an absorbed fault leaves no persistent innovation to detect
(docs/telemetry.md).

The innovations ``nu`` normalised by their predicted spread ``sqrt(S_ii)`` go to the tracker's CUSUMs
(:func:`twin.telemetry.track.track` with ``estimator="ekf"``).  Checks: ``tests/telemetry/test_estimate.py``
(convergence from a wrong start and innovation consistency on data of the engine's own dynamic run,
detection delays and false alarms on the synthetic weeks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import expm

from twin.simulation.plant import Inputs, PlantODE, PlantState, Solver, loop_plant, mains_k, plant_point
from twin.thermal.network import AIR_FAN_FRACTION, CP_FACILITY

#: Tag variables the plant's ODE states predict (the others keep the quasi-steady residual).
STATE_VARIABLES = ("T_tcs_supply", "T_tcs_return", "valve", "T_fws_supply", "T_fws_return", "m_flow_fws",
                   "P_fws_pumps")
#: Shape of the process noise intensity per state (per second): 1 K2/h on the temperatures, (0.1)2/h
#: on the valve controller's integral; scaled by the one fitted factor theta.
Q_SHAPE = {"T_h": 1.0 / 3600, "T_meas": 1.0 / 3600, "u_I": 0.01 / 3600, "supply": 1.0 / 3600, "ret": 1.0 / 3600}
#: With ``ua=True`` / ``pumps=True``: each CDU bank's UA multiplier / each loop's facility pump power
#: multiplier is a state, a random walk of this intensity (1/s): (0.1)^2 per hour, and its start (1 +- 0.1).
Q_UA = 0.01 / 3600
P0_UA = 0.01
#: Relative step of the forward differences (of max(1, |x|)).
EPS = 1e-6


@dataclass
class Run:
    """An estimator's pass over a series: states, innovations and their predicted spreads."""

    x: np.ndarray  #: (time, state) filtered state
    innovation: np.ndarray  #: (time, tag) measured - predicted (SI), NaN where not measured
    sigma: np.ndarray  #: (time, tag) sqrt(S_ii), the innovation's predicted spread
    nis: np.ndarray  #: (time,) normalised innovation squared nu' S^-1 nu
    dof: np.ndarray  #: (time,) tags measured at the step
    loglik: float  #: sum of the innovations' Gaussian log-likelihood
    P_diag: np.ndarray = field(default=None)  #: (time, state) variances after the update
    #: where the pass ended (state, covariance, transition matrix, coil flow, last inputs, steps):
    #: ``run(..., carry=this)`` goes on from there exactly as one longer pass would
    carry: dict = field(default=None)


class PlantEKF:
    """Extended Kalman filter on the :class:`~twin.simulation.plant.PlantODE` of an assembled model.

    ``tags``: (variable, index) per measured tag, index a tuple of group or loop names (a plant's tag
    lists its loops); only variables of :data:`STATE_VARIABLES` on liquid groups are accepted
    (:meth:`supported`).  ``sigma``: each tag's measurement spread (SI).  ``dt``: the data step (s).
    """

    def __init__(self, model, tags, sigma, dt: float, theta: float = 1.0, solver: Solver | None = None,
                 phi_every: int = 1, ua: bool = False, pumps: bool = False):
        g, lp = model.groups, model.loops
        self.model, self.dt, self.theta, self.phi_every = model, float(dt), float(theta), int(phi_every)
        self.liquid = np.flatnonzero(g.liquid)
        self.ode = PlantODE(g, lp, self.liquid, g.M_tcs[self.liquid], solver or Solver())
        ode = self.ode
        self.n = ode.slices["ret"].stop  # T_h, T_meas, u_I, supply, ret: the integrators S_* are left out
        self.L = len(lp.names)
        self.members = np.eye(self.L)[g.loop]
        self.C_open = np.bincount(g.loop[self.liquid], g.C_fws_max[self.liquid], minlength=self.L) + model.C_coils
        self.plants = [loop_plant(model.site, lp, i, (1.0, 1.0, 1.0)) for i in range(self.L)]
        self.tags = [(v, tuple(ix)) for v, ix in tags]
        self.R = np.asarray(sigma, float) ** 2
        q = np.zeros(self.n)
        for name, value in Q_SHAPE.items():
            q[ode.slices[name]] = value
        self.q0 = q
        self._rows = [self._row(v, ix) for v, ix in self.tags]
        sl = ode.slices
        self._h_columns = np.concatenate([np.arange(self.n)[sl["T_h"]], np.arange(self.n)[sl["T_meas"]],
                                          np.arange(self.n)[sl["u_I"]], sl["supply"].start + ode.N * np.arange(self.L) + ode.N - 1])
        #: with ``ua``: the banks' UA multipliers follow the plant states in the state vector; with
        #: ``pumps``: then the loops' facility pump power multipliers
        self.n_ua = self.liquid.size if ua else 0
        self.n_pumps = self.L if pumps else 0
        self.npar = self.n_ua + self.n_pumps
        self.size = self.n + self.npar
        self.UA0 = ode.UA.copy()
        self.q0 = np.r_[q, np.zeros(self.npar)]
        self.q_fixed = np.r_[np.zeros(self.n), np.full(self.npar, Q_UA)]
        self._h_columns = np.r_[self._h_columns, self.n + np.arange(self.npar)]

    @staticmethod
    def supported(model, variable: str, index) -> bool:
        """Whether the plant's ODE states predict a tag of ``variable`` at ``index`` (group or loop names)."""
        if variable not in STATE_VARIABLES or not index:
            return False
        g = model.groups
        if variable in ("T_tcs_supply", "T_tcs_return", "valve"):
            return all(n in g.names and g.liquid[g.names.index(n)] for n in index)
        return all(n in model.loops.names for n in index)

    def _row(self, variable, index):
        g, lp = self.model.groups, self.model.loops
        if variable in ("T_tcs_supply", "T_tcs_return", "valve"):
            banks = [int(np.flatnonzero(self.liquid == g.names.index(n))[0]) for n in index]
            return "bank", variable, np.array(banks)
        return "loop", variable, np.array([lp.names.index(n) for n in index])

    # -- inputs -------------------------------------------------------------------------------------
    def plant_inputs(self, x, P_it, T_set, T_dry_bulb: float, T_wet_bulb: float, C_flow=None) -> Inputs:
        """Set and return the inputs held over the next step: rack and coil heat from the measured IT power
        ``P_it`` (W per group), set-points ``T_set`` (degC per loop), the plant's equipment at the state
        ``x`` (:func:`~twin.simulation.plant.plant_point`) and the mains' resistance at the flow ``C_flow``
        (the loop flow at the last step; the valves-open flow at the first)."""
        m, g, lp, ode = self.model, self.model.groups, self.model.loops, self.ode
        liquid = self.liquid
        P = np.asarray(P_it, float)
        Q_air = np.where(g.liquid, (1 - g.liquid_fraction) * P, P)
        coil_heat = (Q_air + AIR_FAN_FRACTION * Q_air) @ self.members + m.hall_losses(float(P.sum()))
        L = self.L
        ode.inputs = Inputs(Q_racks=g.liquid_fraction[liquid] * P[liquid], P_tcs_pumps=g.P_tcs_pumps[liquid].copy(),
                            cdu_share=np.ones(liquid.size), T_set_tcs=T_set[g.loop[liquid]] + g.approach[liquid],
                            C_coils=m.C_coils, coil_heat=coil_heat, pumps_running=lp.n_pumps.astype(float),
                            k_mains=mains_k(m.graph, lp.names, self.C_open if C_flow is None else C_flow, self.C_open),
                            T_set=np.asarray(T_set, float), Q_plant_max=np.full(L, np.inf), dQ_plant_dT=np.zeros(L),
                            T_plant_in0=np.asarray(T_set, float).copy(), dQ_plant_dC=np.zeros(L), C_loop0=np.zeros(L),
                            x_tank=np.zeros(L), T_tank=np.asarray(T_set, float).copy())
        a = ode.algebraic(self._full(x))
        point = plant_point(self.plants, a["T_plant_in"], a["C_loop"], T_set, T_dry_bulb, T_wet_bulb)
        inp = ode.inputs
        inp.Q_plant_max, inp.dQ_plant_dT, inp.dQ_plant_dC = point.Q_plant_max, point.dQ_plant_dT, point.dQ_plant_dC
        inp.T_plant_in0, inp.C_loop0 = a["T_plant_in"].copy(), a["C_loop"].copy()
        return inp

    def _full(self, x) -> np.ndarray:
        """The PlantODE state of ``x`` (integrators at zero); with UA multipliers, the banks' UA set."""
        y = np.zeros(self.ode.size)
        y[:self.n] = x[:self.n]
        if self.n_ua:
            self.ode.set_UA(self.UA0 * x[self.n:self.n + self.n_ua])
        if self.n_pumps:
            self.ode.set_pump_power(x[self.n + self.n_ua:])
        return y

    # -- model --------------------------------------------------------------------------------------
    def measure(self, x) -> np.ndarray:
        """``h(x)``: the tags' values at state ``x`` under the current inputs (SI)."""
        return self._h(self.ode.algebraic(self._full(x)), x)

    def _h(self, a, x) -> np.ndarray:
        out = np.empty(len(self._rows))
        T_h = x[self.ode.slices["T_h"]]
        for j, (dim, variable, idx) in enumerate(self._rows):
            if dim == "bank":
                value = {"T_tcs_supply": a["T_tcs_supply"], "T_tcs_return": T_h, "valve": a["ub"]}[variable][idx]
                out[j] = value.mean()
                continue
            value = {"T_fws_supply": a["T_fws"], "T_fws_return": a["T_return"], "m_flow_fws": a["C_loop"] / CP_FACILITY,
                     "P_fws_pumps": a["P_pumps"]}[variable][idx]
            if variable.startswith("T_") and len(idx) > 1:  # mixed streams: flow-weighted mean
                w = a["C_loop"][idx]
                out[j] = float((value * w).sum() / w.sum()) if w.sum() > 0 else float(value.mean())
            else:
                out[j] = float(value.sum())
        return out

    def jacobians(self, x, what: str = "AH") -> tuple[np.ndarray | None, np.ndarray | None]:
        """``A = d rhs / dx`` and ``H = d h / dx`` at ``x`` by forward differences (the engine's rhs and
        algebraic, unchanged); ``what`` says which.  ``h`` depends only on the banks' states, each
        loop's last supply cell (the facility supply) and the UA multipliers, so ``H``'s other
        columns are zero; the multipliers' rows of ``A`` are zero (a random walk)."""
        ode, n, size = self.ode, self.n, self.size
        x = np.asarray(x, float)
        y = self._full(x)
        steps = EPS * np.maximum(1.0, np.abs(x))
        A = H = None

        def perturbed(i):  # the PlantODE state with x[i] moved (a multiplier moves the banks' UA)
            if i < n:
                yp = y.copy()
                yp[i] += steps[i]
                return yp
            xp = x.copy()
            xp[i] += steps[i]
            return self._full(xp)

        if "A" in what:
            f0 = ode.rhs(0.0, y)[:n]
            A = np.zeros((size, size))
            rhs = (ode.rhs if ode.kernel is None else  # the inputs packed once for the kernel, as in advance
                   (lambda t, state, packed=ode._pack() + (np.empty((ode.B, 5)), np.empty((ode.L, 8))):
                    ode.kernel.rhs(state, *packed)))
            for i in range(n):
                A[:n, i] = (rhs(0.0, perturbed(i))[:n] - f0) / steps[i]
            for i in range(n, size):
                A[:n, i] = (ode.rhs(0.0, perturbed(i))[:n] - f0) / steps[i]
                self._full(x)
        if "H" in what:
            h0 = self._h(ode.algebraic(y), x)
            H = np.zeros((len(h0), size))
            for i in self._h_columns:
                yp = perturbed(i)
                H[:, i] = (self._h(ode.algebraic(yp), yp[:n]) - h0) / steps[i]
                if i >= n:
                    self._full(x)
        return A, H

    def start(self, P_it, T_dry_bulb, T_wet_bulb, T_set) -> np.ndarray:
        """The plant's steady state at the first step's inputs (as the master starts a dynamic run)."""
        from twin.simulation.steady import steady_state

        init = steady_state(self.model, np.asarray(P_it, float), T_dry_bulb, T_wet_bulb, np.asarray(T_set, float))
        liquid = self.liquid
        y = self.ode.pack(T_h=np.nan_to_num(init["T_tcs_return"][liquid]),
                          T_meas=np.nan_to_num(init["T_tcs_supply"][liquid]),
                          u_I=np.nan_to_num(init["valve"][liquid], nan=1.0),
                          supply=np.repeat(init["T_fws_supply"], self.ode.N),
                          ret=np.repeat(init["T_fws_return"], self.ode.N))
        return np.r_[y[:self.n], np.ones(self.npar)]

    def plant_state(self, x) -> PlantState:
        """The plant ODE state of the filter's state ``x`` by name, for ``twin.simulate(...,
        initial_state=...)`` (the multipliers of ``ekf-params``, if any, are not part of it)."""
        ode, g = self.ode, self.model.groups
        y = np.zeros(ode.size)
        y[:self.n] = np.asarray(x, float)[:self.n]
        return PlantState(site=self.model.site.name, groups=tuple(g.names[i] for i in self.liquid),
                          loops=tuple(self.model.loops.names), T_h=ode.part(y, "T_h").copy(),
                          T_meas=ode.part(y, "T_meas").copy(), u_I=ode.part(y, "u_I").copy(),
                          supply=ode.part(y, "supply").copy(), ret=ode.part(y, "ret").copy())

    def P0(self) -> np.ndarray:
        """Initial covariance: 1 K on the temperatures, 0.1 on the controller integral."""
        ode = self.ode
        p = np.ones(self.size)
        p[ode.slices["u_I"]] = 0.01
        p[self.n:] = P0_UA
        return np.diag(p)

    # -- the filter ---------------------------------------------------------------------------------
    def run(self, P_it, T_dry_bulb, T_wet_bulb, T_set, z, x0=None, P0=None, update: bool = True,
            steps: int | None = None, keep_P: bool = False, carry: dict | None = None) -> Run:
        """Filter the series: inputs at every step (``P_it`` (time, group), weather (time), ``T_set``
        (time, loop)), measurements ``z`` (time, tag; NaN where missing), each compared with the state at
        the end of its step.  ``update=False`` runs the model open loop (the prediction only).  Steps
        without IT power are predicted with the last known power.  ``carry``: an earlier run's
        :attr:`Run.carry`, to go on where it ended (the series then are the steps after its last)."""
        n_steps = len(z) if steps is None else steps
        m = len(self.tags)
        if carry is None:
            ok = np.flatnonzero(~(np.isnan(P_it).any(-1) | np.isnan(T_dry_bulb) | np.isnan(T_wet_bulb)))
            f = int(ok[0]) if ok.size else 0  # the first step with every input
            if x0 is None:  # the plant's steady state there
                x0 = self.start(P_it[f], T_dry_bulb[f], T_wet_bulb[f], T_set[f])
            x = np.array(x0, float)
            P = self.P0() if P0 is None else np.array(P0, float)
            C_flow, last = None, (np.asarray(P_it[f], float), float(T_dry_bulb[f]), float(T_wet_bulb[f]))
            Phi, k0 = None, 0
        else:
            x, P, Phi, C_flow, last, k0 = (carry[key] for key in ("x", "P", "Phi", "C_flow", "last", "k"))
        Qd = (self.theta * self.q0 + self.q_fixed) * self.dt
        xs = np.empty((n_steps, self.size))
        nus, sig = np.full((n_steps, m), np.nan), np.full((n_steps, m), np.nan)
        nis, dof = np.full(n_steps, np.nan), np.zeros(n_steps, dtype=int)
        Pd = np.empty((n_steps, self.size)) if keep_P else None
        loglik = 0.0
        ode = self.ode
        for k in range(n_steps):
            now = (np.asarray(P_it[k], float), float(T_dry_bulb[k]), float(T_wet_bulb[k]))
            if np.isnan(now[0]).any() or now[1] != now[1] or now[2] != now[2]:
                now = last  # inputs missing: the last known ones are held
            last = now
            self.plant_inputs(x, now[0], np.asarray(T_set[k], float), now[1], now[2], C_flow)
            if Phi is None or (k0 + k) % self.phi_every == 0:
                A, _ = self.jacobians(x, "A")
                Phi = expm(A * self.dt)
            y, _ = ode.advance(self._full(x), self.dt)
            x = np.r_[y[:self.n], x[self.n:]]
            P = Phi @ P @ Phi.T + np.diag(Qd)
            a = ode.algebraic(self._full(x))
            C_flow = a["C_loop"]
            h = self._h(a, x)
            _, H = self.jacobians(x, "H")
            S = H @ P @ H.T + np.diag(self.R)
            nu = np.asarray(z[k], float) - h
            seen = np.flatnonzero(~np.isnan(nu))
            sig[k] = np.sqrt(np.maximum(np.diag(S), 0.0))
            if seen.size:
                nus[k, seen] = nu[seen]
                Ss = S[np.ix_(seen, seen)]
                Hs = H[seen]
                sol = np.linalg.solve(Ss, nu[seen])
                nis[k] = float(nu[seen] @ sol)
                dof[k] = seen.size
                _, logdet = np.linalg.slogdet(Ss)
                loglik -= 0.5 * (logdet + nis[k] + seen.size * np.log(2 * np.pi))
                if update:
                    K = np.linalg.solve(Ss, Hs @ P).T
                    x = x + K @ nu[seen]
                    x[self.n:] = np.clip(x[self.n:], 0.05, 3.0)  # a multiplier stays physical
                    IKH = np.eye(self.size) - K @ Hs
                    P = IKH @ P @ IKH.T + K @ np.diag(self.R[seen]) @ K.T
            xs[k] = x
            if keep_P:
                Pd[k] = np.diag(P)
        return Run(xs, nus, sig, nis, dof, loglik, Pd,
                   {"x": x, "P": P, "Phi": Phi, "C_flow": C_flow, "last": last, "k": k0 + n_steps})


def state_tags(model, variables, components) -> tuple[list[int], list[tuple[str, tuple[str, ...]]]]:
    """Which tags (by their ``variable`` and tag-map ``component``) the plant's ODE states predict: their
    positions and (variable, index) pairs for :class:`PlantEKF` (a plant's tag covers its loops)."""
    names = {"rack_groups": model.groups.names, "facility_loops": model.loops.names}
    cols, tags = [], []
    for j, (variable, component) in enumerate(zip(variables, components)):
        kind, _, name = str(component).partition(".")
        if kind == "plants":
            index = tuple(n for n, p in zip(model.loops.names, model.loops.plant_names) if p == name)
        else:
            index = (name,) if name in names.get(kind, ()) else ()
        if PlantEKF.supported(model, str(variable), index):
            cols.append(j)
            tags.append((str(variable), index))
    return cols, tags


def fit_q(ekf: PlantEKF, P_it, T_dry_bulb, T_wet_bulb, T_set, z, steps: int, bounds=(-4.0, 3.0)) -> tuple[float, float]:
    """The process-noise scale theta maximising the innovations' likelihood over the first ``steps``
    steps (a bounded scalar search on log10 theta); returns (theta, log-likelihood)."""
    from scipy.optimize import minimize_scalar

    def nll(log_theta):
        ekf.theta = 10.0 ** log_theta
        return -ekf.run(P_it, T_dry_bulb, T_wet_bulb, T_set, z, steps=steps).loglik

    best = minimize_scalar(nll, bounds=bounds, method="bounded", options={"xatol": 0.3, "maxiter": 10})
    ekf.theta = 10.0 ** float(best.x)
    return ekf.theta, -float(best.fun)
