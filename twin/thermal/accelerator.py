"""Two-node thermal model of an accelerator (GPU) on a cold plate, with throttling.

Nodes: the die (heat capacity ``C_die``) and the cold plate or heat-sink base
(``C_plate``).  The die is joined to the plate by ``R_die_plate`` and the plate
to the local coolant, at ``T_coolant``, by ``R_plate_coolant``::

    C_die   dT_die/dt   = P - (T_die - T_plate) / R_die_plate
    C_plate dT_plate/dt = (T_die - T_plate) / R_die_plate - (T_plate - T_coolant) / R_plate_coolant

State ``x = [T_die, T_plate]`` (degC), input ``u = [P, T_coolant]`` (W, degC).
The equations are linear, so with inputs held over a step of length ``dt``
(zero-order hold) the step is integrated exactly with the matrix exponential
(Van Loan's block form): ``x[k+1] = Ad x[k] + Bd u[k]``.

Throttling law (an estimate of firmware behaviour, not a vendor algorithm):
the power drawn is ``s * P_demand`` with the derate factor
``s = clip((T_shutdown - T_die) / (T_shutdown - T_throttle), 0, 1)``: full power
up to ``T_throttle``, falling linearly to zero at ``T_shutdown``.  The firmware
loop runs far faster than a 1 s step, so ``s`` is evaluated implicitly, on the
die temperature at the end of the step: each step draws the largest power for
which the end-of-step die temperature obeys the law.  (Evaluating it on the
start-of-step temperature instead makes a 1 s sampled loop oscillate, the loop
gain ``P_demand * R / (T_shutdown - T_throttle)`` being well above one.)  If the
die reaches ``T_shutdown`` even at zero power, the device shuts down: it draws
0 W from then on and stays off (latched), as a GPU does at its hardware
shutdown limit until it is reset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp
from scipy.linalg import expm


@dataclass(frozen=True)
class AcceleratorThermal:
    """Parameters of the two-node die / cold-plate model.

    Fields may be floats or numpy arrays of one shape (several devices at once).
    """

    C_die: float  #: die + package heat capacity (J/K)
    C_plate: float  #: cold plate / heat-sink base heat capacity (J/K)
    R_die_plate: float  #: die to plate thermal resistance (K/W)
    R_plate_coolant: float  #: plate to local coolant thermal resistance (K/W)
    T_throttle: float = 87.0  #: die temperature where derating starts (degC); estimate
    T_shutdown: float = 92.0  #: die temperature where the device shuts down (degC); estimate


#: NVIDIA H200 SXM (700 W limit) on its host's own cooling, fitted by
#: :func:`twin.calibrate.fit_accelerator` to the bundled measured trace (default
#: fit phases): time constants 0.35 s and 10.6 s, steady rise 0.042 K/W; the
#: host's coolant or air temperature came out at 23.2 degC.  Throttle and
#: shutdown limits are estimates (catalogue H100/H200 values).
H200_TRACE = AcceleratorThermal(
    C_die=9.925, C_plate=1599.0, R_die_plate=0.03515, R_plate_coolant=0.006609,
    T_throttle=87.0, T_shutdown=92.0,
)

#: NVIDIA B200 (GB200 NVL72, ~1.2 kW) on a liquid cold plate.  Estimates: die
#: capacity twice the H200 fit (two reticle-size dies and more HBM); die to
#: coolant 0.030 K/W in all, as the GB200 catalogue entry, split 0.018 die to
#: plate (the H200 fit's 0.035 K/W over about twice the die area) and 0.012
#: plate to coolant, inside the 0.01-0.03 K/W quoted for 700-1000 W cold
#: plates; plate capacity of a ~0.6 kg copper plate with its water (~500 J/K).
#: Limits as the catalogue (estimates).
B200_LIQUID = AcceleratorThermal(
    C_die=19.0, C_plate=500.0, R_die_plate=0.018, R_plate_coolant=0.012,
    T_throttle=87.0, T_shutdown=95.0,
)

#: NVIDIA B300 (GB300 NVL72, ~1.4 kW) on a liquid cold plate: as B200 with the
#: catalogue's 0.027 K/W die to coolant, split 0.016 + 0.011 (estimates).
B300_LIQUID = AcceleratorThermal(
    C_die=19.0, C_plate=550.0, R_die_plate=0.016, R_plate_coolant=0.011,
    T_throttle=87.0, T_shutdown=95.0,
)


def _fields(params: AcceleratorThermal):
    return np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in
          (params.C_die, params.C_plate, params.R_die_plate, params.R_plate_coolant))
    )


def state_matrices(params: AcceleratorThermal) -> tuple[np.ndarray, np.ndarray]:
    """Continuous-time ``A`` (1/s) and ``B`` for ``dx/dt = A x + B u``.

    ``x = [T_die, T_plate]``, ``u = [P, T_coolant]``; shapes ``(..., 2, 2)``.
    """
    C_d, C_p, R_dp, R_pc = _fields(params)
    A = np.zeros(C_d.shape + (2, 2))
    B = np.zeros(C_d.shape + (2, 2))
    A[..., 0, 0] = -1.0 / (R_dp * C_d)
    A[..., 0, 1] = 1.0 / (R_dp * C_d)
    A[..., 1, 0] = 1.0 / (R_dp * C_p)
    A[..., 1, 1] = -(1.0 / R_dp + 1.0 / R_pc) / C_p
    B[..., 0, 0] = 1.0 / C_d
    B[..., 1, 1] = 1.0 / (R_pc * C_p)
    return A, B


def zoh_matrices(params: AcceleratorThermal, dt) -> tuple[np.ndarray, np.ndarray]:
    """Exact zero-order-hold discretisation ``(Ad, Bd)`` over a step ``dt`` (s).

    ``expm([[A, B], [0, 0]] dt) = [[Ad, Bd], [0, I]]`` (Van Loan 1978).
    Vectorised: array-valued parameters or ``dt`` give ``(..., 2, 2)`` matrices.
    """
    A, B = state_matrices(params)
    dt = np.asarray(dt, dtype=float)
    shape = np.broadcast_shapes(A.shape[:-2], dt.shape)
    M = np.zeros(shape + (4, 4))
    M[..., :2, :2] = A * dt[..., None, None]
    M[..., :2, 2:] = B * dt[..., None, None]
    E = expm(M)
    return E[..., :2, :2], E[..., :2, 2:]


def time_constants(params: AcceleratorThermal) -> tuple[np.ndarray, np.ndarray]:
    """Fast and slow time constants (s): ``-1/eigenvalue`` of ``A``."""
    A, _ = state_matrices(params)
    half_trace = 0.5 * (A[..., 0, 0] + A[..., 1, 1])
    det = A[..., 0, 0] * A[..., 1, 1] - A[..., 0, 1] * A[..., 1, 0]
    root = np.sqrt(half_trace**2 - det)
    return -1.0 / (half_trace - root), -1.0 / (half_trace + root)


def steady_state(params: AcceleratorThermal, P, T_coolant) -> tuple[np.ndarray, np.ndarray]:
    """Steady ``(T_die, T_plate)`` (degC) at power ``P`` (W) and coolant ``T_coolant`` (degC)."""
    P = np.asarray(P, dtype=float)
    T_plate = np.asarray(T_coolant, dtype=float) + P * np.asarray(params.R_plate_coolant)
    return T_plate + P * np.asarray(params.R_die_plate), T_plate


def throttle_factor(params: AcceleratorThermal, T_die) -> np.ndarray:
    """Derate factor (-): 1 up to ``T_throttle``, linear to 0 at ``T_shutdown``."""
    band = np.asarray(params.T_shutdown) - np.asarray(params.T_throttle)
    return np.clip((np.asarray(params.T_shutdown) - np.asarray(T_die)) / band, 0.0, 1.0)


@dataclass(frozen=True)
class AcceleratorTrajectory:
    """Result of :func:`simulate`; arrays of shape ``(n_steps, ...)``."""

    T_die: np.ndarray  #: die temperature at the end of each step (degC)
    T_plate: np.ndarray  #: plate temperature at the end of each step (degC)
    P: np.ndarray  #: power drawn during each step, after throttling (W)
    shutdown: np.ndarray  #: True from the step in which the device shut down (latched)


def _initial_state(params, P_demand, T_coolant, T_die_initial, T_plate_initial):
    if T_die_initial is None or T_plate_initial is None:
        return steady_state(params, P_demand[0], T_coolant[0])
    return np.asarray(T_die_initial, dtype=float), np.asarray(T_plate_initial, dtype=float)


def simulate(params: AcceleratorThermal, P_demand, T_coolant, dt: float,
             T_die_initial=None, T_plate_initial=None) -> AcceleratorTrajectory:
    """Step the model with the throttling and shutdown law of this module.

    ``P_demand`` (W) has shape ``(n_steps, ...)``, each value held for ``dt`` (s);
    ``T_coolant`` (degC) broadcasts to it.  The initial state defaults to the
    steady state at the first demand and coolant temperature.
    """
    P_demand = np.asarray(P_demand, dtype=float)
    T_coolant = np.broadcast_to(np.asarray(T_coolant, dtype=float), P_demand.shape)
    Ad, Bd = zoh_matrices(params, dt)
    T_d, T_p = _initial_state(params, P_demand, T_coolant, T_die_initial, T_plate_initial)
    band = np.asarray(params.T_shutdown) - np.asarray(params.T_throttle)
    shape = (P_demand.shape[0],) + np.broadcast_shapes(P_demand.shape[1:], Ad.shape[:-2], np.shape(T_d))
    off = np.zeros(shape[1:], dtype=bool)
    out = {name: np.empty(shape) for name in ("T_die", "T_plate", "P")}
    out_off = np.empty(shape, dtype=bool)
    for k in range(P_demand.shape[0]):
        free_d = Ad[..., 0, 0] * T_d + Ad[..., 0, 1] * T_p + Bd[..., 0, 1] * T_coolant[k]
        free_p = Ad[..., 1, 0] * T_d + Ad[..., 1, 1] * T_p + Bd[..., 1, 1] * T_coolant[k]
        gain = Bd[..., 0, 0] * P_demand[k]
        s = np.clip((params.T_shutdown - free_d) / (band + gain), 0.0, 1.0)
        P = np.where(off, 0.0, s * P_demand[k])
        T_d = free_d + Bd[..., 0, 0] * P
        T_p = free_p + Bd[..., 1, 0] * P
        off = off | (T_d >= params.T_shutdown)
        out["T_die"][k], out["T_plate"][k], out["P"][k], out_off[k] = T_d, T_p, P, off
    return AcceleratorTrajectory(shutdown=out_off, **out)


def linear_response(params: AcceleratorThermal, P, T_coolant, dt: float,
                    T_die_initial, T_plate_initial) -> tuple[np.ndarray, np.ndarray]:
    """Exact response without throttling, fast: ``(T_die, T_plate)`` at step ends.

    Scalar parameters; ``P`` (W) of shape ``(n_steps, ...)`` held over steps of
    ``dt`` (s), ``T_coolant`` (degC) broadcasting to it.  The discrete system is
    split into its two real modes, each a first-order recursion run by
    :func:`scipy.signal.lfilter`.
    """
    P = np.asarray(P, dtype=float)
    T_coolant = np.broadcast_to(np.asarray(T_coolant, dtype=float), P.shape)
    Ad, Bd = zoh_matrices(params, dt)
    lam, V = np.linalg.eig(Ad)
    lam, V = lam.real, V.real
    V_inv = np.linalg.inv(V)
    x0 = np.stack(np.broadcast_arrays(np.asarray(T_die_initial, float), np.asarray(T_plate_initial, float)))
    z0 = np.tensordot(V_inv, x0, axes=1)
    Bz = V_inv @ Bd
    T_die = np.zeros(P.shape)
    T_plate = np.zeros(P.shape)
    for i in range(2):
        w = Bz[i, 0] * P + Bz[i, 1] * T_coolant
        zi = np.broadcast_to(lam[i] * z0[i], P.shape[1:])[None]
        from scipy.signal import lfilter  # here: importing scipy.signal costs ~0.5 s

        z, _ = lfilter([1.0], [1.0, -lam[i]], w, axis=0, zi=zi)
        T_die += V[0, i] * z
        T_plate += V[1, i] * z
    return T_die, T_plate


def reference_response(params: AcceleratorThermal, P, T_coolant, dt: float,
                       T_die_initial: float, T_plate_initial: float,
                       rtol: float = 1e-11, atol: float = 1e-11) -> tuple[np.ndarray, np.ndarray]:
    """Tight-tolerance reference for tests: ``solve_ivp`` restarted at every step.

    Scalar parameters; ``P`` (W) and ``T_coolant`` (degC) are 1-D sequences held
    over steps of ``dt`` (s).  The heat balances are written out here, apart
    from :func:`state_matrices`.  Returns ``(T_die, T_plate)`` at step ends.
    """
    P = np.asarray(P, dtype=float)
    T_coolant = np.broadcast_to(np.asarray(T_coolant, dtype=float), P.shape)

    def rhs(_t, x, P_k, T_c):
        Q_die_plate = (x[0] - x[1]) / params.R_die_plate
        Q_plate_coolant = (x[1] - T_c) / params.R_plate_coolant
        return [(P_k - Q_die_plate) / params.C_die, (Q_die_plate - Q_plate_coolant) / params.C_plate]

    x = np.array([T_die_initial, T_plate_initial], dtype=float)
    out = np.empty((P.size, 2))
    for k in range(P.size):
        sol = solve_ivp(rhs, (0.0, dt), x, method="DOP853", rtol=rtol, atol=atol,
                        args=(P[k], T_coolant[k]))
        x = sol.y[:, -1]
        out[k] = x
    return out[:, 0], out[:, 1]
