Feature: Operational qualification — alarms and interlocks
  Each alarm is forced by causing its condition on the bench (fault injection),
  never through the controller's own interface. The controller must annunciate
  it in time, record it in its audit trail, signal it on the alarm relay, engage
  its interlock where one is specified, and let an operator acknowledge it once
  the cause is gone.

  @URS-OQ-ALARM-001
  Scenario: A failed heater raises the low-temperature alarm
    Given the bench is ready
    And the temperature setpoint is the target of OQ-TEMP-ACC
    And the culture has settled for 2 hours
    When the fault HEATER_FAIL is injected
    Then the alarm TEMPERATURE_LOW is annunciated within OQ-ALARM-TEMP-LOW-DELAY
    And the alarm TEMPERATURE_LOW is in the audit trail
    And the alarm relay is energised
    When the faults are cleared
    And 3 hours pass
    And the operator acknowledges the alarms
    Then no alarm is left unacknowledged
    And the alarm relay is released

  @URS-OQ-ALARM-001
  Scenario: A failed temperature probe is alarmed and interlocks the heater
    Given the bench is ready
    And the culture has settled for 1 hour
    When the fault SENSOR_FAIL is injected on TEMP
    Then the alarm TEMPERATURE_SENSOR_FAILED is annunciated within OQ-ALARM-TEMP-SENSOR-DELAY
    And the alarm TEMPERATURE_SENSOR_FAILED is in the audit trail
    And the interlock SENSOR_FAILED is active
    And the alarm relay is energised
    When the faults are cleared
    And 2 hours pass
    And the operator acknowledges the alarms
    Then no alarm is left unacknowledged
    And no interlock is active

  @URS-OQ-ALARM-002
  Scenario Outline: A failed <probe> probe is alarmed and interlocked
    Given the bench is ready
    And the culture has settled for 1 hour
    When the fault SENSOR_FAIL is injected on <probe>
    Then the alarm <alarm> is annunciated within <criterion>
    And the alarm <alarm> is in the audit trail
    And the interlock SENSOR_FAILED is active
    When the faults are cleared
    And 2 hours pass
    And the operator acknowledges the alarms
    Then no alarm is left unacknowledged
    And no interlock is active

    Examples:
      | probe | alarm            | criterion                |
      | PH    | PH_SENSOR_FAILED | OQ-ALARM-PH-SENSOR-DELAY |
      | DO    | DO_SENSOR_FAILED | OQ-ALARM-DO-SENSOR-DELAY |

  @URS-OQ-ALARM-003
  Scenario: An open door is alarmed and interlocks the pumps
    Given the bench is ready
    And the culture has settled for 1 hour
    When the door is opened
    Then the alarm DOOR_OPEN is annunciated within OQ-ALARM-DOOR-DELAY
    And the alarm DOOR_OPEN is in the audit trail
    And the interlock DOOR_OPEN is active
    And the alarm relay is energised
    When the door is closed
    And 1 hour passes
    And the operator acknowledges the alarms
    Then no alarm is left unacknowledged
    And no interlock is active

  @URS-OQ-ALARM-004
  Scenario: A lost CO2 supply raises the high-pH alarm
    Given the bench is ready
    And the CO2 supply follows the pH loop
    And the pH setpoint is the target of OQ-PH-ACC
    And the culture has settled for 2 hours
    When the fault GAS_LOSS is injected on CO2
    Then the alarm PH_HIGH is annunciated within OQ-ALARM-PH-HIGH-DELAY
    And the alarm PH_HIGH is in the audit trail
    And the alarm relay is energised
    When the faults are cleared
    And 8 hours pass
    And the operator acknowledges the alarms
    Then no alarm is left unacknowledged

  @URS-OQ-ALARM-005
  Scenario: An over-temperature is alarmed and trips the heater interlock
    Given the bench is ready
    And the temperature setpoint is the target of OQ-TEMP-ACC
    And the culture has settled for 1 hour
    When the temperature setpoint is forced to 38.5 °C beyond its alarm limit
    Then the alarm TEMPERATURE_HIGH is annunciated within OQ-ALARM-TEMP-HIGH-DELAY
    And the alarm TEMPERATURE_HIGH is in the audit trail
    When the temperature setpoint is forced to 41 °C beyond its alarm limit
    Then the alarm OVER_TEMPERATURE is annunciated within OQ-ALARM-OVERTEMP-DELAY
    And the alarm OVER_TEMPERATURE is in the audit trail
    And the interlock OVER_TEMPERATURE is active
    And the alarm relay is energised
    When the temperature setpoint is changed to the target of OQ-TEMP-ACC
    And 4 hours pass
    And the operator acknowledges the alarms
    Then no alarm is left unacknowledged
    And no interlock is active

  @URS-OQ-ALARM-006
  Scenario: A dissolved oxygen above its limit raises the high-DO alarm
    Given the bench is ready
    And the DO setpoint is the target of OQ-DO-ACC
    And the culture has settled for 1 hour
    When the DO setpoint is forced to 98 % air saturation beyond its alarm limit
    Then the alarm DO_HIGH is annunciated within OQ-ALARM-DO-HIGH-DELAY
    And the alarm DO_HIGH is in the audit trail
    And the alarm relay is energised
    When the DO setpoint is changed to the target of OQ-DO-ACC
    And 4 hours pass
    And the operator acknowledges the alarms
    Then no alarm is left unacknowledged

  @URS-OQ-ALARM-007
  Scenario: A nitrogen purge raises the low-DO alarm
    Given the bench is ready
    And the DO setpoint is the target of OQ-DO-ACC
    And the culture has settled for 1 hour
    When the fault NITROGEN_PURGE is injected
    Then the alarm DO_LOW is annunciated within OQ-ALARM-DO-LOW-DELAY
    And the alarm DO_LOW is in the audit trail
    And the alarm relay is energised
    When the faults are cleared
    And 3 hours pass
    And the operator acknowledges the alarms
    Then no alarm is left unacknowledged
    And the alarm relay is released
    And the DO on the ph_do_meter meets OQ-DO-ACC

  @URS-OQ-ALARM-008
  Scenario: An acid challenge raises the low-pH alarm
    Given the bench is ready
    And the CO2 supply follows the pH loop
    And the pH setpoint is the target of OQ-PH-ACC
    And the culture has settled for 2 hours
    When an acid bolus of 10 mmol is added through the sample port
    Then the alarm PH_LOW is annunciated within OQ-ALARM-PH-LOW-DELAY
    And the alarm PH_LOW is in the audit trail
    And the alarm relay is energised
    When the faults are cleared
    And 1 hour passes
    And 3000 mL of fresh medium are perfused through the bag at 25 mL/min
    And 4 hours pass
    And the operator acknowledges the alarms
    Then no alarm is left unacknowledged
    And the pH on the ph_do_meter meets OQ-PH-ACC
