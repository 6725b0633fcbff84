"""The accounting-ledger query log: a bookkeeping service's sessions run against the built
database.

    python workloads/ledger/generate.py                     # writes workload.log here
    python workloads/ledger/generate.py --companies 12 --entries 1500 --sessions 60 \\
        --out /tmp/ledger.log

Builds (or finds, cached) the database of build.py at the scale given, copies
it to a temporary file and runs ``--sessions`` sessions against the copy, one
after the other, of nine kinds (``MIX``): a company's user logs in and looks at
the dashboard, keys in, posts or voids journal entries, raises invoices,
records a customer's payment, imports the bank's feed, reconciles it, runs a
report (trial balance, an account's ledger, profit and loss, a customer's
statement, receivables aging), searches entries by reference, or tries to
close the month. Every statement is executed as the text logged, with its
values written in, and its results steer what follows (the entry posted is the
one just keyed in or a draft the journal listed, the invoice paid is one the
aging found open, the bank line matched is one the reconciliation listed), so
the log's values name real rows. Which company a session is for is drawn with
the skew of the data (Zipf weights over the companies by their number of
entries); the generator reads who can log in, the charts, bank accounts,
customers and vendors once from the database, unlogged, as what the users
bring with them.

The copy the sessions run on gets ``RUN_INDEXES`` first (unlogged): only so that
the run takes seconds instead of an hour on a database with no index; the log is
the same statements either way, and its values the same rows.

The output is a plain SQL log, one statement per line (advisor's ``sql``
format; no durations, so that the same seed and scale give the very same
file). The clock is simulated: a session every 5 to 30 seconds from the
database's day (build.py's ``NOW``, a Monday morning).
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workloads/
from workload_scripts import (
    LoggedClient,
    Skewed,
    generate_command,
    run_mix,
    sibling,
    write_sql_log,
)

HERE = Path(__file__).resolve().parent
DEFAULT_SESSIONS = 900
DEFAULT_SEED = 29
MIX = (("dashboard", 14), ("journal", 17), ("invoice", 11), ("payment", 10), ("import", 6),
       ("reconcile", 10), ("report", 21), ("search", 7), ("close", 4))
PAGE = 50  # rows a listing shows
# Indexes the run's own copy gets so that it runs fast; not in the log, not in the
# database build.py makes.
RUN_INDEXES = (
    "journal_entries (company_id, status, created_at)", "journal_entries (company_id, entry_date)",
    "journal_lines (entry_id)", "journal_lines (account_id)", "invoices (customer_id)",
    "invoices (company_id, status)", "invoices (entry_id)", "payments (invoice_id)",
    "bank_transactions (bank_account_id, reconciled)", "bank_transactions (journal_line_id)",
    "customers (company_id, name)", "vendors (company_id)", "bank_accounts (company_id)")

# Loaded by path under a name of its own: the workloads are not a package, and each
# has a build.py.
build = sibling(HERE / "build.py", "ledger_build")


def text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def day(value: dt.date) -> str:
    return text(value.isoformat())


class Company:
    """What a company's users know of it: its accounts, banks, customers and vendors."""

    def __init__(self) -> None:
        self.emails: list[tuple[int, str]] = []
        self.codes: dict[str, int] = {}
        self.income: list[int] = []
        self.expense: list[int] = []
        self.postable: list[int] = []
        self.banks: list[tuple[int, int]] = []  # (bank account, its ledger account)
        self.customers: list[tuple[int, str, int]] = []  # busiest first: id, name, terms
        self.vendors: list[tuple[int, str]] = []
        self.invoices = 1000  # the last invoice number, about


class Bookkeeper(LoggedClient):
    """Runs the sessions on one connection and keeps the statements it ran."""

    def __init__(self, connection: sqlite3.Connection, seed: int) -> None:
        super().__init__(connection)
        self.rng = random.Random(f"ledger-run/{seed}")
        self.now = build.NOW
        for number, columns in enumerate(RUN_INDEXES):
            connection.execute(f"CREATE INDEX run_{number} ON {columns}")
        self._pools()
        self.company, self.user = 0, 0
        self.books = Company()

    def _pools(self) -> None:
        """Who logs in and what they know, read once, unlogged; companies busiest first."""
        query = self.connection.execute
        self.companies: dict[int, Company] = defaultdict(Company)
        self.busy = Skewed([row[0] for row in query(
            "SELECT company_id FROM journal_entries GROUP BY company_id "
            "ORDER BY count(*) DESC, company_id")], build.COMPANY_SKEW)
        for company, user, email in query("SELECT company_id, id, email FROM users ORDER BY id"):
            self.companies[company].emails.append((user, email))
        for company, account, code, kind, header in query(
                "SELECT company_id, id, code, type, is_header FROM accounts WHERE is_active = 1 "
                "ORDER BY id"):
            books = self.companies[company]
            books.codes[code] = account
            if not header:
                books.postable.append(account)
                if kind == "income":
                    books.income.append(account)
                elif kind == "expense" and code not in ("6030", "6120"):
                    books.expense.append(account)
        for company, bank, account in query(
                "SELECT company_id, id, account_id FROM bank_accounts ORDER BY id"):
            self.companies[company].banks.append((bank, account))
        for company, customer, name, terms in query(
                "SELECT c.company_id, c.id, c.name, c.terms_days FROM customers c "
                "LEFT JOIN invoices i ON i.customer_id = c.id GROUP BY c.id "
                "ORDER BY count(i.id) DESC, c.id"):
            self.companies[company].customers.append((customer, name, terms))
        for company, vendor, name in query("SELECT company_id, id, name FROM vendors ORDER BY id"):
            self.companies[company].vendors.append((vendor, name))
        for company, last in query("SELECT company_id, count(*) FROM invoices GROUP BY company_id"):
            self.companies[company].invoices += last

    # --- values ----------------------------------------------------------------------

    def stamp(self) -> str:
        return text(build.stamp(self.now))

    @property
    def today(self) -> dt.date:
        return self.now.date()

    # --- choices -------------------------------------------------------------------

    def entry_day(self) -> dt.date:
        """The date a new document gets: today mostly, else a day of the last ten."""
        if self.rng.random() < 0.7:
            return self.today
        return self.today - dt.timedelta(days=self.rng.randint(1, 10))

    def customer(self) -> tuple[int, str, int]:
        customers = self.books.customers
        return customers[min(len(customers) - 1, int(self.rng.paretovariate(1.0)) - 1)] \
            if self.rng.random() < 0.7 else self.rng.choice(customers)

    def amount(self, median: int) -> int:
        return build.money(self.rng, median, 1.0)

    # --- the sessions ----------------------------------------------------------------

    def session(self, kind: str) -> None:
        """A user of a company (drawn with the data's skew) logs in, then does ``kind``."""
        self.now += dt.timedelta(seconds=self.rng.randint(5, 30))
        self.company = self.busy.draw(self.rng)
        self.books = self.companies[self.company]
        user, email = self.rng.choice(self.books.emails)
        self.run(f"SELECT id, company_id, name, role FROM users WHERE email = {text(email)}")
        self.user = user
        SESSIONS[kind](self)

    def dashboard(self) -> None:
        """Entries by status, overdue receivables, unreconciled bank lines, the cash
        balance, the latest entries; half the time this month's income and expenses."""
        company = self.company
        self.run(f"SELECT status, count(*) FROM journal_entries WHERE company_id = {company} "
                 "GROUP BY status")
        self.run("SELECT count(*), coalesce(sum(total), 0) FROM invoices "
                 f"WHERE company_id = {company} AND status IN ('sent', 'partial') "
                 f"AND due_date < {day(self.today)}")
        self.run("SELECT count(*) FROM bank_transactions t JOIN bank_accounts b "
                 f"ON b.id = t.bank_account_id WHERE b.company_id = {company} "
                 "AND t.reconciled = 0")
        self.run("SELECT coalesce(sum(l.debit), 0) - coalesce(sum(l.credit), 0) "
                 "FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id "
                 f"WHERE l.account_id = {self.books.banks[0][1]} AND e.status = 'posted'")
        self.run("SELECT id, entry_date, reference, description, status FROM journal_entries "
                 f"WHERE company_id = {company} ORDER BY created_at DESC LIMIT 10")
        if self.rng.random() < 0.5:
            self.run("SELECT a.type, sum(l.credit) - sum(l.debit) FROM journal_lines l "
                     "JOIN journal_entries e ON e.id = l.entry_id "
                     f"JOIN accounts a ON a.id = l.account_id WHERE e.company_id = {company} "
                     "AND e.status = 'posted' "
                     f"AND e.entry_date >= {day(self.today.replace(day=1))} "
                     "AND a.type IN ('income', 'expense') GROUP BY a.type")

    def journal(self) -> None:
        """The journal listed by status (newest first); then one of: a new entry keyed
        in and (mostly) posted, a listed draft posted, a listed entry voided, or one
        entry looked at."""
        status = self.rng.choices(("posted", "draft", None), (55, 30, 15))[0]
        where = f"company_id = {self.company}" + (f" AND status = {text(status)}" if status
                                                  else "")
        offset = f" OFFSET {PAGE}" if self.rng.random() < 0.15 else ""
        listed = self.run("SELECT id, entry_date, reference, description, source, status, "
                          f"created_at FROM journal_entries WHERE {where} "
                          f"ORDER BY created_at DESC LIMIT {PAGE}{offset}")
        action = self.rng.choices(("new", "post", "void", "view"), (55, 20, 8, 17))[0]
        drafts = [row for row in listed if row[5] == "draft"]
        posted = [row for row in listed if row[5] == "posted"]
        if action == "post" and drafts:
            self._view(drafts[0][0])
            self._post(drafts[0][0], dt.date.fromisoformat(drafts[0][1]))
        elif action == "void" and posted:
            self._void(self.rng.choice(posted))
        elif action == "view" and listed:
            self._view(self.rng.choice(listed)[0])
        else:
            self._new_entry()

    def _view(self, entry: int) -> None:
        self.run("SELECT id, entry_date, status, source, reference, description, created_by, "
                 f"created_at, posted_at FROM journal_entries WHERE id = {entry}")
        self.run("SELECT l.id, a.code, a.name, l.debit, l.credit, l.memo FROM journal_lines l "
                 f"JOIN accounts a ON a.id = l.account_id WHERE l.entry_id = {entry} "
                 "ORDER BY l.id")

    def _open(self, when: dt.date) -> bool:
        """Whether the period ``when`` falls in is open (postings are refused if not)."""
        found = self.run(f"SELECT id, status FROM periods WHERE company_id = {self.company} "
                         f"AND starts_on <= {day(when)} AND ends_on >= {day(when)}")
        return bool(found) and found[0][1] == "open"

    def _post(self, entry: int, when: dt.date) -> None:
        """Posting: the period must be open and the lines balance."""
        if not self._open(when):
            return
        debit, credit = self.run("SELECT coalesce(sum(debit), 0), coalesce(sum(credit), 0) "
                                 f"FROM journal_lines WHERE entry_id = {entry}")[0]
        if debit == credit:
            self.run(f"UPDATE journal_entries SET status = 'posted', posted_at = {self.stamp()} "
                     f"WHERE id = {entry} AND status = 'draft'")

    def _new_entry(self) -> None:
        """An adjustment keyed in as a draft (two to six lines), posted four times in
        five."""
        self.run("SELECT id, code, name, type FROM accounts "
                 f"WHERE company_id = {self.company} AND is_active = 1 AND is_header = 0 "
                 "ORDER BY code")
        when = self.entry_day()
        size = self.rng.choice((2, 2, 2, 3, 4, 5, 6))
        accounts = self.rng.sample(self.books.postable, size)
        debits = self.rng.randint(1, size - 1)
        total = self.amount(40_000)
        amounts = (build.split(self.rng, total, debits)
                   + build.split(self.rng, total, size - debits))
        reference = text(f"ADJ-{self.rng.randint(1, 9_999)}") if self.rng.random() < 0.6 \
            else "NULL"
        description = self.rng.choice(("Accrual", "Reclassification", "Prepayment release",
                                       "Correction", "Owner drawing", "Petty cash"))
        made: list[int] = []

        def key_in() -> None:
            made.append(self._entry(when, "manual", reference, description, posted=False))
            for index, (account, amount) in enumerate(zip(accounts, amounts, strict=True)):
                debit, credit = (amount, 0) if index < debits else (0, amount)
                self._line(made[0], account, debit, credit, "NULL")

        self.transaction(key_in)
        if self.rng.random() < 0.8:
            self._post(made[0], when)

    def _entry(self, when: dt.date, source: str, reference: str, description: str,
               posted: bool = True) -> int:
        """A new journal entry of the session's company by its user, posted now or a
        draft; ``reference`` is SQL (a quoted text, or NULL)."""
        columns, values = "", ""
        if posted:
            columns, values = ", posted_at", f", {self.stamp()}"
        return self.insert(
            "INSERT INTO journal_entries (company_id, entry_date, status, source, reference, "
            f"description, created_by, created_at{columns}) VALUES ({self.company}, {day(when)}, "
            f"{text('posted' if posted else 'draft')}, {text(source)}, {reference}, "
            f"{text(description)}, {self.user}, {self.stamp()}{values})")

    def _line(self, entry: int, account: int, debit: int, credit: int, memo: str) -> int:
        return self.insert("INSERT INTO journal_lines (entry_id, account_id, debit, credit, memo) "
                           f"VALUES ({entry}, {account}, {debit}, {credit}, {memo})")

    def _void(self, row: tuple) -> None:
        """Voiding a posted entry of an open period: an invoice's invoice is void too, and
        bank lines matched to it are unmatched."""
        entry, when, source = row[0], dt.date.fromisoformat(row[1]), row[4]
        if not self._open(when):
            return

        def void() -> None:
            self.run(f"UPDATE journal_entries SET status = 'void' WHERE id = {entry} "
                     "AND status = 'posted'")
            if source == "invoice":
                self.run(f"UPDATE invoices SET status = 'void' WHERE entry_id = {entry}")
            elif source in ("payment", "bank", "manual"):
                self.run("UPDATE bank_transactions SET reconciled = 0, journal_line_id = NULL "
                         "WHERE journal_line_id IN (SELECT id FROM journal_lines "
                         f"WHERE entry_id = {entry})")

        self.transaction(void)

    def invoice(self) -> None:
        """Find the customer by name, the next number, then the invoice, its lines, its
        entry (receivable debited, income and tax credited) in one transaction; a tenth
        are saved as drafts, without an entry. A third of the time the latest invoices
        are listed first."""
        company, books = self.company, self.books
        if self.rng.random() < 0.35:
            self.run("SELECT i.id, i.number, c.name, i.issue_date, i.due_date, i.total, "
                     "i.status FROM invoices i JOIN customers c ON c.id = i.customer_id "
                     f"WHERE i.company_id = {company} ORDER BY i.issue_date DESC, i.id DESC "
                     "LIMIT 25")
        customer, name, terms = self.customer()
        prefix = name[:self.rng.randint(2, 5)]
        self.run("SELECT id, name, email, terms_days FROM customers "
                 f"WHERE company_id = {company} AND name LIKE {text(prefix + '%')} "
                 "ORDER BY name LIMIT 20")
        last = self.run("SELECT max(CAST(substr(number, 5) AS INTEGER)) FROM invoices "
                        f"WHERE company_id = {company}")[0][0]
        number = f"INV-{(last or 1000) + 1}"
        issue = self.entry_day()
        lines = []
        for _ in range(self.rng.choices((1, 2, 3, 4), (45, 30, 15, 10))[0]):
            quantity = self.rng.choice((1, 1, 1, 2, 3, 5, 10))
            price = self.amount(9_000) // 100 * 100
            lines.append((self.rng.choice(books.income), self.rng.choice(build.ITEMS), quantity,
                          price))
        subtotal = sum(quantity * price for _, _, quantity, price in lines)
        tax = subtotal // 10 if self.rng.random() < 0.6 else 0
        draft = self.rng.random() < 0.1
        made: list[int] = []

        def raise_invoice() -> None:
            made.append(self.insert(
                "INSERT INTO invoices (company_id, customer_id, number, issue_date, due_date, "
                f"status, total, tax, created_at) VALUES ({company}, {customer}, {text(number)}, "
                f"{day(issue)}, {day(issue + dt.timedelta(days=terms))}, "
                f"{text('draft' if draft else 'sent')}, {subtotal + tax}, {tax}, {self.stamp()})"))
            for account, item, quantity, price in lines:
                self.insert("INSERT INTO invoice_lines (invoice_id, account_id, description, "
                            f"quantity, unit_price, amount) VALUES ({made[0]}, {account}, "
                            f"{text(item)}, {quantity}, {price}, {quantity * price})")
            if draft:
                return
            entry = self._entry(issue, "invoice", text(number), f"Invoice to {name} ({number})")
            self._line(entry, books.codes["1100"], subtotal + tax, 0, "NULL")
            for account, item, quantity, price in lines:
                self._line(entry, account, 0, quantity * price, text(item))
            if tax:
                self._line(entry, books.codes["2100"], 0, tax, "'Sales tax'")
            self.run(f"UPDATE invoices SET entry_id = {entry} WHERE id = {made[0]}")

        self.transaction(raise_invoice)
        self.run("SELECT i.number, i.issue_date, i.due_date, i.status, i.total, i.tax, c.name, "
                 "c.email FROM invoices i JOIN customers c ON c.id = i.customer_id "
                 f"WHERE i.id = {made[0]}")
        self.run("SELECT description, quantity, unit_price, amount FROM invoice_lines "
                 f"WHERE invoice_id = {made[0]} ORDER BY id")

    def payment(self) -> None:
        """The receive-payment screen: the customers with open invoices, then one
        customer's open invoices, oldest due first; one of them paid (in full, or in
        part) in one transaction: the entry (bank debited, receivable credited), the
        payment, the invoice's status."""
        owing = self.run(
            "SELECT c.id, c.name, count(*), sum(i.total) FROM invoices i JOIN customers c "
            f"ON c.id = i.customer_id WHERE i.company_id = {self.company} "
            "AND i.status IN ('sent', 'partial') GROUP BY c.id, c.name ORDER BY c.name")
        if not owing:
            return
        customer, name = self.rng.choice(owing)[:2]
        open_invoices = self.run(
            "SELECT id, number, issue_date, due_date, total, status FROM invoices "
            f"WHERE customer_id = {customer} AND status IN ('sent', 'partial') "
            "ORDER BY due_date, id")
        invoice, number = (open_invoices[0] if self.rng.random() < 0.6
                           else self.rng.choice(open_invoices))[:2]
        total = self.run(f"SELECT total FROM invoices WHERE id = {invoice}")[0][0]
        paid = self.run("SELECT coalesce(sum(amount), 0) FROM payments "
                        f"WHERE invoice_id = {invoice}")[0][0]
        due = total - paid
        if due <= 0:
            return
        amount = due
        if self.rng.random() < 0.15 and due >= 200:
            amount = due * self.rng.randint(2, 8) // 10
        ledger = self.books.banks[0][1]
        company = self.company
        when = self.entry_day()

        def record() -> None:
            entry = self._entry(when, "payment", text(f"PMT-{self.rng.randint(1, 99_999)}"),
                                f"Payment from {name} for {number}")
            self._line(entry, ledger, amount, 0, "NULL")
            self._line(entry, self.books.codes["1100"], 0, amount, "NULL")
            self.insert("INSERT INTO payments (company_id, invoice_id, paid_on, amount, method, "
                        f"entry_id, created_at) VALUES ({company}, {invoice}, {day(when)}, "
                        f"{amount}, {text(self.rng.choice(build.METHODS))}, {entry}, "
                        f"{self.stamp()})")
            status = "paid" if amount == due else "partial"
            self.run(f"UPDATE invoices SET status = '{status}' WHERE id = {invoice}")

        self.transaction(record)

    def bank_import(self) -> None:
        """The bank's feed for each of the company's accounts: the lines since the last
        one imported, in one transaction."""
        for bank, _ in self.books.banks:
            last = self.run("SELECT max(posted_on) FROM bank_transactions "
                            f"WHERE bank_account_id = {bank}")[0][0]
            since = dt.date.fromisoformat(last) if last else self.today - dt.timedelta(days=5)
            count = self.rng.randint(2, 10)

            def feed(bank: int = bank, since: dt.date = since, count: int = count) -> None:
                for _ in range(count):
                    posted = min(self.today - dt.timedelta(days=1),
                                 since + dt.timedelta(days=self.rng.randint(0, 3)))
                    money_in = self.rng.random() < 0.3
                    amount = self.amount(30_000 if money_in else 8_000)
                    vendor = self.rng.choice(self.books.vendors)[1].upper()
                    described = "DEPOSIT" if money_in else self.rng.choice(
                        (vendor, f"CARD {vendor}", "BANK FEE", f"DD {vendor}"))
                    self.insert(
                        "INSERT INTO bank_transactions (bank_account_id, external_id, posted_on, "
                        f"amount, description, reconciled, imported_at) VALUES ({bank}, "
                        f"{text(f'{bank}-{self.rng.getrandbits(48):012x}')}, {day(posted)}, "
                        f"{amount if money_in else -amount}, {text(described)}, 0, "
                        f"{self.stamp()})")

            self.transaction(feed)

    def reconcile(self) -> None:
        """A bank account's unmatched feed lines beside the ledger's bank lines no feed line
        is matched to (an anti-join: ``NOT IN`` the feed's matched lines); the lines that
        agree in amount and date are matched, and for a few of the rest an entry is made
        from the feed line (an expense, or other income) and matched at once."""
        bank, ledger = self.rng.choice(self.books.banks)
        waiting = self.run("SELECT id, posted_on, amount, description FROM bank_transactions "
                           f"WHERE bank_account_id = {bank} AND reconciled = 0 "
                           "ORDER BY posted_on, id LIMIT 100")
        since = self.today - dt.timedelta(days=60)
        open_lines = self.run(
            "SELECT l.id, e.entry_date, e.description, l.debit, l.credit FROM journal_lines l "
            f"JOIN journal_entries e ON e.id = l.entry_id WHERE l.account_id = {ledger} "
            f"AND e.status = 'posted' AND e.entry_date >= {day(since)} AND l.id NOT IN "
            f"(SELECT journal_line_id FROM bank_transactions WHERE bank_account_id = {bank} "
            "AND journal_line_id IS NOT NULL) ORDER BY e.entry_date, l.id")
        taken: set[int] = set()
        for line, posted_on, amount, described in waiting[:self.rng.randint(1, 6)]:
            posted = dt.date.fromisoformat(posted_on)
            match = next((row[0] for row in open_lines if row[0] not in taken
                          and row[3] - row[4] == amount
                          and abs((dt.date.fromisoformat(row[1]) - posted).days) <= 7), None)
            if match is not None:
                taken.add(match)
                self.run(f"UPDATE bank_transactions SET reconciled = 1, journal_line_id = {match} "
                         f"WHERE id = {line}")
            elif self.rng.random() < 0.6:
                self._from_feed(line, ledger, posted, amount, described)

    def _from_feed(self, line: int, ledger: int, posted: dt.date, amount: int,
                   described: str) -> None:
        """An entry made from a feed line: the bank against an expense (money out) or
        other income (money in), matched to the line in the same transaction."""
        other = (self.rng.choice(self.books.expense) if amount < 0
                 else self.books.codes.get("4030", self.books.income[0]))
        if not self._open(posted):
            return

        def categorise() -> None:
            entry = self._entry(posted, "bank", "NULL", described.title())
            self._line(entry, other, max(0, -amount), max(0, amount), "NULL")
            bank_line = self._line(entry, ledger, max(0, amount), max(0, -amount), "NULL")
            self.run(f"UPDATE bank_transactions SET reconciled = 1, journal_line_id = {bank_line} "
                     f"WHERE id = {line}")

        self.transaction(categorise)

    def report(self) -> None:
        """One of the reports: an account's ledger, the trial balance, profit and loss, a
        customer's statement, the receivables aging."""
        kind = self.rng.choices(("ledger", "trial", "profit", "statement", "aging"),
                                (34, 22, 12, 18, 14))[0]
        REPORTS[kind](self)

    def _ledger(self) -> None:
        """An account's ledger over a range (this year, the last 90 days, a month): the
        balance brought forward, then a page of its posted lines by date."""
        codes = self.books.codes
        account = self.rng.choices(
            (codes["1010"], codes["1100"], codes["4010"], self.rng.choice(self.books.expense),
             self.rng.choice(self.books.postable)), (30, 20, 15, 20, 15))[0]
        span = self.rng.choice(("year", "quarter", "month"))
        if span == "year":
            start = self.today.replace(month=1, day=1) - dt.timedelta(days=365) * \
                self.rng.randint(0, 1)
            end = start.replace(month=12, day=31)
        elif span == "quarter":
            start, end = self.today - dt.timedelta(days=90), self.today
        else:
            start = (self.today - dt.timedelta(days=30 * self.rng.randint(1, 12))).replace(day=1)
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        joined = ("FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id "
                  f"WHERE l.account_id = {account} AND e.status = 'posted'")
        self.run(f"SELECT coalesce(sum(l.debit - l.credit), 0) {joined} "
                 f"AND e.entry_date < {day(start)}")
        page = self.rng.choices((0, 1, 2), (70, 20, 10))[0]
        self.run(f"SELECT e.id, e.entry_date, e.reference, e.description, l.debit, l.credit, "
                 f"l.memo {joined} AND e.entry_date BETWEEN {day(start)} AND {day(end)} "
                 f"ORDER BY e.entry_date, e.id LIMIT {PAGE} OFFSET {page * PAGE}")

    def _trial_balance(self) -> None:
        """Debits and credits by account, posted entries up to a month's end (the last
        one, else one of the last year's) or today."""
        if self.rng.random() < 0.4:
            until = self.today
        else:
            month = (self.today - dt.timedelta(days=30 * self.rng.randint(0, 12))).replace(day=1)
            until = month - dt.timedelta(days=1)
        self.run("SELECT a.code, a.name, a.type, sum(l.debit), sum(l.credit) "
                 "FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id "
                 f"JOIN accounts a ON a.id = l.account_id WHERE e.company_id = {self.company} "
                 f"AND e.status = 'posted' AND e.entry_date <= {day(until)} "
                 "GROUP BY a.id, a.code, a.name, a.type ORDER BY a.code")

    def _profit_and_loss(self) -> None:
        """Income and expense accounts' movement over a month or a year."""
        if self.rng.random() < 0.5:
            start = (self.today - dt.timedelta(days=30 * self.rng.randint(1, 12))).replace(day=1)
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        else:
            start, end = dt.date(self.today.year - 1, 1, 1), dt.date(self.today.year - 1, 12, 31)
        self.run("SELECT a.type, a.code, a.name, sum(l.credit) - sum(l.debit) AS amount "
                 "FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id "
                 f"JOIN accounts a ON a.id = l.account_id WHERE e.company_id = {self.company} "
                 f"AND e.status = 'posted' AND e.entry_date BETWEEN {day(start)} AND {day(end)} "
                 "AND a.type IN ('income', 'expense') GROUP BY a.type, a.code, a.name "
                 "ORDER BY a.type, a.code")

    def _statement(self) -> None:
        """A customer's statement: its invoices and payments by date."""
        customer = self.customer()[0]
        self.run("SELECT id, name, email, terms_days FROM customers "
                 f"WHERE id = {customer}")
        self.run("SELECT 'invoice' AS kind, i.issue_date AS day, i.number, i.total AS amount "
                 f"FROM invoices i WHERE i.customer_id = {customer} "
                 "AND i.status NOT IN ('draft', 'void') UNION ALL "
                 "SELECT 'payment', p.paid_on, i.number, -p.amount FROM payments p "
                 f"JOIN invoices i ON i.id = p.invoice_id WHERE i.customer_id = {customer} "
                 "ORDER BY 2, 3")

    def _overdue(self) -> None:
        """The aging: sent invoices past their due date with no payment or payments short
        of their total, by how long overdue."""
        self.run("SELECT i.id, i.number, i.customer_id, i.due_date, i.total, "
                 f"julianday({day(self.today)}) - julianday(i.due_date) AS days_overdue "
                 f"FROM invoices i WHERE i.company_id = {self.company} "
                 f"AND i.status IN ('sent', 'partial') AND i.due_date < {day(self.today)} "
                 "AND (NOT EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id) "
                 "OR (SELECT sum(p.amount) FROM payments p WHERE p.invoice_id = i.id) < i.total) "
                 "ORDER BY i.due_date")

    def search(self) -> None:
        """Entries found by a reference's first characters (INV-12…), or now and then by a
        word of their description."""
        if self.rng.random() < 0.8:
            kind = self.rng.choices(("INV-", "PMT-", "BILL-", "ADJ-"), (60, 15, 15, 10))[0]
            number = (str(self.rng.randint(1001, max(1001, self.books.invoices)))
                      if kind == "INV-" else str(self.rng.randint(1, 99_999)))
            pattern = kind + number[:self.rng.randint(1, min(3, len(number)))] + "%"
            self.run("SELECT id, entry_date, reference, description, status FROM journal_entries "
                     f"WHERE company_id = {self.company} AND reference LIKE {text(pattern)} "
                     "ORDER BY entry_date DESC LIMIT 20")
        else:
            word = self.rng.choice(build.WORDS)
            self.run("SELECT id, entry_date, reference, description, status FROM journal_entries "
                     f"WHERE company_id = {self.company} AND description LIKE {text(f'%{word}%')} "
                     "ORDER BY entry_date DESC LIMIT 20")

    def close(self) -> None:
        """Closing the earliest open month: no draft dated in it, no bank line of it left
        unreconciled, its postings balanced; then the period closed."""
        periods = self.run("SELECT id, starts_on, ends_on, status FROM periods "
                           f"WHERE company_id = {self.company} ORDER BY starts_on DESC LIMIT 12")
        open_ones = [row for row in periods if row[3] == "open"]
        if not open_ones:
            return
        period, starts, ends, _ = open_ones[-1]
        if ends >= self.today.isoformat():
            return  # the month is not over
        within = f"BETWEEN {text(starts)} AND {text(ends)}"
        drafts = self.run("SELECT EXISTS (SELECT 1 FROM journal_entries "
                          f"WHERE company_id = {self.company} AND status = 'draft' "
                          f"AND entry_date {within})")[0][0]
        unmatched = self.run("SELECT count(*) FROM bank_transactions t JOIN bank_accounts b "
                             f"ON b.id = t.bank_account_id WHERE b.company_id = {self.company} "
                             f"AND t.reconciled = 0 AND t.posted_on {within}")[0][0]
        debit, credit = self.run(
            "SELECT coalesce(sum(l.debit), 0), coalesce(sum(l.credit), 0) FROM journal_lines l "
            f"JOIN journal_entries e ON e.id = l.entry_id WHERE e.company_id = {self.company} "
            f"AND e.status = 'posted' AND e.entry_date {within}")[0]
        if not drafts and not unmatched and debit == credit:
            self.run(f"UPDATE periods SET status = 'closed', closed_at = {self.stamp()}, "
                     f"closed_by = {self.user} WHERE id = {period} AND status = 'open'")


SESSIONS: dict[str, Callable[[Bookkeeper], None]] = {
    "dashboard": Bookkeeper.dashboard, "journal": Bookkeeper.journal,
    "invoice": Bookkeeper.invoice, "payment": Bookkeeper.payment,
    "import": Bookkeeper.bank_import, "reconcile": Bookkeeper.reconcile,
    "report": Bookkeeper.report, "search": Bookkeeper.search, "close": Bookkeeper.close}
REPORTS: dict[str, Callable[[Bookkeeper], None]] = {
    "ledger": Bookkeeper._ledger, "trial": Bookkeeper._trial_balance,
    "profit": Bookkeeper._profit_and_loss, "statement": Bookkeeper._statement,
    "aging": Bookkeeper._overdue}


def write_log(path: Path, database: Path, scale, sessions: int,
              seed: int = DEFAULT_SEED) -> int:
    """Run ``sessions`` sessions on a copy of ``database`` and write the log; returns the
    number of statements."""
    keeper = run_mix(database, lambda connection: Bookkeeper(connection, seed),
                     Bookkeeper.session, MIX, sessions)
    return write_sql_log(path, f"Accounting ledger, {scale.companies} companies, {sessions} "
                         f"sessions, seed {seed}: written by workloads/ledger/generate.py",
                         keeper.log)


def main() -> None:
    generate_command(sys.modules[__name__], build, "sessions", DEFAULT_SESSIONS, DEFAULT_SEED)


if __name__ == "__main__":
    main()
