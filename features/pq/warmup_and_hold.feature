Feature: Performance qualification — process run
  A process run of the recipe brings a freshly loaded bag to temperature and
  holds it through every judged phase.

  @URS-PQ-001
  Scenario: Warm-up and hold run of recipe warmup-and-hold
    Given the bench is ready
    And the EXPANSION module is executing
    And a fresh culture bag is loaded
    When the process recipe "warmup-and-hold" runs, sampled by the thermometer
    Then the time to reach the band of PQ-TEMP-RUN meets PQ-HEATUP-TIME
    And every reading in the judged phases meets PQ-TEMP-RUN
