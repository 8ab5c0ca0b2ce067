"""The SCPI interpreter: forms, case, error queue, common commands."""

from __future__ import annotations

from mimedi_qual.simbench.scpi import ERROR_QUEUE_LENGTH, ScpiDevice, ScpiError, ILLEGAL_PARAMETER, parse_float


def make_device():
    dev = ScpiDevice(idn="ACME,T1,123,1.0")
    state = {"sp": 37.0}

    def set_sp(args):
        value = parse_float(args[0], "setpoint")
        if value > 42:
            raise ScpiError(ILLEGAL_PARAMETER)
        state["sp"] = value

    dev.register("SOURce:TEMPerature", set_sp)
    dev.register("SOURce:TEMPerature?", lambda a: f"{state['sp']:.1f}")
    return dev


def test_long_short_and_case_insensitive_forms():
    dev = make_device()
    for form in ("SOUR:TEMP?", "SOURCE:TEMPERATURE?", "sour:temp?", ":Source:Temp?"):
        assert dev.handle(form) == "37.0"
    assert dev.handle("SOU:TEMP?") is None  # neither short nor long
    assert dev.handle("SYST:ERR?") == '-113,"Undefined header"'


def test_error_queue_codes_and_order():
    dev = make_device()
    assert dev.handle("*IDN?") == "ACME,T1,123,1.0"
    dev.handle("SOUR:TEMP abc")
    dev.handle("SOUR:TEMP 50")
    dev.handle("SOUR:TEMP")
    assert dev.handle("SYST:ERR?") == '-224,"Illegal parameter value"'
    assert dev.handle("SYST:ERR?") == '-224,"Illegal parameter value"'
    assert dev.handle("SYST:ERR?") == '-109,"Missing parameter"'
    assert dev.handle("SYST:ERR?") == '0,"No error"'


def test_compound_line_and_cls():
    dev = make_device()
    assert dev.handle("SOUR:TEMP 36.5;SOUR:TEMP?") == "36.5"
    dev.handle("BOGUS")
    dev.handle("*CLS")
    assert dev.handle("SYST:ERR?") == '0,"No error"'


def test_queue_overflow_is_reported_last():
    dev = make_device()
    for _ in range(ERROR_QUEUE_LENGTH + 5):
        dev.handle("BOGUS")
    replies = [dev.handle("SYST:ERR?") for _ in range(ERROR_QUEUE_LENGTH + 1)]
    assert replies[-2] == '-350,"Queue overflow"'
    assert replies[-1] == '0,"No error"'
