"""Co-simulation of a site's racks and cooling plant: ``twin.simulate(site, ...)``.

Subsystems exchanging at communication points (``plant_step``, 10 s by default;
any step up to 60 s and beyond is accepted):

- racks (die, cold plate and rack coolant of every rack, or of one
  representative rack per group): linear ODEs solved exactly (zero-order hold,
  ``expm``, :mod:`twin.thermal.rack_array`) at the IT step (1 s by default),
  with the rack inlet held over the communication step;
- the plant (:mod:`twin.simulation.plant`): TCS water of each CDU bank (the
  catalogue's ``V_tcs``), CDU valve PI controllers with anti-windup, facility
  mains as cells, integrated by :func:`scipy.integrate.solve_ivp` between
  communication points, with the rack heat held; the plant's equipment
  (:func:`twin.thermal.plant.operate`) and cold storage at each point;
- the electrical network (:mod:`twin.electrical.network`) at the IT step; what
  it could not serve stops what it feeds from the next communication point
  (racks; pumps, fans, chillers and CDU pumps).

Every heat flow is computed once and booked once, so the cooling-water system
conserves energy to round-off (integrals of the heat flows are ODE states,
linear invariants the integrators keep): the Dataset reports the residual
(``ds.twin.energy_residual()``).  The coupling error falls with the
communication step (tests/test_engine.py).

``steady_state`` solves the same equations with every storage term zero, the
controllers at their set-points; it is the check on the long-run state of a
simulation, and the fast path (``mode="quasi_steady"``) for a year of plant
operation at minute steps.
"""

from twin.simulation.assembly import (  # noqa: F401
    C_COOLANT_PER_W, C_DIE_PER_W, C_PLATE_PER_W, COOLING_TERMS, DIE_PLATE_SHARE, Model, build, rack_type,
)
from twin.simulation.master import simulate  # noqa: F401
from twin.simulation.steady import WATER_LIMIT, steady_state  # noqa: F401

__all__ = ["COOLING_TERMS", "Model", "build", "rack_type", "simulate", "steady_state"]
