"""Electrical chain of a site: component losses, storage, turbines, the stepped network and power metrics.

Modules: :mod:`~twin.electrical.transformer`, :mod:`~twin.electrical.ups`,
:mod:`~twin.electrical.distribution`, :mod:`~twin.electrical.bess`,
:mod:`~twin.electrical.turbine`, :mod:`~twin.electrical.metrics` and
:mod:`~twin.electrical.network` (the POI-to-rack network stepped at the IT
step).  The network API is re-exported here and loaded on first use::

    from twin.electrical import ElectricalNetwork, ElectricalControl, UtilityOutage
    network = ElectricalNetwork.from_site(site, ElectricalControl(poi_ramp_limit=5e6))
    state = network.initial_state(P_it[:60], P_cooling)
    state, block = network.step_block(state, P_it[:60], P_cooling, 1.0, 0.0)
"""

from importlib import import_module

_NETWORK = ("ElectricalNetwork", "ElectricalControl", "ElectricalState", "ElectricalBlock", "UtilityOutage",
            "TurbineTrip", "BLOCK_VARIABLES", "concatenate_blocks", "electrical_summary", "format_summary",
            "unserved_events")

__all__ = list(_NETWORK)


def __getattr__(name: str):
    if name in _NETWORK:
        return getattr(import_module("twin.electrical.network"), name)
    raise AttributeError(f"module 'twin.electrical' has no attribute {name!r}")
