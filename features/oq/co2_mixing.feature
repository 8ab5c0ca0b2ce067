Feature: Operational qualification — CO2 in the overlay gas
  The gas mixer blends 5 % CO2 into the overlay, as read by the calibrated CO2
  analyser; afterwards the CO2 valve goes back to the pH loop.

  @URS-OQ-CO2-001
  Scenario: Overlay gas mixed to 5 % CO2
    Given the bench is ready
    And the CO2 setpoint is the target of OQ-CO2-ACC
    And the culture has settled for 2 hours
    When the gas_analyzer is read every 10 minutes for 6 hours
    Then every reading meets OQ-CO2-ACC
    When the CO2 supply is returned to the pH loop
