"""The default Torc workload's files and its claim query, shared by the tests."""

from pathlib import Path

TORC = Path(__file__).resolve().parents[1] / "workloads" / "torc"
SCHEMA = TORC / "schema.sql"
MIGRATIONS = TORC / "migrations"
PROFILE = TORC / "profile.toml"

# torc-server's claim query at ff3df9a (claim_jobs_based_on_resources) with the
# GpusRuntimeMemory sort order, its eight parameters written as "?".
CLAIM = (
    "SELECT rq.workflow_id, rq.job_id, job.name, job.command, job.invocation_script, "
    "job.status, job.cancel_on_blocking_job_failure, job.supports_termination, "
    "rr.id AS resource_requirements_id, rr.memory_bytes, rr.num_cpus, rr.num_gpus, "
    "rr.num_nodes, rr.runtime_s FROM ready_queue rq "
    "JOIN resource_requirements rr ON rq.resource_requirements_id = rr.id "
    "JOIN job ON rq.job_id = job.id WHERE rq.workflow_id = ? AND rr.memory_bytes <= ? "
    "AND rr.num_cpus <= ? AND rr.num_gpus <= ? AND rr.num_nodes <= ? AND rr.runtime_s <= ? "
    "AND (job.scheduler_id IS NULL OR job.scheduler_id = ?) "
    "ORDER BY rr.num_gpus DESC, rr.runtime_s DESC, rr.memory_bytes DESC LIMIT ?"
)
# One runner's values for it: workflow, free memory, CPUs, GPUs, nodes, no time limit
# (i64::MAX), its Slurm scheduler, LIMIT (its free CPUs).
CLAIM_VALUES = (1, 549755813888, 128, 0, 1, 9223372036854775807, 3, 128)


def claim_with_values() -> str:
    """CLAIM with CLAIM_VALUES written in, as a trace log records it."""
    text = CLAIM
    for value in CLAIM_VALUES:
        text = text.replace("?", str(value), 1)
    return text
