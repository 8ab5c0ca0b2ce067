"""A population of cells in a bag: the record handed from one process step to the next.

Every step of the chain (selection, transduction, expansion, harvest, fill)
takes a ``CellPopulation`` and returns a new one; the attributes QC measures
(viability, CD3+, CAR+, vector copies) are derived from the counts.

>>> bag = CellPopulation(t_cells=9e8, other_cells=1e8, dead_cells=1e8, volume_ml=100.0)
>>> round(bag.viability, 3), round(bag.cd3_fraction, 2)
(0.909, 0.9)
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class CellPopulation:
    """Counts of cells (not densities) and what they carry."""

    t_cells: float                      # viable CD3+ T cells
    other_cells: float                  # viable non-T cells (monocytes, B, NK ...)
    dead_cells: float
    volume_ml: float
    transduced_fraction: float = 0.0    # of the viable T cells, carrying the CAR
    vector_copies_per_transduced_cell: float = 0.0
    endotoxin_eu: float = 0.0           # total endotoxin carried with the cells

    @property
    def viable_cells(self) -> float:
        return self.t_cells + self.other_cells

    @property
    def total_cells(self) -> float:
        return self.viable_cells + self.dead_cells

    @property
    def viability(self) -> float:
        return self.viable_cells / self.total_cells if self.total_cells > 0 else 0.0

    @property
    def cd3_fraction(self) -> float:
        """CD3+ share of the viable cells (flow cytometry gates on live cells)."""
        return self.t_cells / self.viable_cells if self.viable_cells > 0 else 0.0

    @property
    def car_positive_fraction(self) -> float:
        """CAR+ share of the viable cells."""
        return self.t_cells * self.transduced_fraction / self.viable_cells if self.viable_cells > 0 else 0.0

    @property
    def vector_copies_per_cell(self) -> float:
        """Average integrated copies over all viable cells (what bulk qPCR reports)."""
        return self.car_positive_fraction * self.vector_copies_per_transduced_cell

    @property
    def viable_cells_per_ml(self) -> float:
        return self.viable_cells / self.volume_ml if self.volume_ml > 0 else 0.0

    def scaled(self, viable_factor: float, dead_factor: float | None = None, **changes) -> "CellPopulation":
        """The same population with viable counts × ``viable_factor`` (dead × ``dead_factor``)."""
        return replace(self, t_cells=self.t_cells * viable_factor,
                       other_cells=self.other_cells * viable_factor,
                       dead_cells=self.dead_cells * (viable_factor if dead_factor is None else dead_factor),
                       **changes)
