"""Create a planned workflow as Torc's client uploads a workflow spec: step 1 of the lifecycle.

The order and the calls are the client's (``WorkflowSpec::create_workflow_from_spec``
at ff3df9a): the workflow, then its files, user data, resource requirements and
Slurm schedulers one call each, the jobs in ``create_jobs`` batches of 1,000
with their file and user-data links, then one ``update_job`` per job that has
blockers (which is also how a job's scheduler reaches the database; the jobs'
upload is the server class's ``upload_jobs``, as later clients upload them
otherwise), then the workflow's actions. Values come from the plan and the workflow's own seeded
stream, so the SQL is the same on every run with the same seed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from torc_server import JobSpec, TorcServer, WorkflowSpec, compact
from workflow_plan import Links, WorkflowPlan

CREATE_JOBS_BATCH = 1000  # the client's batch size for create_jobs
TRIGGERS = ("on_workflow_start", "on_worker_start", "on_jobs_complete")
MONITOR_CONFIG = compact({"enabled": True, "granularity": "summary",
                          "sample_interval_seconds": 5, "generate_plots": False})


@dataclass(frozen=True)
class WorkflowIds:
    """The ids the database gave a created workflow's rows, by plan index."""

    workflow_id: int
    slurm_ids: tuple[int, ...]
    shape_ids: tuple[int, ...]
    job_ids: tuple[int, ...]
    file_ids: tuple[int, ...]
    user_data_ids: tuple[int, ...]

    @property
    def status_id(self) -> int:
        """The server reads a workflow's status row by the workflow's own id."""
        return self.workflow_id


def create_planned_workflow(server: TorcServer, plan: WorkflowPlan) -> WorkflowIds:
    """Every row of one workflow, in the order the client uploads them."""
    workflow_id = server.create_workflow(WorkflowSpec(
        plan.name, f"{plan.group} workflow {plan.index}", plan.user, plan.sort_method,
        MONITOR_CONFIG))
    file_ids = [server.create_file(workflow_id, name, path)
                for name, path in _file_rows(plan)]
    user_data_ids = [server.create_user_data(workflow_id, name, ephemeral, data)
                     for name, ephemeral, data in _user_data_rows(plan)]
    shape_ids = [server.create_resource_requirements(workflow_id, shape)
                 for shape in plan.shapes]
    slurm_ids = [server.create_slurm_scheduler(workflow_id, _slurm_values(k))
                 for k in range(plan.slurm_schedulers)]
    specs = _job_specs(plan, shape_ids, slurm_ids, file_ids, user_data_ids)
    job_ids = server.upload_jobs(workflow_id, specs, plan.jobs.blockers, CREATE_JOBS_BATCH)
    for k in range(plan.actions):
        trigger = TRIGGERS[k % len(TRIGGERS)]
        server.create_workflow_action(workflow_id, trigger, "run_commands",
                                      compact({"commands": [f"notify.sh {trigger}"]}), None,
                                      False)
    return WorkflowIds(workflow_id, tuple(slurm_ids), tuple(shape_ids), tuple(job_ids),
                       tuple(file_ids), tuple(user_data_ids))


def _job_specs(plan: WorkflowPlan, shape_ids: Sequence[int], slurm_ids: Sequence[int],
               file_ids: Sequence[int], user_data_ids: Sequence[int]) -> list[JobSpec]:
    jobs = plan.jobs
    specs = []
    for j in range(len(jobs)):
        scheduler = jobs.scheduler[j]
        specs.append(JobSpec(
            name=f"job_{j:06d}", command=f"python3 work.py --task {j}",
            cancel_on_blocking_job_failure=bool(jobs.cancel_on_failure[j]),
            supports_termination=bool(jobs.supports_termination[j]),
            resource_requirements_id=shape_ids[jobs.shape[j]],
            scheduler_id=None if scheduler is None else slurm_ids[scheduler],
            input_files=tuple(file_ids[i] for i in plan.files.inputs[j]),
            output_files=tuple(file_ids[i] for i in plan.files.outputs[j]),
            input_user_data=tuple(user_data_ids[i] for i in plan.user_data.inputs[j]),
            output_user_data=tuple(user_data_ids[i] for i in plan.user_data.outputs[j]),
        ))
    return specs


def written_by(links: Links) -> list[int | None]:
    """For each item, the job that writes it, or None for a workflow-wide input."""
    writer: list[int | None] = [None] * links.count
    for job, items in enumerate(links.outputs):
        for item in items:
            writer[item] = job
    return writer


def _file_rows(plan: WorkflowPlan) -> list[tuple[str, str]]:
    rows = []
    for item, job in enumerate(written_by(plan.files)):
        if job is None:
            rows.append((f"input_{item}", f"/projects/{plan.name}/input_{item}.h5"))
        else:
            rows.append((f"out_{item}", f"/scratch/{plan.name}/job_{job:06d}/out_{item}.parquet"))
    return rows


def _user_data_rows(plan: WorkflowPlan) -> list[tuple[str, bool, str | None]]:
    rows = []
    for item, job in enumerate(written_by(plan.user_data)):
        data = json.dumps({"param": item, "scale": 1.5}, separators=(",", ":"))
        rows.append((f"ud_{item}", job is not None, data if job is None else None))
    return rows


def _slurm_values(k: int) -> tuple[object, ...]:
    """name, account, gres, mem, nodes, ntasks_per_node, partition, qos, tmp, walltime, extra"""
    return (f"slurm_{k}", "proj_alpha", "gpu:2" if k else None, "240G", 1, None,
            "standard" if k == 0 else "gpu", "normal", None, "24:00:00", None)
