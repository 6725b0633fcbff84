"""Users reading the server: list calls with filters and pagination, and link lookups.

A :class:`Browser` visit does a few things a person at a dashboard or a CLI
does: page through a workflow's jobs (often with a status filter), results,
events and compute nodes; open a job and follow its dependencies and files in
both directions; list their workflows, active or archived.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence

import torc_server as api
from capture import Recorder
from torc_create import WorkflowIds
from torc_server import JobStatus

ListParams = Callable[[int, int], Sequence[object] | Mapping[str, object]]
_STATUS_FILTERS = (JobStatus.READY, JobStatus.DONE, JobStatus.BLOCKED, JobStatus.RUNNING)


class Browser:
    """Read-only calls a user makes; each visit picks a few at random (seeded)."""

    def __init__(self, db: Recorder, rng: random.Random, page_size: int,
                 users: Sequence[str]) -> None:
        self._db = db
        self._rng = rng
        self._page_size = page_size
        self._users = tuple(users)
        self._views: tuple[Callable[[WorkflowIds, int], None], ...] = (
            self.jobs, self.job_detail, self.results, self.events, self.compute_nodes,
            self.files, self.user_data, self.workflows,
        )

    def visit(self, ids: WorkflowIds, run_id: int, views: int = 3) -> None:
        """A few views of one workflow, chosen at random."""
        for view in self._rng.sample(self._views, views):
            view(ids, run_id)

    def pages(self, sql: str, params: ListParams, most: int) -> int:
        """Page through a list with LIMIT/OFFSET until a short page or ``most`` pages."""
        seen = 0
        for page in range(most):
            rows = self._db.run(sql, params(self._page_size, page * self._page_size))
            seen += len(rows)
            if len(rows) < self._page_size:
                break
        return seen

    def jobs(self, ids: WorkflowIds, run_id: int) -> None:
        workflow_id = ids.workflow_id
        if self._rng.random() < 0.3:
            self.pages(api.LIST_JOBS, lambda limit, offset: (workflow_id, limit, offset), 3)
            return
        status = self._rng.choice(_STATUS_FILTERS)
        self._db.run(api.COUNT_JOBS_WITH_STATUS, (workflow_id, status))
        self.pages(api.LIST_JOBS_WITH_STATUS,
                   lambda limit, offset: (workflow_id, status, limit, offset), 2)

    def job_detail(self, ids: WorkflowIds, run_id: int) -> None:
        """Open a handful of jobs, then one job's result, dependencies and outputs."""
        picked = self._rng.sample(ids.job_ids, min(len(ids.job_ids), self._rng.randint(1, 8)))
        api.in_list(self._db, api.GET_JOBS, picked)
        job_id = picked[0]
        self._db.run(api.RESULTS_OF_JOB, (ids.workflow_id, job_id))
        self._db.run(api.BLOCKERS_OF_JOB, (job_id,))
        self._db.run(api.JOBS_BLOCKED_BY, (job_id,))
        self._db.run(api.COUNT_UNFINISHED_BLOCKERS, (job_id,))
        self._db.run(api.OUTPUT_FILES_OF_JOB, (job_id,))

    def results(self, ids: WorkflowIds, run_id: int) -> None:
        workflow_id = ids.workflow_id
        self.pages(api.LIST_RESULTS, lambda limit, offset: (workflow_id, limit, offset), 2)
        self.pages(api.LIST_RESULTS_OF_RUN,
                   lambda limit, offset: (workflow_id, run_id, limit, offset), 1)

    def events(self, ids: WorkflowIds, run_id: int) -> None:
        workflow_id = ids.workflow_id
        self.pages(api.LIST_EVENTS, lambda limit, offset: (workflow_id, limit, offset), 2)

    def compute_nodes(self, ids: WorkflowIds, run_id: int) -> None:
        workflow_id = ids.workflow_id
        self.pages(api.LIST_COMPUTE_NODES, lambda limit, offset: (workflow_id, limit, offset), 1)
        self._db.run(api.COMPUTE_NODES_BY_ACTIVITY, (workflow_id, 1))

    def files(self, ids: WorkflowIds, run_id: int) -> None:
        """A page of files, then who reads and who writes one of them."""
        workflow_id = ids.workflow_id
        self.pages(api.LIST_FILES, lambda limit, offset: (workflow_id, limit, offset), 1)
        self._follow_item(ids.file_ids, api.CONSUMERS_OF_FILE, api.PRODUCERS_OF_FILE)

    def user_data(self, ids: WorkflowIds, run_id: int) -> None:
        workflow_id = ids.workflow_id
        self.pages(api.LIST_USER_DATA, lambda limit, offset: (workflow_id, limit, offset), 1)
        self._follow_item(ids.user_data_ids, api.CONSUMERS_OF_USER_DATA,
                          api.PRODUCERS_OF_USER_DATA)

    def workflows(self, ids: WorkflowIds, run_id: int) -> None:
        """A user's workflows, all and not archived, then everyone's active ones."""
        user = self._rng.choice(self._users)
        self.pages(api.LIST_WORKFLOWS_OF_USER,
                   lambda limit, offset: {"user": user, "limit": limit, "offset": offset}, 1)
        self.pages(api.LIST_WORKFLOWS_OF_USER_BY_ARCHIVED,
                   lambda limit, offset: {"user": user, "is_archived": 0, "limit": limit,
                                          "offset": offset}, 1)
        self.pages(api.LIST_WORKFLOWS_BY_ARCHIVED, lambda limit, offset: (0, limit, offset), 1)

    def _follow_item(self, item_ids: Sequence[int], readers_sql: str, writers_sql: str) -> None:
        """Both directions of a job-to-item link for one item: who reads it, who writes it."""
        if not item_ids:
            return
        item = self._rng.choice(item_ids)
        self._db.run(readers_sql, (item,))
        self._db.run(writers_sql, (item,))
