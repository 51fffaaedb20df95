"""What a run's agent attempts spend, journaled per attempt, and the run's budget (`max_cost`).

Each attempt of an agent step (a compensation's too) is journaled as one `agent_attempt` event as
it ends, a failed attempt included, since it was paid for: the step, the attempt number, whether it
did its work, and what headless Claude Code reported (`headless.attempt_record`: session id, model,
subtype, turns, tokens from `modelUsage`, `cost_usd`, denials), plus the `--max-budget-usd` it was
given and the error of a failed attempt. An instance of a fan-out over a list known at run time
names its map node (`map`), so reports count it there.

The run's budget is the workflow's `max_cost` (or `wfc run --max-cost`), in USD, against the cost of
every agent attempt of the run, earlier sessions' included, so a resume counts what was spent.
Once the total reaches it, no new agent step starts: a step about to start is recorded as not run
for budget (`step_not_run`, `reason: budget`), a running step's retries stop, running attempts
finish; the first time, a `budget_exhausted` event says so. Each attempt gets the smaller of its
step's `max_cost` and what is left of the run's as `--max-budget-usd`, so one attempt cannot
overspend the run by itself. Steps that are not agent steps go on: they cost nothing.
"""
from __future__ import annotations

import threading
from typing import Any, Dict, Optional, Tuple

from wfc.format.figures import dollars
from wfc.model import Step
from wfc.runtime.executors import StepResult
from wfc.runtime.outcome import NOT_RUN, StepOutcome

ATTEMPT_EVENT = "agent_attempt"
EXHAUSTED_EVENT = "budget_exhausted"
BUDGET_REASON = "budget"


class Spend:
    """One session's ledger: what the run spent so far against its budget (None: no budget)."""

    def __init__(self, journal: Any, limit: Optional[float], spent: float = 0.0) -> None:
        self.journal, self.limit, self.spent = journal, limit, spent
        self.announced = False
        self.lock = threading.Lock()  # attempts end on worker threads

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.spent >= self.limit

    def refuses(self, step: Step) -> bool:
        """Whether `step` may not start (or retry) now: an agent step once the budget is spent."""
        if step.kind != "agent":
            return False
        with self.lock:
            refused = self.exhausted
            self._announce()
        return refused

    def attempt_budget(self, step: Step) -> Optional[float]:
        """The attempt's `--max-budget-usd`: the step's `max_cost`, or what is left of the run's if less."""
        if step.kind != "agent":
            return None
        with self.lock:
            left = None if self.limit is None else self.limit - self.spent
        limits = [limit for limit in (step.max_cost, left) if limit is not None and limit > 0]
        if not limits:
            return None
        smallest = min(limits)
        return round(smallest, 6) if round(smallest, 6) > 0 else smallest  # the CLI refuses 0

    def record(self, step: Step, attempt: int, result: StepResult, budget: Optional[float],
               planned: bool = True, **extra: Any) -> None:
        """Journal one agent attempt's spend and count its cost against the budget. An instance of a
        map node (not `planned`: the plan knows the node) names its node."""
        fields: Dict[str, Any] = {"step": step.id, "attempt": attempt, "ok": result.ok, **result.spend, **extra}
        if not planned and step.instance is not None:
            fields["map"] = step.instance.of
        if budget is not None:
            fields["max_budget_usd"] = budget
        if not result.ok and result.error:
            fields["error"] = result.error
        cost = result.spend.get("cost_usd")
        with self.lock:
            self.spent += float(cost) if isinstance(cost, (int, float)) and cost > 0 else 0.0
            self.journal.event(ATTEMPT_EVENT, **fields)
            self._announce()

    def _announce(self) -> None:
        if self.exhausted and not self.announced:
            self.announced = True
            self.journal.event(EXHAUSTED_EVENT, spent_usd=round(self.spent, 6), max_cost=self.limit,
                               message=f"{self.summary()}: no new agent step starts")

    def stopped(self, over_budget: Tuple[str, ...]) -> Dict[str, Any]:
        """What `run_finished` adds when the budget kept steps from starting."""
        return {"over_budget": list(over_budget), "spent_usd": round(self.spent, 6)} if over_budget else {}

    def summary(self) -> str:
        return f"the run's budget of {dollars(self.limit or 0.0)} is spent ({dollars(self.spent)} so far)"

    def not_run(self) -> StepOutcome:
        """The outcome of an agent step the budget kept from starting."""
        return StepOutcome(NOT_RUN, error=f"{self.summary()}: raise `max_cost` (or pass a higher --max-cost) "
                                          "and --resume the run", meta={"reason": BUDGET_REASON})

    def not_retried(self, error: str) -> str:
        return f"{error} (not retried: {self.summary()})"
