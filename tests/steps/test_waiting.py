"""wait_until: polls the bench clock, stops as soon as the condition holds, gives up after its limit."""

from __future__ import annotations

from mimedi_qual.steps.waiting import wait_until


class Clock:
    def __init__(self):
        self.now_s = 0.0

    def wait_s(self, duration_s):
        self.now_s += duration_s


def test_returns_at_once_when_the_condition_already_holds():
    clock = Clock()
    assert wait_until(clock, lambda: True, 10.0, 1.0) and clock.now_s == 0.0


def test_stops_at_the_first_poll_where_the_condition_holds():
    clock = Clock()
    assert wait_until(clock, lambda: clock.now_s >= 3.0, 10.0, 1.0)
    assert clock.now_s == 3.0


def test_gives_up_after_its_limit():
    clock = Clock()
    assert not wait_until(clock, lambda: False, 5.0, 2.0)
    assert clock.now_s == 6.0          # polls at 0, 2, 4, 6 s: the last poll is past the limit
