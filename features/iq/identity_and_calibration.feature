Feature: Installation qualification — identity and calibration
  The controller and the reference instruments on the bench are the ones in
  the equipment and calibration registers, and every reference instrument is
  in calibration on the day of execution.

  @URS-IQ-001
  Scenario: Controller and reference instruments are the registered ones and in calibration
    Given the bench is ready
    Then the identity of the controller matches the register (IQ-ID-CTRL)
    And the identity of the thermometer matches the register (IQ-ID-THERMO)
    And the calibration of the thermometer is in date (IQ-CAL-THERMO)
    And the identity of the phdo matches the register (IQ-ID-PHDO)
    And the calibration of the phdo is in date (IQ-CAL-PHDO)
    And the identity of the co2 matches the register (IQ-ID-CO2)
    And the calibration of the co2 is in date (IQ-CAL-CO2)
    And the identity of the tachometer matches the register (IQ-ID-TACHO)
    And the calibration of the tachometer is in date (IQ-CAL-TACHO)
    And the identity of the dmm matches the register (IQ-ID-DMM)
    And the calibration of the dmm is in date (IQ-CAL-DMM)
    And the identity of the balance matches the register (IQ-ID-BALANCE)
    And the calibration of the balance is in date (IQ-CAL-BALANCE)
