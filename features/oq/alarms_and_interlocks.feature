Feature: Operational qualification — alarms and interlocks
  Each alarm is forced by causing its condition on the bench (fault injection),
  never through the controller's own interface. The controller must annunciate
  it in time, signal it on the alarm relay, engage its interlock where one is
  specified, and let an operator acknowledge it once the cause is gone.

  @URS-OQ-ALARM-001
  Scenario: A failed heater raises the low-temperature alarm
    Given the bench is ready
    And the temperature setpoint is the target of OQ-TEMP-ACC
    And the culture has settled for 2 hours
    When the fault HEATER_FAIL is injected
    Then the alarm TEMPERATURE_LOW is annunciated within OQ-ALARM-TEMP-LOW-DELAY
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
    And the interlock DOOR_OPEN is active
    And the alarm relay is energised
    When the door is closed
    And 1 hour passes
    And the operator acknowledges the alarms
    Then no alarm is left unacknowledged
    And no interlock is active
