"""A live MQTT source against a real broker (amqtt) started on the loopback address."""

from __future__ import annotations

import asyncio
import json
import socket
import threading

import pandas as pd
import pytest

from twin.errors import InputError
from twin.telemetry.check import check
from twin.telemetry.sources import MqttSource


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def broker():
    """A real amqtt broker on 127.0.0.1, run on its own event-loop thread for the test."""
    from amqtt.broker import Broker

    port = _free_port()
    loop = asyncio.new_event_loop()
    config = {"listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
              "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}}}
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start():
        server = Broker(config)  # created on the broker's own loop
        await server.start()
        return server

    server = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    yield f"mqtt://127.0.0.1:{port}/"
    # amqtt's shutdown lingers ~5 s on its broadcast loop: give it 1 s, then cancel what is left
    async def stop():
        try:
            await asyncio.wait_for(server.shutdown(), 1.0)
        except (TimeoutError, asyncio.TimeoutError):
            pass
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def publish(url: str, messages: list[tuple[str, bytes]]) -> None:
    from amqtt.client import MQTTClient
    from amqtt.mqtt.constants import QOS_1

    async def main():
        client = MQTTClient()
        await client.connect(url)
        for topic, payload in messages:
            await client.publish(topic, payload, qos=QOS_1)
        await client.disconnect()

    asyncio.run(main())


def test_live_topic_feeds_the_checks(broker, demo_map, demo_day):
    data, _ = demo_day
    rows = data.frame.iloc[:400]
    messages = []
    # batches of records, as a gateway publishes them
    for k in range(0, len(rows), 50):
        batch = [{"time": pd.Timestamp(t).tz_localize("UTC").isoformat(), "tag": tag, "value": value}
                 for t, tag, value in rows.iloc[k:k + 50].itertuples(index=False)]
        messages.append(("site/demo/bms", json.dumps(batch).encode()))
    messages.append(("site/demo/bms", b"not json"))
    messages.append(("site/demo/wx/WX.OAT", b"91.5"))
    with MqttSource(broker, "site/demo/#") as source:
        publish(broker, messages)
        live = source.collect(n_rows=len(rows) + 1, timeout=20)
    assert len(live.frame) == len(rows) + 1
    got = live.frame
    first = got[got["tag"] != "WX.OAT"].sort_values(["time", "tag"]).reset_index(drop=True)
    want = rows[rows["tag"] != "WX.OAT"].sort_values(["time", "tag"]).reset_index(drop=True)
    assert (first["time"].to_numpy() == want["time"].to_numpy()).all()
    assert (first["value"].to_numpy() == want["value"].to_numpy()).all()
    assert any("payload: found 'not json'" in note for note in live.notes)
    summaries, _ = check(demo_map, live)
    assert {s.tag for s in summaries if s.n > 0} >= set(rows["tag"])


def test_no_broker_is_one_line():
    with pytest.raises(InputError, match="broker: found no connection"):
        MqttSource(f"mqtt://127.0.0.1:{_free_port()}/", "x/#").start(timeout=5)


@pytest.mark.parametrize("options", [[], ["--estimator", "ekf", "--align"]], ids=["offset", "ekf-align"])
def test_watch_alerts_on_a_live_fault(broker, demo, demo_map, tmp_path, options):
    """twin watch on the live topic: a pump fault hidden in SYNTHETIC data is alerted and logged, by the
    default tracker and by the EKF with clock alignment (which first flags the site's cooling power:
    on this quasi-steady data it finds the pumps' own tag 23 min after the fault, docs/telemetry.md)."""
    from typer.testing import CliRunner

    from twin.cli import app
    from twin.telemetry.synthetic import Fault, synthesize

    start = pd.Timestamp("2025-07-14 05:00")
    fault = start + pd.Timedelta(hours=26, minutes=7)
    data, _ = synthesize(demo, demo_map, start=start, days=1.25, seed=9, faults=[Fault("pump", "fws", fault, 1.3)])
    frame = data.frame
    messages = []
    for k in range(0, len(frame), 2000):
        part = frame.iloc[k:k + 2000]
        batch = [{"time": pd.Timestamp(t).tz_localize("UTC").isoformat(), "tag": tag, "value": value}
                 for t, tag, value in part.itertuples(index=False)]
        messages.append(("site/demo/bms", json.dumps(batch).encode()))
    sender = threading.Timer(1.0, publish, args=(broker, messages))
    sender.start()
    log = tmp_path / "alerts.log"
    result = CliRunner().invoke(app, ["watch", "demo", "--source", broker + "site/demo/#", "--map", demo_map.file,
                                      "--every", "1", "--for", "60", "--max-alerts", "1", "--log", str(log), *options],
                                terminal_width=250)
    sender.join()
    assert result.exit_code == 0, result.output
    lines = log.read_text().splitlines()
    assert lines and all(pd.Timestamp(line[6:22]) >= fault for line in lines), lines
    if not options:
        assert any("facility pumps of facility_loops.fws" in line for line in lines), lines
    else:
        assert any("SITE.COOLING.KW" in line and "cooling plant" in line for line in lines), lines
        assert "note: clock: FWS.FWS.PUMPS.KW" in result.output, result.output  # the skews it applied
