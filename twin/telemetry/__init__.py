"""Telemetry: the twin held against a running site.

Sources (CSV/Parquet historian exports, MQTT), tag maps binding tags to the site's
components, data checks, replay against measured inputs, calibration, tracking
and fault detection, forecasts from the estimated state.  Format: docs/telemetry.md.
"""
