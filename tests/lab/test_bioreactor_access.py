"""BioreactorDriver, higher access levels: alarm limits, loop modes, accounts, the audit-trail clear.

The driver sends what ``instruments/COMMANDS.md`` says, turns ``-203`` into
``AccessDenied`` for writes *and* for refused queries (no read timeout), and
never lets a password reach the step record.
"""

from __future__ import annotations

import pytest
from fake_devices import ScpiDevice
from labgrid.step import steps

from mimedi_qual.errors import InstrumentError

from mimedi_qual.lab.errors import AccessDenied, CommandRefused
from mimedi_qual.lab.protocols import LoopMode

OK = ';0,"No error"'
PROTECTED_ADMIN = '-203,"Command protected;needs ADMIN or higher"'


class FakeController(ScpiDevice):
    """Answers for checked queries (``<query>;SYST:ERR?``) and refusals decided per write."""

    def __init__(self):
        self.refuse: dict[str, str] = {}
        super().__init__({
            "ALAR:LIM? TEMPERATURE_HIGH;SYST:ERR?": "37.5" + OK,
            "ALAR:LIM? BOGUS;SYST:ERR?": '-224,"Illegal parameter value;no limit alarm \'BOGUS\'"',
            "LOOP:MODE? TEMP;SYST:ERR?": "MAN,20.00" + OK,
            "LOOP:MODE? PH;SYST:ERR?": "AUTO" + OK,
            "LOOP:MODE? DO;SYST:ERR?": "SOMETIMES" + OK,
            "ACC:USER:LIST?;SYST:ERR?": "admin:ADMIN,op1:OPERATOR,sup1:SUPERVISOR" + OK,
        }, on_write=lambda command: self.refuse.get(command))


@pytest.fixture
def controller(bioreactor_driver):
    return bioreactor_driver(FakeController())


def test_alarm_limits(controller):
    assert controller.alarm_limit("temperature_high") == 37.5
    controller.set_alarm_limit("temperature_high", 37.8)
    assert controller.fake.writes[-1] == "ALAR:LIM TEMPERATURE_HIGH,37.8000"
    with pytest.raises(CommandRefused) as refused:
        controller.alarm_limit("bogus")
    assert (refused.value.code, refused.value.reason) == (-224, "no limit alarm 'BOGUS'")


def test_a_too_low_level_is_access_denied_with_the_level_needed(controller):
    controller.fake.refuse["ALAR:LIM TEMPERATURE_HIGH,38.0000"] = '-203,"Command protected;needs SUPERVISOR or higher"'
    with pytest.raises(AccessDenied) as refused:
        controller.set_alarm_limit("TEMPERATURE_HIGH", 38.0)
    assert (refused.value.code, refused.value.reason) == (-203, "needs SUPERVISOR or higher")


def test_loop_modes(controller):
    assert controller.loop_mode("temp") == LoopMode("TEMP", True, 20.0)
    assert controller.loop_mode("PH") == LoopMode("PH", False)
    with pytest.raises(InstrumentError, match="unexpected loop mode 'SOMETIMES'"):
        controller.loop_mode("DO")
    controller.set_loop_manual("temp", 12.5)
    controller.set_loop_auto("DO")
    assert controller.fake.writes[-2:] == ["LOOP:MODE TEMP,MAN,12.5000", "LOOP:MODE DO,AUTO"]
    with pytest.raises(ValueError, match="unknown loop 'FLOW'"):
        controller.set_loop_auto("flow")
    controller.fake.refuse["LOOP:MODE PH,AUTO"] = '-221,"Settings conflict;the pH loop\'s CO2 side is held by SOUR:CO2 5"'
    with pytest.raises(CommandRefused) as refused:
        controller.set_loop_auto("PH")
    assert refused.value.code == -221 and "SOUR:CO2" in refused.value.reason


def test_accounts_listed_added_deleted_and_refused_queries_raise_at_once(controller):
    assert controller.accounts() == {"admin": "ADMIN", "op1": "OPERATOR", "sup1": "SUPERVISOR"}
    controller.delete_account("qa7")
    assert controller.fake.writes[-1] == "ACC:USER:DEL qa7"
    controller.fake.answers["ACC:USER:LIST?;SYST:ERR?"] = PROTECTED_ADMIN
    with pytest.raises(AccessDenied) as refused:
        controller.accounts()
    assert refused.value.reason == "needs ADMIN or higher"
    controller.fake.answers["ACC:USER:LIST?;SYST:ERR?"] = "admin:ADMIN,op1" + OK
    with pytest.raises(InstrumentError, match="malformed account list"):
        controller.accounts()


def test_a_duplicate_account_is_refused_with_the_reason(controller):
    controller.fake.refuse["ACC:USER:ADD op1,Long-secret-1,OPERATOR"] = '-221,"Settings conflict;user \'op1\' already exists"'
    with pytest.raises(CommandRefused) as refused:
        controller.add_account("op1", "Long-secret-1", "operator")
    assert (refused.value.code, refused.value.reason) == (-221, "user 'op1' already exists")
    assert "Long-secret-1" not in str(refused.value)


def test_the_new_accounts_password_never_reaches_the_step_record(controller):
    events = []
    steps.subscribe(events.append)
    try:
        controller.add_account("qa7", "Qa7-long-secret", "SUPERVISOR")
    finally:
        steps.unsubscribe(events.append)
    recorded = " ".join(str(event) for event in events)
    assert "ACC:USER:ADD qa7,********,SUPERVISOR" in recorded
    assert "Qa7-long-secret" not in recorded
    assert controller.fake.writes[-1] == "ACC:USER:ADD qa7,Qa7-long-secret,SUPERVISOR"


def test_clearing_the_audit_trail_is_access_denied(controller):
    controller.fake.refuse["AUD:CLE"] = '-203,"Command protected;the audit trail cannot be cleared"'
    with pytest.raises(AccessDenied) as refused:
        controller.clear_audit_trail()
    assert refused.value.reason == "the audit trail cannot be cleared"


def test_a_reply_without_its_error_status_is_an_instrument_error(controller):
    controller.fake.answers["LOOP:MODE? PH;SYST:ERR?"] = "AUTO"
    with pytest.raises(InstrumentError, match="malformed reply 'AUTO'"):
        controller.loop_mode("PH")
