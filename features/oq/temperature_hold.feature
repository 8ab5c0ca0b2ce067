Feature: Operational qualification — culture temperature control
  The controller holds the culture at its setpoint within the acceptance
  tolerance, as read by the calibrated reference thermometer in the bag — at
  37 °C and at the low and high limits of its operating range.

  @URS-OQ-TEMP-001
  Scenario Outline: Temperature held at the target of <criterion> for <hours> hours
    Given the bench is ready
    And the temperature setpoint is the target of <criterion>
    And the culture has settled for <settle> hours
    When the thermometer is read every 1 minute for <hours> hours
    Then every reading meets <criterion>

    Examples:
      | criterion        | settle | hours |
      | OQ-TEMP-ACC      | 2      | 24    |
      | OQ-TEMP-ACC-LOW  | 6      | 6     |
      | OQ-TEMP-ACC-HIGH | 8      | 6     |
