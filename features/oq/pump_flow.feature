Feature: Operational qualification — pump flow by gravimetry
  Each pump line delivers into the vessel on the reference balance (the harvest
  line ends there as the bench is handed over; another line is routed there for
  its scenario); six weighed deliveries give the systematic and random error of
  its flow, in the manner of ISO 8655-6.

  @URS-OQ-PUMP-001
  Scenario: Harvest pump flow at 5 mL/min, six deliveries of 10 mL
    Given the bench is ready
    When the HARVEST pump delivers 10 mL at 5 mL/min onto the balance 6 times
    Then the systematic flow error meets OQ-PUMP-ACC
    And the flow coefficient of variation meets OQ-PUMP-CV

  @URS-OQ-PUMP-001
  Scenario: Feed pump flow at 5 mL/min, six deliveries of 10 mL
    Given the bench is ready
    And the FEED pump line is routed to the balance
    When the FEED pump delivers 10 mL at 5 mL/min onto the balance 6 times
    Then the systematic flow error meets OQ-PUMP-ACC
    And the flow coefficient of variation meets OQ-PUMP-CV
