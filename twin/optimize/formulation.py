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
- :meth:`LinearProgram.to_pyomo` builds a Pyomo ``ConcreteModel`` with one
  ``Var`` and one ``Constraint`` component per block and one ``Expression``
  per cost category, for inspection, small cases and users of the Pyomo API.

Both are the same problem; tests check that they reach the same optimum.
"""

from __future__ import annotations

import os
import sys
import time as _time
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

INF = highspy.kHighsInf


@dataclass(frozen=True)
class Block:
    """A named block of variables or constraints: positions ``start`` ... ``start + size``."""

    name: str
    start: int
    dims: tuple[str, ...]
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def index(self) -> np.ndarray:
        """Global positions of the block, shaped like the block."""
        return np.arange(self.start, self.start + self.size).reshape(self.shape)


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
    num_col: int = 0
    num_row: int = 0
    _matrix: tuple | None = None

    # -- assembly -----------------------------------------------------------------

    def add_variables(self, name, dims, shape, lower=0.0, upper=INF, integer=False) -> np.ndarray:
        """Add a block of variables; returns their column positions shaped like ``shape``."""
        shape = tuple(int(s) for s in np.atleast_1d(shape))
        block = Block(name, self.num_col, tuple(dims), shape)
        if name in self.variables:
            raise ValueError(f"variable block {name!r} defined twice")
        self.variables[name] = block
        self._lower.append(np.broadcast_to(np.asarray(lower, float), shape).ravel())
        self._upper.append(np.broadcast_to(np.asarray(upper, float), shape).ravel())
        self._integer.append(np.full(block.size, 1 if integer else 0, dtype=np.int32))
        self.num_col += block.size
        return block.index

    def add_constraints(self, name, dims, shape, lower=-INF, upper=INF) -> np.ndarray:
        """Add a block of rows with limits ``lower <= row <= upper``; returns their positions."""
        shape = tuple(int(s) for s in np.atleast_1d(shape))
        block = Block(name, self.num_row, tuple(dims), shape)
        if name in self.constraints:
            raise ValueError(f"constraint block {name!r} defined twice")
        self.constraints[name] = block
        self._row_lower.append(np.broadcast_to(np.asarray(lower, float), shape).ravel())
        self._row_upper.append(np.broadcast_to(np.asarray(upper, float), shape).ravel())
        self.num_row += block.size
        return block.index

    def add_terms(self, rows, cols, coefficients=1.0) -> None:
        """Add ``coefficients * x[cols]`` to ``rows`` (broadcast together, repeats summed)."""
        rows, cols, vals = np.broadcast_arrays(rows, cols, np.asarray(coefficients, float))
        self._rows.append(rows.ravel())
        self._cols.append(cols.ravel())
        self._vals.append(vals.ravel())

    def add_cost(self, category: str, cols, coefficients) -> None:
        """Add ``coefficients * x[cols]`` (USD) to the objective, booked under ``category``."""
        cols, vals = np.broadcast_arrays(cols, np.asarray(coefficients, float))
        self._cost_cols.setdefault(category, []).append(cols.ravel())
        self._cost_vals.setdefault(category, []).append(vals.ravel())

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

    def to_pyomo(self):
        """A Pyomo ``ConcreteModel`` of the same problem.

        Each variable block becomes a ``Var`` and each constraint block a
        ``Constraint``, named like the block and indexed by position along the
        block's dims (listed in the component's doc).  ``model.cost[category]``
        is an ``Expression`` per cost category and ``model.objective`` their sum.
        ``model._columns`` lists the variables in column order.
        """
        import pyomo.environ as pyo
        from pyomo.core.expr.numeric_expr import LinearExpression

        model = pyo.ConcreteModel()
        lower = np.where(np.isinf(self.column_lower()), None, self.column_lower()).tolist()
        upper = np.where(np.isinf(self.column_upper()), None, self.column_upper()).tolist()
        integer = self.integrality()
        columns: list = [None] * self.num_col
        for block in self.variables.values():
            keys = _keys(block.shape)
            lo, up = block.start, block.start + block.size
            domain = pyo.Integers if integer[lo:up].any() else pyo.Reals
            bounds = dict(zip(keys, zip(lower[lo:up], upper[lo:up])))
            var = pyo.Var(keys, domain=domain, bounds=lambda m, *k, b=bounds: b[k[0] if len(k) == 1 else k],
                          doc=f"dims {block.dims}")
            model.add_component(block.name, var)
            columns[lo:up] = [var[k] for k in keys]

        A = sp.csr_array(self.matrix())
        row_lower = np.where(np.isinf(self.row_lower()), None, self.row_lower()).tolist()
        row_upper = np.where(np.isinf(self.row_upper()), None, self.row_upper()).tolist()

        def linear(cols, coefs):
            return LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=[columns[c] for c in cols])

        for block in self.constraints.values():
            keys = _keys(block.shape)

            def rule(m, *k, block=block, keys=keys):
                pos = block.start + _flat(k, block.shape)
                lo, hi = A.indptr[pos], A.indptr[pos + 1]
                expr = linear(A.indices[lo:hi].tolist(), A.data[lo:hi].tolist())
                return (row_lower[pos], expr, row_upper[pos])

            model.add_component(block.name, pyo.Constraint(keys, rule=rule, doc=f"dims {block.dims}"))

        names, C, constants = self.cost_by_category()
        terms = {name: (C.indices[C.indptr[k]:C.indptr[k + 1]].tolist(), C.data[C.indptr[k]:C.indptr[k + 1]].tolist(),
                        float(constants[k])) for k, name in enumerate(names)}
        model.cost = pyo.Expression(names, rule=lambda m, name: linear(*terms[name][:2]) + terms[name][2])
        model.objective = pyo.Objective(expr=sum(model.cost[name] for name in names), sense=pyo.minimize)
        model._columns = columns
        return model


def _keys(shape: tuple[int, ...]) -> list:
    if len(shape) == 1:
        return list(range(shape[0]))
    return [tuple(int(i) for i in k) for k in np.ndindex(*shape)]


def _flat(key: tuple, shape: tuple[int, ...]) -> int:
    return int(np.ravel_multi_index(tuple(int(i) for i in key), shape))


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


def solve_pyomo(model, lp: LinearProgram, *, mip_gap: float = 1e-3, time_limit: float | None = None) -> Solution:
    """Solve a model made by :meth:`LinearProgram.to_pyomo` with Pyomo's HiGHS interface.

    The hand-over time is Pyomo's own time (translating the model for HiGHS
    and loading the solution back), the solve time HiGHS's run time.
    """
    from pyomo.contrib.solver.common.results import TerminationCondition
    from pyomo.contrib.solver.solvers.highs import Highs

    t0 = _time.perf_counter()
    results = Highs().solve(model, rel_gap=mip_gap, time_limit=time_limit, load_solutions=False,
                            raise_exception_on_nonoptimal_result=False)
    has_solution = results.incumbent_objective is not None
    x = row_dual = None
    if has_solution:
        results.solution_loader.load_vars()
        x = np.array([v.value for v in model._columns], float)
        if not lp.is_mip:
            duals = results.solution_loader.get_duals()
            row_dual = np.array([duals[c] for block in lp.constraints.values()
                                 for c in model.component(block.name).values()], float)
    wall = _time.perf_counter() - t0
    solve = results.timing_info.highs_time
    optimal = results.termination_condition == TerminationCondition.convergenceCriteriaSatisfied
    return Solution(
        status="Optimal" if optimal else str(results.termination_condition.name),
        x=x, row_dual=row_dual,
        infeasible=results.termination_condition in (TerminationCondition.provenInfeasible,
                                                     TerminationCondition.infeasibleOrUnbounded),
        objective=results.incumbent_objective if has_solution else float("nan"),
        mip_gap=(abs(results.incumbent_objective - results.objective_bound) / max(abs(results.incumbent_objective), 1e-9)
                 if has_solution and lp.is_mip and results.objective_bound is not None else 0.0),
        handover_time_s=wall - solve, solve_time_s=solve,
    )
