"""Create a planned workflow through the server's bulk API calls: step 1 of the lifecycle.

Each bulk call is one transaction holding multi-row INSERTs of at most
``batch_rows`` rows, as a client that uploads a large workflow in batches
causes. Values come from the plan and the workflow's own seeded stream, so the
SQL is the same on every run with the same seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from capture import Recorder, SimClock
from torc_server import (
    create_local_scheduler,
    create_workflow,
    insert_rows,
    record_event,
    transaction,
)
from workflow_plan import Links, WorkflowPlan

JOB_COLUMNS = (
    "workflow_id", "name", "command", "cancel_on_blocking_job_failure", "supports_termination",
    "resource_requirements_id", "invocation_script", "status", "scheduler_id", "scheduler_type",
    "schedule_compute_nodes",
)
SHAPE_COLUMNS = (
    "workflow_id", "name", "num_cpus", "num_gpus", "num_nodes", "memory", "runtime",
    "memory_bytes", "runtime_s",
)
SLURM_COLUMNS = (
    "workflow_id", "name", "account", "gres", "mem", "nodes", "ntasks_per_node", "partition",
    "qos", "tmp", "walltime", "extra",
)
ACTION_COLUMNS = (
    "workflow_id", "trigger_type", "action_type", "action_config", "job_ids", "trigger_count",
    "required_triggers", "executed", "executed_at", "executed_by", "persistent",
)
TRIGGERS = ("on_workflow_start", "on_worker_start", "on_jobs_complete")


@dataclass(frozen=True)
class WorkflowIds:
    """The ids the database gave a created workflow's rows, by plan index."""

    workflow_id: int
    status_id: int
    local_scheduler_id: int
    slurm_ids: tuple[int, ...]
    shape_ids: tuple[int, ...]
    job_ids: tuple[int, ...]
    file_ids: tuple[int, ...]
    user_data_ids: tuple[int, ...]


def create_planned_workflow(db: Recorder, plan: WorkflowPlan, clock: SimClock,
                            batch_rows: int, rng: random.Random) -> WorkflowIds:
    """Every row of one workflow, in the order a client uploads them."""
    workflow_id, status_id = create_workflow(
        db, plan.name, f"{plan.group} workflow {plan.index}", plan.user, clock.iso(),
        plan.sort_method)
    with transaction(db):
        shape_ids = insert_rows(db, "resource_requirements", SHAPE_COLUMNS, [
            (workflow_id, s.name, s.num_cpus, s.num_gpus, s.num_nodes, s.memory, s.runtime,
             s.memory_bytes, s.runtime_s) for s in plan.shapes], returning=True)
        local_id = create_local_scheduler(db, workflow_id, "64g", 32)
        slurm_ids = insert_rows(db, "slurm_scheduler", SLURM_COLUMNS,
                                [_slurm_row(workflow_id, k) for k in range(plan.slurm_schedulers)],
                                returning=True)
        insert_rows(db, "workflow_action", ACTION_COLUMNS,
                    [_action_row(workflow_id, k) for k in range(plan.actions)])
    job_ids = _create_jobs(db, plan, workflow_id, shape_ids, slurm_ids, batch_rows, rng)
    file_ids = _create_items(db, "file", ("workflow_id", "name", "path", "st_mtime"),
                             _file_rows(plan, workflow_id), batch_rows)
    user_data_ids = _create_items(db, "user_data",
                                  ("workflow_id", "name", "is_ephemeral", "data"),
                                  _user_data_rows(plan, workflow_id), batch_rows)
    _create_links(db, plan, workflow_id, job_ids, file_ids, user_data_ids, batch_rows)
    record_event(db, workflow_id, clock.iso(), {"category": "workflow", "type": "create",
                                                "jobs": len(job_ids)})
    return WorkflowIds(workflow_id, status_id, local_id, tuple(slurm_ids), tuple(shape_ids),
                       tuple(job_ids), tuple(file_ids), tuple(user_data_ids))


def _create_jobs(db: Recorder, plan: WorkflowPlan, workflow_id: int, shape_ids: Sequence[int],
                 slurm_ids: Sequence[int], batch_rows: int, rng: random.Random) -> list[int]:
    """Jobs in batches, each batch with its job_internal rows, one transaction per batch."""
    jobs = plan.jobs
    job_ids: list[int] = []
    for chunk in _chunks(range(len(jobs)), batch_rows):
        rows = []
        for j in chunk:
            scheduler = jobs.scheduler[j]
            rows.append((
                workflow_id, f"job_{j:06d}", f"python3 work.py --task {j}",
                jobs.cancel_on_failure[j], jobs.supports_termination[j],
                shape_ids[jobs.shape[j]], None, 0,
                None if scheduler is None else slurm_ids[scheduler],
                None if scheduler is None else "slurm", None,
            ))
        with transaction(db):
            new_ids = insert_rows(db, "job", JOB_COLUMNS, rows, returning=True)
            insert_rows(db, "job_internal", ("job_id", "input_hash"),
                        [(job_id, f"{rng.getrandbits(64):016x}") for job_id in new_ids])
        job_ids.extend(new_ids)
    return job_ids


def _create_items(db: Recorder, table: str, columns: Sequence[str],
                  rows: Sequence[Sequence[object]], batch_rows: int) -> list[int]:
    """Files or user data in batches; returns their ids in plan order."""
    ids: list[int] = []
    for chunk in _chunks(rows, batch_rows):
        with transaction(db):
            ids.extend(insert_rows(db, table, columns, chunk, returning=True))
    return ids


def _create_links(db: Recorder, plan: WorkflowPlan, workflow_id: int, job_ids: Sequence[int],
                  file_ids: Sequence[int], user_data_ids: Sequence[int], batch_rows: int) -> None:
    """Dependencies and file / user-data edges, each table in batches of its own."""
    jobs = plan.jobs
    tables: list[tuple[str, tuple[str, ...], list[tuple[int, ...]]]] = [
        ("job_blocked_by", ("job_id", "blocked_by_job_id", "workflow_id"),
         [(job_ids[j], job_ids[b], workflow_id)
          for j in range(len(jobs)) for b in jobs.blockers[j]]),
        ("job_input_file", ("job_id", "file_id", "workflow_id"),
         _edges(plan.files.inputs, job_ids, file_ids, workflow_id)),
        ("job_output_file", ("job_id", "file_id", "workflow_id"),
         _edges(plan.files.outputs, job_ids, file_ids, workflow_id)),
        ("job_input_user_data", ("job_id", "user_data_id"),
         _edges(plan.user_data.inputs, job_ids, user_data_ids)),
        ("job_output_user_data", ("job_id", "user_data_id"),
         _edges(plan.user_data.outputs, job_ids, user_data_ids)),
    ]
    for table, columns, rows in tables:
        for chunk in _chunks(rows, batch_rows):
            with transaction(db):
                insert_rows(db, table, columns, chunk)


def _edges(per_job: Sequence[Sequence[int]], job_ids: Sequence[int], item_ids: Sequence[int],
           *extra: int) -> list[tuple[int, ...]]:
    """(job id, item id, *extra) for every item each job touches."""
    return [(job_ids[j], item_ids[item], *extra)
            for j, items in enumerate(per_job) for item in items]


def _written_by(links: Links) -> list[int | None]:
    """For each item, the job that writes it, or None for a workflow-wide input."""
    writer: list[int | None] = [None] * links.count
    for job, items in enumerate(links.outputs):
        for item in items:
            writer[item] = job
    return writer


def _file_rows(plan: WorkflowPlan, workflow_id: int) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for item, job in enumerate(_written_by(plan.files)):
        if job is None:
            rows.append((workflow_id, f"input_{item}", f"/projects/{plan.name}/input_{item}.h5",
                         1_763_856_000.0))
        else:
            rows.append((workflow_id, f"out_{item}",
                         f"/scratch/{plan.name}/job_{job:06d}/out_{item}.parquet", None))
    return rows


def _user_data_rows(plan: WorkflowPlan, workflow_id: int) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for item, job in enumerate(_written_by(plan.user_data)):
        data = json.dumps({"param": item, "scale": 1.5}, separators=(",", ":"))
        rows.append((workflow_id, f"ud_{item}", int(job is not None),
                     data if job is None else None))
    return rows


def _slurm_row(workflow_id: int, k: int) -> tuple[object, ...]:
    return (workflow_id, f"slurm_{k}", "proj_alpha", "gpu:2" if k else None, "240G", 1, 1,
            "standard" if k == 0 else "gpu", "normal", None, "24:00:00", None)


def _action_row(workflow_id: int, k: int) -> tuple[object, ...]:
    trigger = TRIGGERS[k % len(TRIGGERS)]
    config = json.dumps({"command": f"notify.sh {trigger}"}, separators=(",", ":"))
    return (workflow_id, trigger, "run_command", config, None, 0, 1, 0, None, None, 0)


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
