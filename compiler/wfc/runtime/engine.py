"""Running a plan: the scheduler's hooks, wired to executors, the journal and the context store.

`run_plan(plan, options)` is the whole runtime from the outside. It never re-reads YAML: the plan
carries the workflow. Decisions that need no thread (a resumed step, a false `when`, a cache hit)
are made on the scheduling thread; everything that waits (subprocesses, agents, calls) runs on
a worker.
"""
from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from wfc.analysis.plan import Plan
from wfc.model import Step
from wfc.model.fan_out import is_map_node, scheduled_resources
from wfc.diagnostics.errors import UsageError
from wfc.runtime import progress as progress_module
from wfc.runtime.backend import Backend, ThreadBackend, open_backend
from wfc.runtime.cache import ContextStore, Lookup, runtime_keys
from wfc.runtime.options import argument_values
from wfc.runtime.executors import Executors, Invocation, ProcessRegistry, StepResult
from wfc.runtime.journal import Journal, PastRun
from wfc.runtime.mapping import Collected, condition_names, map_items, run_map, upstream_failed
from wfc.runtime.lifetime import new_token
from wfc.runtime.preview import schedule_text
from wfc.runtime.resume import KEY_CHARS, RunLock, Session, open_session
from wfc.runtime.outcome import (CACHE_HIT, CANCELLED, FAILED, FINISHED, NOT_RUN, RESUMED, SKIPPED, RunOptions,
                                 RunResult, StepOutcome, split_outputs)
from wfc.runtime.saga import Completions, compensate, earlier_completions
from wfc.runtime.scheduler import Node, Scheduler
from wfc.runtime.spend import Spend
from wfc.runtime.step_logs import StepLogs
from wfc.format.templating import TemplateFailed, evaluate_when

SKIPPED_VALUE = ""  # what readers of a step skipped by `when` get (docs/running.md): renders as nothing
JOURNALED = {FINISHED: "step_finished", FAILED: "step_failed", SKIPPED: "step_skipped",
             CACHE_HIT: "step_cache_hit", RESUMED: "step_resumed", CANCELLED: "step_cancelled",
             NOT_RUN: "step_not_run"}


class PlanRun:
    """The scheduler's hooks for one session of one run."""

    def __init__(self, plan: Plan, options: RunOptions, journal: Journal, past: PastRun,
                 backend: Backend, store: Optional[ContextStore], keys: Mapping[str, str]) -> None:
        self.plan, self.options, self.journal, self.past = plan, options, journal, past
        self.steps = plan.workflow.steps_by_id()
        self.backend, self.store, self.keys = backend, store, keys
        self.definitions = {planned.id: planned.cache_key[:KEY_CHARS] for planned in plan.steps}  # resume checks
        self.args = dict(options.args)
        self.context: Dict[str, Any] = {}
        self.collected = Collected(plan.workflow)
        self.outcomes: Dict[str, StepOutcome] = {}
        self.completions = Completions(journal, earlier_completions(past, plan.workflow))  # what compensation undoes
        self.hits = self.misses = 0
        self.warnings: List[str] = []
        self.logs: Optional[StepLogs] = None  # where attempts' output is kept; None keeps nothing
        # steps with nothing to decide before running them: `immediate` answers these in one lookup
        self.plain = frozenset(step_id for step_id, step in self.steps.items()
                               if step_id not in past.done and step.when is None and step.trigger == "on_success"
                               and not self.cacheable(step_id))
        self.dependencies = {planned.id: planned.dependencies for planned in plan.steps}
        budget = options.max_cost if options.max_cost is not None else plan.workflow.max_cost
        self.spend = Spend(journal, budget, past.spent_usd)
        self.over_budget: Dict[str, None] = {}  # agent steps the budget kept from starting, in that order

    def cacheable(self, step_id: str) -> bool:
        step = self.steps[step_id]
        return self.store is not None and step.cache and bool(step.outputs)

    def immediate(self, step_id: str) -> Optional[StepOutcome]:
        if step_id in self.plain:
            return None
        if step_id in self.past.done:
            if self.past.done[step_id] == "step_skipped":
                return StepOutcome(RESUMED, {name: SKIPPED_VALUE for name in self.steps[step_id].outputs})
            return StepOutcome(RESUMED, self.past.outputs.get(step_id, {}))
        step = self.steps[step_id]
        if step.trigger == "on_failure" and not upstream_failed(self.dependencies[step_id], self.outcomes):
            return StepOutcome(SKIPPED, {name: SKIPPED_VALUE for name in step.outputs})
        if step.when is not None:
            try:
                names = condition_names(step, self.dependencies[step_id], self.steps, self.outcomes, self.context)
                if not evaluate_when(step.when, self.args, names):
                    return StepOutcome(SKIPPED, {name: SKIPPED_VALUE for name in step.outputs})
            except TemplateFailed as error:
                return StepOutcome(FAILED, error=str(error), continue_on_error=self.collected.tolerated(step))
        if not self.cacheable(step_id):
            return None
        found = Lookup(None) if self.options.refresh else self.store.lookup(step.outputs, self.keys[step_id])  # type: ignore[union-attr]
        if found.values is not None:
            self.hits += 1
            return StepOutcome(CACHE_HIT, found.values)
        self.misses += 1
        if found.warning:
            self.warn(found.warning, step_id)
        return None

    def warn(self, message: str, step_id: str) -> None:
        self.warnings.append(message)
        self.journal.event("warning", step=step_id, message=message)

    def started(self, step_id: str) -> None:
        if self.spend.refuses(self.steps[step_id]):  # decided as it would start: it may have waited in the queue
            self.over_budget[step_id] = None
            return
        self.journal.event("step_started", step=step_id, attempt=1)

    def work(self, step_id: str) -> StepOutcome:
        if step_id in self.over_budget:
            return self.spend.not_run()
        step = self.steps[step_id]
        inputs = {name: self.context.get(name) for name in step.inputs} if step.inputs else {}
        if not is_map_node(step):
            return self.attempts(step, inputs)
        items, problem = map_items(step, self.args, inputs)
        if problem:
            return StepOutcome(FAILED, error=problem, attempts=1, continue_on_error=step.continue_on_error)
        return run_map(step, items, lambda instance: self.attempts(instance, inputs), self.journal,
                       self.completions.journaled, self.plan.workflow.max_parallel)

    def attempts(self, step: Step, inputs: Mapping[str, Any]) -> StepOutcome:
        """A step's tries until one succeeds, the retries run out or the run stops."""
        step_id = step.id
        cancelled, run_attempt = self.backend.cancelled, self.backend.run_attempt
        began = self.journal.now()
        last_error = ""
        for attempt in range(1, step.retry.attempts + 1):
            if self.spend.refuses(step):  # an instance of a map node, or a retry, once the budget is spent
                last_error = self.spend.not_retried(last_error) if attempt > 1 else self.spend.not_run().error
                break
            if attempt > 1:
                delay = step.retry.delay_before(attempt)
                self.journal.event("step_retried", step=step_id, attempt=attempt, delay=delay, error=last_error)
                if cancelled.wait(delay):
                    break
            budget = self.spend.attempt_budget(step)
            result = run_attempt(Invocation(step, self.args, inputs, step.timeout, attempt, budget))
            self.keep(step_id, attempt, result)
            if step.kind == "agent":
                self.spend.record(step, attempt, result, budget, planned=step_id in self.steps)
            if result.cancelled or (cancelled.is_set() and not result.ok):
                break
            values, last_error = split_outputs(step, result.value) if result.ok else ({}, result.error)
            if not last_error:
                return StepOutcome(
                    FINISHED, values, attempts=attempt, duration=self.journal.now() - began, meta=result.meta
                )
            if result.permanent:
                break
        if cancelled.is_set():
            return StepOutcome(CANCELLED, error="cancelled", attempts=attempt)
        return StepOutcome(FAILED, error=last_error, attempts=attempt, duration=self.journal.now() - began,
                           continue_on_error=self.collected.tolerated(step))

    def keep(self, step_id: str, attempt: int, result: StepResult) -> None:
        if self.logs is not None and result.captured is not None:
            self.logs.keep(step_id, attempt, result.ok, result.captured)

    def uncache(self, step: Step) -> None:
        """A step being undone: its cached outputs would let a resumed run skip redoing it."""
        if step.id in self.keys and self.cacheable(step.id):
            problem = self.store.forget(step.outputs, self.keys[step.id])  # type: ignore[union-attr]
            if problem:
                self.warn(problem, step.id)

    def crashed(self, step_id: str, message: str) -> StepOutcome:
        return StepOutcome(FAILED, error=message)

    def cancel(self) -> None:
        self.backend.cancel()

    def finished(self, step_id: str, outcome: StepOutcome) -> None:
        self.outcomes[step_id] = outcome
        step = self.steps[step_id]
        failed = {name: None for name in step.outputs} if outcome.status == FAILED and outcome.continue_on_error else {}
        self.collected.record(self.context, step, {**failed, **outcome.values})
        if outcome.status == FINISHED and self.cacheable(step_id):
            problem = self.store.store(outcome.values, self.keys[step_id])  # type: ignore[union-attr]
            if problem:
                self.warn(problem, step_id)
        fields: Dict[str, Any] = {"step": step_id}
        if outcome.status in (FINISHED, CACHE_HIT, SKIPPED) and step_id in self.keys:
            fields.update(fingerprint=self.keys[step_id][:KEY_CHARS], definition=self.definitions[step_id])
        if outcome.status in (FINISHED, CACHE_HIT) and outcome.values:
            fields["outputs"] = outcome.values  # resume reads them back from here
        if outcome.status in (FINISHED, FAILED, CANCELLED):
            fields.update(attempt=outcome.attempts, duration=round(outcome.duration, 6))
        fields.update(outcome.meta)
        if outcome.error:
            fields["error"] = outcome.error
        if outcome.status == FAILED and outcome.continue_on_error:
            fields["continue_on_error"] = True
        # a map node did no work of its own: its instances were counted as each finished
        did_work = outcome.status == FINISHED and not is_map_node(step)
        self.completions.journaled(step if did_work else None, JOURNALED[outcome.status], fields)


def nodes_of(plan: Plan) -> Dict[str, Node]:
    requests = scheduled_resources(plan.workflow)[0]
    steps = plan.workflow.steps_by_id()
    return {planned.id: Node(planned.id, planned.dependencies, planned.dependents, planned.priority,
                             requests.get(planned.id, {}), steps[planned.id].trigger)
            for planned in plan.steps}  # read, never changed


def plan_keys(plan: Plan, args: Mapping[str, Any]) -> Dict[str, str]:
    dependencies = {planned.id: planned.dependencies for planned in plan.steps}
    static = {planned.id: planned.cache_key for planned in plan.steps}
    return runtime_keys(plan.workflow, plan.order, static, dependencies, args, Path.cwd())


def run_plan(plan: Plan, options: RunOptions) -> RunResult:
    """Run (or resume) a plan. Returns the result; raises UsageError only for a bad request."""
    from dataclasses import replace

    options = replace(options, args=argument_values(plan.workflow, options.args))
    lock = RunLock(options.state_dir, plan.workflow.name)
    if options.journal:
        lock.acquire()
    try:
        keys = plan_keys(plan, options.args)
        session = open_session(plan, options, keys, {planned.id: planned.cache_key for planned in plan.steps})
        lock.name(session.run_id)
        executors = Executors(ProcessRegistry(new_token()), options.agent_command, plan.workflow.agents)
        backend = open_backend(plan, options, executors)
        try:
            started = backend.start()  # a backend that cannot run the plan fails before the run exists
            listeners = progress_module.listeners_for(plan, options)
            journal = _open_journal(session, options, listeners)
            try:
                return _execute(plan, options, session, keys, journal, backend, executors, started)
            finally:
                journal.close()
                for listener in listeners:
                    getattr(listener, "close", lambda: None)()
        finally:
            backend.close()
    finally:
        lock.release()


def _open_journal(session: Session, options: RunOptions, listeners: List[Any]) -> Journal:
    try:
        return Journal(session.run_dir if options.journal else None, tuple(listeners))
    except OSError as error:
        for listener in listeners:
            getattr(listener, "close", lambda: None)()
        raise UsageError(f"cannot write the journal under {session.run_dir}: {error.strerror or error}") from None


def _execute(plan: Plan, options: RunOptions, session: Session, keys: Mapping[str, str], journal: Journal,
             backend: Backend, executors: Executors, started: Tuple[str, ...]) -> RunResult:
    workflow = plan.workflow
    registry = executors.registry  # compensations run here, in the client, whatever the backend
    registry.started = _ProcessJournal(journal)
    store = None if options.no_cache else ContextStore(
        options.state_dir / "cache", {entry.name: entry.ttl for entry in workflow.context})
    hooks = PlanRun(plan, options, journal, session.past, backend, store, keys)
    try:
        hooks.logs = StepLogs(session.run_dir) if options.journal else None
        if hooks.logs is not None:
            journal.write_along(hooks.logs.flush)
    except OSError as error:  # the run goes on without them, as when a write fails
        hooks.warnings.append(f"cannot keep the steps' output in {session.run_dir}: {error.strerror or error}")
    scheduler = Scheduler(nodes_of(plan), hooks,
                          max_parallel=options.max_parallel or workflow.max_parallel,
                          capacities=scheduled_resources(workflow)[1], keep_going=workflow.on_failure.keep_going,
                          batch=journal)
    clean = False
    try:
        with _interrupts(scheduler, registry) as interrupts:  # before run_started: a signal is never lost
            _journal_start(plan, options, session, registry.token, journal)
            for message in started:
                hooks.warnings.append(message)
                journal.event("warning", message=message)
            summary = scheduler.run()
            status = "cancelled" if summary.cancelled else \
                "failed" if summary.failed or summary.not_run or hooks.over_budget else "succeeded"
            for step_id in summary.not_run:
                journal.event("step_not_run", step=step_id)
            # a run its budget alone stopped is not undone: raising the budget and resuming goes on from here
            paused = bool(hooks.over_budget) and not summary.failed and not summary.cancelled
            if status != "succeeded" and workflow.on_failure.compensate and not paused:
                registry.cancelled.clear()
                compensate(hooks.completions.steps(), workflow, executors, journal, options.args, hooks.context,
                           hooks.spend, hooks.uncache)
            clean = not interrupts.received
    finally:
        registry.close(clean)
        if hooks.logs is not None:
            hooks.logs.close()
            if hooks.logs.failure:  # a full disk loses the log, not the run
                hooks.warnings.append(f"the steps' output stopped being kept in {hooks.logs.path} "
                                      f"({hooks.logs.failure}): `wfc runs logs` shows what was kept before")
    received = interrupts.received if status == "cancelled" else 0
    return _finish(hooks, session, options, status, summary.not_run, received)


def _finish(hooks: PlanRun, session: Session, options: RunOptions, status: str, not_run: Tuple[str, ...],
            received: int) -> RunResult:
    journal = hooks.journal
    journal.event("run_finished", status=status, cache_hits=hooks.hits, cache_misses=hooks.misses,
                  not_run=list(not_run), **hooks.spend.stopped(tuple(hooks.over_budget)),
                  **({"signal": signal.Signals(received).name} if received else {}))
    if journal.failure:
        hooks.warnings.append(f"the journal {session.run_dir / 'journal.jsonl'} stopped being written "
                              f"({journal.failure}): a --resume of this run runs again what it did not record")
    return RunResult(session.run_id, status, dict(hooks.outcomes), not_run, dict(hooks.context),
                     hooks.hits, hooks.misses, journal.now(), session.run_dir if options.journal else None,
                     tuple(hooks.warnings), received, session.notes, tuple(hooks.over_budget),
                     hooks.spend.summary() if hooks.over_budget else "")


def _journal_start(plan: Plan, options: RunOptions, session: Session, token: str, journal: Journal) -> None:
    workflow = plan.workflow
    estimates = {planned.id: planned.estimate for planned in plan.steps}  # `wfc runs show` compares with these
    journal.event("run_started", run_id=session.run_id, workflow=workflow.name, source_sha256=workflow.source_sha256,
                  args=dict(options.args), pid=os.getpid(), token=token,
                  resumed=options.resume is not None, steps=len(plan.steps), estimate=plan.estimate.makespan,
                  step_estimates=[[step_id, estimates[step_id]] for step_id in plan.order])
    for note in session.notes:
        journal.event("resume_note", message=note)


class _ProcessJournal:
    """Journals each step process as it starts: a trail for a person looking for leftovers
    (resume finds them by the run's token)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def __call__(self, step: str, pid: int) -> None:
        self.journal.event("step_process", step=step, pid=pid)


STOPPING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class _interrupts:
    """Ctrl-C, SIGTERM and SIGHUP during a run cancel it cleanly instead of killing wfc
    mid-bookkeeping (the first one received decides the exit status, 128 + its number); a second
    one during compensation kills the compensations' processes too."""

    def __init__(self, scheduler: Scheduler, registry: ProcessRegistry) -> None:
        self.scheduler, self.registry = scheduler, registry
        self.previous: Dict[int, Any] = {}
        self.received = 0

    def _handle(self, signum: int, frame: Any) -> None:
        self.received = self.received or signum
        self.scheduler.interrupt()
        if self.scheduler.cancelled:
            self.registry.cancel_all()

    def __enter__(self) -> "_interrupts":
        if threading.current_thread() is threading.main_thread():
            for number in STOPPING_SIGNALS:
                self.previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        for number, previous in self.previous.items():
            signal.signal(number, previous)


class Rehearsal(PlanRun):
    """A dry run replayed live: every step sleeps its estimate times `time_scale`, nothing runs,
    nothing is cached or journaled; the scheduler, priorities and capacities are the real ones."""

    def cacheable(self, step_id: str) -> bool:
        return False

    def immediate(self, step_id: str) -> Optional[StepOutcome]:
        outcome = super().immediate(step_id)
        return outcome if outcome is None or outcome.status == SKIPPED else StepOutcome(FAILED, error=outcome.error)

    def work(self, step_id: str) -> StepOutcome:
        step = self.steps[step_id]
        cancelled = self.backend.cancelled.wait(step.estimate * self.options.time_scale)
        if cancelled:
            return StepOutcome(CANCELLED, error="cancelled", attempts=1)
        return StepOutcome(FINISHED, {name: None for name in step.outputs}, attempts=1)


def dry_run(plan: Plan, options: RunOptions) -> RunResult:
    """The schedule the estimates predict; with a time scale, replayed live through the scheduler."""
    import sys

    if options.events != "jsonl":
        sys.stdout.write(schedule_text(plan, options.args))
        sys.stdout.flush()
    listeners = progress_module.listeners_for(plan, options) if options.time_scale > 0 else []
    journal = Journal(None, tuple(listeners))
    registry = ProcessRegistry()
    hooks = Rehearsal(plan, options, journal, PastRun("dry-run", {}, {}), ThreadBackend(Executors(registry)), None, {})
    workflow = plan.workflow
    scheduler = Scheduler(nodes_of(plan), hooks, max_parallel=options.max_parallel or workflow.max_parallel,
                          capacities=scheduled_resources(workflow)[1], keep_going=workflow.on_failure.keep_going)
    if options.time_scale > 0:
        with _interrupts(scheduler, registry):
            summary = scheduler.run()
        status = "cancelled" if summary.cancelled else "failed" if summary.failed else "succeeded"
    else:
        status = "succeeded"
    journal.close()
    for listener in listeners:  # a live display stops its clock and clears its block
        getattr(listener, "close", lambda: None)()
    return RunResult("dry-run", status, dict(hooks.outcomes), (), {}, 0, 0, journal.now(), None)
