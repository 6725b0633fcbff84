"""Worker processes: bounded in number, stopped with the parent, and never left behind.

One job per process (the digest gives each a byte range of one file), each
answering through its own pipe. Three guarantees:

- **A bound.** :func:`worker_count` never starts more processes than the
  cores this process may run on (its CPU affinity), nor MAX_WORKERS.
- **Gone with the parent.** A worker asks the kernel to kill it when its
  parent dies (``PR_SET_PDEATHSIG`` on Linux) and, where there is no such call,
  a thread of it watches the parent's pid: a parent killed with ``kill -9``
  leaves no worker reading on.
- **Gone when the parent stops.** Workers ignore Ctrl-C (the terminal sends
  it to the whole process group; the parent decides), and every way out of
  :func:`run_in_workers` other than all results arriving kills them.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from advisor.model.errors import AdvisorError

MAX_WORKERS = 64  # above this, --workers is a usage error whatever the machine
PARENT_POLL_SECONDS = 0.5  # how often a worker without PR_SET_PDEATHSIG looks for its parent
_PR_SET_PDEATHSIG = 1


class WorkerError(AdvisorError):
    """A worker process died without an answer (killed by the system, out of memory)."""


def usable_cores() -> int:
    """The cores this process may run on (its affinity), else the machine's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def worker_count(requested: int | None) -> int:
    """Processes to start for ``requested`` (None: one per usable core): never more than
    the usable cores nor MAX_WORKERS, never fewer than one."""
    cores = usable_cores()
    return max(1, min(requested or cores, cores, MAX_WORKERS))


def run_in_workers(job: Callable[..., Any], arguments: Sequence[tuple[Any, ...]],
                   initializer: Callable[..., None] | None = None,
                   initargs: tuple[Any, ...] = ()) -> list[Any]:
    """``job(*args)`` for each of ``arguments``, each in a process of its own (forked
    where the platform can, so the parent's state is there), results in order.

    A job that raises re-raises in the parent (an AdvisorError as itself,
    anything else as a bug with the worker's traceback); a worker that dies
    without answering raises WorkerError. Workers still running when this
    returns or raises are killed.
    """
    context: Any = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    parent = os.getpid()
    processes: list[Any] = []
    pipes: list[Connection] = []
    try:
        for index, args in enumerate(arguments):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_work, name=f"advisor-worker-{index}", daemon=True,
                args=(sender, parent, job, args, initializer, initargs))
            process.start()
            sender.close()  # the parent's copy: EOF on the receiver once the worker is gone
            processes.append(process)
            pipes.append(receiver)
        return _collect(processes, pipes)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
        for process in processes:
            process.join(timeout=5)
        for pipe in pipes:
            pipe.close()


def _collect(processes: Sequence[Any], pipes: Sequence[Connection]) -> list[Any]:
    """Each worker's answer, read as they come (a worker blocks until its pipe is read)."""
    results: list[Any] = [None] * len(pipes)
    waiting = dict(enumerate(pipes))
    while waiting:
        for ready in wait(list(waiting.values())):
            index = next(i for i, pipe in waiting.items() if pipe is ready)
            del waiting[index]
            try:
                ok, value = _as_connection(ready).recv()
            except EOFError:
                processes[index].join(timeout=5)
                raise WorkerError(
                    f"a reading worker died without an answer (exit status "
                    f"{processes[index].exitcode}; out of memory?): try --workers 1") from None
            if not ok:
                raise value  # an exception the worker sent
            results[index] = value
    return results


def _as_connection(ready: object) -> Connection:
    assert isinstance(ready, Connection)
    return ready


class _WorkerBug(Exception):
    """An unexpected error in a worker, with the worker's traceback as its message."""


def _work(pipe: Connection, parent: int, job: Callable[..., Any], args: tuple[Any, ...],
          initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited
    try:
        if initializer is not None:
            initializer(*initargs)
        answer: tuple[bool, Any] = (True, job(*args))
    except AdvisorError as exc:
        answer = (False, exc)
    except BaseException as exc:
        answer = (False, _WorkerBug(f"{type(exc).__name__}: {exc} (in a worker process)\n"
                                    f"{traceback.format_exc()}"))
    with contextlib.suppress(BrokenPipeError):  # the parent is gone or gave up
        pipe.send(answer)
    pipe.close()


def _die_with(parent: int) -> None:
    """Make this process end when ``parent`` does."""
    if sys.platform.startswith("linux") and _set_parent_death_signal():
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(1)
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="advisor-parent-watch", daemon=True).start()


def _set_parent_death_signal() -> bool:
    """prctl(PR_SET_PDEATHSIG, SIGKILL); False where libc or the call is not there."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
