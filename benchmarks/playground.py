"""Playground training speed against plain gn.train on the same network and data.

    python benchmarks/playground.py [--seconds 2] [--repeats 3]
    python benchmarks/playground.py --classroom [--seconds 6]

For each configuration it finds a number of epochs E that plain ``gn.train`` runs in about
``--seconds`` (with the validation data the playground also evaluates every epoch), then, in
turns, times E epochs of:

    gn.train   the network alone, no callback
    session    a playground Session training in its background thread (callback, snapshots)
    server     a Session behind the real server: uvicorn, and a WebSocket client that reads
               every update as the page does (samples/s up to the first update past E epochs)

and prints the median samples/s of each and the ratios. The issue asks for playground /
gn.train >= 0.5.

``--classroom`` is the load test: as many tabs as the server allows (``MAX_SESSIONS``), each a
WebSocket client training the default XOR network and reading every update, for ``--seconds``,
while ``GET /`` is timed every 0.25 s; then one tab alone, and one tab next to a tab training a
long epoch ([2, 1024, 1024, 1], batch 1). It prints a Markdown table (the README's).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import threading
import time

import glassnet as gn
from glassnet.playground import create_app
from glassnet.playground.server import MAX_SESSIONS
from glassnet.playground.session import Session

CONFIGS = {
    "xor 2-8-8-1, batch 32": {"dataset": "xor", "n_samples": 400, "hidden": [8, 8]},
    "spiral 2-32-32-32-1, batch 64": {
        "dataset": "spiral",
        "n_samples": 2000,
        "hidden": [32, 32, 32],
        "batch_size": 64,
    },
    "circles 2-256-256-1, full batch": {  # 750 rows: at most MAX_STEP_WORK per step
        "dataset": "two_circles",
        "n_samples": 1000,
        "hidden": [256, 256],
        "batch_size": "full",
    },
}


def plain_train(session: Session, epochs: int) -> float:
    """Seconds of gn.train for ``epochs`` epochs on a fresh copy of the session's network."""
    net = gn.Network.from_config(session.net.config())
    optimizer = gn.Momentum(lr=session.optimizer.lr, beta=session.optimizer.beta)
    start = time.perf_counter()
    gn.train(
        net,
        session.X_train,
        session.y_train,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=session.settings["batch_size"],
        seed=0,
        validation_data=(session.X_val, session.y_val),
    )
    return time.perf_counter() - start


def session_train(settings: dict, epochs: int) -> float:
    """Seconds of a Session training ``epochs`` epochs in its thread, snapshots included."""
    session = Session(settings)
    start = time.perf_counter()
    session.start(epochs)
    session.wait()
    elapsed = time.perf_counter() - start
    assert session.record.epochs == epochs, session.message
    return elapsed


class Server:
    """The playground's app under uvicorn on a free port, in a thread."""

    def __enter__(self) -> Server:
        import uvicorn

        sock = socket.create_server(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join()

    def train(self, settings: dict, epochs: int) -> tuple[float, float, float]:
        """(seconds per epoch as seen by the page, epochs per second, updates per second)."""
        return asyncio.run(self._train(settings, epochs))

    async def _train(self, settings: dict, epochs: int):
        import websockets

        async with websockets.connect(f"ws://127.0.0.1:{self.port}/ws") as ws:
            await ws.send(json.dumps({"type": "configure", "settings": settings}))
            configured = 0
            while configured < 2:  # the first configured message is the default session
                configured += json.loads(await ws.recv())["type"] == "configured"
            start = time.perf_counter()
            await ws.send(json.dumps({"type": "start"}))
            updates = 0
            while True:
                message = json.loads(await ws.recv())
                if message["type"] != "update" or message["state"] != "running":
                    continue
                updates += 1
                if message["epoch"] >= epochs:
                    elapsed = time.perf_counter() - start
                    return elapsed / message["epoch"], updates / elapsed


LONG_EPOCH = {"dataset": "xor", "n_samples": 1334, "hidden": [1024, 1024], "batch_size": 1}


async def _tab(port: int, settings: dict | None, seconds: float, stamps: list) -> None:
    """One tab: configure, start, read every update for ``seconds``, append their times."""
    import websockets

    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
        if settings:
            await ws.send(json.dumps({"type": "configure", "settings": settings}))
        configured = 0
        while configured < (2 if settings else 1):
            configured += json.loads(await ws.recv())["type"] == "configured"
        await ws.send(json.dumps({"type": "start"}))
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            try:
                message = json.loads(await asyncio.wait_for(ws.recv(), left))
            except TimeoutError:
                break
            if message["type"] == "update" and message["state"] == "running":
                stamps.append(time.perf_counter())


def _get(port: int) -> float:
    import urllib.request

    start = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
        response.read()
    return time.perf_counter() - start


async def _classroom(port: int, tabs: list[dict | None], seconds: float) -> dict:
    """Updates/s of each tab (the first ``seconds`` / 4 not counted: configuring, compiling)
    and GET / latencies while they all train."""
    stamps = [[] for _ in tabs]
    runs = [asyncio.create_task(_tab(port, s, seconds, t)) for s, t in zip(tabs, stamps)]
    await asyncio.sleep(seconds / 4)
    latencies = []
    while not all(r.done() for r in runs):
        latencies.append(await asyncio.to_thread(_get, port))
        await asyncio.sleep(0.25)
    await asyncio.gather(*runs)
    window = []
    for times in stamps:
        counted = [t for t in times if t >= times[0] + seconds / 4] if times else []
        span = (counted[-1] - counted[0]) if len(counted) > 1 else 0.0
        gaps = [b - a for a, b in zip(counted, counted[1:])]
        window.append((len(counted) - 1) / span if span else 0.0)
        window.append(max(gaps, default=float("inf")))
    rates, gaps = window[0::2], window[1::2]
    return {"rates": rates, "max_gap": gaps, "latency": latencies}


def classroom(seconds: float = 6.0, tabs: int = MAX_SESSIONS) -> list[dict]:
    """The three load cases, as rows of the README's table."""
    rows = []
    with Server() as server:
        cases = [
            ("1 tab alone", [None]),
            (f"{tabs} tabs", [None] * tabs),
            ("1 tab next to a tab training a long epoch (2-1024-1024-1, batch 1)",
             [None, LONG_EPOCH]),
        ]
        for name, settings in cases:
            result = asyncio.run(_classroom(server.port, settings, seconds))
            watched = result["rates"] if "long" not in name else result["rates"][:1]
            gaps = result["max_gap"] if "long" not in name else result["max_gap"][:1]
            latency = sorted(result["latency"])
            rows.append({
                "case": name,
                "updates_per_second": statistics.median(watched),
                "lowest": min(watched),
                "max_gap": max(gaps),
                "latency_median": statistics.median(latency) if latency else float("nan"),
                "latency_max": max(latency) if latency else float("nan"),
            })
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [
        "| tabs training at once | updates/s per tab (median, lowest) | longest wait for an "
        "update | `GET /` latency (median, max) |",
        "| --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['updates_per_second']:.1f}, {r['lowest']:.1f} | "
            f"{r['max_gap']:.2f} s | {1000 * r['latency_median']:.0f} ms, "
            f"{1000 * r['latency_max']:.0f} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--classroom", action="store_true", help="the load test (see above)")
    args = parser.parse_args()
    if args.classroom:
        print(markdown(classroom(max(args.seconds, 2.0))))
        return
    print(
        f"{'configuration':32} {'epochs':>6} {'gn.train':>9} {'session':>9} {'server':>9} "
        f"{'session/gn':>10} {'server/gn':>9} {'updates/s':>9}   (samples/s, medians)"
    )
    with Server() as server:
        for name, settings in CONFIGS.items():
            settings = {"batch_size": 32, **settings}
            probe = Session(settings)
            epochs = 4
            while plain_train(probe, epochs) < args.seconds / 4:
                epochs *= 4
            epochs = max(1, round(epochs * args.seconds / plain_train(probe, epochs)))
            m = len(probe.X_train)
            plain, session, served, rates = [], [], [], []
            for _ in range(args.repeats):
                plain.append(epochs * m / plain_train(probe, epochs))
                session.append(epochs * m / session_train(settings, epochs))
                per_epoch, rate = server.train(settings, epochs)
                served.append(m / per_epoch)
                rates.append(rate)
            p, s, v = map(statistics.median, (plain, session, served))
            print(
                f"{name:32} {epochs:6d} {p:9.0f} {s:9.0f} {v:9.0f} "
                f"{s / p:10.2f} {v / p:9.2f} {statistics.median(rates):9.1f}"
            )


if __name__ == "__main__":
    main()
