"""Which hypothetical indexes SQLite's planner could use for a statement at all.

The planner uses an index of a table to seek or range on its leading columns
(or, with statistics, to skip-scan to a later one), to deliver an ORDER BY or
GROUP BY order, for MIN and MAX, or to scan it instead of the table when it
holds every column the statement needs there. Each of these needs a column the
statement names: an index none of whose columns the statement names, on a
table where it names some column the index lacks, gives the planner nothing
to choose, and configurations that differ only by such indexes are planned
alike. The what-if planner keys its plans by the indexes that remain, so that
the search's many configurations cost one EXPLAIN per distinct plan question.

Conservative on purpose (a needless EXPLAIN costs microseconds, a wrong plan a
decision): a column is named when its name occurs as a word, or quoted, anywhere
in the text (strings and comments included); a ``*`` that selects columns
(``SELECT *``, ``t.*``), a NATURAL join (columns joined by name, unwritten), a
partial index, or a table where the statement names only what every index
holds (the rowid, a WITHOUT ROWID table's key) keeps every index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from advisor.catalog.schema import ROWID_NAMES, Catalog
from advisor.model.indexes import IndexSpec

_TOKEN = re.compile(r"""'((?:[^']|'')*)'|"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]"""
                    r"""|([^\W\d][\w$]*)|(\S)""")
_BEFORE_WILDCARD = frozenset({"select", "distinct", "all", ",", "."})


class StatementColumns:
    """What one statement's text names: its words, and whether it names every column."""

    def __init__(self, sql: str) -> None:
        words: set[str] = set()
        self.every_column = False
        previous = ""
        for match in _TOKEN.finditer(sql):
            quoted = next((g for g in match.groups()[:4] if g is not None), None)
            if quoted is not None:
                words.add(quoted.lower())
                words.update(word.lower() for word in re.findall(r"[^\W\d][\w$]*", quoted))
                previous = "'"
                continue
            word, other = match.group(5), match.group(6)
            token = (word or other).lower()
            if word is not None:
                words.add(token)
                if token == "natural":
                    self.every_column = True
            elif token == "*" and previous in _BEFORE_WILDCARD:
                self.every_column = True
            previous = token
        self.words = frozenset(words)
        self._text = sql.lower()

    def names(self, column: str) -> bool:
        lowered = column.lower()
        if lowered in self.words:
            return True
        # A name no word pattern spells (spaces, punctuation): any occurrence counts.
        return re.fullmatch(r"[^\W\d][\w$]*", lowered) is None and lowered in self._text


class Relevance:
    """Narrows a configuration to the indexes the planner could use for a statement,
    per table of a catalog; statements are read once each."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._statements: dict[str, StatementColumns] = {}
        self._named: dict[tuple[str, str], frozenset[str]] = {}
        self._answers: dict[tuple[str, IndexSpec], bool] = {}  # the search asks again and again
        self._implicit = {name: _implicit_columns(catalog, name) for name in catalog.tables}
        self._columns = {name: frozenset(c.lower() for c in table.column_names)
                         for name, table in catalog.tables.items()}

    def usable(self, sql: str, indexes: Iterable[IndexSpec]) -> frozenset[IndexSpec]:
        """The indexes of ``indexes`` the planner could use for ``sql``."""
        given = frozenset(indexes)
        if not given or self._read(sql).every_column:
            return given
        answers = self._answers
        usable = []
        for spec in given:
            known = answers.get((sql, spec))
            if known is None:
                known = answers[(sql, spec)] = self._could_use(sql, spec)
            if known:
                usable.append(spec)
        return frozenset(usable)

    def _read(self, sql: str) -> StatementColumns:
        found = self._statements.get(sql)
        if found is None:
            found = self._statements[sql] = StatementColumns(sql)
        return found

    def _could_use(self, sql: str, spec: IndexSpec) -> bool:
        table = spec.table.lower()
        columns = self._columns.get(table)
        if spec.where is not None or columns is None:
            return True
        own = {c.lower() for c in spec.column_names}
        if not own <= columns:  # an expression, or a name the catalog lacks
            return True
        named = self._named.get((sql, table))
        if named is None:
            statement = self._read(sql)
            named = self._named[(sql, table)] = frozenset(
                c for c in columns if statement.names(c))
        if own & named:
            return True
        # Names nothing of the index: it is of use only if it covers what is named.
        return not (named - self._implicit[table])


def _implicit_columns(catalog: Catalog, name: str) -> frozenset[str]:
    """The columns every index of a table holds: the rowid (and its alias), or a
    WITHOUT ROWID table's primary key."""
    table = catalog.tables[name]
    if table.without_rowid:
        return frozenset(c.lower() for c in table.primary_key)
    alias = table.rowid_alias
    return ROWID_NAMES | ({alias.lower()} if alias else set())
