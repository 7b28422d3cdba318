"""Batches of one plan: a plan over the max-actions guard is applied a batch at a time.

The plan stays one hash-pinned object; a batch is a run of its steps, in step order, holding
at most ``size`` vendor calls (manual steps ride with the batch they fall in). The layout is a
pure function of the plan and the size, and the size is recorded with the first approved
batch, so every later batch is cut the same way whatever the configuration says by then.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenure.actions.plan import Plan
from tenure.errors import TenureError


@dataclass(frozen=True, slots=True)
class Batch:
    """One batch of a plan: its 1-based number, its steps and how many are vendor calls."""

    number: int
    steps: tuple[int, ...]
    calls: int

    @property
    def first(self) -> int:
        """The first step index."""
        return self.steps[0]

    @property
    def last(self) -> int:
        """The last step index."""
        return self.steps[-1]


def layout(plan: Plan, size: int) -> list[Batch]:
    """The plan's batches of at most ``size`` vendor calls each (one batch when it has none)."""
    if size < 1:
        raise TenureError("a batch holds at least one vendor action (--batch-size ≥ 1)")
    batches: list[Batch] = []
    steps: list[int] = []
    calls = 0
    for step in sorted(plan.steps, key=lambda s: s.index):
        if step.call is not None and calls == size:
            batches.append(Batch(len(batches) + 1, tuple(steps), calls))
            steps, calls = [], 0
        steps.append(step.index)
        calls += step.call is not None
    if steps or not batches:
        batches.append(Batch(len(batches) + 1, tuple(steps), calls))
    return batches


def pick(plan: Plan, size: int, number: int) -> Batch:
    """Batch ``number`` of the plan cut at ``size``, or a TenureError naming the range."""
    batches = layout(plan, size)
    if not 1 <= number <= len(batches):
        raise TenureError(f"plan {plan.id} has {len(batches)} batch(es) of at most {size} "
                          f"vendor action(s); there is no batch {number}")
    return batches[number - 1]
