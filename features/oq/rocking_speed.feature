Feature: Operational qualification — rocking speed
  The rocker runs at the set speed, measured by the optical tachometer at the
  minimum, typical and maximum setting. The DO setpoint is set to zero so that
  the DO cascade cannot rock faster than the base speed while it is measured
  (a DO alarm this may raise is acknowledged at the end).

  @URS-OQ-ROCK-001
  Scenario Outline: Rocking at the target of <criterion>
    Given the bench is ready
    And the DO setpoint is set to 0 % air saturation
    And the rocking speed setpoint is the target of <criterion>
    And the culture has settled for 0.5 hours
    When the tachometer is read every 1 minute for 1 hour
    Then the mean reading meets <criterion>
    When the DO setpoint is changed to the target of OQ-DO-ACC
    And 1 hour passes
    And the operator acknowledges the alarms

    Examples:
      | criterion   |
      | OQ-ROCK-MIN |
      | OQ-ROCK-MAX |
      | OQ-ROCK-TYP |
