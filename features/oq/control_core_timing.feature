Feature: Operational qualification — control-core timing
  The control core runs at a fixed period on wall time. The controller reports
  its own scheduler statistics: how regularly the steps start (period jitter),
  how long each takes (step latency) and the deadlines it missed. 30 periods
  at the bench's real-time period (10 Hz on the simulated bench: 3 s).

  @URS-OQ-TIMING-001
  Scenario: The control core keeps its real-time period
    Given the bench is ready
    When the control core runs 30 periods in real time
    Then the period jitter (99th percentile) is within limits (OQ-TIMING-JITTER)
    And the step latency (99th percentile) is within limits (OQ-TIMING-LATENCY)
    And no control deadline is missed (OQ-TIMING-MISSED)
