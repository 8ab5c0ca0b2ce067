Feature: Operational qualification — the controller keeps its users apart
  Every connection to the controller has its own login: a connection that has
  not logged in has no rights, whoever is logged in elsewhere, and two users
  logged in at once each act — and are recorded in the audit trail — as
  themselves (Part 11 §11.10(d, g), Annex 11 §12.1). Repeated wrong passwords
  lock the account: after the number of failed logins the controller's
  configuration sets, even the right password is refused until the lock is
  released, by itself after the configured time or by an ADMIN; each failed
  login, the lock, the refusal and the release are in the audit trail
  (Part 11 §11.300(d), Annex 11 §12.4).

  @URS-OQ-ACCESS-007
  Scenario: Two users logged in at once each act as themselves, and a connection without a login has no rights
    Given the bench is ready
    And the controller user is logged in as SUPERVISOR
    And a second connection to the controller is logged in as OPERATOR
    When each user changes the temperature setpoint on their own connection and a connection without a login tries to
    Then each change is in the audit trail under the user of its own connection (OQ-ACCESS-SESSIONS)

  @URS-OQ-ACCESS-008
  Scenario: Wrong passwords lock an account, and the lock releases itself after the configured time
    Given the bench is ready
    When the OPERATOR account is given a wrong password as many times as the lockout allows
    Then the account's right password is refused while it is locked (OQ-ACCESS-LOCKOUT)
    And each failed login and the lock are in the audit trail (OQ-AUDIT-DENIED)
    When the lockout's release time passes
    Then the account logs in again with its right password and the release is in the audit trail (OQ-ACCESS-LOCKOUT)

  @URS-OQ-ACCESS-008
  Scenario: An ADMIN releases a locked account at once
    Given the bench is ready
    When the SUPERVISOR account is given a wrong password as many times as the lockout allows
    Then the account's right password is refused while it is locked (OQ-ACCESS-LOCKOUT)
    When an ADMIN unlocks the account on a second connection
    Then the account logs in again with its right password and the release is in the audit trail (OQ-ACCESS-LOCKOUT)
