"""Playground training speed against plain gn.train on the same network and data.

    python benchmarks/playground.py [--seconds 2] [--repeats 3]

For each configuration it finds a number of epochs E that plain ``gn.train`` runs in about
``--seconds`` (with the validation data the playground also evaluates every epoch), then, in
turns, times E epochs of:

    gn.train   the network alone, no callback
    session    a playground Session training in its background thread (callback, snapshots)
    server     a Session behind the real server: uvicorn, and a WebSocket client that reads
               every update as the page does (samples/s up to the first update past E epochs)

and prints the median samples/s of each and the ratios. The issue asks for playground /
gn.train >= 0.5.
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
from glassnet.playground.session import Session

CONFIGS = {
    "xor 2-8-8-1, batch 32": {"dataset": "xor", "n_samples": 400, "hidden": [8, 8]},
    "spiral 2-32-32-32-1, batch 64": {
        "dataset": "spiral",
        "n_samples": 2000,
        "hidden": [32, 32, 32],
        "batch_size": 64,
    },
    "circles 2-256-256-1, full batch": {
        "dataset": "two_circles",
        "n_samples": 4000,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
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
