"""Counted matches: the rows a statement's own equality values match, for the costing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from advisor.analysis.workload import Workload, load_workload
from advisor.catalog.statistics import Matches
from advisor.costing.estimate import STATEMENT_STEPS, estimate_plan
from advisor.costing.sizes import Layout
from advisor.replay.matches import _Counts, value_matches
from advisor.replay.measure import replay_set
from advisor.whatif.planner import Plan, PlanStep


def _counted(tmp_path: Path, ddl: str, insert: str, rows: list[tuple[object, ...]],
             statements: str) -> tuple[Workload, dict[str, Matches]]:
    """A database made of ``ddl`` and ``rows`` (by ``insert``), a log of ``statements``,
    and the matches counted for each template's replayed statements there."""
    database = tmp_path / "app.db"
    db = sqlite3.connect(database)
    db.executescript(ddl)
    db.executemany(insert, rows)
    db.commit()
    db.close()
    log = tmp_path / "w.log"
    log.write_text(statements)
    workload = load_workload([str(log)], schema=str(database), db=str(database))
    replayed = replay_set(workload, database, repetitions=1)
    return workload, value_matches(workload, database, replayed)


def test_a_skewed_value_is_counted_and_priced_as_it_is(tmp_path: Path) -> None:
    # Workflow 1 holds 900 of 1,000 jobs; the other 100 are spread over ten workflows.
    workload, counted = _counted(
        tmp_path, "CREATE TABLE job (id INTEGER PRIMARY KEY, workflow_id INT, status INT);"
        "CREATE INDEX job_wf ON job(workflow_id);",
        "INSERT INTO job (workflow_id, status) VALUES (?, ?)",
        [(1 if i < 900 else 2 + i % 10, i % 3) for i in range(1000)],
        "SELECT * FROM job WHERE workflow_id = 1 AND status = 2;\n")
    (template_id,) = workload.digest.templates
    matches = counted[template_id]
    assert matches[("job", frozenset({"workflow_id"}))] == 900
    assert matches[("job", frozenset({"workflow_id", "status"}))] == 300
    plan = Plan((PlanStep(2, 0, "SEARCH job USING INDEX job_wf (workflow_id=?)"),))
    reads = workload.analyses[template_id].reads
    average = estimate_plan(plan, reads, workload.statistics)
    priced = estimate_plan(plan, reads, workload.statistics.with_matches(matches))
    # 11 workflows: 91 rows per value on average; this value has 900 (300 after status).
    assert priced.total > 5 * average.total
    assert priced.rows == 300
    assert workload.statistics.with_matches(matches).stat1_line("job", ("workflow_id",)) == \
        workload.statistics.stat1_line("job", ("workflow_id",))  # the planner sees averages


def test_range_bounds_are_counted_and_or_terms_are_not(tmp_path: Path) -> None:
    # Half the workflow's rows pass the bound (SQLite's rule of thumb keeps a quarter).
    workload, counted = _counted(
        tmp_path, "CREATE TABLE job (id INTEGER PRIMARY KEY, workflow_id INT, status INT, "
        "cpus INT);", "INSERT INTO job (workflow_id, status, cpus) VALUES (?, ?, ?)",
        [(i % 4, i % 3, 1 + i % 8) for i in range(800)],
        "SELECT * FROM job WHERE workflow_id = 1 AND cpus <= 3 "
        "AND (status = 2 OR status IS NULL);\n")
    (template_id,) = workload.digest.templates
    matches = counted[template_id]
    assert matches == {("job", frozenset({"workflow_id"})): 200,
                       ("job", frozenset({"workflow_id", "cpus~range"})): 100,
                       ("job", frozenset({"cpus~range"})): 300}
    plan = Plan((PlanStep(2, 0, "SCAN job"),))
    reads = workload.analyses[template_id].reads
    priced = estimate_plan(plan, reads, workload.statistics.with_matches(matches))
    assert priced.rows == 100  # the bound counted, status = 2 under OR not taken as a filter


def test_a_list_of_values_is_counted_and_filters_as_counted(tmp_path: Path) -> None:
    """A ledger's overdue invoices: a company's invoices, ``status IN ('sent', 'partial')``,
    two of five statuses where nine in ten invoices are paid. Taken as two fifths of the
    company's invoices, the correlated subqueries after it ran six times as often as they
    do, and the template was priced at 82% of the workload where it measures 25%."""
    statuses = ["sent", "partial", "void", "draft"] + ["paid"] * 16
    rows = [(i % 4, statuses[(i // 4) % 20], f"2026-01-{1 + (i // 80) % 28:02d}")
            for i in range(2000)]
    workload, counted = _counted(
        tmp_path, "CREATE TABLE invoice (id INTEGER PRIMARY KEY, company INT, status TEXT, "
        "due TEXT); CREATE INDEX invoice_company ON invoice(company);",
        "INSERT INTO invoice (company, status, due) VALUES (?, ?, ?)", rows,
        "SELECT id FROM invoice WHERE company = 1 AND status IN ('sent', 'partial') "
        "AND due < '2026-01-15';\n")
    (template_id,) = workload.digest.templates
    matches = counted[template_id]
    mine = [row for row in rows if row[0] == 1]
    due = [row for row in mine if row[2] < "2026-01-15"]
    kept = [row for row in due if row[1] in ("sent", "partial")]
    assert matches[("invoice", frozenset({"company"}))] == len(mine) == 500
    assert matches[("invoice", frozenset({"company", "status~range", "due~range"}))] == len(
        kept) == 28
    # All but the list, for a seek on the list itself.
    assert matches[("invoice", frozenset({"company", "due~range"}))] == len(due)
    plan = Plan((PlanStep(2, 0, "SEARCH invoice USING INDEX invoice_company (company=?)"),))
    reads = workload.analyses[template_id].reads
    priced = estimate_plan(plan, reads, workload.statistics.with_matches(matches))
    assert priced.rows == 28
    # Without the list counted, the statuses are taken as alike: the due bound counted,
    # then two of as many statuses as SQLite assumes.
    unlisted = {key: rows for key, rows in matches.items() if "status~range" not in key[1]}
    guessed = estimate_plan(plan, reads, workload.statistics.with_matches(unlisted))
    assert guessed.rows != priced.rows


def test_a_pattern_is_counted_as_the_bound_of_its_key(tmp_path: Path) -> None:
    """A forum's title search, ``title LIKE 'ab%'``: a few dozen of 5,000 titles, where
    SQLite's rule of thumb for a prefix's two bounds keeps a sixty-fourth. LIKE is counted
    under the NOCASE key SQLite seeks it through, GLOB under the column, and a pattern
    with an ESCAPE not at all (its count would drop the escape)."""
    words = ["ab", "cd", "ef", "gh", "ij", "kl", "mn", "op"]
    rows = [(f"{words[i % 8]}{'x' * (i % 7)} {i}", (i // 8) % 2) for i in range(5000)]
    workload, counted = _counted(
        tmp_path, "CREATE TABLE post (id INTEGER PRIMARY KEY, title TEXT, kind INT);"
        "CREATE INDEX post_title ON post(title COLLATE NOCASE);",
        "INSERT INTO post (title, kind) VALUES (?, ?)", rows,
        "SELECT id FROM post WHERE title LIKE 'abx%' AND kind = 1;\n"
        "SELECT id FROM post WHERE title GLOB 'cd*';\n"
        "SELECT id FROM post WHERE title LIKE 'ef!%%' ESCAPE '!';\n")
    like, glob, escaped = workload.digest.templates
    liked = [r for r in rows if r[0].lower().startswith("abx") and r[1] == 1]
    assert counted[like][("post", frozenset({"kind", "title collate nocase~range"}))] == len(
        liked)
    assert counted[glob][("post", frozenset({"title~range"}))] == len(
        [r for r in rows if r[0].startswith("cd")])
    assert escaped not in counted
    plan = Plan((PlanStep(2, 0, "SEARCH post USING INDEX post_title (title>? AND title<?)"),))
    reads = workload.analyses[like].reads
    layout = Layout(key_columns={"post_title": ("title collate nocase",)})
    priced = estimate_plan(plan, reads, workload.statistics.with_matches(counted[like]),
                           layout=layout)
    assert priced.rows == len(liked)


def test_a_pattern_on_a_nocase_column_is_counted_under_the_column(tmp_path: Path) -> None:
    """A column declared ``COLLATE NOCASE`` is sought by a LIKE through a plain index on
    it: the analysis names the range by the column, and the count goes under that name,
    where it is used (it had gone under ``title COLLATE NOCASE``, unread)."""
    rows = [(f"{'abcd'[i % 4]}{i}", i % 2) for i in range(2000)]
    workload, counted = _counted(
        tmp_path, "CREATE TABLE post (id INTEGER PRIMARY KEY, title TEXT COLLATE NOCASE, "
        "kind INT); CREATE INDEX post_title ON post(title);",
        "INSERT INTO post (title, kind) VALUES (?, ?)", rows,
        "SELECT id FROM post WHERE title LIKE 'a1%' AND kind = 0;\n")
    (like,) = workload.digest.templates
    liked = [r for r in rows if r[0].lower().startswith("a1") and r[1] == 0]
    assert counted[like][("post", frozenset({"kind", "title~range"}))] == len(liked)
    plan = Plan((PlanStep(2, 0, "SEARCH post USING INDEX post_title (title>? AND title<?)"),))
    priced = estimate_plan(plan, workload.analyses[like].reads,
                           workload.statistics.with_matches(counted[like]),
                           layout=Layout(key_columns={"post_title": ("title",)}))
    assert priced.rows == len(liked)


def test_a_list_subquerys_rows_are_counted_and_size_its_rowid_seeks(tmp_path: Path) -> None:
    """A ticketing site frees the seats of expired holds: ``UPDATE seat ... WHERE id IN
    (SELECT seat_id FROM hold WHERE expires_at <= ?)``. SQLite seeks the rowid once per
    listed seat; priced as one seek, the statement was 0.2% of the set's time where it
    measures 56%. The list's rows are counted (a correlated list, which names a column
    outside it, is not), and size the seeks."""
    rows = [(i % 50, f"2026-03-14 12:{i % 60:02d}") for i in range(600)]
    workload, counted = _counted(
        tmp_path, "CREATE TABLE seat (id INTEGER PRIMARY KEY, status TEXT);"
        "CREATE TABLE hold (id INTEGER PRIMARY KEY, seat_id INT, expires_at TEXT);"
        "INSERT INTO seat (status) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
        "SELECT i + 1 FROM n WHERE i < 5000) SELECT 'held' FROM n;",
        "INSERT INTO hold (seat_id, expires_at) VALUES (?, ?)", rows,
        "UPDATE seat SET status = 'free' WHERE id IN "
        "(SELECT seat_id FROM hold WHERE expires_at <= '2026-03-14 12:09');\n"
        "SELECT id FROM seat s WHERE id IN (SELECT seat_id FROM hold h WHERE h.id = s.id);\n")
    update, correlated = workload.digest.templates
    expired = [r for r in rows if r[1] <= "2026-03-14 12:09"]
    assert counted[update][("~list", frozenset({"0"}))] == len(expired)
    assert ("~list", frozenset({"0"})) not in counted.get(correlated, {})
    plan = Plan((PlanStep(4, 0, "SEARCH seat USING INTEGER PRIMARY KEY (rowid=?)"),
                 PlanStep(8, 0, "LIST SUBQUERY 1"), PlanStep(10, 8, "SCAN hold")))
    reads = workload.analyses[update].reads
    priced = estimate_plan(plan, reads, workload.statistics.with_matches(counted[update]))
    assert priced.loops[-1].rows_out == len(expired)


def test_a_seek_on_a_range_is_priced_by_the_rows_its_bounds_keep(tmp_path: Path) -> None:
    """TPC-H's Q6 seeks an index on l_discount with ``BETWEEN 0.01 AND 0.03``: a third of
    the table, where SQLite's rule of thumb for two bounds keeps a sixty-fourth. Counted,
    the seek yields the rows its bounds keep, and the bound it did not seek on filters
    those as counted too."""
    workload, counted = _counted(
        tmp_path, "CREATE TABLE line (id INTEGER PRIMARY KEY, discount REAL, quantity INT, "
        "price REAL); CREATE INDEX line_discount ON line(discount);",
        "INSERT INTO line (discount, quantity, price) VALUES (?, ?, ?)",
        [(round((i % 10) / 100, 2), i % 50, 1.0) for i in range(3000)],
        "SELECT sum(price * discount) FROM line WHERE discount BETWEEN 0.01 AND 0.03 "
        "AND quantity < 10;\n")
    (template_id,) = workload.digest.templates
    matches = counted[template_id]
    assert matches[("line", frozenset({"discount~range"}))] == 900
    assert matches[("line", frozenset({"discount~range", "quantity~range"}))] == 180
    plan = Plan((PlanStep(2, 0, "SEARCH line USING INDEX line_discount "
                                "(discount>? AND discount<?)"),))
    reads = workload.analyses[template_id].reads
    average = estimate_plan(plan, reads, workload.statistics)
    priced = estimate_plan(plan, reads, workload.statistics.with_matches(matches))
    assert priced.rows == 180
    assert priced.loops[0].cost > 15 * average.loops[0].cost  # 900 rows read, not 47


def test_a_seek_that_stops_at_a_row_not_excluded_reads_as_far_as_counted(
        tmp_path: Path) -> None:
    """Torc's is_workflow_complete (``workflow_id = ? AND status NOT IN (...) LIMIT 1``) on
    a workflow whose jobs are nearly all done: the seek reads on through the done ones.
    Taken to keep every row, the NOT IN let the estimate stop at the first; counted (as
    ``<>`` each value), it keeps the one it does."""
    workload, counted = _counted(
        tmp_path, "CREATE TABLE job (id INTEGER PRIMARY KEY, workflow_id INT, status INT);"
        "CREATE INDEX job_wf ON job(workflow_id);",
        "INSERT INTO job (workflow_id, status) VALUES (?, ?)",
        [(1 + i // 500, 2 if i % 500 == 499 else 9) for i in range(1000)],
        "SELECT 1 FROM job WHERE workflow_id = 1 AND status NOT IN (9, 10) LIMIT 1;\n")
    (template_id,) = workload.digest.templates
    matches = counted[template_id]
    assert matches[("job", frozenset({"workflow_id"}))] == 500
    assert matches[("job", frozenset({"workflow_id", "status~range"}))] == 1
    (read,) = workload.analyses[template_id].reads
    assert read.excluded == ("status",)
    plan = Plan((PlanStep(2, 0, "SEARCH job USING INDEX job_wf (workflow_id=?)"),))
    spread = estimate_plan(plan, [read], workload.statistics.with_matches(
        {key: rows for key, rows in matches.items() if "status~range" not in key[1]}), limit=1)
    priced = estimate_plan(plan, [read], workload.statistics.with_matches(matches), limit=1)
    assert priced.total - STATEMENT_STEPS > 30 * (spread.total - STATEMENT_STEPS)  # 250 rows, not 1


def test_a_scan_that_stops_early_is_priced_by_where_its_first_match_is_stored(
        tmp_path: Path) -> None:
    """Jobs stored a workflow at a time, 250 each: workflow 4's first job of status 2 is
    stored after 752 others, and a LIMIT 1 scan reads them all first; counted, the
    estimate takes that in place of the average guess. Without a LIMIT nothing is
    counted."""
    workload, counted = _counted(
        tmp_path, "CREATE TABLE job (id INTEGER PRIMARY KEY, workflow_id INT, status INT);",
        "INSERT INTO job (workflow_id, status) VALUES (?, ?)",
        [(1 + i // 250, i % 3) for i in range(1000)],
        "SELECT id FROM job WHERE workflow_id = 4 AND status = 2 LIMIT 1;\n"
        "SELECT count(*) FROM job WHERE workflow_id = 4;\n")
    first, whole = (counted[t] for t in workload.digest.templates)
    assert first[("job", frozenset({"workflow_id", "status", "~first"}))] == 752
    assert not any("~first" in columns for _, columns in whole)
    (template_id, _) = workload.digest.templates
    plan = Plan((PlanStep(2, 0, "SCAN job"),))
    reads = workload.analyses[template_id].reads
    priced = estimate_plan(plan, reads, workload.statistics.with_matches(first), limit=1)
    spread = estimate_plan(plan, reads, workload.statistics.with_matches(
        {key: rows for key, rows in first.items() if "~first" not in key[1]}), limit=1)
    assert spread.rows == priced.rows == 1
    # 3/4 of the 1,000-row scan, not 1/(m + 1) of it for the 83 rows matched
    assert priced.total - spread.total > 0.7 * priced.loops[0].cost


def _jobs(tmp_path: Path) -> sqlite3.Connection:
    """1,000 jobs in 4 workflows (indexed), 3 statuses and 8 cpu counts (not indexed)."""
    db = sqlite3.connect(tmp_path / "jobs.db")
    db.executescript("CREATE TABLE job (id INTEGER PRIMARY KEY, workflow_id INT, status INT, "
                     "cpus INT); CREATE INDEX job_wf ON job(workflow_id);")
    db.executemany("INSERT INTO job (workflow_id, status, cpus) VALUES (?, ?, ?)",
                   [(i % 4, i % 3, 1 + i % 8) for i in range(1000)])
    db.commit()
    return db


ASKED = [((("status", 2),), []), ((("status", 1), ("cpus", 3)), []),
         ((), [("cpus", "<=", 4)]), ((("status", 0),), [("cpus", ">", 6)]),
         ((("workflow_id", 1),), []), ((("status", None),), [])]


def test_counts_a_scan_answers_are_taken_together_in_one_scan_of_the_table(
        tmp_path: Path) -> None:
    """Each condition SQLite would answer by scanning the table is counted in one scan
    with the others (count(*) FILTER); the one an index seeks is counted alone; and every
    count is the one each query alone gives."""
    db = _jobs(tmp_path)
    ran: list[str] = []
    db.set_trace_callback(ran.append)
    counts = _Counts(db)
    queries = [counts.ask("job", pairs, bounds) for pairs, bounds in ASKED]
    counts.ask("job", *ASKED[0])  # asked again: counted once
    counts.run()
    db.set_trace_callback(None)
    counted = [s for s in ran if s.startswith("SELECT count(*)")]
    assert len(counted) == 2  # one scan for five conditions, and the seek alone
    assert sum("FILTER" in s for s in counted) == 1
    alone = [db.execute(f"SELECT count(*) FROM job WHERE {q[1][0]}", q[2]).fetchone()[0]
             for q in queries]
    assert [counts.done[q] for q in queries] == alone == [333, 42, 500, 84, 250, 0]


def test_counts_are_taken_one_by_one_where_sqlite_has_no_filter_clause(
        tmp_path: Path) -> None:
    """Before 3.30 SQLite has no FILTER clause: the counts are the same, one scan each."""
    db = _jobs(tmp_path)

    class Older:
        def execute(self, sql: str, values: tuple[object, ...] = ()) -> sqlite3.Cursor:
            if "FILTER" in sql:
                raise sqlite3.OperationalError('near "(": syntax error')
            return db.execute(sql, values)

    counts = _Counts(Older())  # type: ignore[arg-type]
    queries = [counts.ask("job", pairs, bounds) for pairs, bounds in ASKED]
    counts.run()
    assert [counts.done[q] for q in queries] == [333, 42, 500, 84, 250, 0]
