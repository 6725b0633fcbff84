"""Job runners, status watchers and users, interleaved by a seeded event loop.

Each running workflow gets job runners (one per compute node). A runner wakes
every ``poll_every_s`` simulated seconds: it reports the jobs that finished
since its last wake (complete, which readies their dependents), claims jobs
that fit its free resources, and starts them; when it has nothing to do it
polls whether the workflow is complete. A node retires after a number of jobs
or when too little of its time limit is left, and a new node takes its place.
Watchers poll status counts; a user browses lists now and then. Events run in
simulated-time order (ties by creation order), so runners of several workflows
interleave exactly the same way on every run with the same seed.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import torc_server as api
from capture import Recorder, SimClock
from torc_clients import Browser
from torc_create import WorkflowIds
from torc_server import ClaimedJob, ClaimRequest, Completion, NodeSpec, Resources
from workflow_plan import WorkflowPlan

from advisor.model.errors import ProfileError

_IDLE_POLL_LIMIT = 5_000  # consecutive idle polls that mean the simulation is stuck
_GIB = 2**30


@dataclass(frozen=True)
class RunOptions:
    """The simulator's knobs, read from the profile's ``[app]`` table."""

    claim_limit: int = 10
    jobs_per_node: int = 500
    failure_rate: float = 0.02
    page_size: int = 200
    batch_rows: int = 250
    poll_every_s: int = 300
    watch_every_s: int = 600
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
    runners: int = 0
    nodes_started: int = 0

    @property
    def closed(self) -> bool:
        """Nothing more will happen: no runner left and none will be started."""
        return self.runners == 0 and self.stop_claiming

    @property
    def stop_claiming(self) -> bool:
        return self.complete or self.claimed >= self.target


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
    scheduled_id: int
    capacity: Resources
    scheduler_id: int | None
    started_s: float
    time_limit_s: int
    free: Resources
    running: list[RunningJob] = field(default_factory=list)
    jobs_started: int = 0
    idle_polls: int = 0


class Simulation:
    """The event loop: runner wakes, watcher polls and user visits in simulated time."""

    def __init__(self, db: Recorder, clock: SimClock, options: RunOptions, rng: random.Random,
                 browser: Browser) -> None:
        self._db = db
        self._clock = clock
        self._options = options
        self._rng = rng
        self._browser = browser
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._live: list[LiveWorkflow] = []
        self._browsable: list[tuple[WorkflowIds, int]] = []

    def add_browsable(self, ids: WorkflowIds, run_id: int) -> None:
        """A workflow a user may look at even though no runner works on it."""
        self._browsable.append((ids, run_id))

    def add(self, workflow: LiveWorkflow) -> None:
        """Start the workflow's runners (staggered) and its status watcher."""
        self._live.append(workflow)
        self.add_browsable(workflow.ids, workflow.run_id)
        now = self._clock.seconds
        for _ in range(workflow.plan.lifecycle.runners):
            self._at(now + self._rng.uniform(0, self._options.poll_every_s),
                     lambda wf=workflow: self._start_runner(wf))
        self._at(now + self._options.watch_every_s, lambda wf=workflow: self._watch(wf))

    def finished_workflows(self) -> list[LiveWorkflow]:
        """Workflows whose runners saw every job finish."""
        return [wf for wf in self._live if wf.complete]

    def run(self) -> None:
        """Handle events in time order until every workflow is closed."""
        self._at(self._clock.seconds + self._options.browse_every_s, self._browse)
        while self._queue:
            when, _, action = heapq.heappop(self._queue)
            self._clock.advance_to(when)
            action()

    def _at(self, when: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (when, next(self._order), action))

    # ------------------------------------------------------------ runners

    def _start_runner(self, workflow: LiveWorkflow) -> None:
        """Schedule a node, start its runner, run the on-start actions, then poll."""
        if workflow.stop_claiming:
            return
        slot = workflow.nodes_started
        workflow.nodes_started += 1
        workflow.runners += 1
        ids, plan = workflow.ids, workflow.plan
        slurm = ids.slurm_ids[slot % len(ids.slurm_ids)] if ids.slurm_ids else None
        capacity = _node_capacity(plan)
        time_limit_s = max(2 * max(s.runtime_s for s in plan.shapes), 86_400)
        config_id, kind = (slurm, "slurm") if slurm is not None else (ids.local_scheduler_id,
                                                                       "local")
        scheduled = api.schedule_node(self._db, ids.workflow_id, config_id, 4_000_000 + slot, kind)
        node = NodeSpec(ids.workflow_id, f"node{plan.index:03d}-{slot:04d}", 10_000 + slot,
                        self._clock.iso(), capacity, f"{time_limit_s // 3600}:00:00", kind,
                        config_id)
        node_id = api.start_compute_node(self._db, node, scheduled)
        api.run_start_actions(self._db, ids.workflow_id, node_id, self._clock.iso())
        runner = Runner(workflow, node_id, scheduled, capacity, slurm, self._clock.seconds,
                        time_limit_s, capacity)
        self._wake(runner, fresh=True)

    def _wake(self, runner: Runner, fresh: bool = False) -> None:
        """One runner loop iteration: report finished jobs, claim, start, or poll.

        A runner asks for jobs when it has just started, when jobs of its own
        finished (resources came free), or when it has nothing running.
        """
        freed = self._complete_due(runner)
        workflow = runner.workflow
        if self._retiring(runner) or workflow.stop_claiming:
            if not runner.running:
                self._stop_runner(runner)
                return
        elif (fresh or freed or not runner.running) and not self._claim(runner) \
                and not runner.running:
            self._idle_poll(runner)
            if workflow.complete:
                self._stop_runner(runner)
                return
        self._at(self._clock.seconds + self._options.poll_every_s, lambda: self._wake(runner))

    def _retiring(self, runner: Runner) -> bool:
        """A node stops taking jobs after enough jobs, or before its time limit runs short."""
        longest = max(s.runtime_s for s in runner.workflow.plan.shapes)
        time_left = runner.time_limit_s - (self._clock.seconds - runner.started_s)
        return runner.jobs_started >= self._options.jobs_per_node or time_left < longest

    def _claim(self, runner: Runner) -> int:
        """Claim and start jobs that fit; returns how many."""
        workflow = runner.workflow
        time_left = runner.time_limit_s - round(self._clock.seconds - runner.started_s)
        limit = min(self._options.claim_limit, workflow.target - workflow.claimed)
        claimed = api.claim_jobs(self._db, ClaimRequest(
            workflow.ids.workflow_id, workflow.plan.sort_method, runner.free, time_left,
            runner.scheduler_id, limit))
        for job in claimed:
            self._start_job(runner, job)
        workflow.claimed += len(claimed)
        return len(claimed)

    def _start_job(self, runner: Runner, job: ClaimedJob) -> None:
        index = runner.workflow.index_of[job.job_id]
        plan = runner.workflow.plan
        api.start_job(self._db, job.job_id, bool(plan.files.inputs[index]),
                      bool(plan.user_data.inputs[index]))
        runner.free = runner.free - job.need
        runner.jobs_started += 1
        now = self._clock.seconds
        ends = now + job.runtime_s * self._rng.uniform(0.05, 0.5)
        runner.running.append(RunningJob(job, now, ends))

    def _complete_due(self, runner: Runner) -> int:
        """Report every job whose simulated run has ended, in end-time order; returns how many."""
        now = self._clock.seconds
        due = sorted((run for run in runner.running if run.ends_s <= now), key=lambda r: r.ends_s)
        runner.running = [run for run in runner.running if run.ends_s > now]
        for run in due:
            api.complete_job(self._db, self._completion(runner, run))
            runner.free = runner.free + run.job.need
        return len(due)

    def _completion(self, runner: Runner, run: RunningJob) -> Completion:
        workflow, rng, job = runner.workflow, self._rng, run.job
        index = workflow.index_of[job.job_id]
        ids, plan = workflow.ids, workflow.plan
        peak = int(job.need.memory_bytes * rng.uniform(0.2, 0.95))
        failed = rng.random() < self._options.failure_rate
        return Completion(
            workflow_id=workflow.ids.workflow_id, job_id=job.job_id, run_id=workflow.run_id,
            compute_node_id=runner.node_id, return_code=1 if failed else 0,
            exec_time_minutes=round((run.ends_s - run.started_s) / 60, 4),
            completion_time=self._clock.iso(), peak_memory_bytes=peak,
            avg_memory_bytes=int(peak * 0.7), peak_cpu_percent=round(rng.uniform(50, 100), 1),
            avg_cpu_percent=round(rng.uniform(20, 50), 1),
            output_files=tuple(ids.file_ids[i] for i in plan.files.outputs[index]),
            output_user_data=tuple(ids.user_data_ids[i] for i in plan.user_data.outputs[index]),
            file_mtime=round(1_763_856_000 + run.ends_s, 3),
        )

    def _idle_poll(self, runner: Runner) -> None:
        """Nothing to run: ask whether the workflow is complete or canceled."""
        workflow = runner.workflow
        if api.unfinished_jobs(self._db, workflow.ids.workflow_id) == 0:
            workflow.complete = True
            return
        api.workflow_state(self._db, workflow.ids.status_id)
        runner.idle_polls += 1
        if runner.idle_polls > _IDLE_POLL_LIMIT:
            raise RuntimeError(f"runners of {workflow.plan.name} idle for "
                               f"{_IDLE_POLL_LIMIT} polls: jobs can never become ready")

    def _stop_runner(self, runner: Runner) -> None:
        """Release the node; start a replacement while the workflow still needs one."""
        workflow = runner.workflow
        api.stop_compute_node(self._db, runner.node_id, runner.scheduled_id,
                              self._clock.seconds - runner.started_s)
        api.record_event(self._db, workflow.ids.workflow_id, self._clock.iso(),
                         {"category": "compute_node", "type": "stop", "node_id": runner.node_id})
        workflow.runners -= 1
        if not workflow.stop_claiming:
            self._start_runner(workflow)

    # ------------------------------------------------------------ watchers and users

    def _watch(self, workflow: LiveWorkflow) -> None:
        """A status watcher: counts by status; now and then the ready queue itself."""
        if workflow.closed:
            return
        api.status_counts(self._db, workflow.ids.workflow_id)
        if self._rng.random() < 0.25:
            api.ready_queue(self._db, workflow.ids.workflow_id)
        self._at(self._clock.seconds + self._options.watch_every_s,
                 lambda: self._watch(workflow))

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
