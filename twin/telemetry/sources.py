"""Telemetry sources: historian exports (CSV, Parquet; wide or long) and a live MQTT topic.

Every source yields one long table, :class:`Telemetry` ``frame`` with columns
``time`` (UTC, ns), ``tag`` and ``value`` (float, in the tag's own units), sorted
by time.  Nothing is dropped silently: values that are not numbers are kept as
NaN and counted in ``notes``; rows without a parseable time are counted too.

Formats (docs/telemetry.md):

- long: columns ``time`` (or ``timestamp``), ``tag``, ``value``;
- wide: a ``time`` (or ``timestamp``) column and one column per tag.

Timestamps carry an offset (``2025-07-21T14:00:00-05:00``, ``...Z``) or are
local to the tag map's ``time_zone``; naive timestamps without a zone are an error.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from twin.errors import InputError

TIME_COLUMNS = ("time", "timestamp", "datetime", "ts")


@dataclass
class Telemetry:
    """Measurements as a long table (time UTC, tag, value in the tag's units) and what reading found."""

    frame: pd.DataFrame
    source: str
    notes: list[str] = field(default_factory=list)

    @property
    def tags(self) -> list[str]:
        return sorted(self.frame["tag"].unique())

    def series(self, tag: str) -> pd.Series:
        """One tag's values indexed by UTC time (duplicates kept)."""
        rows = self.frame[self.frame["tag"] == tag]
        return pd.Series(rows["value"].to_numpy(), index=pd.DatetimeIndex(rows["time"]), name=tag)

    def wide(self) -> pd.DataFrame:
        """Tags as columns on the union of timestamps (last value of a duplicated timestamp)."""
        return self.frame.pivot_table(index="time", columns="tag", values="value", aggfunc="last", dropna=False)


def read_telemetry(path: str | Path, time_zone: ZoneInfo | None = None) -> Telemetry:
    """Read a CSV or Parquet historian export, wide or long, into a :class:`Telemetry`."""
    file = str(path)
    p = Path(path)
    if not p.exists():
        raise InputError.one(file, "", "no such file", "a CSV or Parquet telemetry export")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            raw = pd.read_parquet(p)
        elif p.suffix.lower() in (".csv", ".txt", ".gz"):
            raw = pd.read_csv(p, dtype=str, keep_default_na=False)
        else:
            raise InputError.one(file, "", f"extension {p.suffix!r}", ".csv or .parquet")
    except InputError:
        raise
    except Exception as err:  # pandas/pyarrow parse errors: one line, no traceback
        raise InputError.one(file, "", f"an unreadable table ({type(err).__name__}: {str(err).splitlines()[0]})",
                             "a CSV or Parquet telemetry export") from None
    return from_frame(raw, file, time_zone)


def from_frame(raw: pd.DataFrame, file: str, time_zone: ZoneInfo | None) -> Telemetry:
    """A wide or long table -> :class:`Telemetry` (see the module docstring)."""
    columns = {str(c).strip().lower(): c for c in raw.columns}
    time_col = next((columns[c] for c in TIME_COLUMNS if c in columns), None)
    if time_col is None:
        raise InputError.one(file, "columns", ", ".join(map(str, raw.columns[:6])) or "none",
                             "a time column named one of " + ", ".join(TIME_COLUMNS))
    if "tag" in columns and "value" in columns:
        long = pd.DataFrame({"time": raw[time_col], "tag": raw[columns["tag"]].astype(str).str.strip(),
                             "value": raw[columns["value"]]})
    else:
        tags = [c for c in raw.columns if c != time_col]
        if not tags:
            raise InputError.one(file, "columns", "only a time column", "tag columns (wide) or tag and value (long)")
        long = raw.melt(id_vars=[time_col], value_vars=tags, var_name="tag", value_name="value")
        long = long.rename(columns={time_col: "time"})
        long["tag"] = long["tag"].astype(str).str.strip()
        # an empty cell of a wide table is no sample (tags logged at their own instants)
        empty = long["value"].isna() | (long["value"].astype(str).str.strip() == "")
        long = long[~empty].reset_index(drop=True)
    # what the writer said of the data (twin.telemetry.synthetic.write labels its Parquet files SYNTHETIC)
    notes = [str(note) for note in raw.attrs.get("twin_notes", [])]
    time = _utc(long["time"], file, time_zone)
    bad_time = time.isna()
    if bad_time.any():
        first = long["time"][bad_time].iloc[0]
        notes.append(f"{file}: {int(bad_time.sum())} rows with an unreadable time (first {first!r}) not used")
    raw_values = long["value"]
    values = pd.to_numeric(raw_values, errors="coerce")
    text = raw_values.astype(str).str.strip()
    not_number = values.isna() & ~text.isin(["", "nan", "NaN", "None", "<NA>"]) & raw_values.notna()
    if not_number.any():
        by_tag = long["tag"][not_number].value_counts()
        for tag, n in by_tag.items():
            example = text[not_number & (long["tag"] == tag)].iloc[0]
            notes.append(f"{tag}: {n} values are not numbers (first {example!r}); kept as missing")
    frame = pd.DataFrame({"time": time, "tag": long["tag"].to_numpy(), "value": values.astype(float).to_numpy()})
    frame = frame[~bad_time.to_numpy()].sort_values("time", kind="stable").reset_index(drop=True)
    return Telemetry(frame, file, notes)


def _utc(column: pd.Series, file: str, time_zone: ZoneInfo | None) -> pd.Series:
    """Parse timestamps to UTC (ns): with their offset, or in ``time_zone`` when naive."""
    if pd.api.types.is_datetime64_any_dtype(column):
        parsed = column
    else:
        text = column.astype(str).str.strip()
        aware = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
        dated = text.str.match(r"\d")  # rows that are no date at all are reported as unreadable
        aware, any_aware = aware[dated], bool(aware[dated].any())
        if any_aware and not aware.all():
            raise InputError.one(file, "time", "timestamps with and without a UTC offset mixed",
                                 "every timestamp with an offset, or none")
        if any_aware:
            parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
        else:
            parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if getattr(parsed.dt, "tz", None) is None:
        if time_zone is None:
            raise InputError.one(file, "time", f"timestamps without a UTC offset (e.g. {str(column.iloc[0])!r})",
                                 "an offset on every timestamp, or time_zone in the tag map's [telemetry]")
        parsed = parsed.dt.tz_localize(time_zone, ambiguous="NaT", nonexistent="NaT")
    return parsed.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")


# --- MQTT -----------------------------------------------------------------------------------

def parse_message(payload: bytes, topic: str, time_zone: ZoneInfo | None = None) -> list[tuple]:
    """One MQTT payload -> rows (time UTC, tag, value).

    JSON ``{"time": ..., "tag": ..., "value": ...}``, ``{"time": ..., "values": {tag: value, ...}}``
    or a list of either (a batch); a payload that is a bare number takes its tag from the topic's
    last level and its time from arrival.
    """
    where = f"mqtt:{topic}"
    text = payload.decode("utf-8", errors="replace").strip()
    expected = 'JSON {"time", "tag", "value"} (or a list of them)'
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise InputError.one(where, "payload", repr(text[:60]), expected) from None
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        return [(pd.Timestamp.now(tz="UTC").tz_localize(None), topic.rsplit("/", 1)[-1], float(data))]
    stamps, tags, values = [], [], []
    for item in data if isinstance(data, list) else [data]:
        if not isinstance(item, dict) or "time" not in item or not ("values" in item or {"tag", "value"} <= set(item)):
            raise InputError.one(where, "payload", repr(text[:60]), expected)
        pairs = item["values"].items() if "values" in item else [(item["tag"], item["value"])]
        for tag, value in pairs:
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = float("nan")
            stamps.append(str(item["time"]))
            tags.append(str(tag))
            values.append(number)
    times = _utc(pd.Series(stamps, dtype=object), where, time_zone)
    return list(zip(times, tags, values))


class MqttSource:
    """Subscribe to an MQTT topic (``mqtt://host:port/`` URL, topic filter with wildcards).

    Messages are received on a background thread (an asyncio loop running the amqtt client)
    and handed out by :meth:`poll`.  Unreadable payloads are counted in ``notes``, not dropped silently.
    """

    def __init__(self, url: str, topic: str, time_zone: ZoneInfo | None = None):
        self.url, self.topic, self.time_zone = url, topic, time_zone
        self.notes: list[str] = []
        self._rows: list[tuple] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "MqttSource":
        if not self._thread.is_alive():
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout) or self._error is not None:
            self.close()
            raise InputError.one(self.url, "broker", f"no connection ({self._error or 'timeout'})",
                                 "a reachable MQTT broker (mqtt://host:port/)")

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        from amqtt.client import MQTTClient
        from amqtt.mqtt.constants import QOS_1

        self._stop = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        client = MQTTClient(config={"auto_reconnect": False})
        try:
            await client.connect(self.url)
            await client.subscribe([(self.topic, QOS_1)])
        except BaseException as err:  # connection refused etc.: reported by start()
            self._error = err
            self._ready.set()
            return
        self._ready.set()
        stop = asyncio.ensure_future(self._stop.wait())
        get = stop
        try:
            while True:
                get = asyncio.ensure_future(client.deliver_message())
                done, _ = await asyncio.wait({get, stop}, return_when=asyncio.FIRST_COMPLETED)
                if get not in done:
                    break
                try:
                    message = get.result()
                except Exception as err:  # the broker went away: say so, stop receiving
                    with self._lock:
                        self.notes.append(f"{self.url}: connection lost ({err})")
                    break
                if message is None:
                    continue
                try:
                    rows = parse_message(bytes(message.data), message.topic, self.time_zone)
                except InputError as err:
                    with self._lock:
                        self.notes.append(str(err))
                    continue
                with self._lock:
                    self._rows.extend(rows)
        finally:
            try:
                await asyncio.wait_for(client.disconnect(), 2.0)
            except Exception:
                pass
            for task in (get, stop):
                task.cancel()

    def poll(self) -> pd.DataFrame:
        """Rows received since the last poll (time UTC, tag, value)."""
        with self._lock:
            rows, self._rows = self._rows, []
        return pd.DataFrame(rows, columns=["time", "tag", "value"]).astype({"value": float})

    def collect(self, n_rows: int, timeout: float) -> Telemetry:
        """Wait until ``n_rows`` rows arrived or ``timeout`` seconds passed; return them as Telemetry."""
        import time

        frames, count, end = [], 0, time.monotonic() + timeout
        while count < n_rows and time.monotonic() < end:
            time.sleep(0.02)
            part = self.poll()
            frames.append(part)
            count += len(part)
        frame = pd.concat(frames, ignore_index=True) if frames else self.poll()
        if count < n_rows:
            self.notes.append(f"{self.url}{self.topic}: {count} of {n_rows} rows arrived within {timeout:g} s")
        frame["time"] = pd.to_datetime(frame["time"]).astype("datetime64[ns]")
        return Telemetry(frame.sort_values("time", kind="stable").reset_index(drop=True),
                         f"{self.url}{self.topic}", list(self.notes))

    def close(self) -> None:
        if self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread.is_alive():
            self._thread.join(timeout=5)


def open_source(spec: str, time_zone: ZoneInfo | None = None):
    """A file path -> Telemetry; ``mqtt://host:port/topic/#`` -> a started :class:`MqttSource`."""
    if spec.startswith("mqtt://"):
        rest = spec[len("mqtt://"):]
        host, _, topic = rest.partition("/")
        if not topic:
            raise InputError.one("<command line>", "DATA", repr(spec), "mqtt://host:port/topic")
        source = MqttSource(f"mqtt://{host}/", topic, time_zone)
        source.start()
        return source
    return read_telemetry(spec, time_zone)
