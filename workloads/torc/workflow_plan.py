"""What each simulated workflow contains, drawn from the scale profile before any SQL runs.

A :class:`WorkflowPlan` is plain data: the jobs (as parallel tuples, so a
40,000-job workflow stays small), their resource shapes, the dependency DAG,
and which files and user data each job writes and reads. Plans are drawn from
seeded random streams, one per workflow, so the same seed gives the same plans
whatever else changes.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import networkx as nx
from torc_server import Shape
from torc_statements import CLAIM_ORDER

from advisor.catalog.profile import ColumnHint, Distribution, GraphShape, Group, Profile
from advisor.model.errors import ProfileError

LIFECYCLES = ("created", "partial", "full")
_MEMORY_UNITS = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?\Z")
_SHARED_PER_JOBS = 100  # one workflow-wide input (a dataset, a config) per this many jobs
_T = TypeVar("_T")


@dataclass(frozen=True)
class Links:
    """Items (files or user data) that jobs write and read, by index.

    Items written by no job are workflow-wide inputs that exist from the start.
    """

    count: int
    outputs: tuple[tuple[int, ...], ...]
    inputs: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Jobs:
    """The jobs of one workflow, one tuple entry per job."""

    shape: tuple[int, ...]
    cancel_on_failure: tuple[int, ...]
    supports_termination: tuple[int, ...]
    scheduler: tuple[int | None, ...]
    blockers: tuple[tuple[int, ...], ...]

    def __len__(self) -> int:
        return len(self.shape)


@dataclass(frozen=True)
class Lifecycle:
    """How far the simulation takes a workflow, from the group's ``app`` settings."""

    kind: str
    run_fraction: float
    runners: int


@dataclass(frozen=True)
class WorkflowPlan:
    index: int
    group: str
    lifecycle: Lifecycle
    name: str
    user: str
    sort_method: str
    archive: bool
    shapes: tuple[Shape, ...]
    slurm_schedulers: int
    actions: int
    jobs: Jobs
    files: Links
    user_data: Links


def check_profile(profile: Profile) -> None:
    """Fail before any SQL runs, naming the key, when the profile lacks what plans need."""
    groups = profile.groups_of("workflow")
    if not groups:
        raise ProfileError(f"{profile.source}: the Torc simulation needs [[groups]] with "
                           "table = \"workflow\"; add at least one")
    for group in groups:
        lifecycle_of(group)
        _require(profile.sizing("job", group), f"per_parent.job of group {group.name!r}")
        methods = _require(profile.column_hint("workflow", "jobs_sort_method", group),
                           "[tables.workflow.columns.jobs_sort_method]")
        unknown = [value for value, _ in methods.values if value not in CLAIM_ORDER]
        if unknown:
            raise ProfileError(f"{profile.source}: jobs_sort_method values {unknown} of group "
                               f"{group.name!r} are not claim orders; use one of "
                               f"{', '.join(CLAIM_ORDER)}")
    dependency_table(profile)


def dependency_table(profile: Profile) -> str:
    """The job-to-job dependency table: the profile's table with a graph (job_blocked_by at
    ff3df9a, job_depends_on in Torc 0.10)."""
    names = [name for name, table in profile.tables.items() if table.graph is not None]
    if len(names) != 1:
        raise ProfileError(f"{profile.source}: expected one table with a graph (the job "
                           f"dependencies), found {len(names) or 'none'}")
    return names[0]


def plan_workflows(profile: Profile, seed: int) -> Iterator[WorkflowPlan]:
    """Plans for every workflow of every group, in file order."""
    index = 0
    for group in profile.groups_of("workflow"):
        sizing = _require(profile.sizing("job", group), f"per_parent.job of group {group.name!r}")
        counts = sizing.allocate(group.rows, random.Random(f"{seed}/jobs/{group.name}"))
        for count in counts:
            yield plan_workflow(profile, group, index, max(count, 1),
                                random.Random(f"{seed}/workflow/{index}"))
            index += 1


def plan_workflow(profile: Profile, group: Group, index: int, job_count: int,
                  rng: random.Random) -> WorkflowPlan:
    """One workflow: its settings, shapes, jobs, DAG, files and user data."""
    def hint(table: str, column: str) -> ColumnHint:
        found = profile.column_hint(table, column, group)
        return _require(found, f"[tables.{table}.columns.{column}]")

    def per_parent(table: str) -> Distribution:
        return _require(profile.sizing(table, group), f"[tables.{table}].per_parent")

    shapes = plan_shapes(profile, group, per_parent("resource_requirements"), rng)
    slurm = per_parent("slurm_scheduler").allocate(1, rng)[0]
    dependencies = dependency_table(profile)
    blocked_by = profile.tables[dependencies]
    graph = _require(blocked_by.graph, f"[tables.{dependencies}].graph")
    blockers = plan_dag(job_count, _require(blocked_by.per_parent, f"{dependencies} per_parent"),
                        graph, rng)
    jobs = Jobs(
        shape=tuple(_skewed_indexes(len(shapes), job_count, rng)),
        cancel_on_failure=tuple(int(hint("job", "cancel_on_blocking_job_failure").draw(rng) or 0)
                                for _ in range(job_count)),
        supports_termination=tuple(int(hint("job", "supports_termination").draw(rng) or 0)
                                   for _ in range(job_count)),
        scheduler=tuple(_scheduler_of(hint("job", "scheduler_id"), slurm, rng)
                        for _ in range(job_count)),
        blockers=blockers,
    )
    rank = int(hint("workflow", "user").draw(rng) or 0)
    return WorkflowPlan(
        index=index,
        group=group.name,
        lifecycle=lifecycle_of(group),
        name=f"{group.name}-{index:03d}",
        user=f"user{rank + 1:02d}",
        sort_method=str(hint("workflow", "jobs_sort_method").draw(rng)),
        archive=bool(hint("workflow_status", "is_archived").draw(rng)),
        shapes=shapes,
        slurm_schedulers=slurm,
        actions=per_parent("workflow_action").allocate(1, rng)[0],
        jobs=jobs,
        files=plan_links(blockers, per_parent("job_output_file"), per_parent("job_input_file"),
                         rng),
        user_data=plan_links(blockers, per_parent("job_output_user_data"),
                             per_parent("job_input_user_data"), rng),
    )


def lifecycle_of(group: Group) -> Lifecycle:
    """The group's ``app`` settings: lifecycle, run_fraction, runners (validated)."""
    where = f"[[groups]] {group.name!r}.app"
    kind = group.app.get("lifecycle", "created")
    if kind not in LIFECYCLES:
        raise ProfileError(f"{where}.lifecycle must be one of {', '.join(LIFECYCLES)}, "
                           f"got {kind!r}")
    fraction = group.app.get("run_fraction", 1.0 if kind == "full" else 0.0)
    runners = group.app.get("runners", 1)
    if not isinstance(fraction, int | float) or not 0 <= fraction <= 1:
        raise ProfileError(f"{where}.run_fraction must be a number from 0 to 1, got {fraction!r}")
    if isinstance(runners, bool) or not isinstance(runners, int) or runners < 1:
        raise ProfileError(f"{where}.runners must be a whole number >= 1, got {runners!r}")
    return Lifecycle(kind, float(fraction), runners)


def plan_shapes(profile: Profile, group: Group, count: Distribution,
                rng: random.Random) -> tuple[Shape, ...]:
    """A handful of distinct resource shapes, drawn from the resource_requirements hints.

    The profile's count includes the "default" shape the server adds to every workflow.
    """
    def draw(column: str) -> str | int:
        hint = _require(profile.column_hint("resource_requirements", column, group),
                        f"[tables.resource_requirements.columns.{column}]")
        value = hint.draw(rng)
        return 0 if value is None else value

    shapes: dict[tuple, Shape] = {}
    wanted = max(count.allocate(1, rng)[0] - 1, 1)
    for _ in range(wanted * 4):
        memory, runtime = str(draw("memory")), str(draw("runtime"))
        key = (int(draw("num_cpus")), int(draw("num_gpus")), int(draw("num_nodes")), memory,
               runtime)
        shapes.setdefault(key, Shape(f"shape{len(shapes)}", *key, memory_bytes(memory),
                                     duration_seconds(runtime)))
        if len(shapes) == wanted:
            break
    return tuple(sorted(shapes.values(), key=lambda s: (s.num_gpus, s.num_cpus, s.memory_bytes,
                                                        s.runtime_s)))


def plan_dag(jobs: int, fan_in: Distribution, shape: GraphShape,
             rng: random.Random) -> tuple[tuple[int, ...], ...]:
    """Blockers per job: a layered DAG, edges mostly from the previous layer.

    Jobs are laid out in ``depth`` layers in creation order (a client creates
    stages in order, so blockers have lower ids); every job past the first layer
    has at least one blocker, and no job blocks more than ``max_fan_out`` others.
    """
    depth = max(1, min(shape.depth, jobs))
    layer_start = [layer * jobs // depth for layer in range(depth + 1)]
    wanted = fan_in.allocate(jobs, rng)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(jobs))
    for layer in range(1, depth):
        for job in range(layer_start[layer], layer_start[layer + 1]):
            for _ in range(max(wanted[job], 1)):
                blocker = _pick_blocker(graph, layer_start, layer, job, shape.max_fan_out, rng)
                if blocker is not None:
                    graph.add_edge(blocker, job)
    if not nx.is_directed_acyclic_graph(graph):
        raise AssertionError("the dependency graph has a cycle")
    return tuple(tuple(sorted(graph.predecessors(job))) for job in range(jobs))


def _pick_blocker(graph: nx.DiGraph, layer_start: Sequence[int], layer: int, job: int,
                  max_fan_out: int | None, rng: random.Random) -> int | None:
    """A blocker for ``job``: three times in four from the layer just before, else any earlier."""
    for _ in range(8):
        low = layer_start[layer - 1] if rng.random() < 0.75 else 0
        candidate = rng.randrange(low, layer_start[layer])
        if graph.has_edge(candidate, job):
            continue
        if max_fan_out is None or graph.out_degree(candidate) < max_fan_out:
            return candidate
    return None


def plan_links(blockers: Sequence[Sequence[int]], outputs: Distribution, inputs: Distribution,
               rng: random.Random) -> Links:
    """Who writes and reads which item: reads come from blockers' outputs first.

    That keeps files consistent with dependencies (a job reads what a job it
    waits for writes); what is left comes from a few workflow-wide inputs,
    which many jobs share.
    """
    jobs = len(blockers)
    written: list[tuple[int, ...]] = []
    next_item = 0
    for count in outputs.allocate(jobs, rng):
        written.append(tuple(range(next_item, next_item + count)))
        next_item += count
    shared = range(next_item, next_item + max(1, math.ceil(jobs / _SHARED_PER_JOBS)))
    read: list[tuple[int, ...]] = []
    for job, count in enumerate(inputs.allocate(jobs, rng)):
        upstream = [item for blocker in blockers[job] for item in written[blocker]]
        chosen = rng.sample(upstream, min(count, len(upstream)))
        chosen += rng.sample(shared, min(count - len(chosen), len(shared)))
        read.append(tuple(sorted(chosen)))
    return Links(shared.stop, tuple(written), tuple(read))


def memory_bytes(text: str) -> int:
    """'10g' -> bytes, the computed copy Torc keeps for sorting."""
    number, unit = text[:-1], text[-1].lower()
    if unit not in _MEMORY_UNITS or not number.isdigit():
        raise ProfileError(f"memory value {text!r} must look like 512m, 10g or 1t")
    return int(number) * _MEMORY_UNITS[unit]


def duration_seconds(text: str) -> int:
    """An ISO-8601 duration such as 'PT30M' or 'P0DT2H' -> seconds."""
    match = _DURATION.match(text)
    if not match:
        raise ProfileError(f"runtime value {text!r} must be an ISO-8601 duration such as PT30M")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def _skewed_indexes(count: int, draws: int, rng: random.Random) -> list[int]:
    """Most jobs use the small shapes: index k with weight 1/(k+1)."""
    return rng.choices(range(count), [1.0 / (k + 1) for k in range(count)], k=draws)


def _scheduler_of(hint: ColumnHint, schedulers: int, rng: random.Random) -> int | None:
    """A slurm scheduler index, or None when the hint draws NULL or there is no scheduler."""
    if not schedulers or rng.random() < hint.null_fraction:
        return None
    return rng.randrange(schedulers)


def _require(value: _T | None, what: str) -> _T:
    if value is None:
        raise ProfileError(f"the Torc simulation needs {what} in the profile; add it")
    return value
