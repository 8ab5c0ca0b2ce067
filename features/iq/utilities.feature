Feature: Installation qualification — utilities
  The machine is installed on the mains, gas supplies and network it was
  specified for, as measured by the bench's DMM.

  @URS-IQ-004
  Scenario: Mains, gas supplies and network are as specified
    Given the bench is ready
    Then the mains voltage meets IQ-UTIL-MAINS
    And the CO2 supply pressure meets IQ-UTIL-CO2
    And the O2 supply pressure meets IQ-UTIL-O2
    And every device of the bench answers on the network (IQ-UTIL-NETWORK)
