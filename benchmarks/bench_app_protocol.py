"""A class on the teacher's machine, without the browsers: N sessions of the app's server protocol.

    python benchmarks/bench_app_protocol.py [--sessions 30] [--steps 6] [--think-ms 3000] [--side 0]

Starts the app's server as `peersim viz` does (Solara, production mode, offline) and opens
``--sessions`` websocket sessions the way a browser's page does (Jupyter's kernel protocol: a
``solara.control`` comm that runs the page, then the widgets' comm messages), so the server
renders a page, and so holds a group, for each. Once all have rendered, each session presses
*Next week* ``--steps`` times (the click event a browser sends to that button's widget; with
``--side 1`` in side-by-side mode, two groups a step), each after a random pause (uniform 0.5 to
1.5 x ``--think-ms``, seeded by ``--seed``). A step's latency runs from sending the click to
receiving the update that shows the new week's table: what the server and the network add, with
no browser drawing on these cores (bench_app.py measures with Chromium). Prints the median, 95th
percentile and maximum, the server's CPU per step and the warning lines of its log.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
import uuid
from pathlib import Path

import numpy as np
import psutil
import websockets
from _common import options
from bench_app import free_port, start_server


class Session:
    """One page's connection: its widgets' state by comm id, updated as messages arrive."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.cookie = port, cookie
        self.widgets: dict[str, dict] = {}
        self.session = str(uuid.uuid4())
        self.waiting: tuple[str, asyncio.Future] | None = None

    def message(self, msg_type: str, content: dict) -> str:
        header = {
            "msg_id": str(uuid.uuid4()),
            "msg_type": msg_type,
            "session": self.session,
            "username": "",
            "version": "5.2",
            "date": "",
        }
        return json.dumps(
            {
                "buffers": [],
                "channel": "shell",
                "content": content,
                "header": header,
                "metadata": {},
                "parent_header": {},
            }
        )

    async def open(self) -> None:
        url = f"ws://127.0.0.1:{self.port}/jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={self.session}"
        self.ws = await websockets.connect(url, additional_headers={"Cookie": self.cookie}, max_size=None)
        self.reader = asyncio.create_task(self.read())
        control = str(uuid.uuid4())
        await self.ws.send(
            self.message("comm_open", {"comm_id": control, "target_name": "solara.control", "data": {}})
        )
        args = {"path": "/", "dark": False, "themes": {}, "appName": None}
        await self.ws.send(
            self.message("comm_msg", {"comm_id": control, "data": {"method": "run", "args": args}})
        )

    async def read(self) -> None:
        async for raw in self.ws:
            if isinstance(raw, bytes):
                continue  # binary buffers: none of the state this benchmark reads
            msg = json.loads(raw)
            kind, content = msg.get("msg_type"), msg.get("content", {})
            if kind == "comm_open":
                self.widgets[content["comm_id"]] = dict(content.get("data", {}).get("state", {}))
            elif kind == "comm_msg" and content.get("data", {}).get("method") == "update":
                state = content["data"].get("state", {})
                self.widgets.setdefault(content["comm_id"], {}).update(state)
                waiting = self.waiting
                if waiting and waiting[0] in str(state.get("unsafe_innerHTML", "")) and not waiting[1].done():
                    waiting[1].set_result(time.perf_counter())

    def button(self, label: str) -> str | None:
        """The comm id of the button whose text is ``label`` (its children hold the text)."""
        for comm, state in self.widgets.items():
            if state.get("_model_name") == "BtnModel" and label in state.get("children", []):
                return comm
        return None

    async def rendered(self) -> None:
        while self.button("Next week") is None or not any(
            "Before the first session." in str(s.get("unsafe_innerHTML", "")) for s in self.widgets.values()
        ):
            await asyncio.sleep(0.05)

    async def side_by_side(self) -> None:
        """Tick "compare two values of one control", as a browser's checkbox sends it."""
        while not (
            found := [c for c, st in self.widgets.items() if "compare two values" in str(st.get("label"))]
        ):
            await asyncio.sleep(0.05)  # the sidebar's widgets may arrive after the page's
        box = found[0]
        update = {"method": "update", "state": {"v_model": True}, "buffer_paths": []}
        await self.ws.send(self.message("comm_msg", {"comm_id": box, "data": update}))
        while not any(
            "Where the stories of participant" in str(s.get("unsafe_innerHTML", ""))
            for s in self.widgets.values()
        ):
            await asyncio.sleep(0.05)

    async def step(self, week: int) -> float:
        done = asyncio.get_running_loop().create_future()
        self.waiting = (f"This week (session {week}:", done)
        click = {"method": "custom", "content": {"event": "click", "data": {}}}
        start = time.perf_counter()
        await self.ws.send(self.message("comm_msg", {"comm_id": self.button("Next week"), "data": click}))
        end = await asyncio.wait_for(done, timeout=120)
        return end - start


async def main(args) -> None:
    rng = np.random.default_rng(args.seed)
    pauses = rng.uniform(0.5, 1.5, size=(args.sessions, args.steps)) * args.think_ms / 1000
    port = free_port()
    log_path = Path("/tmp") / f"bench_app_protocol_{port}.log"
    with open(log_path, "w") as log:
        server = start_server(port, log)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
                cookie = response.headers.get("set-cookie", "").split(";")[0]
            sessions = [Session(port, cookie) for _ in range(args.sessions)]
            for s in sessions:
                await s.open()
            await asyncio.wait_for(asyncio.gather(*(s.rendered() for s in sessions)), timeout=600)
            if args.side:
                await asyncio.wait_for(asyncio.gather(*(s.side_by_side() for s in sessions)), timeout=600)
            process = psutil.Process(server.pid)
            cpu_start = sum(process.cpu_times()[:2])
            latencies: list[float] = []

            async def student(k: int) -> None:
                for week in range(1, args.steps + 1):
                    await asyncio.sleep(float(pauses[k, week - 1]))
                    latencies.append(await sessions[k].step(week))

            started = time.perf_counter()
            await asyncio.gather(*(student(k) for k in range(args.sessions)))
            elapsed = time.perf_counter() - started
            cpu = sum(process.cpu_times()[:2]) - cpu_start
            for s in sessions:
                await s.ws.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = log_path.read_text(errors="replace")
    log_path.unlink()
    lat = np.array(latencies)
    warnings = [line for line in text.splitlines() if "warn" in line.lower()]
    print(
        f"{args.sessions} protocol sessions"
        + (" side by side" if args.side else "")
        + f" x {args.steps} steps ({len(lat)} steps, pauses {args.think_ms} ms"
        f" +-50%), {elapsed:.0f} s, {psutil.cpu_count()} cores"
    )
    print(
        f"step latency: median {np.median(lat):.3f} s, 95th percentile {np.percentile(lat, 95):.3f} s,"
        f" max {lat.max():.3f} s"
    )
    share = 100 * cpu / elapsed / psutil.cpu_count()
    print(f"server CPU per step: {1000 * cpu / len(lat):.0f} ms; {share:.0f}% of the cores over the run")
    print(f"server log: {len(text.splitlines())} lines, {len(warnings)} with a warning")


if __name__ == "__main__":
    asyncio.run(main(options(__doc__, sessions=30, steps=6, think_ms=3000, seed=1, side=0)))
