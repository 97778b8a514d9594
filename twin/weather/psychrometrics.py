"""Vectorised psychrometrics and clear-sky irradiance.

ASHRAE Handbook-Fundamentals (2017) ch. 1 formulas, as PsychroLib 2.5 uses them, on whole
arrays (checked against PsychroLib and CoolProp ``HAPropsSI`` in ``tests/test_weather.py``).
Temperatures in degC, pressures in Pa, humidity ratios in kg water per kg dry air.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_MIN_HUMIDITY_RATIO = 1e-7
EPSILON = 0.621945  # molar mass ratio water / dry air, ASHRAE 2017 ch. 1 eq. 20


def saturation_pressure(T):
    """Saturation vapour pressure (Pa) at ``T`` (degC), over ice at or below the triple point (0.01 degC).

    ASHRAE Handbook-Fundamentals (2017) ch. 1 eq. 5-6 (switched at 0.01 degC as PsychroLib does).
    """
    T = np.asarray(T, dtype=float)
    K = T + 273.15
    ice = (-5.6745359e03 / K + 6.3925247 - 9.677843e-03 * K + 6.2215701e-07 * K**2
           + 2.0747825e-09 * K**3 - 9.484024e-13 * K**4 + 4.1635019 * np.log(K))
    water = (-5.8002206e03 / K + 1.3914993 - 4.8640239e-02 * K + 4.1764768e-05 * K**2
             - 1.4452093e-08 * K**3 + 6.5459673 * np.log(K))
    return np.exp(np.where(T <= 0.01, ice, water))


def standard_pressure(elevation):
    """Standard-atmosphere pressure (Pa) at ``elevation`` (m). ASHRAE 2017 ch. 1 eq. 3."""
    return 101325.0 * (1.0 - 2.25577e-05 * np.asarray(elevation, dtype=float)) ** 5.2559


def humidity_ratio(p_vapour, p_atmosphere):
    """Humidity ratio (kg water per kg dry air) from vapour and total pressure (Pa). ASHRAE 2017 ch. 1 eq. 20."""
    p_vapour = np.asarray(p_vapour, dtype=float)
    return np.maximum(EPSILON * p_vapour / (p_atmosphere - p_vapour), _MIN_HUMIDITY_RATIO)


def humidity_ratio_at_wet_bulb(T_dry_bulb, T_wet_bulb, p_atmosphere):
    """Humidity ratio of air at ``T_dry_bulb`` whose wet bulb is ``T_wet_bulb``. ASHRAE 2017 ch. 1 eq. 33/35."""
    W_sat = humidity_ratio(saturation_pressure(T_wet_bulb), p_atmosphere)
    dT = T_dry_bulb - T_wet_bulb
    water = ((2501.0 - 2.326 * T_wet_bulb) * W_sat - 1.006 * dT) / (2501.0 + 1.86 * T_dry_bulb - 4.186 * T_wet_bulb)
    ice = ((2830.0 - 0.24 * T_wet_bulb) * W_sat - 1.006 * dT) / (2830.0 + 1.86 * T_dry_bulb - 2.1 * T_wet_bulb)
    return np.maximum(np.where(T_wet_bulb >= 0.0, water, ice), _MIN_HUMIDITY_RATIO)


def _bisect(f, lo, hi, iterations):
    """Root of the increasing function ``f`` between ``lo`` and ``hi``, elementwise, by fixed-count bisection."""
    lo, hi = (a.copy() for a in np.broadcast_arrays(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)))
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        above = f(mid) > 0.0
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return 0.5 * (lo + hi)


def dew_point(p_vapour):
    """Dew point (degC) whose :func:`saturation_pressure` is ``p_vapour`` (Pa); bisection on [-100, 100] degC."""
    log_p = np.log(np.maximum(np.asarray(p_vapour, dtype=float), 1e-3))
    return _bisect(lambda T: np.log(saturation_pressure(T)) - log_p, -100.0, 100.0, 32)


def wet_bulb_from_humidity_ratio(T_dry_bulb, W, p_atmosphere):
    """Thermodynamic wet bulb (degC) from dry bulb (degC), humidity ratio (kg/kg) and pressure (Pa).

    Solves ASHRAE 2017 ch. 1 eq. 33/35 by bisection between dew point and dry bulb, the
    bracket PsychroLib uses (so the same root is found where the ice and water formulas
    meet near 0 degC), to 1e-7 K rather than PsychroLib's 1e-3 K.
    """
    T_dry_bulb, W, p = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (T_dry_bulb, W, p_atmosphere)))
    W = np.maximum(W, _MIN_HUMIDITY_RATIO)
    T_dew = np.minimum(dew_point(p * W / (EPSILON + W)), T_dry_bulb)
    return _bisect(lambda T: humidity_ratio_at_wet_bulb(T_dry_bulb, T, p) - W, T_dew, T_dry_bulb, 30)


def wet_bulb(T_dry_bulb, relative_humidity, p_atmosphere):
    """Thermodynamic wet bulb (degC) from dry bulb (degC), relative humidity (0-1) and pressure (Pa).

    Vectorised equivalent of PsychroLib ``GetTWetBulbFromRelHum`` (ASHRAE 2017 ch. 1).
    """
    p_vapour = np.asarray(relative_humidity, dtype=float) * saturation_pressure(T_dry_bulb)
    return wet_bulb_from_humidity_ratio(T_dry_bulb, humidity_ratio(p_vapour, p_atmosphere), p_atmosphere)


def clear_sky_ghi(time, latitude, longitude, time_zone):
    """Clear-sky global horizontal irradiance (W/m2) for the hour starting at each ``time`` (local standard).

    Haurwitz (1945) ``1098 cos(z) exp(-0.057 / cos(z))`` at the mid-hour sun position, with
    Spencer's (1971) series for declination and equation of time.
    """
    t = pd.DatetimeIndex(time) + pd.Timedelta(minutes=30)
    B = 2.0 * np.pi * (t.day_of_year.to_numpy() - 1) / 365.0
    declination = (0.006918 - 0.399912 * np.cos(B) + 0.070257 * np.sin(B) - 0.006758 * np.cos(2 * B)
                   + 0.000907 * np.sin(2 * B) - 0.002697 * np.cos(3 * B) + 0.00148 * np.sin(3 * B))
    equation_of_time = 229.18 * (0.000075 + 0.001868 * np.cos(B) - 0.032077 * np.sin(B)
                                 - 0.014615 * np.cos(2 * B) - 0.040849 * np.sin(2 * B))
    clock = t.hour.to_numpy() + t.minute.to_numpy() / 60.0
    solar_time = clock + (4.0 * (longitude - 15.0 * time_zone) + equation_of_time) / 60.0
    phi, hour_angle = np.radians(latitude), np.radians(15.0 * (solar_time - 12.0))
    cos_z = np.sin(phi) * np.sin(declination) + np.cos(phi) * np.cos(declination) * np.cos(hour_angle)
    return np.where(cos_z > 0.0, 1098.0 * cos_z * np.exp(-0.057 / np.maximum(cos_z, 1e-6)), 0.0)


def saturation_humidity_ratio(T, p_atmosphere):
    """Humidity ratio of saturated air (kg/kg) at ``T`` (degC) and ``p_atmosphere`` (Pa)."""
    return humidity_ratio(saturation_pressure(T), p_atmosphere)


def moist_air_enthalpy(T, W):
    """Specific enthalpy of moist air (J per kg dry air) at ``T`` (degC), humidity ratio ``W``. ASHRAE 2017 ch. 1 eq. 30."""
    T = np.asarray(T, dtype=float)
    return 1006.0 * T + np.asarray(W, dtype=float) * (2501.0e3 + 1860.0 * T)


def dew_point_from_humidity_ratio(W, p_atmosphere):
    """Dew point (degC) of air with humidity ratio ``W`` (kg/kg) at ``p_atmosphere`` (Pa)."""
    W = np.maximum(np.asarray(W, dtype=float), _MIN_HUMIDITY_RATIO)
    return dew_point(p_atmosphere * W / (EPSILON + W))
