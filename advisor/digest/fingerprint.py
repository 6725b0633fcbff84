"""Fingerprint: reduce a SQL statement to its template.

Two steps, so that the common case costs one regular-expression pass:

1. ``mask`` replaces literals and placeholders with ``?`` in a single C-level
   ``re.sub``. Lines that differ only in their values give the same masked key.
2. ``canonicalize`` runs once per distinct masked key (callers cache it): it
   tokenises with sqlparse, drops comments, folds whitespace and keyword case,
   collapses IN lists and multi-row VALUES, and names the statement's kind and
   tables.

The canonical text is the template's identity; its hash is the template id.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlparse
from sqlparse import tokens as T

# The precise masker: one alternation, tried left to right at each position.
# Comments and quoted identifiers are matched so that what is inside them is
# left alone (the replacement keeps them); strings come before numbers so that
# digits inside a string go with it.
_PRECISE = re.compile(
    r"""
      (?P<keep> --[^\n]* | /\*.*?(?:\*/|$)       # comments
              | "[^"]*(?:""[^"]*)*" | `[^`]*` | \[[^\]]*\] )  # quoted identifiers
    | \b[xX]'[0-9A-Fa-f]*'                # blob literal
    | '[^']*(?:''[^']*)*'                     # string literal ('' escapes a quote)
    | (?<![\w$])\$\d+ | \?\d+             # $1, ?12 placeholders (x$1 is a name)
    | (?<![\w$])[:@$][A-Za-z_]\w*       # :name, @name, $name placeholders
    | (?<![\w$])0[xX][0-9A-Fa-f]+\b       # hex integer
    | (?<![\w$])\d+(?:\.\d*)?(?:[eE][-+]?\d+)?(?!\w)  # integer, decimal (1.), exponent
    | (?<![\w.])\.\d+(?:[eE][-+]?\d+)?(?!\w)  # .5
    """,
    re.VERBOSE | re.DOTALL,
)


def _masked(match: re.Match[str]) -> str:
    return match.group("keep") or "?"


# Above this many characters a statement is masked in a stream: ``re.sub`` keeps every
# piece of its result apart until the end, some 100 bytes per literal, which for a
# 50 MB multi-row INSERT is gigabytes.
LONG_STATEMENT = 1 << 20
_PIECES_PER_CHUNK = 1 << 16


def mask(sql: str) -> str:
    """Replace literals and placeholders by ``?``, leaving comments and quoted names.

    >>> mask("SELECT * FROM job WHERE id = 42 AND name = 'it''s' -- 7")
    'SELECT * FROM job WHERE id = ? AND name = ? -- 7'
    """
    if len(sql) > LONG_STATEMENT:
        return _sub_in_chunks(_PRECISE, _masked, sql)
    return _PRECISE.sub(_masked, sql)


def _sub_in_chunks(pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str],
                   text: str) -> str:
    """``pattern.sub(replace, text)``, its pieces joined a chunk at a time."""
    chunks: list[str] = []
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        start, end = match.span()
        pieces.append(text[last:start])
        pieces.append(replace(match))
        last = end
        if len(pieces) >= _PIECES_PER_CHUNK:
            chunks.append("".join(pieces))
            pieces.clear()
    pieces.append(text[last:])
    chunks.append("".join(pieces))
    return "".join(chunks)


# The fast key. Every branch starts from one character class, which lets the
# regular-expression engine skip to candidate characters in C: about twice
# the speed of the precise masker. It is only a cache key and must keep one
# promise: two statements with the same key have the same template. (It may
# give one template several keys, e.g. for "-5" and "$1"; that only costs a
# cache entry.) Text where quoting or comments could fool it takes the precise
# masker instead.
# A digit starts a literal unless a name character stands before it; an
# exponent's sign belongs to its number (1e-5 is one literal, 3-4 is two).
# In bytes, any byte of a UTF-8 sequence is a name character (colé1 is a name).
# {w} is the name characters and {d} the digits, as a class's contents. For bytes
# they are spelt out as ranges, which mean what \w and \d mean there (ASCII)
# but are tested as one bitmap, where the engine tests a category apart: the
# keys of Torc's 910,346 statements took 1.5 s of CPU instead of 2.0 s.
_FAST_BRANCHES = (
    r"['{d}$?:@](?:(?<=')[^']*'(?:'[^']*')*"  # a whole string, '' escapes included
    r"|(?<![{w}.$][{d}])(?<=0)[xX][0-9A-Fa-f]+"  # hex: its E is a digit, never an exponent
    r"|(?<![{w}.$][{d}])(?<=[{d}])[{w}.]*(?:(?<=[eE])[-+][{d}]+)?"
    r"|(?<![{w}$][$:@])(?<=[$?:@])[{w}]+)"  # x$a is a name, $a a placeholder
)
_FAST_KEY_BYTES = re.compile(
    _FAST_BRANCHES.format(w=r"0-9A-Za-z_\x80-\xff", d="0-9").encode("latin-1"))
_FAST_KEY_TEXT = re.compile(_FAST_BRANCHES.format(w=r"\w", d=r"\d"))
# Quoted names and comments; written, like the key, from one leading character
# class so that the engine scans in C (a plain alternation is several times slower).
_PRECISE_MARKERS = r'[-"`\[/](?:(?<=-)-|(?<=/)\*|(?<=["`\[]))'
_NEEDS_PRECISE_BYTES = re.compile(_PRECISE_MARKERS.encode())
_NEEDS_PRECISE_TEXT = re.compile(_PRECISE_MARKERS)

def fast_key(sql: bytes | str) -> bytes | str | tuple[str, str]:
    """The fast pass alone: literals masked by one C-level regex substitution.

    Valid as a cache key only when ``needs_precise(key)`` is False; a key
    that is already in a cache was checked when it went in.
    """
    if len(sql) > LONG_STATEMENT:
        return _long_key(sql)
    if sql.__class__ is bytes:
        return _FAST_KEY_BYTES.sub(b"?", sql)
    return _FAST_KEY_TEXT.sub("?", sql)  # type: ignore[arg-type]


def _long_key(sql: bytes | str) -> tuple[str, str]:
    """A long statement's key: the hash of its precise mask, which is computed in a
    stream (see mask) and then let go; tagged so it never equals a short key."""
    text = sql.decode("utf-8", "surrogateescape") if isinstance(sql, bytes) else sql
    return ("long", hashlib.sha1(mask(text).encode("utf-8", "surrogatepass")).hexdigest())


def needs_precise(key: bytes | str | tuple[str, str]) -> bool:
    """Whether a fast key still holds a comment or quoted-name marker.

    They are looked for after strings are masked: a ``--`` inside a string is
    harmless and gone, while a comment or quoted name that could mislead the
    fast pass (by holding a ``'``) opens before that quote, so its marker is
    still there.
    """
    if key.__class__ is tuple:
        return False  # a long statement's key: made by the precise masker
    if key.__class__ is bytes:
        return _NEEDS_PRECISE_BYTES.search(key) is not None
    return _NEEDS_PRECISE_TEXT.search(key) is not None  # type: ignore[arg-type]


def precise_key(sql: str) -> tuple[str, str]:
    """The key for text the fast pass could misread; tagged so it never equals a fast key."""
    return ("precise", mask(sql))


def cache_key(sql: bytes | str, decode: Callable[[bytes | str], str]) -> bytes | str | tuple:
    """A key under which statements of one template (mostly) coincide.

    Two statements with equal keys have equal templates; one template may
    have several keys (``-5`` and ``$1``), which only costs a cache entry.
    """
    key = fast_key(sql)
    return precise_key(decode(sql)) if needs_precise(key) else key


_STRINGS = re.compile(r"'[^']*(?:''[^']*)*'")
_PLACEHOLDER = re.compile(r"(?<![\w$])(?:\?\d*|[$:@][A-Za-z_0-9]\w*)")


def has_placeholders(sql: str) -> bool:
    """Whether a statement has parameters to bind (outside its string literals).

    >>> has_placeholders("SELECT * FROM t WHERE a = ? AND b = 'x:y'")
    True
    >>> has_placeholders("SELECT * FROM t WHERE ts = '2026-11-01T10:00:00'")
    False
    """
    return _PLACEHOLDER.search(_STRINGS.sub("", sql)) is not None


KIND_READ = "read"
KIND_WRITE = "write"
KIND_TRANSACTION = "transaction"
KIND_OTHER = "other"

_TRANSACTION_WORDS = {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"}
_WRITE_WORDS = {"INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT"}
_READ_WORDS = {"SELECT", "WITH", "VALUES", "EXPLAIN"}
# After these words a following name is a table (FROM a, b is handled apart).
_TABLE_INTRODUCERS = {"FROM", "INTO", "UPDATE"}


@dataclass(frozen=True)
class Template:
    """A statement with its values taken out: what the digest counts."""

    id: str
    text: str
    kind: str
    command: str
    tables: tuple[str, ...]

    @property
    def varies_in_size(self) -> bool:
        """Whether its statements may differ in size, not only in values: an IN list or
        a multi-row VALUES, collapsed to one element or row here, of any length there.

        >>> canonicalize("SELECT * FROM job WHERE id IN (1, 2)").varies_in_size
        True
        """
        return " IN (?)" in self.text or (self.command in ("INSERT", "REPLACE")
                                          and " VALUES (" in self.text)


def template_id(text: str) -> str:
    """A short stable id: the first 12 hex digits of the canonical text's SHA-1."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def canonicalize(sql: str, masked: str | None = None) -> Template:
    """Build the template of a statement (masked or not; ``masked``: its mask, if the
    caller has it already).

    >>> canonicalize("select  *\\nfrom job where id in (1, 2, 3) -- hot").text
    'SELECT * FROM job WHERE id IN (?)'
    """
    words = _normal_words(_collapse_text(mask(sql) if masked is None else masked))
    words = _collapse_lists(words)
    text = _join(words)
    command = _command(words)
    return Template(
        id=template_id(text),
        text=text,
        kind=_kind(command, words),
        command=command,
        tables=_tables(words),
    )


# Once literals are masked, the rows of a multi-row VALUES read alike and an IN
# list is a run of "?": collapsing them in the text first means a 250-row
# INSERT is tokenised as one row, not 250 (the word-level pass still decides).
# Neither pattern repeats a group: the regex engine keeps state for every
# repetition of a group, a gigabyte for a list of millions.
_ROW = re.compile(r"\([^()']*\)")
_ROW_SEPARATOR = re.compile(r"\s*,\s*")
_IN_LIST = re.compile(r"\bIN\s*\(\s*\?\s*,[\s,?]*\)", re.I)  # "?, ?, ?": one class, repeated


_VALUE_NULL = re.compile(r"(?<!\bIS )(?<!\bNOT )\bNULL\b", re.I)


def _collapse_text(masked: str) -> str:
    if len(masked) < 512:
        return masked
    masked = _VALUE_NULL.sub("?", masked)  # as the word pass does: NULL as a value is a value
    return _IN_LIST.sub("IN (?)", _collapse_repeated_rows(masked))


def _collapse_repeated_rows(text: str) -> str:
    """Each run of one parenthesised row repeated (``(?, ?), (?, ?)``) as one row."""
    kept: list[str] = []
    last = 0
    found = _ROW.search(text)
    while found is not None:
        row, end = found.group(), found.end()
        while (separator := _ROW_SEPARATOR.match(text, end)) and text.startswith(
                row, separator.end()):
            end = separator.end() + len(row)
        if end > found.end():
            kept.append(text[last:found.end()])
            last = end
        found = _ROW.search(text, end)
    kept.append(text[last:])
    return "".join(kept)


# --- canonical word stream -------------------------------------------------

# SQLite's own keywords (its keyword list, 147 words). Only these are written
# upper-case; sqlparse knows many more (DATA, TIMESTAMP, STATUS...) that are
# ordinary column names in SQLite, and those stay lower-case like any name.
SQLITE_KEYWORDS = frozenset(
    """ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE
    BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE
    CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE
    DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE
    EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP
    GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT
    INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING
    NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING
    PRIMARY QUERY RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE
    RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN
    TIES TO TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL
    WHEN WHERE WINDOW WITH WITHOUT""".split()
)


def _normal_words(sql: str) -> list[str]:
    """Tokens as words: keywords upper-cased, unquoted names lower-cased.

    Comments and whitespace are dropped; quoted identifiers are kept verbatim.
    """
    words: list[str] = []
    for ttype, value in sqlparse.lexer.tokenize(sql):
        if ttype in T.Whitespace or ttype in T.Newline or ttype in T.Comment:
            continue
        if ttype in T.Literal.String.Symbol:
            pass  # "quoted identifier": case and quotes matter
        elif ttype in T.Name.Placeholder or ttype in T.Literal:
            value = "?"
        elif ttype in T.Operator.Comparison:
            value = value.upper()  # LIKE, GLOB, IS...
        else:
            parts = value.upper().split()
            if parts and all(part in SQLITE_KEYWORDS for part in parts):
                value = " ".join(parts)
                # A bound None is expanded to NULL in trace output but is a
                # placeholder in the application's template; IS NULL is a predicate.
                if value == "NULL" and not (words and words[-1] in ("IS", "NOT", "IS NOT")):
                    value = "?"
            elif value[:1] in "`[":
                pass  # `quoted` and [quoted] names: case matters, as for "quoted"
            elif ttype in T.Name or ttype in T.Keyword:
                # SQLite folds unquoted identifiers: "Job" and "job" are one table.
                value = value.lower()
        words.append(value)
    return _fold_unary_minus(words)


def _is_identifier(word: str) -> bool:
    """Names are lower-cased or quoted; keywords are upper-cased."""
    first = word[:1]
    return first.islower() or first in "_\"`["


# Words after which a "-" starts a value (unary) rather than subtracting.
_EXPRESSION_STARTS = frozenset({
    "", "(", ",", "=", "==", "!=", "<>", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "||",
    "AND", "OR", "NOT", "SELECT", "WHERE", "THEN", "ELSE", "WHEN", "CASE", "VALUES", "SET",
    "BY", "LIMIT", "OFFSET", "IN", "IS", "IS NOT", "BETWEEN", "LIKE", "GLOB", "ON", "HAVING",
    "RETURNING", "DO", "DEFAULT",
})


def _fold_unary_minus(words: list[str]) -> list[str]:
    """``= -?`` and ``(-?`` become ``?``: a negative value is still a value.

    After a name, a ``)`` or ``END`` the minus subtracts and stays.
    """
    out: list[str] = []
    for word in words:
        if word == "?" and out and out[-1] in ("-", "+"):
            before = out[-2] if len(out) >= 2 else ""
            if before in _EXPRESSION_STARTS:
                out.pop()
        out.append(word)
    return out


def _collapse_lists(words: list[str]) -> list[str]:
    """``IN (?, ?, ?)`` → ``IN (?)``; ``VALUES (..), (..)`` → ``VALUES (..)``."""
    out: list[str] = []
    i = 0
    n = len(words)
    while i < n:
        word = words[i]
        if word == "IN" and i + 1 < n and words[i + 1] == "(":
            end = _placeholder_list_end(words, i + 2)
            if end is not None:
                out.extend(("IN", "(", "?", ")"))
                i = end + 1
                continue
        if word == "VALUES" and i + 1 < n and words[i + 1] == "(":
            row_end = _matching_paren(words, i + 1)
            if row_end is not None:
                out.append(word)
                out.extend(words[i + 1 : row_end + 1])
                i = row_end + 1
                # Further rows repeat the first row's shape: drop them.
                while i + 1 < n and words[i] == "," and words[i + 1] == "(":
                    next_end = _matching_paren(words, i + 1)
                    if next_end is None:
                        break
                    i = next_end + 1
                continue
        out.append(word)
        i += 1
    return out


def _placeholder_list_end(words: list[str], start: int) -> int | None:
    """Index of the ``)`` closing a list made only of ``?`` and commas."""
    expect_value = True
    for i in range(start, len(words)):
        word = words[i]
        if expect_value and word == "?":
            expect_value = False
        elif not expect_value and word == ",":
            expect_value = True
        elif not expect_value and word == ")":
            return i
        else:
            return None
    return None


def _matching_paren(words: list[str], start: int) -> int | None:
    depth = 0
    for i in range(start, len(words)):
        if words[i] == "(":
            depth += 1
        elif words[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return None


_NO_SPACE_BEFORE = {",", ")", ";", "."}
_NO_SPACE_AFTER = {"(", "."}


def _join(words: list[str]) -> str:
    """Words back to text with one canonical spacing.

    A name directly followed by ``(`` (a call, or a table's column list) is
    written without a space: ``count(*)``, ``job(a, b)``; a keyword keeps it:
    ``IN (?)``.
    """
    parts: list[str] = []
    previous = ""
    for word in words:
        if (parts and word not in _NO_SPACE_BEFORE and previous not in _NO_SPACE_AFTER
                and not (word == "(" and _is_identifier(previous))):
            parts.append(" ")
        parts.append(word)
        previous = word
    return "".join(parts).rstrip(";").rstrip()


def _command(words: list[str]) -> str:
    for word in words:
        if word != "(":
            return word.split()[0].upper()
    return ""


def _kind(command: str, words: list[str]) -> str:
    if command in _TRANSACTION_WORDS:
        return KIND_TRANSACTION
    if command in _WRITE_WORDS:
        return KIND_WRITE
    if command == "WITH":
        # A CTE in front of a write is a write; replace() inside one is not.
        return KIND_WRITE if _main_statement(words) in _WRITE_WORDS else KIND_READ
    if command in _READ_WORDS:
        return KIND_READ
    return KIND_OTHER


def _main_statement(words: list[str]) -> str:
    """The statement word that follows a WITH clause's definitions (outside parentheses)."""
    depth = 0
    for word in words[1:]:
        if word == "(":
            depth += 1
        elif word == ")":
            depth -= 1
        elif depth == 0 and word in ("SELECT", "VALUES", *_WRITE_WORDS):
            return word
    return ""


def _tables(words: list[str]) -> tuple[str, ...]:
    """Tables named after FROM / JOIN / INTO / UPDATE, in first-seen order.

    A lexical pass for the digest's "tables touched" column; binding columns to
    tables through aliases, subqueries and CTEs is the analysis stage's job.
    """
    ctes = _cte_names(words)
    seen: dict[str, None] = {}
    n = len(words)
    for i, word in enumerate(words):
        if not (word in _TABLE_INTRODUCERS or word.endswith("JOIN")):
            continue
        j = i + 1
        if j + 1 < n and words[j] == "OR":
            j += 2  # UPDATE OR REPLACE t, INSERT OR IGNORE INTO t
        while j < n and _is_identifier(words[j]):
            if j + 2 < n and words[j + 1] == ".":
                j += 2  # schema.table
            name = _unquote(words[j])
            if name.lower() not in ctes:
                seen.setdefault(name, None)
            if word != "FROM":
                break
            # FROM a x, b AS y: step over an alias to a comma and go on.
            j += 1
            if j < n and words[j] == "AS":
                j += 1
            if j < n and _is_identifier(words[j]):
                j += 1
            if j < n and words[j] == ",":
                j += 1
            else:
                break
    return tuple(seen)


def _cte_names(words: list[str]) -> set[str]:
    """Names a WITH clause defines: ``name AS (`` or ``name(cols) AS (``."""
    if not words or words[0] != "WITH":
        return set()
    names: set[str] = set()
    for i, word in enumerate(words):
        if word != "AS" or i == 0:
            continue
        k = i - 1
        if words[k] == ")":
            depth = 0
            while k >= 0:
                depth += words[k] == ")"
                depth -= words[k] == "("
                if depth == 0:
                    break
                k -= 1
            k -= 1
        if k >= 0 and _is_identifier(words[k]):
            names.add(_unquote(words[k]).lower())
    return names


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] in "\"`[" and name[-1] in "\"`]":
        return name[1:-1]
    return name
