Feature: Operational qualification — gas supplies and pump lines
  The controller watches the pressure of its CO2 and O2 supplies and of every
  pump line. A lost supply must be alarmed in time while a culture is
  regulated; a blocked line must be alarmed, stop the pumps (interlock) until
  the pressure is released, and let an operator acknowledge the alarm. The
  firmware records each alarm it raises in its audit trail (Annex 11 §9).
  Each condition is caused on the bench: the supply is cut at the cylinder,
  the line is clamped while its pump runs.

  @URS-OQ-ALARM-009
  Scenario Outline: A lost <gas> supply is alarmed and audit-trailed
    Given the bench is ready
    And the culture has settled for 1 hour
    When the fault GAS_LOSS is injected on <gas>
    Then the alarm <alarm> is annunciated within OQ-ALARM-GAS-SUPPLY-DELAY
    And the alarm relay is energised
    And the alarm <alarm> is in the audit trail
    When the faults are cleared
    And 1 hour passes
    And the operator acknowledges the alarms
    Then no alarm is left unacknowledged

    Examples:
      | gas | alarm          |
      | CO2 | CO2_SUPPLY_LOW |
      | O2  | O2_SUPPLY_LOW  |

  @URS-OQ-ALARM-010
  Scenario Outline: A clamped <pump> line is alarmed and its pump stopped
    Given the bench is ready
    And the culture has settled for 1 hour
    When the <pump> pump is started for 20 mL at 5 mL/min
    And the fault PUMP_OCCLUSION is injected on <pump>
    Then the alarm PUMP_OCCLUSION is annunciated within OQ-ALARM-OCCLUSION-DELAY
    And the interlock PUMP_OCCLUSION is active
    And the <pump> pump has been stopped
    And the alarm relay is energised
    And the alarm PUMP_OCCLUSION is in the audit trail
    When the faults are cleared
    And 1 minute passes
    Then no interlock is active
    When the operator acknowledges the alarms
    Then no alarm is left unacknowledged
    And the alarm relay is released

    Examples:
      | pump    |
      | FEED    |
      | HARVEST |
