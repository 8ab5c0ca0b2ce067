Feature: Operational qualification — pH control
  The pH loop holds the culture pH at its setpoint (CO2 lowers it, base raises
  it), read offline by the calibrated reference pH meter.

  @URS-OQ-PH-001
  Scenario Outline: pH held at the target of <criterion>
    Given the bench is ready
    And the CO2 supply follows the pH loop
    And the pH setpoint is the target of <criterion>
    And the culture has settled for 6 hours
    When the pH is read on the ph_do_meter every 10 minutes for 12 hours
    Then every reading meets <criterion>

    Examples:
      | criterion     |
      | OQ-PH-ACC-LOW |
      | OQ-PH-ACC-HIGH |
      | OQ-PH-ACC     |
