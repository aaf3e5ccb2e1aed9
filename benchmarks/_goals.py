"""Figures beside their goals: each benchmark prints a measured figure with the goal it answers to and the machine's
load average at that moment (the benchmarks share two cores with whatever else runs), and ``benchmarks.run``
repeats every figure of the run in one table at the end."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    goal: float | None
    higher_is_better: bool
    load: tuple[float, float, float]

    @property
    def verdict(self) -> str:
        if self.goal is None:
            return ""
        met = self.value >= self.goal if self.higher_is_better else self.value <= self.goal
        return "meets" if met else "MISSES"

    def line(self) -> str:
        load = "load average {:.2f} {:.2f} {:.2f}".format(*self.load)
        if self.goal is None:
            return f"{self.name}: {self.value:.3f} {self.unit}  (no goal; {load})"
        sign = ">=" if self.higher_is_better else "<="
        return f"{self.name}: {self.value:.3f} {self.unit}  (goal {sign} {self.goal:g}: {self.verdict}; {load})"


RECORDED: list[Figure] = []


def figure(name: str, value: float, unit: str, goal: float | None = None, *, higher_is_better: bool = False) -> Figure:
    """Record and print one figure (``goal`` None: measured for information, no goal)."""
    found = Figure(name, value, unit, goal, higher_is_better, os.getloadavg())
    RECORDED.append(found)
    print("  " + found.line(), flush=True)
    return found
