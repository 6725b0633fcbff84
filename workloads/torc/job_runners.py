"""Job runners, event monitors and users, interleaved by a seeded event loop.

A job runner is Torc's (``JobRunner::run_worker`` at ff3df9a). It registers its
compute node, runs the workflow's on-start actions, then every ``poll_every_s``
simulated seconds: asks whether the workflow is complete, reports the jobs that
finished since its last wake (``complete_job``), looks for triggered actions,
claims jobs that fit its free resources (LIMIT = its free CPUs, 0 when all are
busy: it asks anyway) and starts each (its resource requirements, then
``start_job``). On Slurm allocations the runner
also finds and updates its scheduled compute node. A node stops claiming when
too little of its time limit is left, finishes its jobs and is replaced while
the workflow still needs runners. Monitors poll new events; a user browses
now and then. Events run in simulated-time order (ties by creation order), so
runners of several workflows interleave the same way on every run with a seed.
"""

from __future__ import annotations

import heapq
import itertools
import random
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from capture import SimClock
from torc_clients import Browser, EventsMonitor
from torc_create import WorkflowIds
from torc_server import ClaimedJob, NodeSpec, Resources, Result, TorcServer
from workflow_plan import WorkflowPlan

from advisor.model.errors import ProfileError

_IDLE_POLL_LIMIT = 5_000  # consecutive idle polls that mean the simulation is stuck
# Idle polls of a runner, with no job of its workflow running anywhere, after which the
# workflow is taken as stalled: blocked jobs the server will never release.
_STALL_POLLS = 240
_GIB = 2**30


@dataclass(frozen=True)
class RunOptions:
    """The simulator's knobs, read from the profile's ``[app]`` table."""

    failure_rate: float = 0.02
    poll_every_s: int = 60
    slurm_poll_every_s: int = 60  # a runner on a Slurm allocation (torc-slurm-job-runner)
    watch_every_s: int = 60
    browse_every_s: int = 3600

    @classmethod
    def from_app(cls, app: Mapping[str, Any]) -> RunOptions:
        """Validate ``[app]``: known keys only, positive numbers, a rate from 0 to 1."""
        known = {f.name: f for f in fields(cls)}
        for key, value in app.items():
            if key not in known:
                raise ProfileError(f"[app].{key} is not a Torc simulator setting; use one of "
                                   f"{', '.join(known)}")
            is_rate = key == "failure_rate"
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            if not numeric or (not is_rate and not isinstance(value, int)):
                wanted = "number" if is_rate else "whole number"
                raise ProfileError(f"[app].{key} must be a {wanted}, got {value!r}")
            if (is_rate and not 0 <= value <= 1) or (not is_rate and value < 1):
                raise ProfileError(f"[app].{key} must be {'from 0 to 1' if is_rate else '>= 1'}"
                                   f", got {value!r}")
        return cls(**app)


@dataclass
class LiveWorkflow:
    """Run state of one workflow the runners work on (mutable: the simulation's own)."""

    plan: WorkflowPlan
    ids: WorkflowIds
    run_id: int
    target: int
    index_of: dict[int, int]
    claimed: int = 0
    complete: bool = False
    stalled: bool = False
    running: int = 0  # jobs of this workflow running on any runner
    runners: int = 0
    nodes_started: int = 0

    @property
    def closed(self) -> bool:
        """Nothing more will happen: no runner left and none will be started."""
        return self.runners == 0 and self.stop_claiming

    @property
    def stop_claiming(self) -> bool:
        return self.complete or self.stalled or self.claimed >= self.target


@dataclass(frozen=True)
class RunningJob:
    job: ClaimedJob
    started_s: float
    ends_s: float


@dataclass
class Runner:
    """One job runner on one compute node (mutable)."""

    workflow: LiveWorkflow
    node_id: int
    scheduled: tuple | None  # the scheduled_compute_node row of a Slurm allocation
    capacity: Resources
    scheduler_config_id: int | None
    started_s: float
    time_limit_s: int
    free: Resources
    running: list[RunningJob] = field(default_factory=list)
    idle_polls: int = 0


class Simulation:
    """The event loop: runner wakes, monitor polls and user visits in simulated time."""

    def __init__(self, server: TorcServer, clock: SimClock, options: RunOptions,
                 rng: random.Random, browser: Browser) -> None:
        self._server = server
        self._clock = clock
        self._options = options
        self._rng = rng
        self._browser = browser
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._live: list[LiveWorkflow] = []
        self._browsable: list[tuple[WorkflowIds, int]] = []
        self._slurm_jobs = itertools.count(4_000_000)

    def add_browsable(self, ids: WorkflowIds, run_id: int) -> None:
        """A workflow a user may look at even though no runner works on it."""
        self._browsable.append((ids, run_id))

    def add(self, workflow: LiveWorkflow) -> None:
        """Start the workflow's runners (staggered) and a monitor of its events."""
        self._live.append(workflow)
        self.add_browsable(workflow.ids, workflow.run_id)
        now = self._clock.seconds
        for _ in range(workflow.plan.lifecycle.runners):
            self._at(now + self._rng.uniform(0, self._options.poll_every_s),
                     lambda wf=workflow: self._start_runner(wf))
        if not self._server.streams_events:
            monitor = EventsMonitor(self._server, workflow.ids.workflow_id)
            self._at(now + self._options.watch_every_s, lambda: self._watch(workflow, monitor))

    def finished_workflows(self) -> list[LiveWorkflow]:
        """Workflows whose runners saw every job finish."""
        return [wf for wf in self._live if wf.complete]

    def run(self) -> None:
        """Handle events in time order until every workflow is closed."""
        self._at(self._clock.seconds + self._options.browse_every_s, self._browse)
        for every_s, task in self._server.background_tasks:
            self._at(self._clock.seconds + every_s,
                     lambda e=every_s, t=task: self._background(e, t))
        while self._queue:
            when, _, action = heapq.heappop(self._queue)
            self._clock.advance_to(when)
            action()

    def _at(self, when: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (when, next(self._order), action))

    def _background(self, every_s: float, task: str) -> None:
        """A server task on a timer, while any workflow still runs."""
        if all(workflow.closed for workflow in self._live):
            return
        getattr(self._server, task)()
        self._at(self._clock.seconds + every_s, lambda: self._background(every_s, task))

    # ------------------------------------------------------------ runners

    def _start_runner(self, workflow: LiveWorkflow) -> None:
        """A node starts its runner: a Slurm allocation when the workflow has schedulers
        (scheduled first, found and marked active by its runner), else a local runner."""
        if workflow.stop_claiming:
            return
        server, ids, plan = self._server, workflow.ids, workflow.plan
        workflow_id = ids.workflow_id
        slot = workflow.nodes_started
        workflow.nodes_started += 1
        workflow.runners += 1
        capacity = _node_capacity(plan)
        time_limit_s = max(2 * max(s.runtime_s for s in plan.shapes), 86_400)
        hostname = f"node{plan.index:03d}-{slot:04d}"
        scheduled = None
        config_id = ids.slurm_ids[slot % len(ids.slurm_ids)] if ids.slurm_ids else None
        if config_id is not None:  # torc slurm schedule-nodes, then the allocation starts
            slurm_job = next(self._slurm_jobs)
            server.create_scheduled_compute_node(workflow_id, slurm_job, config_id)
            server.create_event(workflow_id, {
                "category": "scheduler", "slurm_job_id": str(slurm_job),
                "slurm_job_name": f"{plan.name}_{slot}", "scheduler_config_id": config_id,
                "num_nodes": 1})
            server.get_workflow(workflow_id)
            scheduled = server.list_scheduled_compute_nodes(workflow_id, slurm_job).rows[0]
            server.update_scheduled_compute_node(scheduled, "active")
            node = NodeSpec(workflow_id, hostname, 1, self._clock.rfc3339(), capacity, "slurm",
                            f'{{"slurm_job_id":"{slurm_job}"}}')
            node_id = server.create_compute_node(node)
            run_id = server.get_workflow_status(workflow_id).run_id
        else:  # torc-job-runner
            server.get_workflow(workflow_id)
            server.is_workflow_uninitialized(workflow_id)
            run_id = server.get_workflow_status(workflow_id).run_id
            node = NodeSpec(workflow_id, hostname, 1, self._clock.rfc3339(), capacity, "local")
            node_id = server.create_compute_node(node)
        runner = Runner(workflow, node_id, scheduled, capacity, config_id, self._clock.seconds,
                        time_limit_s, capacity)
        for trigger in ("on_workflow_start", "on_worker_start"):
            self._run_actions(runner, [trigger])
        workflow.run_id = run_id
        self._wake(runner)

    def _run_actions(self, runner: Runner, triggers: list[str]) -> None:
        """Pending actions of these triggers; claim each run_commands action (and run it)."""
        workflow_id = runner.workflow.ids.workflow_id
        for action in self._server.get_pending_actions(workflow_id, triggers):
            if action[3] == "run_commands":
                self._server.claim_action(workflow_id, action[0], runner.node_id)

    def _wake(self, runner: Runner) -> None:
        """One runner loop iteration: complete?, report finished jobs, actions, claim."""
        server, workflow = self._server, runner.workflow
        workflow_id = workflow.ids.workflow_id
        complete, canceled = server.is_workflow_complete(workflow_id)
        if complete:
            workflow.complete = True
        if (complete or canceled) and not runner.running:
            self._stop_runner(runner)
            return
        freed = self._complete_due(runner)
        self._run_actions(runner, ["on_jobs_ready", "on_jobs_complete"])
        if self._retiring(runner) or workflow.stop_claiming:
            if not runner.running:
                self._stop_runner(runner)
                return
        elif not self._claim(runner) and not runner.running and not freed:
            runner.idle_polls += 1
            if runner.idle_polls > _STALL_POLLS and not workflow.running:
                workflow.stalled = True
                print(f"warning: {workflow.plan.name} stalled: no job runs and none becomes "
                      f"ready ({workflow.claimed} of {workflow.target} claimed)", file=sys.stderr)
                self._stop_runner(runner)
                return
            if runner.idle_polls > _IDLE_POLL_LIMIT:
                raise RuntimeError(f"runners of {workflow.plan.name} idle for "
                                   f"{_IDLE_POLL_LIMIT} polls: jobs can never become ready")
        period = (self._options.poll_every_s if runner.scheduled is None
                  else self._options.slurm_poll_every_s)
        self._at(self._clock.seconds + period, lambda: self._wake(runner))

    def _retiring(self, runner: Runner) -> bool:
        """A node stops taking jobs before its time limit runs short."""
        longest = max(s.runtime_s for s in runner.workflow.plan.shapes)
        time_left = runner.time_limit_s - (self._clock.seconds - runner.started_s)
        return time_left < longest

    def _claim(self, runner: Runner) -> int:
        """Claim jobs that fit (LIMIT = free CPUs) and start each; returns how many.

        The runner asks even with no CPU free: run_ready_jobs_based_on_resources has no
        guard, so a busy node's every poll sends the claim with LIMIT 0."""
        workflow = runner.workflow
        limit = runner.free.cpus
        claimed = self._server.claim_jobs_based_on_resources(
            workflow.ids.workflow_id, runner.free, runner.scheduler_config_id, limit,
            workflow.plan.sort_method)
        # Every claimed job is started. The runner at ff3df9a stopped starting them once
        # it ran ``limit`` jobs, stranding the rest as pending; Torc fixed that the next
        # day (8c2888d), and a simulation of the stranding would never finish.
        for job in claimed:
            self._start_job(runner, job)
        workflow.claimed += len(claimed)
        if claimed:
            runner.idle_polls = 0
        return len(claimed)

    def _start_job(self, runner: Runner, job: ClaimedJob) -> None:
        self._server.get_resource_requirements(job.resource_requirements_id)
        self._server.start_job(job.job_id, runner.workflow.run_id, runner.node_id)
        runner.free = runner.free - job.need
        now = self._clock.seconds
        ends = now + job.runtime_s * self._rng.uniform(0.05, 0.5)
        runner.running.append(RunningJob(job, now, ends))
        runner.workflow.running += 1

    def _complete_due(self, runner: Runner) -> int:
        """Report every job whose simulated run has ended, in end-time order; returns how many."""
        now = self._clock.seconds
        due = sorted((run for run in runner.running if run.ends_s <= now), key=lambda r: r.ends_s)
        runner.running = [run for run in runner.running if run.ends_s > now]
        runner.workflow.running -= len(due)
        for run in due:
            self._server.complete_job(self._result(runner, run))
            runner.free = runner.free + run.job.need
        return len(due)

    def _result(self, runner: Runner, run: RunningJob) -> Result:
        rng, job = self._rng, run.job
        peak = int(job.need.memory_bytes * rng.uniform(0.2, 0.95))
        failed = rng.random() < self._options.failure_rate
        return Result(
            job_id=job.job_id, workflow_id=runner.workflow.ids.workflow_id,
            run_id=runner.workflow.run_id, compute_node_id=runner.node_id,
            return_code=1 if failed else 0,
            exec_time_minutes=round((run.ends_s - run.started_s) / 60, 4),
            completion_time=self._clock.iso(), peak_memory_bytes=peak,
            avg_memory_bytes=int(peak * 0.7), peak_cpu_percent=round(rng.uniform(50, 100), 1),
            avg_cpu_percent=round(rng.uniform(20, 50), 1),
        )

    def _stop_runner(self, runner: Runner) -> None:
        """The runner's exit: on-worker-complete actions, its allocation marked complete;
        a replacement starts while the workflow still needs one."""
        workflow = runner.workflow
        self._run_actions(runner, ["on_worker_complete"])
        if runner.scheduled is not None:
            self._server.update_scheduled_compute_node(runner.scheduled, "complete")
        workflow.runners -= 1
        if not workflow.stop_claiming:
            self._start_runner(workflow)

    # ------------------------------------------------------------ monitors and users

    def _watch(self, workflow: LiveWorkflow, monitor: EventsMonitor) -> None:
        """``torc events monitor`` on a running workflow."""
        if workflow.closed:
            return
        monitor.poll()
        self._at(self._clock.seconds + self._options.watch_every_s,
                 lambda: self._watch(workflow, monitor))

    def _browse(self) -> None:
        """A user visit: mostly the largest running workflow, sometimes any workflow."""
        live = [wf for wf in self._live if not wf.closed]
        if not live:
            return
        if self._rng.random() < 0.7:
            busiest = max(live, key=lambda wf: len(wf.plan.jobs))
            self._browser.visit(busiest.ids, busiest.run_id)
        else:
            self._browser.visit(*self._rng.choice(self._browsable))
        self._at(self._clock.seconds + self._options.browse_every_s, self._browse)


def _node_capacity(plan: WorkflowPlan) -> Resources:
    """A node large enough for the workflow's largest shape, with room for several jobs."""
    shapes = plan.shapes
    return Resources(
        cpus=max(128, 2 * max(s.num_cpus for s in shapes)),
        gpus=2 * max(s.num_gpus for s in shapes),
        nodes=max(s.num_nodes for s in shapes),
        memory_bytes=max(512 * _GIB, 2 * max(s.memory_bytes for s in shapes)),
    )
