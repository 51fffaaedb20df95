"""Rendering a template in-process, bounded by the step's timeout and by a stop of the run.

A template can loop for as long as it likes (nested `range`s), and it renders on a worker thread
of wfc itself, where there is no process to kill. So while a template renders, its thread is
registered with a watchdog; when the step's timeout passes or the run is stopped, the watchdog
raises `Interrupted` inside that thread (CPython's asynchronous exception, delivered between two
bytecodes: a pure-Python loop stops at once). Registration costs a lock and a dict entry; the
watchdog thread starts with the first render that needs it and wakes a few times a second.
"""
from __future__ import annotations

import ctypes
import threading
import time
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, Optional, Set, Tuple, TypeVar

POLL = 0.05  # seconds between the watchdog's checks: how late a stop reaches a looping template
Result = TypeVar("Result")


class Interrupted(BaseException):
    """Raised inside a rendering thread. A BaseException, so that no `except Exception` on the
    way (Jinja's, the template layer's) mistakes it for the template's own error."""


class _Watchdog:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active: Dict[int, Tuple[float, threading.Event]] = {}
        self.fired: Set[int] = set()
        self.thread: Optional[threading.Thread] = None

    def enter(self, deadline: float, stop: threading.Event) -> int:
        ident = threading.get_ident()
        with self.lock:
            self.fired.discard(ident)
            self.active[ident] = (deadline, stop)
            if self.thread is None:
                self.thread = threading.Thread(target=self._loop, name="wfc-render-watchdog", daemon=True)
                self.thread.start()
        return ident

    def leave(self, ident: int) -> None:
        with self.lock:
            self.active.pop(ident, None)
            if ident in self.fired:  # raised too late to land inside the render: withdraw it
                self.fired.discard(ident)
                _raise_in(ident, None)

    def _loop(self) -> None:
        while True:
            time.sleep(POLL)
            now = time.monotonic()
            with self.lock:
                for ident, (deadline, stop) in self.active.items():
                    if ident not in self.fired and (now >= deadline or stop.is_set()):
                        self.fired.add(ident)
                        _raise_in(ident, ctypes.py_object(Interrupted))


def _raise_in(ident: int, exception: Optional["ctypes.py_object[type]"]) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), exception)


_WATCHDOG = _Watchdog()


@contextmanager
def _bounded(timeout: Optional[float], stop: threading.Event) -> Iterator[None]:
    ident = _WATCHDOG.enter(time.monotonic() + timeout if timeout is not None else float("inf"), stop)
    try:
        yield
    finally:
        while True:
            try:
                _WATCHDOG.leave(ident)
                break
            except Interrupted:  # delivered after the work was done: the work still stands
                continue


def bounded(work: Callable[[], Result], timeout: Optional[float], stop: threading.Event) -> Result:
    """`work()`, or Interrupted once `timeout` seconds have passed or `stop` is set."""
    if stop.is_set():
        raise Interrupted()
    with _bounded(timeout, stop):
        return work()
