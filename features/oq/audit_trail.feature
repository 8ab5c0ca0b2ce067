Feature: Operational qualification — audit trail of process changes
  Every change an operator makes is in the controller's audit trail with who,
  what, when, the old and the new value (Annex 11 §9, Part 11 §11.10(e)).

  @URS-OQ-ACCESS-001
  Scenario: Setpoint changes are audit-trailed completely
    Given the bench is ready
    And the controller user is logged in as OPERATOR
    When the temperature setpoint is changed and restored
    Then each change is in the audit trail with who, what, old and new value (OQ-AUDIT-COMPLETE)
