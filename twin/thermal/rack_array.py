"""Vectorised thermal kernel for thousands of liquid-cooled racks.

Each rack is one representative accelerator (the two-node die / cold-plate
model of :mod:`twin.thermal.accelerator`, standing for all ``n`` accelerators
of the rack in parallel) and the rack's coolant (manifolds, hoses and
cold-plate water, heat capacity ``C_coolant``) taken as one well-mixed volume,
so the rack outlet is at the coolant node temperature ``T_coolant``::

    C_die     dT_die/dt     = P_acc/n - (T_die - T_plate)/R_die_plate
    C_plate   dT_plate/dt   = (T_die - T_plate)/R_die_plate - (T_plate - T_coolant)/R_plate_coolant
    C_coolant dT_coolant/dt = n (T_plate - T_coolant)/R_plate_coolant + P_other
                              - C_flow (T_coolant - T_inlet)

For a rack demanding IT power ``D`` (W): the accelerators dissipate
``P_acc = s * accelerator_power_fraction * D`` (``s`` the derate factor),
the rest of the liquid-cooled parts (CPUs, NICs, switches)
``P_other = (liquid_fraction - accelerator_power_fraction) * D`` into the
coolant, and ``(1 - liquid_fraction) * D`` goes straight to the room air.
Heat to liquid is ``Q_flow_liquid = C_flow (T_coolant - T_inlet)``: positive
when the racks heat the loop.  Throttling follows the law of
:mod:`twin.thermal.accelerator` on the representative die and acts on the
accelerators' share only; at shutdown the accelerators stay at 0 W (latched)
while the rest of the rack keeps its demand.

The model is linear between throttling events, so a block of ``K`` steps of
zero-order-held inputs maps exactly (matrix exponential) onto the die
temperatures, end state, coolant-temperature integral and energy of the block
through one matrix per rack type: the response to basis inputs ``[D_0 .. D_K-1,
x_0, T_inlet]``.  A block is one matrix product over all racks of a type
(BLAS); racks whose die passes ``T_throttle`` in a block, or that are shut
down, are recomputed step by step with the throttling law.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

import numpy as np
from scipy.linalg import expm

from twin.compiled import kernel as compiled_kernel
from twin.thermal.accelerator import B200_LIQUID, B300_LIQUID, AcceleratorThermal
from twin.workload import BlockPower


@dataclass(frozen=True)
class RackType:
    """Parameters of one kind of rack (SI units, temperatures in degC)."""

    name: str
    n_accelerators: int  #: accelerators (GPUs) in the rack
    accelerator: AcceleratorThermal  #: per-accelerator die / cold-plate parameters
    accelerator_power_fraction: float  #: share of rack IT power dissipated in the accelerators (-)
    liquid_fraction: float  #: share of rack IT power to liquid, accelerators included (-)
    C_flow: float  #: coolant capacity rate m_flow*cp through the rack (W/K)
    C_coolant: float  #: heat capacity of the rack's coolant and manifolds (J/K)
    P_nominal: float  #: peak IT power (W), for reference


#: GB200 NVL72: 72 B200 at ~1.2 kW of ~132 kW peak (accelerator share 0.65);
#: 87 % of heat to liquid (estimate); 1.5 L/min/kW of PG25 is a 9.99 K rise at
#: full load, so C_flow = 132 kW / 9.99 K; coolant ~40 L of PG25 plus
#: manifolds ~1.8e5 J/K (estimate).
GB200_NVL72 = RackType(
    name="GB200 NVL72", n_accelerators=72, accelerator=B200_LIQUID,
    accelerator_power_fraction=72 * 1200.0 / 132e3, liquid_fraction=0.87,
    C_flow=132e3 / 9.99, C_coolant=1.8e5, P_nominal=132e3,
)

#: GB300 NVL72: 72 B300 at ~1.4 kW of ~140 kW peak (share 0.72); 90 % to
#: liquid (compute trays 6.2 of 6.6 kW); flow and coolant as GB200 (estimates).
GB300_NVL72 = RackType(
    name="GB300 NVL72", n_accelerators=72, accelerator=B300_LIQUID,
    accelerator_power_fraction=72 * 1400.0 / 140e3, liquid_fraction=0.90,
    C_flow=140e3 / 9.99, C_coolant=1.8e5, P_nominal=140e3,
)


def rack_state_matrices(rack: RackType) -> tuple[np.ndarray, np.ndarray]:
    """Continuous ``A`` (3x3) and ``B`` (3x3) for ``x = [T_die, T_plate, T_coolant]``.

    Inputs ``u = [P_acc, P_other, T_inlet]``: accelerator power of the whole
    rack (W), other liquid-cooled power (W), coolant inlet temperature (degC).
    """
    a, n = rack.accelerator, rack.n_accelerators
    A = np.array([
        [-1.0 / (a.R_die_plate * a.C_die), 1.0 / (a.R_die_plate * a.C_die), 0.0],
        [1.0 / (a.R_die_plate * a.C_plate), -(1.0 / a.R_die_plate + 1.0 / a.R_plate_coolant) / a.C_plate,
         1.0 / (a.R_plate_coolant * a.C_plate)],
        [0.0, n / (a.R_plate_coolant * rack.C_coolant), -(n / a.R_plate_coolant + rack.C_flow) / rack.C_coolant],
    ])
    B = np.array([
        [1.0 / (n * a.C_die), 0.0, 0.0],
        [0.0, 0.0, 0.0],
        [0.0, 1.0 / rack.C_coolant, rack.C_flow / rack.C_coolant],
    ])
    return A, B


@dataclass(frozen=True)
class RackDiscrete:
    """Exact zero-order-hold step of a rack over ``dt``: see :func:`rack_zoh_matrices`."""

    Ad: np.ndarray  #: state transition (3x3)
    Bd: np.ndarray  #: input matrix (3x3), inputs [P_acc, P_other, T_inlet]
    Phi: np.ndarray  #: integral over the step of the state, from the initial state (3x3, s)
    Gamma: np.ndarray  #: integral over the step of the state, from the inputs (3x3, s)


def rack_zoh_matrices(rack: RackType, dt: float) -> RackDiscrete:
    """Exact discretisation, with the state's integral over the step (Van Loan).

    ``expm`` of ``[[A, B, 0], [0, 0, 0], [I, 0, 0]] dt`` carries
    ``[x0, u, 0]`` to ``[x(dt), u, integral of x over the step]``; the integral
    gives the exact heat to liquid, so energy balances to round-off.
    """
    A, B = rack_state_matrices(rack)
    M = np.zeros((9, 9))
    M[:3, :3], M[:3, 3:6], M[6:, :3] = A, B, np.eye(3)
    E = expm(M * dt)
    return RackDiscrete(Ad=E[:3, :3], Bd=E[:3, 3:6], Phi=E[6:, :3], Gamma=E[6:, 3:6])


def rack_steady_state(rack: RackType, P, T_inlet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steady ``(T_die, T_plate, T_coolant)`` (degC) at IT power ``P`` (W), unthrottled."""
    P = np.asarray(P, dtype=float)
    T_coolant = np.asarray(T_inlet, dtype=float) + rack.liquid_fraction * P / rack.C_flow
    P_each = rack.accelerator_power_fraction * P / rack.n_accelerators
    T_plate = T_coolant + P_each * rack.accelerator.R_plate_coolant
    return T_plate + P_each * rack.accelerator.R_die_plate, T_plate, T_coolant


def rack_stored_energy(rack: RackType, T_die, T_plate, T_coolant) -> np.ndarray:
    """Heat stored relative to 0 degC (J)."""
    a, n = rack.accelerator, rack.n_accelerators
    return n * (a.C_die * np.asarray(T_die) + a.C_plate * np.asarray(T_plate)) + rack.C_coolant * np.asarray(T_coolant)


def _block_operator(rack: RackType, d: RackDiscrete, K: int, dt: float) -> np.ndarray:
    """Response of an unthrottled rack over ``K`` steps to basis inputs.

    Columns: demand ``D_0 .. D_K-1`` (W), initial state (3), inlet temperature.
    Rows: die temperature at each step end (K), end state (3), integral of
    ``T_coolant`` over the block (K s), demanded energy (J), sum of the K die
    temperatures.  Built by running the exact step on the basis.
    """
    f_acc = rack.accelerator_power_fraction
    f_other = rack.liquid_fraction - f_acc
    b_D = d.Bd[:, 0] * f_acc + d.Bd[:, 1] * f_other
    g_D = d.Gamma[2, 0] * f_acc + d.Gamma[2, 1] * f_other
    columns = K + 4
    x = np.zeros((3, columns))
    x[:, K:K + 3] = np.eye(3)
    T_inlet = np.zeros(columns)
    T_inlet[K + 3] = 1.0
    out = np.zeros((K + 6, columns))
    for k in range(K):
        D = np.zeros(columns)
        D[k] = 1.0
        out[K + 3] += d.Phi[2] @ x + g_D * D + d.Gamma[2, 2] * T_inlet
        x = d.Ad @ x + np.outer(b_D, D) + np.outer(d.Bd[:, 2], T_inlet)
        out[k] = x[0]
    out[K:K + 3] = x
    out[K + 4, :K] = dt
    out[K + 5] = out[:K].sum(axis=0)
    return out


@dataclass(frozen=True)
class _Stepwise:
    x: np.ndarray
    off: np.ndarray
    T_die: np.ndarray
    integral: np.ndarray
    E_electric: np.ndarray
    derated: np.ndarray


def _advance_stepwise(rack: RackType, d: RackDiscrete, x, D, T_inlet, off, dt) -> _Stepwise:
    """Step racks of one type with the throttling law; ``D`` is ``(K, m)``."""
    a = rack.accelerator
    f_acc = rack.accelerator_power_fraction
    f_other = rack.liquid_fraction - f_acc
    band = a.T_shutdown - a.T_throttle
    off = off.copy()
    m = x.shape[1]
    T_die = np.empty(D.shape)
    integral, E_electric = np.zeros(m), np.zeros(m)
    derated = np.zeros(m, dtype=bool)
    for k in range(D.shape[0]):
        D_k = D[k]
        free = d.Ad @ x + np.outer(d.Bd[:, 1], f_other * D_k) + np.outer(d.Bd[:, 2], T_inlet)
        s = np.clip((a.T_shutdown - free[0]) / (band + d.Bd[0, 0] * f_acc * D_k), 0.0, 1.0)
        s[off] = 0.0
        P_acc = s * f_acc * D_k
        integral += d.Phi[2] @ x + d.Gamma[2] @ np.stack([P_acc, f_other * D_k, T_inlet])
        x = free + np.outer(d.Bd[:, 0], P_acc)
        E_electric += ((1.0 - f_acc) * D_k + P_acc) * dt
        derated |= (s < 1.0) & (D_k > 0.0)
        off |= x[0] >= a.T_shutdown
        T_die[k] = x[0]
    return _Stepwise(x, off, T_die, integral, E_electric, derated)


@dataclass(frozen=True)
class StepReport:
    """What an :meth:`RackArray.advance` call did, per CDU group unless stated.

    Means are over the plant step; die statistics over the end of each step.
    Energies in J; ``E_electric = E_liquid + E_air + E_stored_change``.  A
    group without racks reports NaN temperatures (``-inf`` die maximum).
    """

    t_start: float  #: time at the start of the plant step (s)
    duration: float  #: plant step (s)
    P: np.ndarray  #: mean electrical power drawn, after throttling (W)
    Q_flow_liquid: np.ndarray  #: mean heat flow from the racks into the liquid loop (W)
    Q_flow_air: np.ndarray  #: mean heat flow from the racks into the room air (W)
    T_outlet: np.ndarray  #: flow-weighted mean rack outlet temperature (degC)
    T_die_max: np.ndarray  #: highest representative die temperature (degC)
    T_die_mean: np.ndarray  #: mean representative die temperature (degC)
    n_throttled: np.ndarray  #: racks derated at some step (shut-down racks included)
    n_shutdown: np.ndarray  #: racks shut down at the end of the step
    E_electric: np.ndarray
    E_liquid: np.ndarray
    E_air: np.ndarray
    E_stored_change: np.ndarray
    T_die_max_rack: np.ndarray | None = None  #: per rack, if asked (degC)
    T_die_mean_rack: np.ndarray | None = None  #: per rack, if asked (degC)
    T_outlet_rack: np.ndarray | None = None  #: per rack mean outlet, if asked (degC)
    P_rack: np.ndarray | None = None  #: per rack mean power drawn, if asked (W)

    @property
    def energy_residual(self) -> float:
        """``|E_electric - E_liquid - E_air - E_stored_change| / E_electric`` over all groups."""
        residual = self.E_electric.sum() - self.E_liquid.sum() - self.E_air.sum() - self.E_stored_change.sum()
        return float(abs(residual) / max(abs(self.E_electric.sum()), np.finfo(float).tiny))


PowerSource = Callable[[float, int, float], "np.ndarray | BlockPower"]


class RackArray:
    """State and stepping of many racks, grouped by type and by CDU.

    ``types`` lists the rack types; ``rack_type[i]`` and ``rack_group[i]``
    give rack ``i``'s type index and CDU group index.  All nodes of every rack
    start at ``T_initial`` (degC, scalar or per rack); see
    :meth:`set_steady_state`.  ``block_steps`` is the most steps whose power
    is asked of the power source at once (60 on 2 cores for 1 s steps).

    Two kernels compute the same model: ``"compiled"`` (default where numba
    imports) steps every rack through the exact zero-order-hold update with
    the throttling law, generating the power of a :class:`BlockPower` as it
    goes and summing the report per group in the same pass; ``"numpy"`` (the
    reference) maps whole blocks of unthrottled racks through one matrix
    product per rack type and steps the throttled ones.  Tests hold them equal
    to 1e-12 K.  Buffers are allocated once and reused: the hot loop
    allocates nothing of the racks' size.
    """

    def __init__(self, types: Sequence[RackType], rack_type, rack_group, T_initial,
                 n_groups: int | None = None, block_steps: int = 60, kernel: str | None = None):
        rack_type = np.asarray(rack_type, dtype=np.intp)
        self.rack_group = np.asarray(rack_group, dtype=np.intp)
        if rack_type.shape != self.rack_group.shape or rack_type.ndim != 1:
            raise ValueError("rack_type and rack_group must be 1-D arrays of one length")
        if rack_type.size and (rack_type.min() < 0 or rack_type.max() >= len(types)):
            raise ValueError(f"rack_type indices must lie in [0, {len(types)})")
        distinct: dict[RackType, int] = {}
        merged = np.array([distinct.setdefault(t, len(distinct)) for t in types], dtype=np.intp)
        self.types = tuple(distinct)  #: distinct rack types (equal ones merged)
        self.rack_type = merged[rack_type] if rack_type.size else rack_type  #: index into ``types``
        for rack in self.types:
            _check(rack)
        self.n_racks = self.rack_type.size
        self.n_groups = int(self.rack_group.max()) + 1 if n_groups is None else int(n_groups)
        self.block_steps = int(block_steps)
        if kernel is None:
            kernel = "compiled" if _compiled() is not None else "numpy"
        if kernel not in ("compiled", "numpy") or (kernel == "compiled" and _compiled() is None):
            raise ValueError(f"kernel must be 'compiled' (needs numba) or 'numpy'; got {kernel!r}")
        self.kernel = kernel  #: "compiled" or "numpy"
        self.t = 0.0
        # states are kept with the racks of each type contiguous: rack order[j] is stored at j
        self._order = np.argsort(self.rack_type, kind="stable")
        self._identity = bool(np.array_equal(self._order, np.arange(self.n_racks)))
        bounds = np.searchsorted(self.rack_type[self._order], np.arange(len(self.types) + 1))
        self._ranges = [(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:])]
        self._members = [self._order[lo:hi] for lo, hi in self._ranges]
        self._group = self.rack_group[self._order]  # group of each stored rack
        T0 = np.broadcast_to(np.asarray(T_initial, dtype=float), (self.n_racks,))
        self._x = np.tile(T0[self._order], (3, 1))  # [T_die, T_plate, T_coolant] per stored rack
        self._off = np.zeros(self.n_racks, dtype=bool)
        self._discrete: dict[tuple[int, float], RackDiscrete] = {}
        self._operators: dict[tuple[int, int, float], np.ndarray] = {}
        self._coefficients: dict[float, np.ndarray] = {}
        per_type = np.array([[r.C_flow, r.liquid_fraction] for r in self.types]).reshape(-1, 2)
        self._C_flow = per_type[self.rack_type, 0]
        self._liquid_fraction = per_type[self.rack_type, 1]
        self._C_flow_group = np.bincount(self.rack_group, self._C_flow, minlength=self.n_groups)
        self._heat_capacity = np.array([[r.n_accelerators * r.accelerator.C_die, r.n_accelerators * r.accelerator.C_plate,
                                         r.C_coolant, r.C_flow, 1.0 - r.liquid_fraction] for r in self.types
                                        ]).reshape(-1, 5)[self.rack_type[self._order]].T.copy()
        # reused buffers: per stored rack accumulators [peak, T_sum, integral, E_electric, E_demand],
        # derated flags, the inlet temperature, and the power of a block
        self._acc = np.empty((5, self.n_racks))
        self._derated = np.zeros(self.n_racks, dtype=bool)
        self._T_inlet = np.empty(self.n_racks)
        self._D = np.empty((0, self.n_racks))
        self._lag = np.empty((0, self.n_racks), dtype=np.uint8)

    def _stored_to_racks(self, values: np.ndarray, dtype=float) -> np.ndarray:
        out = np.empty(self.n_racks, dtype=dtype)
        out[self._order] = values
        return out

    @property
    def T_die(self) -> np.ndarray:
        """Representative die temperature per rack (degC)."""
        return self._stored_to_racks(self._x[0])

    @property
    def T_plate(self) -> np.ndarray:
        """Cold-plate temperature per rack (degC)."""
        return self._stored_to_racks(self._x[1])

    @property
    def T_coolant(self) -> np.ndarray:
        """Coolant (= outlet) temperature per rack (degC)."""
        return self._stored_to_racks(self._x[2])

    @property
    def shutdown(self) -> np.ndarray:
        """True for racks whose accelerators have shut down (latched)."""
        return self._stored_to_racks(self._off, dtype=bool)

    def stored_energy(self) -> np.ndarray:
        """Heat stored in each rack relative to 0 degC (J): :func:`rack_stored_energy`."""
        heat = self._heat_capacity
        return self._stored_to_racks(heat[0] * self._x[0] + heat[1] * self._x[1] + heat[2] * self._x[2])

    def set_steady_state(self, P, T_inlet_per_group) -> None:
        """Put every rack at its unthrottled steady state for IT power ``P`` (W, scalar or per rack)."""
        P = np.broadcast_to(np.asarray(P, dtype=float), (self.n_racks,))
        T_inlet = self._inlet(T_inlet_per_group)
        for rack, (lo, hi), idx in zip(self.types, self._ranges, self._members):
            self._x[:, lo:hi] = rack_steady_state(rack, P[idx], T_inlet[idx])

    def _inlet(self, T_inlet_per_group) -> np.ndarray:
        T = np.asarray(T_inlet_per_group, dtype=float)
        if T.shape != (self.n_groups,):
            raise ValueError(f"T_inlet_per_group has shape {T.shape}; expected ({self.n_groups},)")
        return T[self.rack_group]

    def _operator(self, i: int, K: int, dt: float) -> np.ndarray:
        key = (i, K, dt)
        if key not in self._operators:
            self._operators[key] = _block_operator(self.types[i], self._zoh(i, dt), K, dt)
        return self._operators[key]

    def _zoh(self, i: int, dt: float) -> RackDiscrete:
        if (i, dt) not in self._discrete:
            self._discrete[(i, dt)] = rack_zoh_matrices(self.types[i], dt)
        return self._discrete[(i, dt)]

    def _kernel_coefficients(self, dt: float) -> np.ndarray:
        """Per type: Ad, Bd (row-major), Phi[2], Gamma[2], f_acc, f_other, T_shutdown, derate band."""
        if dt not in self._coefficients:
            rows = []
            for i, rack in enumerate(self.types):
                d, a = self._zoh(i, dt), rack.accelerator
                f_acc = rack.accelerator_power_fraction
                rows.append(np.concatenate([d.Ad.ravel(), d.Bd.ravel(), d.Phi[2], d.Gamma[2],
                                            [f_acc, rack.liquid_fraction - f_acc, a.T_shutdown,
                                             a.T_shutdown - a.T_throttle]]))
            self._coefficients[dt] = np.array(rows).reshape(len(self.types), 28)
        return self._coefficients[dt]

    def advance(self, power_source: PowerSource, T_inlet_per_group, n_steps: int, dt: float,
                per_rack: bool = False) -> StepReport:
        """Advance ``n_steps`` steps of ``dt`` (s): one plant step.

        ``power_source(t0, k, dt)`` returns the demanded IT power (W) of every
        rack for the ``k`` steps starting at ``t0`` (s): an array of shape
        ``(k, n_racks)`` or a :class:`BlockPower`; it is called for consecutive
        windows of at most ``block_steps``.  ``T_inlet_per_group`` (degC) is
        each CDU group's supply temperature, held over the plant step.
        """
        if n_steps < 1 or not dt > 0.0:
            raise ValueError(f"need n_steps >= 1 and dt > 0; got {n_steps} and {dt}")
        T_inlet_group = np.asarray(T_inlet_per_group, dtype=float)
        np.take(self._inlet(T_inlet_group), self._order, out=self._T_inlet)
        t_start, duration = self.t, n_steps * dt
        compiled = _compiled() if self.kernel == "compiled" else None
        heat = self._heat_capacity
        E_before = (heat[0] * self._x[0] + heat[1] * self._x[1] + heat[2] * self._x[2]) if compiled is None \
            else None
        if compiled is not None:
            E_before_group = np.zeros(self.n_groups)
            compiled.stored_by_group(self._x, heat, self._group, E_before_group)
        acc = self._acc
        acc[0] = -np.inf
        acc[1:] = 0.0
        self._derated[:] = False
        done = 0
        while done < n_steps:
            K = min(self.block_steps, n_steps - done)
            block = power_source(self.t, K, dt)
            if not isinstance(block, BlockPower):
                block = np.asarray(block, dtype=float)
            if tuple(block.shape) != (K, self.n_racks):
                raise ValueError(f"power_source returned shape {block.shape}; expected ({K}, {self.n_racks})")
            if compiled is not None and isinstance(block, BlockPower):
                self._advance_factored(compiled, block, K, dt)
            else:
                D = self._dense(block, K)
                if compiled is not None:
                    coefficients = self._kernel_coefficients(dt)
                    for i, (lo, hi) in enumerate(self._ranges):
                        compiled.step_dense(coefficients[i], lo, hi, K, dt, D, self._x, self._off, self._T_inlet,
                                            acc, self._derated)
                else:
                    for i, (lo, hi) in enumerate(self._ranges):
                        if hi > lo:
                            self._advance_type(i, lo, hi, K, dt, D)
            self.t += K * dt
            done += K
        if compiled is not None:
            return self._report_compiled(compiled, t_start, duration, n_steps, T_inlet_group, E_before_group,
                                         per_rack)
        return self._report(t_start, duration, n_steps, T_inlet_group, E_before, per_rack)

    def _dense(self, block, K: int) -> np.ndarray:
        """The block's power as a (K, stored racks) array in the reused buffer."""
        if self._D.shape[0] < self.block_steps or self._D.shape[0] < K:
            self._D = np.empty((max(self.block_steps, K), self.n_racks))
        D = self._D[:K]
        if isinstance(block, BlockPower):
            if self._identity:
                return block.dense(out=D)
            block = block.dense()
        if self._identity:
            D[...] = block
        else:
            np.take(block, self._order, axis=1, out=D)
        return D

    def _advance_factored(self, compiled, block: BlockPower, K: int, dt: float) -> None:
        f = block.factors
        lag, scale = f.lag, np.asarray(block.scale, dtype=float)
        if not self._identity:
            if self._lag.shape != lag.shape:
                self._lag = np.empty(lag.shape, dtype=np.uint8)
            lag = np.take(lag, self._order, axis=1, out=self._lag)
            scale = scale[self._order]
        coefficients = self._kernel_coefficients(dt)
        row = np.asarray(f.row, dtype=np.intp)
        for i, (lo, hi) in enumerate(self._ranges):
            compiled.step_factored(coefficients[i], lo, hi, K, dt, f.table, lag, row, scale, self._x, self._off,
                                   self._T_inlet, self._acc, self._derated)

    def _advance_type(self, i, lo, hi, K, dt, D) -> None:
        """Reference path for the stored racks ``lo:hi`` of type ``i``: block product, throttled racks stepped."""
        rack, off = self.types[i], self._off[lo:hi]
        x0, T_inlet = self._x[:, lo:hi], self._T_inlet[lo:hi]
        inputs = np.empty((K + 4, hi - lo))
        inputs[:K] = D[:, lo:hi]
        inputs[K:K + 3] = x0
        inputs[K + 3] = T_inlet
        Y = self._operator(i, K, dt) @ inputs
        peak = Y[:K].max(axis=0)
        x_end, integral, E_demand, T_sum = Y[K:K + 3], Y[K + 3], Y[K + 4], Y[K + 5]
        E_electric = E_demand.copy()
        hot = np.flatnonzero((peak > rack.accelerator.T_throttle) | off)
        if hot.size:
            step = _advance_stepwise(rack, self._zoh(i, dt), x0[:, hot], inputs[:K, hot], T_inlet[hot],
                                     off[hot], dt)
            x_end[:, hot], off[hot] = step.x, step.off
            peak[hot], T_sum[hot] = step.T_die.max(axis=0), step.T_die.sum(axis=0)
            integral[hot], E_electric[hot] = step.integral, step.E_electric
            self._derated[lo + hot] |= step.derated
        self._x[:, lo:hi] = x_end
        acc = self._acc[:, lo:hi]
        np.maximum(acc[0], peak, out=acc[0])
        acc[1] += T_sum
        acc[2] += integral
        acc[3] += E_electric
        acc[4] += E_demand

    def _per_rack(self, n_steps: int, duration: float) -> dict:
        peak, T_sum, integral, E_electric, _ = self._acc
        return dict(T_die_max_rack=self._stored_to_racks(peak), T_die_mean_rack=self._stored_to_racks(T_sum / n_steps),
                    T_outlet_rack=self._stored_to_racks(integral / duration),
                    P_rack=self._stored_to_racks(E_electric / duration))

    def _report(self, t_start, duration, n_steps, T_inlet_group, E_before, per_rack) -> StepReport:
        """Reference report: per-rack accumulators summed per group with numpy."""
        g, n = self._group, self.n_groups
        peak, T_sum, integral, E_electric_rack, E_demand = self._acc
        heat = self._heat_capacity

        def by_group(values):
            return np.bincount(g, values, minlength=n)

        E_liquid = by_group(heat[3] * (integral - T_inlet_group[g] * duration))
        T_die_max = np.full(n, -np.inf)
        np.maximum.at(T_die_max, g, peak)
        racks = np.bincount(g, minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            T_outlet = T_inlet_group + E_liquid / duration / self._C_flow_group
            T_die_mean = by_group(T_sum) / (racks * n_steps)
        E_electric = by_group(E_electric_rack)
        E_air = by_group(heat[4] * E_demand)
        E_after = heat[0] * self._x[0] + heat[1] * self._x[1] + heat[2] * self._x[2]
        return StepReport(
            t_start=t_start, duration=duration,
            P=E_electric / duration, Q_flow_liquid=E_liquid / duration, Q_flow_air=E_air / duration,
            T_outlet=T_outlet, T_die_max=T_die_max, T_die_mean=T_die_mean,
            n_throttled=by_group(self._derated).astype(int), n_shutdown=by_group(self._off).astype(int),
            E_electric=E_electric, E_liquid=E_liquid, E_air=E_air,
            E_stored_change=by_group(E_after - E_before), **(self._per_rack(n_steps, duration) if per_rack else {}),
        )

    def _report_compiled(self, compiled, t_start, duration, n_steps, T_inlet_group, E_before_group,
                         per_rack) -> StepReport:
        """The same report summed per group in one compiled pass."""
        n = self.n_groups
        sums = np.zeros((7, n))
        counts = np.zeros((3, n), dtype=np.int64)
        T_die_max = np.full(n, -np.inf)
        compiled.report_by_group(self._acc, self._derated, self._off, self._x, self._heat_capacity, self._group,
                                 T_inlet_group, duration, sums, counts, T_die_max)
        E_liquid, T_sum, E_electric, E_air, E_after = sums[0], sums[1], sums[2], sums[3], sums[4]
        with np.errstate(invalid="ignore", divide="ignore"):
            T_outlet = T_inlet_group + E_liquid / duration / self._C_flow_group
            T_die_mean = T_sum / (counts[0] * n_steps)
        return StepReport(
            t_start=t_start, duration=duration,
            P=E_electric / duration, Q_flow_liquid=E_liquid / duration, Q_flow_air=E_air / duration,
            T_outlet=T_outlet, T_die_max=T_die_max, T_die_mean=T_die_mean,
            n_throttled=counts[1], n_shutdown=counts[2], E_electric=E_electric, E_liquid=E_liquid, E_air=E_air,
            E_stored_change=E_after - E_before_group, **(self._per_rack(n_steps, duration) if per_rack else {}),
        )


def _check(rack: RackType) -> None:
    a = rack.accelerator
    positive = [f.name for f in fields(a) if f.name.startswith(("C_", "R_")) and not getattr(a, f.name) > 0]
    positive += [name for name in ("n_accelerators", "C_flow", "C_coolant") if not getattr(rack, name) > 0]
    if positive:
        raise ValueError(f"rack type {rack.name!r}: {', '.join(positive)} must be positive")
    if not 0.0 <= rack.accelerator_power_fraction <= rack.liquid_fraction <= 1.0:
        raise ValueError(f"rack type {rack.name!r}: need 0 <= accelerator_power_fraction <= liquid_fraction <= 1")
    if not a.T_shutdown > a.T_throttle:
        raise ValueError(f"rack type {rack.name!r}: T_shutdown must exceed T_throttle")


def _compiled():
    """The compiled rack kernels (numba), or None when numba is not importable."""
    return compiled_kernel("twin.thermal._rack_kernel")
