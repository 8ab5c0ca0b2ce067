Feature: Operational qualification — controller access levels
  Process changes (setpoints, module commands, alarm acknowledgement) need an
  operator login: without one the controller refuses them as protected (-203)
  and nothing changes; every access level that may change the process does so
  with its own name in the audit trail (Part 11 §11.10(d, g), Annex 11 §12).

  @URS-OQ-ACCESS-002
  Scenario: Process changes without a login are refused
    Given the bench is ready
    And nobody is logged in to the controller
    Then process changes are refused as protected (OQ-ACCESS-DENIED)

  @URS-OQ-ACCESS-002
  Scenario Outline: A <level> changes a setpoint under their own name
    Given the bench is ready
    And the controller user is logged in as <level>
    When the temperature setpoint is changed and restored
    Then each change is in the audit trail with who, what, old and new value (OQ-AUDIT-COMPLETE)

    Examples:
      | level      |
      | OPERATOR   |
      | SUPERVISOR |
      | ADMIN      |
