Feature: Performance qualification — CAR-T-like batches
  The whole process runs on the machine as in production: selection,
  activation and transduction, expansion in the rocking bag, harvest and fill.
  Three consecutive batches of the recipe, then a worst-case batch, each
  judged on the culture through the expansion, the module steps and the fill,
  and on its product: a sample of the filled bags goes to the QC release
  laboratory, whose results (viability, CD3+, CAR+, vector copies, endotoxin,
  sterility, mycoplasma, fold expansion) are judged against the PQ criteria.

  @URS-PQ-002 @URS-PQ-004
  Scenario Outline: Consecutive batch <run> of recipe car-t-14d
    Given the bench is ready
    When the batch recipe "car-t-14d" runs as batch <run>
    Then the temperature through the batch meets PQ-TEMP-RUN
    And the pH through the batch meets PQ-PH-RUN
    And the DO through the batch meets PQ-DO-RUN
    And every module command of the batch had its expected outcome (PQ-MODULES)
    And every filled bag meets PQ-FILL-VOL
    And the QC release of the batch meets viability PQ-VIABILITY, CD3+ PQ-CD3, CAR+ PQ-CAR, vector copies PQ-VCN, endotoxin PQ-ENDOTOXIN, sterility PQ-STERILITY, mycoplasma PQ-MYCOPLASMA, fold expansion PQ-FOLD-EXPANSION

    Examples:
      | run |
      | 1   |
      | 2   |
      | 3   |

  @URS-PQ-003 @URS-PQ-004
  Scenario: Worst-case batch of recipe car-t-worst-case
    Given the bench is ready
    When the batch recipe "car-t-worst-case" runs as the worst-case batch
    Then the temperature recovers from every challenge back into PQ-TEMP-RUN within PQ-CHALLENGE-RECOVERY
    And the temperature through the batch meets PQ-TEMP-RUN
    And the pH through the batch meets PQ-PH-RUN
    And the DO through the batch meets PQ-DO-RUN
    And every module command of the batch had its expected outcome (PQ-MODULES)
    And every filled bag meets PQ-FILL-VOL
    And the QC release of the batch meets viability PQ-VIABILITY, CD3+ PQ-CD3, CAR+ PQ-CAR, vector copies PQ-VCN, endotoxin PQ-ENDOTOXIN, sterility PQ-STERILITY, mycoplasma PQ-MYCOPLASMA, fold expansion PQ-FOLD-EXPANSION
