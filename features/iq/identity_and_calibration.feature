Feature: Installation qualification — identity and calibration
  The controller and the reference instruments on the bench are the ones in
  the equipment and calibration registers, and every reference instrument is
  in calibration on the day of execution.

  @URS-IQ-001
  Scenario: The controller is the registered one
    Given the bench is ready
    Then the identity of the controller matches the register (IQ-ID-CTRL)

  @URS-IQ-001
  Scenario Outline: The <instrument> is the registered reference instrument and in calibration
    Given the bench is ready
    Then the identity of the <instrument> matches the register (<identity>)
    And the calibration of the <instrument> is in date (<calibration>)

    Examples:
      | instrument  | identity      | calibration    |
      | thermometer | IQ-ID-THERMO  | IQ-CAL-THERMO  |
      | phdo        | IQ-ID-PHDO    | IQ-CAL-PHDO    |
      | co2         | IQ-ID-CO2     | IQ-CAL-CO2     |
      | tachometer  | IQ-ID-TACHO   | IQ-CAL-TACHO   |
      | dmm         | IQ-ID-DMM     | IQ-CAL-DMM     |
      | balance     | IQ-ID-BALANCE | IQ-CAL-BALANCE |
