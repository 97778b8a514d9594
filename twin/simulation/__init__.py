"""Co-simulation of a site's racks and cooling plant: ``twin.simulate(site, ...)``.

Two time scales.  Racks (die, cold plate and rack coolant of every rack, or of
one representative rack per group) advance at the IT step (1 s by default)
with exact zero-order-hold discretisation (:mod:`twin.thermal.rack_array`),
under IT power that changes every IT step.  The plant advances at the plant
step (10 s by default), with the TCS supply temperature of each CDU bank held
over it.  Within a plant step, in order:

1. facility-water valves and pumps act on last step's measurements (PI);
2. the supply and return mains deliver water that entered them earlier
   (plug-flow transport delays, :mod:`twin.thermal.pipe`);
3. each CDU bank exchanges heat between its TCS return header and the facility
   supply (ε-NTU, :mod:`twin.thermal.cdu`);
4. the racks advance over the plant step at that TCS supply temperature;
5. CDU, rear-door and CRAH heat, and pump and fan heat, warm the facility return;
6. the plant (:mod:`twin.thermal.plant`) cools the water leaving the return main.

Every heat flow is computed once and booked once, so the cooling-water system
(racks, TCS headers, facility mains) conserves energy to round-off: the
Dataset reports the residual (``ds.twin.energy_residual()``).  The TCS return
header holds one plant step of flow (the TCS piping's transit time, ~10-20 s
for in-row CDUs).

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
