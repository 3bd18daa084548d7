"""Processes that peersim starts end when the process that started them dies, however it dies.

A worker of a sweep (or the browser app's server) whose parent was killed would otherwise go on
computing for no one, or serving, until someone finds it. Two guards: on Linux the kernel sends
the child SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``); everywhere a daemon thread
checks twice a second that the parent is still the one it started with.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent dies (Linux only; a no-op
    elsewhere). Returns whether it was set. Safe between fork and exec (``preexec_fn``)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def exit_with_parent(parent: int | None = None, interval: float = 0.5) -> None:
    """End this process when ``parent`` (default: the current parent) is no longer its parent."""
    parent = os.getppid() if parent is None else parent
    die_with_parent()
    if os.getppid() != parent:  # it died before we could ask
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                with contextlib.suppress(Exception):
                    sys.stderr.flush()
                os._exit(1)

    threading.Thread(target=watch, name="peersim-lifeline", daemon=True).start()


def run_guarded(argv: list[str]) -> None:
    """``python -m peersim.run.lifeline PARENT_PID MODULE ARGS...``: run a module's command line (e.g.
    ``solara``) in a process that exits with its parent."""
    import runpy

    parent, module, *rest = argv
    exit_with_parent(int(parent))
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    run_guarded(sys.argv[1:])
