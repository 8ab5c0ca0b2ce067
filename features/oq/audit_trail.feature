Feature: Operational qualification — audit trail of process changes
  Every change an operator makes is in the controller's audit trail with who,
  what, when, the old and the new value (Annex 11 §9, Part 11 §11.10(e)).
  Nobody can clear or edit it, ADMIN included: the attempt is refused, no entry
  is lost or altered, and the attempt is itself an entry.

  @URS-OQ-ACCESS-001
  Scenario: Setpoint changes are audit-trailed completely
    Given the bench is ready
    And the controller user is logged in as OPERATOR
    When the temperature setpoint is changed and restored
    Then each change is in the audit trail with who, what, old and new value (OQ-AUDIT-COMPLETE)

  @URS-OQ-ACCESS-004
  Scenario Outline: A <level> cannot clear the audit trail
    Given the bench is ready
    And the controller user is logged in as <level>
    When the user attempts clearing the audit trail
    Then the attempt is refused as protected and changes nothing (OQ-AUDIT-UNDELETABLE)
    And the refused attempt is in the audit trail with who and the level they had (OQ-AUDIT-DENIED)

    Examples:
      | level      |
      | OPERATOR   |
      | SUPERVISOR |
      | ADMIN      |

  @URS-OQ-ACCESS-004
  Scenario: Without a login the audit trail cannot be cleared either
    Given the bench is ready
    And nobody is logged in to the controller
    When the user attempts clearing the audit trail
    Then the attempt is refused as protected and changes nothing (OQ-AUDIT-UNDELETABLE)
    And the refused attempt is in the audit trail with who and the level they had (OQ-AUDIT-DENIED)
