Feature: Operational qualification — culture temperature control
  The controller holds the culture at its setpoint within the acceptance
  tolerance, as read by the calibrated reference thermometer in the bag.

  @URS-OQ-TEMP-001
  Scenario: Temperature held at 37.0 °C for 24 hours
    Given the bench is ready
    And the controller holds the target of OQ-TEMP-ACC
    And the culture has settled for 2 hours
    When the thermometer is read every 1 minute for 24 hours
    Then every reading meets OQ-TEMP-ACC
