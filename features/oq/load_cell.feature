Feature: Operational qualification — load cell
  The load cell under the bag is checked across part of its range against the
  reference balance: liquid pumped out of the bag must weigh the same on both.

  @URS-OQ-LOAD-001
  Scenario: Load cell follows the balance over 200 g in four steps
    Given the bench is ready
    When 200 mL are pumped from the bag onto the balance by the HARVEST pump in 4 steps
    Then the load cell error against the balance meets OQ-LOADCELL-ERR
