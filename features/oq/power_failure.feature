Feature: Operational qualification — power failure and recovery
  The PDU outlet feeding the controller is switched off, briefly and for an
  hour. The controller must come back in time, keep every audit-trail entry and
  every setpoint, log the failure, and bring the culture back to temperature.

  @URS-OQ-POWER-001
  Scenario Outline: Power failure of <minutes> minutes
    Given the bench is ready
    And the temperature setpoint is the target of OQ-TEMP-ACC
    And the culture has settled for 2 hours
    When the controller loses power for <minutes> minutes
    Then the controller is back in operation within OQ-POWER-RECOVERY-TIME
    And no audit-trail entry was lost (OQ-POWER-DATA-LOSS)
    And the setpoints are as before the power failure (OQ-POWER-SETPOINTS)
    And the power failure is in the audit trail
    When the thermometer is read every 1 minute for 4 hours
    Then the time to return to the band of OQ-TEMP-ACC meets OQ-POWER-TEMP-RECOVERY

    Examples:
      | minutes |
      | 2       |
      | 60      |
