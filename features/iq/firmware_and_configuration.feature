Feature: Installation qualification — firmware and configuration of the controller
  Each process module runs its released firmware, and the controller runs the
  approved configuration: both as recorded in the equipment register.

  @URS-IQ-002
  Scenario: Every process module runs its released firmware
    Given the bench is ready
    Then the firmware of every process module matches the equipment register (IQ-FW-MODULES)

  @URS-IQ-003
  Scenario: The controller runs the approved configuration
    Given the bench is ready
    Then the configuration checksum of the controller matches the equipment register (IQ-CFG-CHECKSUM)

  @URS-IQ-002
  Scenario: The service console reports the registered controller and module firmware
    Given the bench is ready
    Then the service console reports the registered firmware of the controller and every module (IQ-FW-CONSOLE)
