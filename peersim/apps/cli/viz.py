"""`peersim viz`: the browser app (peersim/apps/app.py, served by Solara)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from peersim.apps.cli.options import UsageError

HELP = "start the browser app (Solara)"

#: The app this command serves.
APP = Path(__file__).parents[1] / "app.py"


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="localhost")


def run(args: argparse.Namespace) -> int:
    import importlib.util
    import subprocess

    if importlib.util.find_spec("solara") is None:
        raise UsageError("the browser app needs Solara: pip install 'peersim[viz]'")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: must be 1 to 65535")
    print(f"peersim: starting the app at http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    # the server ends with this process, however it ends (peersim.run.lifeline): killing `peersim viz`
    # never leaves it serving; offline: no look-up of Solara's newest version, no usage reports
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    command = [sys.executable, "-m", "peersim.run.lifeline", str(os.getpid()), "solara", "run", str(APP)]
    options = ["--host", args.host, "--port", str(args.port), "--production", "--no-check-version"]
    server = subprocess.Popen([*command, *options], env=env)
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        server.wait(timeout=10)
        raise
