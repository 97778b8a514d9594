"""A linear program assembled from whole blocks of variables and constraints.

The dispatch formulation is written once, as ``define_*`` functions that add
named blocks to a :class:`LinearProgram`: a block of variables over an index
set (``("time",)``, ``("turbine_type", "time")`` ...) with vectors of bounds,
a block of constraint rows with vectors of lower and upper limits, and the
matrix coefficients as whole arrays of (row, column, value) triplets.  Costs
are recorded by category, so the objective splits into the categories it is
made of.

From that one description two models are built:

- :meth:`LinearProgram.to_highs` hands the sparse matrix straight to HiGHS
  (``highspy``), one call, no per-element Python work;
- :meth:`LinearProgram.to_pyomo` builds the readable Pyomo ``ConcreteModel``:
  one ``Set`` per dimension labelled with what it means (the UTC timestamps of
  the steps, the turbine fleets, the billing months ...), one ``Var`` and one
  ``Constraint`` component per block indexed by those labels and documented
  with its equation, mutable ``Param`` components for the data a study or a
  rolling horizon changes (loads, prices, limits), and one ``Expression`` per
  cost category.

Both are the same problem, written once: the matrix path reads the numbers
of the parameters, the Pyomo model refers to the ``Param`` components; tests
check that both reach the same optimum and the same duals on every built-in
site.
"""

from __future__ import annotations

import gc
import os
import sys
import time as _time
from contextlib import contextmanager
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

INF = highspy.kHighsInf


@dataclass(frozen=True)
class Block:
    """A named block of variables or constraints: positions ``start`` ... ``start + size``.

    ``labels``: per dim, the labels of the block's positions (``None``: the
    program's coordinate of that dim); ``doc``: the equation and its units.
    """

    name: str
    start: int
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    labels: tuple = ()
    doc: str = ""

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def index(self) -> np.ndarray:
        """Global positions of the block, shaped like the block."""
        return np.arange(self.start, self.start + self.size).reshape(self.shape)


@dataclass(frozen=True)
class Param:
    """Named data of the problem (a load, a price, a limit) over ``dims``; ``units`` as in the program."""

    name: str
    dims: tuple[str, ...]
    values: np.ndarray
    units: str
    doc: str

    def __getitem__(self, index) -> "ParamRef":
        return ParamRef(self)[index]

    def __mul__(self, scale) -> "ParamRef":
        return ParamRef(self) * scale

    __rmul__ = __mul__

    def __neg__(self) -> "ParamRef":
        return ParamRef(self) * -1.0


@dataclass(frozen=True)
class ParamRef:
    """``scale * param[position]`` element by element: how a bound or a cost coefficient uses a ``Param``."""

    param: Param
    position: np.ndarray | None = None
    scale: np.ndarray | float = 1.0

    def __post_init__(self):
        if self.position is None:
            object.__setattr__(self, "position", np.arange(self.param.values.size).reshape(self.param.values.shape))

    def __getitem__(self, index) -> "ParamRef":
        scale = self.scale if np.ndim(self.scale) == 0 else np.broadcast_to(self.scale, self.position.shape)[index]
        return ParamRef(self.param, self.position[index], scale)

    def __mul__(self, scale) -> "ParamRef":
        return ParamRef(self.param, self.position, np.asarray(self.scale) * np.asarray(scale, float))

    __rmul__ = __mul__

    def __neg__(self) -> "ParamRef":
        return self * -1.0

    @property
    def values(self) -> np.ndarray:
        return self.param.values.ravel()[self.position] * self.scale


def _numbers(value) -> np.ndarray:
    return value.values if isinstance(value, (Param, ParamRef)) else np.asarray(value, float)


def _ref(value, shape) -> tuple | None:
    """A bound or coefficient that uses a ``Param``: (param, flat positions, flat scales) over ``shape``."""
    if isinstance(value, Param):
        value = ParamRef(value)
    if not isinstance(value, ParamRef):
        return None
    position = np.broadcast_to(value.position, shape).ravel()
    scale = np.broadcast_to(np.asarray(value.scale, float), shape).ravel()
    return value.param, position, scale


@dataclass
class LinearProgram:
    """Minimise ``cost @ x + offset`` subject to ``row_lower <= A x <= row_upper`` and bounds on ``x``."""

    variables: dict[str, Block] = field(default_factory=dict)
    constraints: dict[str, Block] = field(default_factory=dict)
    _lower: list = field(default_factory=list)
    _upper: list = field(default_factory=list)
    _integer: list = field(default_factory=list)
    _row_lower: list = field(default_factory=list)
    _row_upper: list = field(default_factory=list)
    _rows: list = field(default_factory=list)
    _cols: list = field(default_factory=list)
    _vals: list = field(default_factory=list)
    _cost_cols: dict = field(default_factory=dict)
    _cost_vals: dict = field(default_factory=dict)
    constants: dict[str, float] = field(default_factory=dict)
    coords: dict[str, list] = field(default_factory=dict)
    params: dict[str, Param] = field(default_factory=dict)
    _bound_refs: dict = field(default_factory=dict)
    _cost_refs: dict = field(default_factory=dict)
    num_col: int = 0
    num_row: int = 0
    _matrix: tuple | None = None

    # -- assembly -----------------------------------------------------------------

    def add_param(self, name, dims, values, units: str = "", doc: str = "") -> Param:
        """Add named data over ``dims`` (a mutable ``Param`` of the Pyomo model) to use in bounds and costs."""
        if name in self.params:
            raise ValueError(f"parameter {name!r} defined twice")
        self.params[name] = Param(name, tuple(dims), np.asarray(values, float), units, doc)
        return self.params[name]

    def _block(self, name, start, dims, shape, labels, doc) -> Block:
        labels = tuple(labels) if labels else (None,) * len(dims)
        if len(labels) != len(dims):
            raise ValueError(f"block {name!r}: {len(labels)} label lists for dims {dims}")
        return Block(name, start, tuple(dims), shape, labels, doc)

    def add_variables(self, name, dims, shape, lower=0.0, upper=INF, integer=False, *, labels=(),
                      doc: str = "") -> np.ndarray:
        """Add a block of variables; returns their column positions shaped like ``shape``.

        ``lower``/``upper`` are numbers, arrays or :class:`Param` references;
        ``labels`` gives the labels of a dim whose positions are not the
        program's whole coordinate (a subset); ``doc`` says what it is and its unit.
        """
        shape = tuple(int(s) for s in np.atleast_1d(shape))
        block = self._block(name, self.num_col, dims, shape, labels, doc)
        if name in self.variables:
            raise ValueError(f"variable block {name!r} defined twice")
        self.variables[name] = block
        self._bound_refs[("col", name)] = (_ref(lower, shape), _ref(upper, shape))
        self._lower.append(np.broadcast_to(_numbers(lower), shape).ravel())
        self._upper.append(np.broadcast_to(_numbers(upper), shape).ravel())
        self._integer.append(np.full(block.size, 1 if integer else 0, dtype=np.int32))
        self.num_col += block.size
        return block.index

    def add_constraints(self, name, dims, shape, lower=-INF, upper=INF, *, labels=(), doc: str = "") -> np.ndarray:
        """Add a block of rows with limits ``lower <= row <= upper``; returns their positions.

        Limits may be :class:`Param` references; ``doc`` holds the equation.
        """
        shape = tuple(int(s) for s in np.atleast_1d(shape))
        block = self._block(name, self.num_row, dims, shape, labels, doc)
        if name in self.constraints:
            raise ValueError(f"constraint block {name!r} defined twice")
        self.constraints[name] = block
        self._bound_refs[("row", name)] = (_ref(lower, shape), _ref(upper, shape))
        self._row_lower.append(np.broadcast_to(_numbers(lower), shape).ravel())
        self._row_upper.append(np.broadcast_to(_numbers(upper), shape).ravel())
        self.num_row += block.size
        return block.index

    def add_terms(self, rows, cols, coefficients=1.0) -> None:
        """Add ``coefficients * x[cols]`` to ``rows`` (broadcast together, repeats summed)."""
        rows, cols, vals = np.broadcast_arrays(rows, cols, np.asarray(coefficients, float))
        self._rows.append(rows.ravel())
        self._cols.append(cols.ravel())
        self._vals.append(vals.ravel())

    def add_cost(self, category: str, cols, coefficients) -> None:
        """Add ``coefficients * x[cols]`` (USD) to the objective, booked under ``category``.

        ``coefficients`` may be a :class:`Param` reference (a price times a duration).
        """
        cols, vals = np.broadcast_arrays(cols, _numbers(coefficients))
        self._cost_cols.setdefault(category, []).append(cols.ravel())
        self._cost_vals.setdefault(category, []).append(vals.ravel())
        self._cost_refs.setdefault(category, []).append(_ref(coefficients, cols.shape))

    def add_constant(self, category: str, value: float) -> None:
        """Add a constant (USD) to the objective, booked under ``category``."""
        self.constants[category] = self.constants.get(category, 0.0) + float(value)

    # -- views --------------------------------------------------------------------

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys([*self._cost_cols, *self.constants]))

    def column_lower(self) -> np.ndarray:
        return np.concatenate(self._lower) if self._lower else np.zeros(0)

    def column_upper(self) -> np.ndarray:
        return np.concatenate(self._upper) if self._upper else np.zeros(0)

    def integrality(self) -> np.ndarray:
        return np.concatenate(self._integer) if self._integer else np.zeros(0, np.int32)

    def row_lower(self) -> np.ndarray:
        return np.concatenate(self._row_lower) if self._row_lower else np.zeros(0)

    def row_upper(self) -> np.ndarray:
        return np.concatenate(self._row_upper) if self._row_upper else np.zeros(0)

    @property
    def is_mip(self) -> bool:
        return bool(self.integrality().any())

    def matrix(self) -> sp.csc_array:
        """The constraint matrix, column-wise compressed, duplicate entries summed."""
        shape = (self.num_row, self.num_col)
        if self._matrix is None or self._matrix[0] != (shape, len(self._rows)):
            if self._rows:
                rows, cols, vals = (np.concatenate(p) for p in (self._rows, self._cols, self._vals))
                A = sp.csc_array(sp.coo_array((vals, (rows, cols)), shape=shape))
            else:
                A = sp.csc_array(shape)
            self._matrix = ((shape, len(self._rows)), A)
        return self._matrix[1]

    def cost_by_category(self) -> tuple[list[str], sp.csr_array, np.ndarray]:
        """Categories, the matrix C with ``C @ x`` the cost per category, and the constants."""
        names = self.categories
        rows, cols, vals = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
        for k, name in enumerate(names):
            for c, v in zip(self._cost_cols.get(name, []), self._cost_vals.get(name, [])):
                rows.append(np.full(c.size, k))
                cols.append(c)
                vals.append(v)
        C = sp.csr_array(
            sp.coo_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(len(names), self.num_col))
        )
        constants = np.array([self.constants.get(name, 0.0) for name in names])
        return names, C, constants

    def objective(self, categories: list[str] | None = None) -> tuple[np.ndarray, float]:
        """Objective coefficients and constant offset (of the given categories only, if any)."""
        names, C, constants = self.cost_by_category()
        keep = np.array([categories is None or name in categories for name in names], bool)
        return np.asarray(C[keep.nonzero()[0]].sum(axis=0)).ravel(), float(constants[keep].sum())

    def values(self, x: np.ndarray, name: str) -> np.ndarray:
        """The values of one variable block from a full solution vector."""
        block = self.variables[name]
        return x[block.start:block.start + block.size].reshape(block.shape)

    def row_values(self, y: np.ndarray, name: str) -> np.ndarray:
        """The values (activities or duals) of one constraint block from a full row vector."""
        block = self.constraints[name]
        return y[block.start:block.start + block.size].reshape(block.shape)

    # -- solvers --------------------------------------------------------------------

    def to_highs(self, highs: highspy.Highs | None = None, categories: list[str] | None = None) -> highspy.Highs:
        """Pass the whole problem to a HiGHS instance in one call (a new, silent one by default).

        ``categories`` keeps only those cost categories in the objective.
        """
        if highs is None:
            highs = new_highs()
        A = self.matrix()
        cost, offset = self.objective(categories)
        status = highs.passModel(
            self.num_col, self.num_row, A.nnz,
            int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize), offset,
            cost, self.column_lower(), self.column_upper(), self.row_lower(), self.row_upper(),
            A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data, self.integrality(),
        )
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model")
        return highs

    def labels(self, block: Block) -> list[list]:
        """The labels of each dim of ``block``: its own, else the program's coordinate, else positions."""
        out = []
        for dim, size, given in zip(block.dims, block.shape, block.labels):
            labels = list(given) if given is not None else self.coords.get(dim)
            out.append(labels if labels is not None and len(labels) == size else list(range(size)))
        return out

    def to_pyomo(self):
        """The readable Pyomo model (see :meth:`_to_pyomo`), built with the cyclic garbage collector paused."""
        with no_gc():
            return self._to_pyomo()

    def _to_pyomo(self):
        """The readable Pyomo ``ConcreteModel`` of the same problem.

        - one ``Set`` per dimension (``model.time``: the steps' start times in
          UTC; ``model.turbine_type``: the fleets; ``model.month`` ...);
        - one ``Var`` per variable block and one ``Constraint`` per constraint
          block, named like the block, indexed by those Sets (a block over part
          of a dimension gets its own index Set), documented with its equation;
        - one mutable ``Param`` per named input (loads, prices, limits), used in
          the bounds and costs, so a study changes ``model.energy_price[t]``
          and re-solves;
        - ``model.cost[category]``: one ``Expression`` per cost category (USD),
          ``model.objective``: their sum.

        ``model._columns`` and ``model._rows`` list the variables and constraints
        in the matrix's order (``None`` for a row with no limits, left out).
        """
        import itertools

        import pyomo.environ as pyo
        from pyomo.core.expr.numeric_expr import LinearExpression

        model = pyo.ConcreteModel(name="dispatch")
        sets: dict[str, object] = {}
        for dim, labels in self.coords.items():
            sets[dim] = pyo.Set(initialize=list(labels), ordered=True, doc=DIM_DOCS.get(dim, dim))
            model.add_component(dim, sets[dim])

        def keys_of(dims, shape, labels) -> list:
            if len(dims) == 1:
                return list(labels[0])
            return list(itertools.product(*labels))

        def index_of(name, dims, shape, labels) -> tuple:
            """Pyomo index Sets of a block (or params), and its keys in C order."""
            keys = keys_of(dims, shape, labels)
            if all(d in self.coords and len(self.coords[d]) == n for d, n in zip(dims, shape)) \
                    and all(list(self.coords[d]) == list(lab) for d, lab in zip(dims, labels)):
                return tuple(sets[d] for d in dims), keys
            index = pyo.Set(initialize=keys, ordered=True, dimen=len(dims), doc=f"{name}: dims {dims}")
            model.add_component(f"{name}_index", index)
            return (index,), keys

        # parameters
        param_keys: dict[str, list] = {}
        components: dict[str, object] = {}
        for p in self.params.values():
            doc = f"{p.doc} [{p.units}]" if p.units else p.doc
            if not p.dims:
                component = pyo.Param(initialize=float(p.values), mutable=True, doc=doc)
                param_keys[p.name] = [None]
            else:
                labels = [list(self.coords[d]) for d in p.dims]
                index, keys = index_of(p.name, p.dims, p.values.shape, labels)
                component = pyo.Param(*index, initialize=dict(zip(keys, p.values.ravel().tolist())), mutable=True,
                                      doc=doc)
                param_keys[p.name] = keys
            model.add_component(p.name, component)
            components[p.name] = component

        def element(param, position):
            key = param_keys[param.name][position]
            return components[param.name] if key is None else components[param.name][key]

        def bound_values(numbers, ref, lo, hi) -> list:
            """Bounds of positions lo..hi: numbers (None when infinite) or Param expressions."""
            out = np.where(np.isinf(numbers[lo:hi]), None, numbers[lo:hi]).tolist()
            if ref is not None:
                param, position, scale = ref
                for k in range(hi - lo):
                    if scale[k] != 0.0 and numbers[lo + k] is not None and np.isfinite(numbers[lo + k]):
                        e = element(param, position[k])
                        out[k] = e if scale[k] == 1.0 else float(scale[k]) * e
            return out

        def scalar(dims, shape) -> bool:
            return len(dims) == 1 and shape == (1,) and dims[0] in ("end", "horizon")

        # variables
        col_lower, col_upper, integer = self.column_lower(), self.column_upper(), self.integrality()
        columns: list = [None] * self.num_col
        for block in self.variables.values():
            lo, up = block.start, block.start + block.size
            refs = self._bound_refs.get(("col", block.name), (None, None))
            lower = bound_values(col_lower, refs[0], lo, up)
            upper = bound_values(col_upper, refs[1], lo, up)
            domain = pyo.Integers if integer[lo:up].any() else pyo.Reals
            if scalar(block.dims, block.shape):
                var = pyo.Var(domain=domain, bounds=(lower[0], upper[0]), doc=block.doc)
                model.add_component(block.name, var)
                columns[lo] = var
                continue
            index, keys = index_of(block.name, block.dims, block.shape, self.labels(block))
            bounds = dict(zip(keys, zip(lower, upper)))
            var = pyo.Var(*index, domain=domain, bounds=lambda m, *k, b=bounds: b[k[0] if len(k) == 1 else k],
                          doc=block.doc)
            model.add_component(block.name, var)
            columns[lo:up] = [var[k] for k in keys]

        # constraints
        A = sp.csr_array(self.matrix())
        row_lower, row_upper = self.row_lower(), self.row_upper()
        indptr, indices, data = A.indptr, A.indices.tolist(), A.data.tolist()

        def linear(lo, hi):
            return LinearExpression(constant=0.0, linear_coefs=data[lo:hi], linear_vars=[columns[c] for c in indices[lo:hi]])

        rows: list = []
        for block in self.constraints.values():
            lo, up = block.start, block.start + block.size
            refs = self._bound_refs.get(("row", block.name), (None, None))
            lower = bound_values(row_lower, refs[0], lo, up)
            upper = bound_values(row_upper, refs[1], lo, up)
            same = [upper[k] is not None and (lower[k] is upper[k] or (isinstance(lower[k], float)
                                                                       and lower[k] == upper[k]))
                    for k in range(block.size)]

            def body(k, block=block, lower=lower, upper=upper, same=same):
                if lower[k] is None and upper[k] is None:
                    return pyo.Constraint.Skip       # a row left open (e.g. off-peak in demand_on_peak_limit)
                pos = block.start + k
                expr = linear(indptr[pos], indptr[pos + 1])
                return expr == upper[k] if same[k] else (lower[k], expr, upper[k])

            if scalar(block.dims, block.shape):
                component = pyo.Constraint(expr=body(0), doc=block.doc)
                model.add_component(block.name, component)
                rows.append(component)
                continue
            index, keys = index_of(block.name, block.dims, block.shape, self.labels(block))
            position = {k: i for i, k in enumerate(keys)}
            component = pyo.Constraint(
                *index, rule=lambda m, *k, body=body, position=position: body(position[k[0] if len(k) == 1 else k]),
                doc=block.doc)
            model.add_component(block.name, component)
            rows.extend(component[k] if k in component else None for k in keys)

        # costs by category
        model.category = pyo.Set(initialize=self.categories, ordered=True, doc="cost categories")

        def cost(m, category):
            expr = self.constants.get(category, 0.0)
            parts = zip(self._cost_cols.get(category, []), self._cost_vals.get(category, []),
                        self._cost_refs.get(category, []))
            for cols, vals, ref in parts:
                if ref is None:
                    expr = expr + LinearExpression(constant=0.0, linear_coefs=vals.tolist(),
                                                   linear_vars=[columns[c] for c in cols.tolist()])
                else:
                    param, position, scale = ref
                    expr = expr + sum(float(scale[k]) * element(param, position[k]) * columns[c]
                                      for k, c in enumerate(cols.tolist()))
            return expr

        model.cost = pyo.Expression(model.category, rule=cost, doc="cost by category (USD)")
        model.objective = pyo.Objective(expr=sum(model.cost[c] for c in self.categories), sense=pyo.minimize,
                                        doc="total cost (USD)")
        model._columns = columns
        model._rows = rows
        return model


#: What each dimension of the dispatch means (docs of the Pyomo Sets).
DIM_DOCS = {
    "time": "start of each step (UTC)",
    "turbine_type": "turbine fleets (identical units per fleet)",
    "month": "billing months (YYYY-MM, local)",
    "segment": "segments of the turbines' piecewise-linear fuel curve",
    "cooling_segment": "segments of the convex cooling curve",
    "coincident_peak": "4CP intervals in the horizon",
}


@contextmanager
def no_gc():
    """Pause Python's cyclic garbage collector while Pyomo makes its many small objects.

    Building and translating a model of ~10^5 components otherwise spends most
    of its time in collections that free nothing (B-OPT-1: 10x on the build).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance.

    The library prints its banner to standard output when the first instance of
    a process is made, before any option can be set; that one line goes to the
    null device instead of into a command's report.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    highs.setOptionValue("output_flag", False)
    return highs


@dataclass(frozen=True)
class Solution:
    """What came back from HiGHS: status, values, duals (LP only) and timings (s)."""

    status: str
    infeasible: bool
    x: np.ndarray | None
    row_dual: np.ndarray | None
    objective: float
    mip_gap: float
    handover_time_s: float
    solve_time_s: float


def solve_highs(lp: LinearProgram, *, mip_gap: float = 1e-3, time_limit: float | None = None,
                highs: highspy.Highs | None = None,
                categories: list[str] | None = None) -> tuple[Solution, highspy.Highs]:
    """Hand ``lp`` to HiGHS and solve it; returns the solution and the HiGHS instance (kept for re-solves)."""
    t0 = _time.perf_counter()
    highs = lp.to_highs(highs, categories)
    handover = _time.perf_counter() - t0
    return run_highs(highs, is_mip=lp.is_mip, mip_gap=mip_gap, time_limit=time_limit, handover_time_s=handover), highs


def run_highs(highs: highspy.Highs, *, is_mip: bool, mip_gap: float = 1e-3, time_limit: float | None = None,
              handover_time_s: float = 0.0) -> Solution:
    """Run HiGHS on the model it holds and collect the solution."""
    highs.setOptionValue("mip_rel_gap", float(mip_gap))
    highs.setOptionValue("time_limit", float(time_limit) if time_limit is not None else INF)
    t0 = _time.perf_counter()
    highs.run()
    solve = _time.perf_counter() - t0
    status = highs.getModelStatus()
    info = highs.getInfo()
    has_solution = int(info.primal_solution_status) == int(highspy.SolutionStatus.kSolutionStatusFeasible)
    solution = highs.getSolution() if has_solution else None
    x = np.array(solution.col_value) if solution is not None else None
    dual = np.array(solution.row_dual) if solution is not None and not is_mip and solution.dual_valid else None
    return Solution(
        status=highs.modelStatusToString(status),
        infeasible=status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible),
        x=x,
        row_dual=dual,
        objective=info.objective_function_value if has_solution else float("nan"),
        mip_gap=info.mip_gap if is_mip else 0.0,
        handover_time_s=handover_time_s,
        solve_time_s=solve,
    )


def solve_pyomo(model, lp: LinearProgram, *, mip_gap: float = 1e-3, time_limit: float | None = None,
                solver: str = "highs") -> Solution:
    """Solve a model made by :meth:`LinearProgram.to_pyomo` (perhaps extended) through Pyomo.

    ``solver`` ``"highs"`` uses Pyomo's HiGHS interface; any other name goes
    to ``pyomo.environ.SolverFactory`` (``"cbc"``, ``"glpk"``, ``"gurobi"``
    ...).  The hand-over time is Pyomo's own time (translating the model and
    loading the solution back), the solve time the solver's run time.
    """
    if solver != "highs":
        return _solve_factory(model, lp, solver, mip_gap=mip_gap, time_limit=time_limit)
    return _solve_standard_form(model, lp, mip_gap=mip_gap, time_limit=time_limit)


def _solve_standard_form(model, lp: LinearProgram, *, mip_gap: float, time_limit: float | None) -> Solution:
    """Compile the Pyomo model with Pyomo's linear standard-form compiler and solve it with HiGHS.

    The compiler walks every active constraint and the objective of the model
    (the user's additions included) into one sparse matrix; its rows keep
    their sense (``RowEntry.bound_type``: 0 ``==``, 1 ``<=``, -1 ``>=``; a
    ranged constraint gives two rows, whose duals are added).  Column bounds
    are the variables' bounds with their ``Param`` values of the moment.
    """
    import pyomo.environ as pyo
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    t0 = _time.perf_counter()
    with no_gc():
        form = LinearStandardFormCompiler().write(model, mixed_form=True)
        columns = form.columns
        lower = np.array([-INF if v.lb is None else v.lb for v in columns], float)
        upper = np.array([INF if v.ub is None else v.ub for v in columns], float)
        integer = np.array([0 if v.is_continuous() else 1 for v in columns], np.int32)
    kind = np.array([r.bound_type for r in form.rows], int)
    rhs = np.asarray(form.rhs, float)
    row_lower = np.where(kind == 1, -INF, rhs)
    row_upper = np.where(kind == -1, INF, rhs)
    A = sp.csc_array(form.A)
    cost = np.asarray(form.c.toarray()).ravel() if form.c.shape[0] else np.zeros(len(columns))
    offset = float(np.asarray(form.c_offset).ravel()[0]) if np.size(form.c_offset) else 0.0
    sense = form.objectives[0].sense if form.objectives else pyo.minimize
    highs = new_highs()
    highs.passModel(len(columns), A.shape[0], A.nnz, int(highspy.MatrixFormat.kColwise),
                    int(highspy.ObjSense.kMinimize if sense == pyo.minimize else highspy.ObjSense.kMaximize), offset,
                    cost, lower, upper, row_lower, row_upper, A.indptr.astype(np.int32), A.indices.astype(np.int32),
                    A.data, integer)
    is_mip = bool(integer.any())
    handover = _time.perf_counter() - t0
    solution = run_highs(highs, is_mip=is_mip, mip_gap=mip_gap, time_limit=time_limit, handover_time_s=handover)
    t1 = _time.perf_counter()
    x = row_dual = None
    if solution.x is not None:
        for v, value in zip(columns, solution.x.tolist()):
            v.set_value(value, skip_validation=True)
        x = np.array([_value_or_bound(v) for v in model._columns], float)
        if solution.row_dual is not None:
            dual: dict = {}
            for r, y in zip(form.rows, solution.row_dual.tolist()):
                dual[id(r.constraint)] = dual.get(id(r.constraint), 0.0) + y
            row_dual = np.array([dual.get(id(c), 0.0) if c is not None else 0.0 for c in model._rows], float)
    from dataclasses import replace

    return replace(solution, x=x, row_dual=row_dual,
                   handover_time_s=handover + _time.perf_counter() - t1)


def _value_or_bound(v) -> float:
    """A variable's value; one that appears in no row nor cost sits at its bound nearest zero."""
    if v.value is not None:
        return v.value
    lb, ub = v.lb, v.ub
    return min(max(0.0, -INF if lb is None else lb), INF if ub is None else ub)


def _is_mip(model, lp: LinearProgram) -> bool:
    """Whether the model has integer variables (an extension may add some)."""
    if lp.is_mip:
        return True
    import pyomo.environ as pyo

    return any(not v.is_continuous() for v in model.component_data_objects(pyo.Var, active=True))


#: Option names of the relative MIP gap and the time limit for solvers reached through SolverFactory.
_OPTIONS = {"cbc": ("ratioGap", "seconds"), "glpk": ("mipgap", "tmlim"), "gurobi": ("MIPGap", "TimeLimit"),
            "cplex": ("mipgap", "timelimit"), "scip": ("limits/gap", "limits/time")}


def solver_available(solver: str) -> bool:
    """Whether Pyomo can drive ``solver`` on this machine."""
    if solver == "highs":
        return True
    import logging

    import pyomo.environ as pyo

    logging.getLogger("pyomo.solvers").setLevel(logging.ERROR)
    try:
        return bool(pyo.SolverFactory(solver).available(exception_flag=False))
    except Exception:
        return False


def _solve_factory(model, lp: LinearProgram, solver: str, *, mip_gap: float, time_limit: float | None) -> Solution:
    import pyomo.environ as pyo
    from pyomo.opt import SolverStatus, TerminationCondition

    opt = pyo.SolverFactory(solver)
    is_mip = _is_mip(model, lp)
    gap, limit = _OPTIONS.get(solver, (None, None))
    if gap and is_mip:
        opt.options[gap] = mip_gap
    if limit and time_limit is not None:
        opt.options[limit] = time_limit
    if not is_mip and model.component("dual") is None:
        model.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    t0 = _time.perf_counter()
    results = opt.solve(model, load_solutions=False)
    wall = _time.perf_counter() - t0
    condition = results.solver.termination_condition
    has_solution = len(results.solution) > 0 and condition not in (TerminationCondition.infeasible,
                                                                    TerminationCondition.infeasibleOrUnbounded)
    x = row_dual = None
    objective = float("nan")
    if has_solution:
        model.solutions.load_from(results)
        x = np.array([v.value for v in model._columns], float)
        objective = float(pyo.value(model.objective))
        if not is_mip:
            row_dual = np.array([model.dual.get(c, np.nan) if c is not None else 0.0 for c in model._rows], float)
    solve = float(getattr(results.solver, "time", None) or getattr(results.solver, "wallclock_time", None) or wall)
    optimal = condition == TerminationCondition.optimal and results.solver.status == SolverStatus.ok
    return Solution(
        status="Optimal" if optimal else str(condition), x=x, row_dual=row_dual,
        infeasible=condition in (TerminationCondition.infeasible, TerminationCondition.infeasibleOrUnbounded),
        objective=objective, mip_gap=mip_gap if is_mip and has_solution else 0.0,
        handover_time_s=max(wall - solve, 0.0), solve_time_s=solve,
    )
