Feature: Operational qualification — controller access levels
  Process changes (setpoints, module commands, alarm acknowledgement) need an
  operator login: without one the controller refuses them as protected (-203)
  and nothing changes; every access level that may change the process does so
  with its own name in the audit trail (Part 11 §11.10(d, g), Annex 11 §12).
  Higher levels hold more: a SUPERVISOR also changes alarm limits and loop
  modes, an ADMIN also manages user accounts. An action reserved for a higher
  level is refused to a lower one, changes nothing, and the attempt itself is
  recorded with who tried and the level they had (Annex 11 §12.3–12.4).
  After a power cut the controller is as it was left: a SUPERVISOR's alarm
  limits and manual loops are kept, and the recovery record says so.

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

  @URS-OQ-ACCESS-003
  Scenario Outline: A <level> is refused <action>
    Given the bench is ready
    And the controller user is logged in as <level>
    When the user attempts <action>
    Then the attempt is refused as protected and changes nothing (OQ-ACCESS-LEVELS)
    And the refused attempt is in the audit trail with who and the level they had (OQ-AUDIT-DENIED)

    Examples:
      | level      | action                                       |
      | OPERATOR   | a change of the TEMPERATURE_HIGH alarm limit |
      | OPERATOR   | a change of the DO_LOW alarm limit           |
      | OPERATOR   | putting the temperature loop in manual       |
      | OPERATOR   | adding an account                            |
      | SUPERVISOR | adding an account                            |
      | SUPERVISOR | deleting an account                          |
      | SUPERVISOR | listing the accounts                         |

  @URS-OQ-ACCESS-003
  Scenario: A SUPERVISOR changes an alarm limit under their own name
    Given the bench is ready
    And the controller user is logged in as SUPERVISOR
    When the TEMPERATURE_HIGH alarm limit is widened and restored
    Then each change is in the audit trail with who, what, old and new value (OQ-AUDIT-COMPLETE)

  @URS-OQ-ACCESS-003
  Scenario: A SUPERVISOR puts the temperature loop in manual and back under their own name
    Given the bench is ready
    And the controller user is logged in as SUPERVISOR
    When the temperature loop is put in manual at its present output and back to automatic
    Then each change is in the audit trail with who, what, old and new value (OQ-AUDIT-COMPLETE)

  @URS-OQ-ACCESS-005
  Scenario: An ADMIN adds an account that survives a power cycle, then deletes it
    Given the bench is ready
    And the controller user is logged in as ADMIN
    When a new OPERATOR account is added
    Then the new account is listed at its level and no password is shown (OQ-ACCESS-ACCOUNTS)
    When the controller loses power for 2 minutes
    Given the bench is ready
    Then the new account logs in at its level (OQ-ACCESS-ACCOUNTS)
    Given the controller user is logged in as ADMIN
    Then the ADMIN cannot delete their own account (OQ-ACCESS-ACCOUNTS)
    When the new account is deleted
    Then the new account can no longer log in (OQ-ACCESS-ACCOUNTS)
    And each account change is in the audit trail with who, what, old and new value and no password (OQ-AUDIT-COMPLETE)

  @URS-OQ-ACCESS-006
  Scenario: What a SUPERVISOR set is kept across a power failure and named in the recovery record
    Given the bench is ready
    And the controller user is logged in as SUPERVISOR
    And the TEMPERATURE_HIGH alarm limit is widened
    And the temperature loop is in manual at its present output
    When the controller loses power for 2 minutes
    Given the bench is ready
    Then the SUPERVISOR's settings are as before the power failure (OQ-POWER-SUPERVISOR-SETTINGS)
    And the recovery record names the loops kept in manual (OQ-POWER-SUPERVISOR-SETTINGS)
    When the SUPERVISOR's settings are restored
