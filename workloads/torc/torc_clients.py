"""Torc's clients other than the job runner: the workflow manager, the CLI, the TUI.

- :func:`start_workflow` is ``torc workflows start``: the workflow manager's
  checks and resets, a new run id, file times, ``initialize_jobs`` and a start
  event, then the submission host's compute node and its on-start actions.
- :class:`Browser` is a user at the CLI: ``torc jobs list`` (paginated in
  pages of 1,000 up to the default limit of 10,000, each page with its count
  query), ``jobs get``, ``results list``, ``events list``, ``files list``,
  ``user-data list``, ``compute-nodes list``, ``workflows list``, the results
  report, and the TUI's whole-workflow reads.
- :class:`EventsMonitor` is ``torc events monitor``: the latest event's time,
  then every poll the events after it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from capture import SimClock
from torc_create import WorkflowIds
from torc_server import DEFAULT_PAGE, NodeSpec, Page, Resources, TorcServer

CLI_PAGE = 1000  # the CLI's paginators ask for at most this many rows per call
USER_DATA_LIMIT = 50  # torc user-data list's default limit
# Status names: each revision's server maps them to its own codes.
_STATUS_FILTERS = ("READY", "DONE", "BLOCKED", "RUNNING", "CANCELED")
_FILE_MTIME = 1_763_856_000.0


# ------------------------------------------------------------------ workflow manager


def initialize_workflow(server: TorcServer, workflow_id: int) -> int:
    """WorkflowManager::initialize: checks, resets, the next run id, file times, the
    job statuses and ready queue, a start event. Returns the new run id."""
    server.get_workflow_status(workflow_id)
    for file_id in server.list_required_existing_files(workflow_id):
        server.get_file(file_id)
    server.list_missing_user_data(workflow_id)
    server.reset_workflow_status(workflow_id)
    server.reset_job_status(workflow_id)
    state = server.get_workflow_status(workflow_id)
    run_id = state.run_id + 1
    server.update_workflow_status(workflow_id, type(state)(run_id, state.is_canceled,
                                                           state.is_archived,
                                                           state.needs_completion_script))
    _initialize_files(server, workflow_id)
    server.initialize_jobs(workflow_id)
    server.create_event(workflow_id, {"category": "workflow", "type": "start", "run_id": run_id,
                                      "message": f"Started workflow on {workflow_id}"})
    return run_id


def _initialize_files(server: TorcServer, workflow_id: int) -> None:
    """Page through the workflow's files; record the time of every one that exists
    (the workflow-wide inputs: outputs do not exist before their jobs run)."""
    for row in paginate(lambda offset, limit: server.list_files(workflow_id, None, offset, limit),
                        CLI_PAGE, DEFAULT_PAGE * 100):
        if row[2].startswith("input_") and row[4] is None:
            server.update_file(row[0], row, _FILE_MTIME)


def start_workflow(server: TorcServer, workflow_id: int, clock: SimClock, host: str) -> int:
    """``torc workflows start``: initialize when no job is initialized, then register the
    submission host and look for on-start actions it should run. Returns the run id."""
    if server.is_workflow_uninitialized(workflow_id):
        run_id = initialize_workflow(server, workflow_id)
    else:
        run_id = server.get_workflow_status(workflow_id).run_id
    server.create_compute_node(NodeSpec(workflow_id, host, 4242, clock.rfc3339(),
                                        Resources(0, 0, 0, 0), "submission"))
    server.get_pending_actions(workflow_id, ["on_workflow_start"])
    return run_id


def archive_workflow(server: TorcServer, workflow_id: int) -> None:
    """``torc workflows archive``: the status read, then written back archived."""
    state = server.get_workflow_status(workflow_id)
    server.update_workflow_status(workflow_id, type(state)(state.run_id, state.is_canceled, True,
                                                           state.needs_completion_script))


def cancel_workflow(server: TorcServer, workflow_id: int) -> None:
    """``torc workflows cancel``: cancel, then list the workflow's scheduled nodes."""
    server.cancel_workflow(workflow_id)
    server.list_scheduled_compute_nodes(workflow_id, None, 0, DEFAULT_PAGE)


def paginate(fetch: Callable[[int, int], Page], page_size: int, limit: int) -> list[tuple]:
    """The CLI's iterators: pages of ``page_size`` until the total is reached or ``limit``
    rows have been taken."""
    rows: list[tuple] = []
    offset = 0
    while len(rows) < limit:
        found = fetch(offset, min(page_size, limit - len(rows)))
        rows.extend(found.rows)
        offset += found.count
        if offset >= found.total or not found.rows:
            break
    return rows


# ------------------------------------------------------------------ users


class Browser:
    """Read-only calls users make; each visit picks a few at random (seeded)."""

    def __init__(self, server: TorcServer, rng: random.Random, users: Sequence[str]) -> None:
        self._server = server
        self._rng = rng
        self._users = tuple(users)
        self._views: tuple[Callable[[WorkflowIds, int], None], ...] = (
            self.jobs, self.job_detail, self.results, self.events, self.compute_nodes,
            self.files, self.user_data, self.workflows, self.tui,
        )

    def visit(self, ids: WorkflowIds, run_id: int, views: int = 3) -> None:
        """A few views of one workflow, chosen at random."""
        for view in self._rng.sample(self._views, views):
            view(ids, run_id)

    def jobs(self, ids: WorkflowIds, run_id: int) -> None:
        """``torc jobs list``, usually with a status filter."""
        server, workflow_id = self._server, ids.workflow_id
        status = (None if self._rng.random() < 0.3
                  else server.status[self._rng.choice(_STATUS_FILTERS)])
        paginate(lambda offset, limit: server.list_jobs(workflow_id, status, None, offset, limit),
                 CLI_PAGE, DEFAULT_PAGE)

    def job_detail(self, ids: WorkflowIds, run_id: int) -> None:
        """``torc jobs get`` for a few jobs, then one job's results and dependents."""
        server, workflow_id = self._server, ids.workflow_id
        picked = self._rng.sample(ids.job_ids, min(len(ids.job_ids), self._rng.randint(1, 4)))
        for job_id in picked:
            server.get_job(job_id)
        server.list_results(workflow_id, job_id=picked[0], limit=DEFAULT_PAGE)
        paginate(lambda offset, limit: server.list_jobs(workflow_id, None, picked[0], offset,
                                                        limit), CLI_PAGE, DEFAULT_PAGE)

    def results(self, ids: WorkflowIds, run_id: int) -> None:
        """``torc results list``; sometimes the results report, which also reads every job
        and resource shape."""
        server, workflow_id = self._server, ids.workflow_id
        if self._rng.random() < 0.25:
            self.report(ids, run_id)
            return
        run = run_id if self._rng.random() < 0.5 else None
        paginate(lambda offset, limit: server.list_results(workflow_id, None, run, None, offset,
                                                           limit), CLI_PAGE, DEFAULT_PAGE)

    def report(self, ids: WorkflowIds, run_id: int) -> None:
        server, workflow_id = self._server, ids.workflow_id
        paginate(lambda offset, limit: server.list_results(workflow_id, None, None, None, offset,
                                                           limit), CLI_PAGE, 2**62)
        paginate(lambda offset, limit: server.list_jobs(workflow_id, None, None, offset, limit),
                 CLI_PAGE, 2**62)
        paginate(lambda offset, limit: server.list_resource_requirements(workflow_id, None,
                                                                         offset, limit),
                 CLI_PAGE, 2**62)

    def events(self, ids: WorkflowIds, run_id: int) -> None:
        server, workflow_id = self._server, ids.workflow_id
        paginate(lambda offset, limit: server.list_events(workflow_id, None, offset, limit),
                 CLI_PAGE, DEFAULT_PAGE)

    def compute_nodes(self, ids: WorkflowIds, run_id: int) -> None:
        self._server.list_compute_nodes(ids.workflow_id, 0, DEFAULT_PAGE)

    def files(self, ids: WorkflowIds, run_id: int) -> None:
        """``torc files list``, or the files one job produced."""
        server, workflow_id = self._server, ids.workflow_id
        producer = self._rng.choice(ids.job_ids) if self._rng.random() < 0.4 else None
        paginate(lambda offset, limit: server.list_files(workflow_id, producer, offset, limit),
                 CLI_PAGE, DEFAULT_PAGE)

    def user_data(self, ids: WorkflowIds, run_id: int) -> None:
        """``torc user-data list`` (50 by default), or one job's inputs."""
        server, workflow_id = self._server, ids.workflow_id
        consumer = self._rng.choice(ids.job_ids) if self._rng.random() < 0.4 else None
        paginate(lambda offset, limit: server.list_user_data(workflow_id, consumer, offset,
                                                             limit),
                 CLI_PAGE, USER_DATA_LIMIT)

    def workflows(self, ids: WorkflowIds, run_id: int) -> None:
        """``torc workflows list``: the user's workflows not archived, or archived ones."""
        user = self._rng.choice(self._users)
        archived = self._rng.random() < 0.2
        paginate(lambda offset, limit: self._server.list_workflows(user, archived, offset, limit),
                 CLI_PAGE, DEFAULT_PAGE)

    def tui(self, ids: WorkflowIds, run_id: int) -> None:
        """The TUI: every workflow, then one workflow's tables in one call each."""
        server, workflow_id = self._server, ids.workflow_id
        server.list_workflows(None, None)
        server.list_jobs(workflow_id)
        if self._rng.random() < 0.5:
            server.list_job_dependencies(workflow_id)
        else:
            server.list_results(workflow_id)
        server.list_events(workflow_id, None)
        server.list_files(workflow_id, None, 0, DEFAULT_PAGE)


class EventsMonitor:
    """``torc events monitor``: new events of one workflow every poll."""

    def __init__(self, server: TorcServer, workflow_id: int) -> None:
        self._server = server
        self._workflow_id = workflow_id
        self._last = server.get_latest_event_timestamp(workflow_id) or "1970-01-01T00:00:00.000Z"

    def poll(self) -> int:
        page = self._server.list_events(self._workflow_id, self._last)
        if page.rows:
            self._last = page.rows[-1][2]
        return page.count
