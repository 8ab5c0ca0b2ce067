Feature: Installation qualification — identity and calibration
  The controller and the reference instruments on the bench are the ones in
  the equipment and calibration registers, and every reference instrument is
  in calibration on the day of execution.

  @URS-IQ-001
  Scenario: Controller and reference thermometer are the registered ones and in calibration
    Given the bench is ready
    Then the identity of the controller matches the register (IQ-ID-CTRL)
    And the identity of the thermometer matches the register (IQ-ID-THERMO)
    And the calibration of the thermometer is in date (IQ-CAL-THERMO)
