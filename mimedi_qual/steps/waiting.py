"""Waiting on the bench clock for a condition, with a limit (not a step module).

Steps wait in *bench* time — a real bench sleeps, a simulated one advances —
so a wait is a poll of the bench clock, never ``time.sleep``::

    if not wait_until(clock, lambda: not controller.pump_state("FEED").running, 60.0, 1.0):
        raise AssertionError("FEED pump still running")
"""

from __future__ import annotations

from collections.abc import Callable


def wait_until(clock, done: Callable[[], bool], limit_s: float, poll_s: float) -> bool:
    """Check ``done`` now and after every ``poll_s`` of bench time, for at most ``limit_s``.

    True as soon as ``done()`` holds; False if it still does not after ``limit_s``.
    """
    waited_s = 0.0
    while not done():
        if waited_s >= limit_s:
            return False
        clock.wait_s(poll_s)
        waited_s += poll_s
    return True


def wait_for_pump_idle(controller, clock, pump: str, grace_s: float, poll_s: float) -> bool:
    """Wait until the controller reports ``pump`` idle, at most ``grace_s``; True if it is."""
    return wait_until(clock, lambda: not controller.pump_state(pump).running, grace_s, poll_s)
