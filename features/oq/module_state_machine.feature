Feature: Operational qualification — process module state machine
  Each process module follows the ISA-88 / NAMUR MTP state machine: a command
  allowed in the current state leads to the specified state, any other is
  refused with a reason. The expansion module, which runs the culture, is
  started again at the end of each scenario.

  @URS-OQ-MODULE-001
  Scenario Outline: The <module> module follows the state machine
    Given the bench is ready
    And the <module> module is IDLE
    When the <module> module is driven through these commands
      | command  | expected  |
      | UNHOLD   | refused   |
      | START    | EXECUTE   |
      | START    | refused   |
      | HOLD     | HELD      |
      | RESUME   | refused   |
      | UNHOLD   | EXECUTE   |
      | PAUSE    | PAUSED    |
      | RESUME   | EXECUTE   |
      | COMPLETE | COMPLETED |
      | RESET    | IDLE      |
      | START    | EXECUTE   |
      | STOP     | STOPPED   |
      | RESET    | IDLE      |
      | START    | EXECUTE   |
      | ABORT    | ABORTED   |
      | RESET    | IDLE      |
    Then every command had its expected outcome (OQ-MODULE-SM)
    When the EXPANSION module is started again

    Examples:
      | module       |
      | SELECTION    |
      | TRANSDUCTION |
      | EXPANSION    |
      | HARVEST      |
