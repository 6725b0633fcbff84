"""The default Torc workload's files and its claim query, shared by the tests."""

from pathlib import Path

TORC = Path(__file__).resolve().parents[1] / "workloads" / "torc"
SCHEMA = TORC / "schema.sql"
PROFILE = TORC / "profile.toml"

# The ready-queue claim query with the GpusRuntimeMemory sort order.
CLAIM = (
    "SELECT rq.job_id, rr.id, rr.num_cpus FROM ready_queue rq "
    "JOIN resource_requirements rr ON rq.resource_requirements_id = rr.id "
    "JOIN job ON rq.job_id = job.id WHERE rq.workflow_id = ? AND rr.memory_bytes <= ? "
    "AND rr.num_cpus <= ? ORDER BY rr.num_gpus DESC, rr.runtime_s DESC, rr.memory_bytes DESC "
    "LIMIT ?"
)
