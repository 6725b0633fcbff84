"""Build the accounting-ledger database: seeded, skewed, no secondary index.

    python workloads/ledger/build.py                   # prints the database's path
    python workloads/ledger/build.py --companies 12 --entries 1500

The database is made once and cached outside the repository:
``$ADVISOR_CACHE_DIR/workloads``, else ``$XDG_CACHE_HOME/advisor/workloads`` or
``~/.cache/advisor/workloads``, named ``ledger-c<C>-<hash>.sqlite`` where the
hash covers schema.sql, the scale, the seed and this builder's version.

What it holds (``Scale``): the books of many small companies kept by one
bookkeeping service, from ``START`` to the database's day (``NOW``). Each
company has a chart of accounts (``CHART``, and more income and expense
accounts the busier it is), a checking account at the bank (and a savings
account for two in five), users, customers and vendors. How many journal
entries a company has is drawn with Zipf weights, so a few companies own most
of the books. A company's activity is of three kinds: invoices (receivable
debited, income and sales tax credited; most paid later, by one or two
payments, each an entry of its own: bank debited, receivable credited),
expenses paid from the bank to a vendor, and manual journals (payroll,
depreciation, adjustments). Every entry balances. Money that moves through
the bank is on the bank's feed too (``bank_transactions``), matched to its
journal line once reconciled: nearly all of it before the open periods,
less and less of it after; a few recent bank lines have no entry yet. The
months before ``OPEN_FROM`` are closed; entries dated after it are a fifth
drafts; 1.5% of entries are void. Entry, line, invoice, payment and bank
line ids follow the order rows were made in (as an autoincrement gives them),
so a company's rows are spread through the tables among the others'. No
ANALYZE is run.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workloads/
from workload_scripts import Skewed, build_command, building, insert_rows, seeded_database

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "schema.sql"
BUILD_VERSION = 1  # bump when the same inputs would give other contents
DEFAULT_SEED = 17
START = dt.date(2023, 1, 1)  # the books' first day
NOW = dt.datetime(2026, 1, 12, 9, 0, 0)  # the database's day: a Monday morning
OPEN_FROM = dt.date(2025, 12, 1)  # periods from here on are open, earlier ones closed
COMPANY_SKEW = 1.05  # Zipf exponent of how many entries a company has
MIN_ENTRIES = 12  # the quietest company's entries, about
VOID_SHARE = 0.015  # of entries (and of invoices)
DRAFT_SHARE = 0.2  # of manual and expense entries dated in an open period

# The chart every company starts with: code, name, type, parent's code (None for a
# header account).
CHART = (
    ("1000", "Assets", "asset", None),
    ("1010", "Checking", "asset", "1000"),
    ("1020", "Savings", "asset", "1000"),
    ("1100", "Accounts receivable", "asset", "1000"),
    ("1200", "Inventory", "asset", "1000"),
    ("1300", "Prepaid expenses", "asset", "1000"),
    ("1500", "Equipment", "asset", "1000"),
    ("1510", "Accumulated depreciation", "asset", "1000"),
    ("2000", "Liabilities", "liability", None),
    ("2010", "Accounts payable", "liability", "2000"),
    ("2100", "Sales tax payable", "liability", "2000"),
    ("2200", "Payroll liabilities", "liability", "2000"),
    ("2300", "Credit card", "liability", "2000"),
    ("2500", "Loans", "liability", "2000"),
    ("3000", "Equity", "equity", None),
    ("3010", "Owner's capital", "equity", "3000"),
    ("3020", "Retained earnings", "equity", "3000"),
    ("4000", "Income", "income", None),
    ("4010", "Sales", "income", "4000"),
    ("4020", "Services", "income", "4000"),
    ("4030", "Other income", "income", "4000"),
    ("5000", "Cost of sales", "expense", None),
    ("5010", "Materials", "expense", "5000"),
    ("5020", "Subcontractors", "expense", "5000"),
    ("6000", "Expenses", "expense", None),
    ("6010", "Rent", "expense", "6000"),
    ("6020", "Utilities", "expense", "6000"),
    ("6030", "Salaries", "expense", "6000"),
    ("6040", "Software", "expense", "6000"),
    ("6050", "Travel", "expense", "6000"),
    ("6060", "Meals", "expense", "6000"),
    ("6070", "Office supplies", "expense", "6000"),
    ("6080", "Insurance", "expense", "6000"),
    ("6090", "Bank fees", "expense", "6000"),
    ("6100", "Professional fees", "expense", "6000"),
    ("6110", "Advertising", "expense", "6000"),
    ("6120", "Depreciation", "expense", "6000"),
    ("6130", "Telephone and internet", "expense", "6000"),
)
EXTRA_INCOME = ("Consulting", "Licences", "Maintenance contracts", "Training", "Rentals",
                "Commissions", "Subscriptions", "Workshops")
EXTRA_EXPENSE = ("Vehicle", "Fuel", "Repairs", "Cleaning", "Postage", "Training", "Dues",
                 "Hosting", "Contractors", "Freight", "Packaging", "Licences", "Events",
                 "Recruiting", "Security", "Equipment hire", "Printing", "Parking")
WORDS = ("Acme", "Blue", "Cedar", "Delta", "Eagle", "Fjord", "Granite", "Harbor", "Iris",
         "Juniper", "Kestrel", "Lumen", "Maple", "North", "Oak", "Pine", "Quarry", "River",
         "Summit", "Tidal", "Union", "Vale", "Willow", "Yarrow", "Zenith", "Amber", "Birch",
         "Copper", "Dune", "Ember")
TRADES = ("Bakery", "Studio", "Consulting", "Builders", "Garage", "Dental", "Florist",
          "Logistics", "Design", "Plumbing", "Cafe", "Books", "Electric", "Fitness", "Labs")
SUFFIXES = ("Ltd", "LLC", "Inc", "GmbH", "& Co", "Group", "Partners", "SARL")
FIRST_NAMES = ("Ada", "Ben", "Carla", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo",
               "Kemal", "Lea", "Mo", "Nina", "Omar", "Pia", "Quinn", "Rosa", "Sven", "Tara")
LAST_NAMES = ("Adler", "Brandt", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Horvat",
              "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "Olsen", "Petrov",
              "Rossi", "Silva", "Weber", "Young")
COUNTRIES = (("US", "USD", 0.0), ("GB", "GBP", 0.2), ("DE", "EUR", 0.19), ("FR", "EUR", 0.2),
             ("NL", "EUR", 0.21), ("CA", "CAD", 0.05), ("AU", "AUD", 0.1), ("IE", "EUR", 0.23))
ITEMS = ("Consulting hours", "Design work", "Monthly retainer", "Installation", "Support plan",
         "Materials", "Delivery", "Workshop seat", "Repair", "Licence")
METHODS = ("transfer", "transfer", "transfer", "card", "card", "cheque", "cash")
TERMS = ((14, 30), (30, 55), (60, 15))  # payment terms in days, weight
LINES_PER_INVOICE = ((1, 45), (2, 30), (3, 15), (4, 10))


@dataclass(frozen=True)
class Scale:
    companies: int = 3_000
    entries: int = 350_000  # journal entries over all companies, about


TINY = Scale(companies=12, entries=1_500)


def database(scale: Scale = Scale(), seed: int = DEFAULT_SEED, folder: Path | None = None,
             log=print) -> Path:
    """The database at ``scale``: the cached one, or built now."""
    return seeded_database("ledger", f"c{scale.companies}", BUILD_VERSION, SCHEMA, build, scale,
                           seed, folder, log)


# --- values --------------------------------------------------------------------------


def stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S")


def at(day: dt.date, rng: random.Random, first_hour: int = 8, last_hour: int = 18) -> dt.datetime:
    """A moment of office hours on ``day``."""
    return dt.datetime.combine(day, dt.time(rng.randint(first_hour, last_hour),
                                            rng.randrange(60), rng.randrange(60)))


def money(rng: random.Random, median_cents: int, sigma: float) -> int:
    """An amount in cents, log-normal around ``median_cents``, at least a dollar."""
    return max(100, int(rng.lognormvariate(math.log(median_cents), sigma)))


def split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` (at least ``parts``) in ``parts`` positive amounts that add up to it."""
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def company_name(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)} {rng.choice(TRADES)} {rng.choice(SUFFIXES)}"


# --- rows ------------------------------------------------------------------------------


class Entry:
    """A journal entry being made: its lines are [account, debit, credit, memo]."""

    __slots__ = ("company", "created", "date", "description", "first_line", "id", "lines",
                 "posted", "reference", "source", "status", "user", "vendor")

    def __init__(self, company: int, date: dt.date, created: dt.datetime, source: str,
                 description: str, user: int, lines: list[list], vendor: int | None = None,
                 status: str = "posted") -> None:
        self.company, self.date, self.created, self.source = company, date, created, source
        self.description, self.user, self.lines, self.vendor = description, user, lines, vendor
        self.status = status
        self.reference: str | None = None
        self.posted: dt.datetime | None = None
        self.id = self.first_line = 0


class Invoice:
    __slots__ = ("company", "customer", "due", "entry", "id", "issue", "lines", "number",
                 "status", "tax", "total")

    def __init__(self, company: int, customer: int, issue: dt.date, due: dt.date,
                 lines: list[tuple], tax: int) -> None:
        self.company, self.customer, self.issue, self.due = company, customer, issue, due
        self.lines, self.tax = lines, tax
        self.total = sum(line[4] for line in lines) + tax
        self.status, self.number, self.id = "sent", "", 0
        self.entry: Entry | None = None


class Payment:
    __slots__ = ("amount", "entry", "id", "invoice", "method", "paid_on")

    def __init__(self, invoice: Invoice, paid_on: dt.date, amount: int, method: str,
                 entry: Entry) -> None:
        self.invoice, self.paid_on, self.amount, self.method = invoice, paid_on, amount, method
        self.entry = entry
        self.id = 0


class BankLine:
    """A line of the bank's feed; ``entry`` and ``line`` the journal line it records."""

    __slots__ = ("amount", "bank", "description", "entry", "line", "posted_on", "reconciled")

    def __init__(self, bank: int, posted_on: dt.date, amount: int, description: str,
                 entry: Entry | None, line: int, reconciled: bool) -> None:
        self.bank, self.posted_on, self.amount, self.description = bank, posted_on, amount, \
            description
        self.entry, self.line, self.reconciled = entry, line, reconciled


@dataclass
class Books:
    """What the builder made, in the order it made it (ids come from sorting later)."""

    entries: list[Entry]
    invoices: list[Invoice]
    payments: list[Payment]
    bank_lines: list[BankLine]


class Company:
    """One company's master data (ids already given) and how it draws its counterparts."""

    def __init__(self, ident: int, entries: int, tax_rate: float, accounts: dict[str, int],
                 income: list[int], expense: list[int], banks: list[tuple[int, int]],
                 users: list[int], customers: list[tuple[int, str, int, int]],
                 vendors: list[tuple[int, str, int, int]], first_day: dt.date) -> None:
        self.id, self.entries, self.tax_rate = ident, entries, tax_rate
        self.accounts, self.income, self.expense, self.banks = accounts, income, expense, banks
        self.users, self.customers, self.vendors = users, customers, vendors
        self.first_day = first_day
        self.customer_draw = Skewed(range(len(customers)), 0.8)
        self.vendor_draw = Skewed(range(len(vendors)), 0.9)
        self.user_draw = Skewed(range(len(users)), 1.0)

    def bank(self, rng: random.Random) -> tuple[int, int]:
        """(bank account, its ledger account): checking mostly."""
        return self.banks[1] if len(self.banks) > 1 and rng.random() < 0.15 else self.banks[0]


def build(path: Path, scale: Scale, seed: int = DEFAULT_SEED, log=print) -> None:
    rng = random.Random(f"ledger-build/{seed}")
    with building(path, SCHEMA, "ledger", log) as connection:
        companies = _master_data(connection, rng, scale)
        books = Books([], [], [], [])
        for company in companies:
            _activity(rng, company, books)
        _insert_books(connection, rng, books)
        insert_rows(connection, "periods", _periods(rng, companies))


def _master_data(connection, rng: random.Random, scale: Scale) -> list[Company]:
    """Companies, their users, charts, bank accounts, customers and vendors; returns the
    companies with how many entries each is to have."""
    busy = list(range(1, scale.companies + 1))
    rng.shuffle(busy)  # how busy a company is has nothing to do with its id
    weights = [1 / rank**COMPANY_SKEW for rank in range(1, scale.companies + 1)]
    total = sum(weights)
    entries = {company: max(MIN_ENTRIES, round(scale.entries * weight / total))
               for company, weight in zip(busy, weights, strict=True)}
    rows: dict[str, list[tuple]] = {table: [] for table in (
        "companies", "users", "accounts", "bank_accounts", "customers", "vendors")}
    companies = []
    span = (NOW.date() - START).days
    for ident in range(1, scale.companies + 1):
        count = entries[ident]
        # Companies signed up in the order of their ids, half before the books' first day.
        signed = START + dt.timedelta(days=(ident - 1) * span * 0.9 / scale.companies
                                      - span * 0.45)
        first_day = max(START, signed)
        country, currency, tax = rng.choice(COUNTRIES)
        plan = "pro" if count > 2_000 else rng.choice(("free", "starter", "starter", "pro"))
        rows["companies"].append((ident, company_name(rng), country, currency, plan,
                                  stamp(at(signed, rng))))
        users = []
        for _ in range(1 + min(14, count // 500) + rng.randint(0, 1)):
            user = len(rows["users"]) + 1
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            role = "owner" if not users else rng.choice(("accountant", "clerk", "clerk"))
            email = f"{first.lower()}.{last.lower()}.{user}@books.example"
            rows["users"].append((user, ident, email, f"{first} {last}", role,
                                  stamp(at(signed, rng))))
            users.append(user)
        accounts, income, expense = _chart(rows["accounts"], rng, ident, count)
        banks = [(len(rows["bank_accounts"]) + 1, accounts["1010"])]
        rows["bank_accounts"].append((banks[0][0], ident, accounts["1010"], "Checking",
                                      f"{rng.randrange(10_000):04d}"))
        if rng.random() < 0.4:
            banks.append((len(rows["bank_accounts"]) + 1, accounts["1020"]))
            rows["bank_accounts"].append((banks[1][0], ident, accounts["1020"], "Savings",
                                          f"{rng.randrange(10_000):04d}"))
        customers = _counterparts(rows["customers"], rng, ident, max(3, count // 8), signed,
                                  income, customers=True)
        vendors = _counterparts(rows["vendors"], rng, ident, max(3, count // 18), signed,
                                expense, customers=False)
        companies.append(Company(ident, count, tax, accounts, income, expense, banks, users,
                                 customers, vendors, first_day))
    for table, table_rows in rows.items():
        insert_rows(connection, table, table_rows)
    return companies


def _chart(rows: list[tuple], rng: random.Random, company: int,
           entries: int) -> tuple[dict[str, int], list[int], list[int]]:
    """The company's chart: CHART, and more income and expense accounts the busier it
    is. Returns code -> id, and the ids of income and expense accounts lines may use."""
    accounts: dict[str, int] = {}
    chart = list(CHART)
    extra = min(len(EXTRA_EXPENSE), entries // 300)
    for number, name in enumerate(rng.sample(EXTRA_INCOME, min(len(EXTRA_INCOME), extra // 2))):
        chart.append((f"{4100 + 10 * number}", name, "income", "4000"))
    for number, name in enumerate(rng.sample(EXTRA_EXPENSE, extra)):
        chart.append((f"{6200 + 10 * number}", name, "expense", "6000"))
    income, expense = [], []
    for code, name, kind, parent in chart:
        ident = len(rows) + 1
        accounts[code] = ident
        active = 0 if code in ("1200", "2500") and rng.random() < 0.5 else 1
        rows.append((ident, company, code, name, kind,
                     accounts[parent] if parent else None, 0 if parent else 1, active))
        if parent and kind == "income" and code != "4030":
            income.append(ident)
        elif parent and kind == "expense" and code not in ("6030", "6120"):
            expense.append(ident)
    return accounts, income, expense


def _counterparts(rows: list[tuple], rng: random.Random, company: int, count: int,
                  signed: dt.date, accounts: list[int],
                  customers: bool) -> list[tuple[int, str, int, int]]:
    """Customers or vendors: (id, name, their account: the income a customer is billed
    under, the expense a vendor is paid for; a customer's payment terms in days)."""
    made = []
    terms, weights = zip(*TERMS, strict=True)
    for _ in range(count):
        ident = len(rows) + 1
        name = company_name(rng)
        email = f"accounts{ident}@{name.split()[0].lower()}.example" if rng.random() < 0.8 \
            else None
        created = stamp(at(signed + dt.timedelta(days=rng.randrange(60)), rng))
        if customers:
            rows.append((ident, company, name, email, rng.choices(terms, weights)[0], created))
        else:
            rows.append((ident, company, name, email, created))
        made.append((ident, name, rng.choice(accounts), rows[-1][4] if customers else 0))
    return made


def _activity(rng: random.Random, company: Company, books: Books) -> None:
    """The company's invoices (and their payments), expenses and manual journals, until
    it has about its number of entries."""
    days = (NOW.date() - company.first_day).days
    made = 0
    while made < company.entries:
        day = company.first_day + dt.timedelta(days=rng.randrange(days))
        kind = rng.choices(("invoice", "expense", "manual"), (38, 42, 20))[0]
        if kind == "invoice":
            made += _invoice(rng, company, day, books)
        elif kind == "expense":
            made += _expense(rng, company, day, books)
        else:
            made += _manual(rng, company, day, books)


def _created(rng: random.Random, day: dt.date) -> dt.datetime:
    """When an entry dated ``day`` was keyed in: that day mostly, some days later."""
    when = at(day, rng)
    if rng.random() < 0.15:
        when += dt.timedelta(days=rng.randint(1, 10))
    return min(when, NOW - dt.timedelta(minutes=rng.randint(1, 600)))


def _status(rng: random.Random, entry: Entry) -> None:
    """Draft (only in an open period), void or posted."""
    if entry.date >= OPEN_FROM and rng.random() < DRAFT_SHARE:
        entry.status = "draft"
        return
    entry.status = "void" if rng.random() < VOID_SHARE else "posted"
    entry.posted = min(NOW, entry.created + dt.timedelta(minutes=rng.randint(0, 600)))


def _bank_line(rng: random.Random, books: Books, bank: int, entry: Entry, line: int,
               text: str) -> None:
    """The feed's line for the entry's line on the bank's account, if the bank has it
    yet; reconciled (matched) nearly always before the open periods."""
    posted_on = entry.date + dt.timedelta(days=rng.randint(0, 3))
    if posted_on >= NOW.date():
        return
    debit, credit = entry.lines[line][1], entry.lines[line][2]
    share = 0.997 if posted_on < OPEN_FROM else 0.75 if posted_on.month == 12 else 0.2
    books.bank_lines.append(BankLine(bank, posted_on, debit - credit, text, entry, line,
                                     rng.random() < share))


def _invoice(rng: random.Random, company: Company, issue: dt.date, books: Books) -> int:
    """An invoice, its entry and its payments; returns how many entries they made."""
    customer, name, usual, terms = company.customers[company.customer_draw.draw(rng)]
    sizes, weights = zip(*LINES_PER_INVOICE, strict=True)
    lines = []
    for _ in range(rng.choices(sizes, weights)[0]):
        quantity = rng.choice((1, 1, 1, 2, 3, 5, 10, 20))
        price = money(rng, 9_000, 0.9) // 100 * 100
        account = usual if rng.random() < 0.7 else rng.choice(company.income)
        lines.append((account, rng.choice(ITEMS), quantity, price, quantity * price))
    tax = round(sum(line[4] for line in lines) * company.tax_rate)
    invoice = Invoice(company.id, customer, issue, issue + dt.timedelta(days=terms), lines, tax)
    books.invoices.append(invoice)
    if issue >= NOW.date() - dt.timedelta(days=7) and rng.random() < 0.15:
        invoice.status = "draft"  # not sent yet: no entry
        return 0
    user = company.users[company.user_draw.draw(rng)]
    entry_lines = [[company.accounts["1100"], invoice.total, 0, None]]
    entry_lines += [[account, 0, amount, description if rng.random() < 0.5 else None]
                    for account, description, _, _, amount in lines]
    if tax:
        entry_lines.append([company.accounts["2100"], 0, tax, "Sales tax"])
    entry = Entry(company.id, issue, _created(rng, issue), "invoice", f"Invoice to {name}", user,
                  entry_lines)
    entry.status, entry.posted = "posted", entry.created
    invoice.entry = entry
    books.entries.append(entry)
    if rng.random() < VOID_SHARE:
        invoice.status = entry.status = "void"
        return 1
    return 1 + _payments(rng, company, invoice, name, books)


def _payments(rng: random.Random, company: Company, invoice: Invoice, name: str,
              books: Books) -> int:
    """The customer pays around the due date, sometimes in two parts, now and then never
    (3%); invoice's status follows. Returns how many entries."""
    if rng.random() < 0.03:
        return 0
    first = invoice.due + dt.timedelta(days=int(rng.gauss(0, 12)))
    first = max(first, invoice.issue + dt.timedelta(days=1))
    parts = [(first, invoice.total)]
    if rng.random() < 0.12:
        part = invoice.total * rng.randint(30, 70) // 100
        parts = [(first, part), (first + dt.timedelta(days=rng.randint(15, 45)),
                                 invoice.total - part)]
    made = paid = 0
    for day, amount in parts:
        if day >= NOW.date():
            break
        bank, ledger = company.bank(rng)
        user = company.users[company.user_draw.draw(rng)]
        entry = Entry(company.id, day, _created(rng, day), "payment", f"Payment from {name}",
                      user, [[ledger, amount, 0, None],
                             [company.accounts["1100"], 0, amount, None]])
        entry.posted = entry.created
        books.entries.append(entry)
        books.payments.append(Payment(invoice, day, amount, rng.choice(METHODS), entry))
        _bank_line(rng, books, bank, entry, 0, f"{name.upper()} PAYMENT")
        made += 1
        paid += amount
    invoice.status = "paid" if paid == invoice.total else "partial" if paid else "sent"
    return made


def _expense(rng: random.Random, company: Company, day: dt.date, books: Books) -> int:
    """A vendor paid from the bank: one to three expense lines, the bank credited."""
    vendor, name, usual, _ = company.vendors[company.vendor_draw.draw(rng)]
    total = money(rng, 18_000, 1.1)
    accounts = [usual] + [rng.choice(company.expense)
                          for _ in range(rng.choices((0, 1, 2), (70, 20, 10))[0])]
    bank, ledger = company.bank(rng)
    lines = [[account, amount, 0, None if rng.random() < 0.6 else f"{name} {day:%b %Y}"]
             for account, amount in zip(accounts, split(rng, total, len(accounts)),
                                        strict=True)]
    lines.append([ledger, 0, total, None])
    user = company.users[company.user_draw.draw(rng)]
    entry = Entry(company.id, day, _created(rng, day), "bank", f"Paid {name}", user, lines,
                  vendor)
    _status(rng, entry)
    books.entries.append(entry)
    if entry.status == "posted":
        _bank_line(rng, books, bank, entry, len(lines) - 1, name.upper())
    return 1


def _manual(rng: random.Random, company: Company, day: dt.date, books: Books) -> int:
    """Payroll (salaries, paid from the bank and owed to the tax office), depreciation, or
    an adjustment between two to six accounts."""
    accounts = company.accounts
    user = company.users[0] if rng.random() < 0.5 else company.users[-1]
    kind = rng.choices(("payroll", "depreciation", "adjustment"), (40, 20, 40))[0]
    bank, ledger = company.bank(rng)
    if kind == "payroll":
        gross = money(rng, 400_000, 0.6)
        withheld = gross * rng.randint(15, 30) // 100
        lines = [[accounts["6030"], gross, 0, f"Payroll {day:%Y-%m}"],
                 [ledger, 0, gross - withheld, None],
                 [accounts["2200"], 0, withheld, "Withholding"]]
        description = f"Payroll {day:%B %Y}"
    elif kind == "depreciation":
        amount = money(rng, 25_000, 0.7)
        lines = [[accounts["6120"], amount, 0, None], [accounts["1510"], 0, amount, None]]
        description = f"Depreciation {day:%B %Y}"
    else:
        chart = [*company.income, *company.expense, *(accounts[code] for code in (
            "1010", "1100", "1300", "1500", "2010", "2100", "2300", "3010", "3020"))]
        size = rng.choice((2, 2, 2, 3, 4, 5, 6))
        debits = rng.randint(1, size - 1)
        total = money(rng, 50_000, 1.2)
        picked = rng.sample(chart, size)
        lines = [[account, amount, 0, None] for account, amount in
                 zip(picked[:debits], split(rng, total, debits), strict=True)]
        lines += [[account, 0, amount, rng.choice((None, None, "Reclass", "Accrual"))]
                  for account, amount in zip(picked[debits:], split(rng, total, size - debits),
                                             strict=True)]
        description = rng.choice(("Accrual", "Reclassification", "Prepayment release",
                                  "Year-end adjustment", "Owner contribution", "Correction"))
    entry = Entry(company.id, day, _created(rng, day), "manual", description, user, lines)
    _status(rng, entry)
    books.entries.append(entry)
    if kind == "payroll" and entry.status == "posted":
        _bank_line(rng, books, bank, entry, 1, "PAYROLL")
    return 1


def _insert_books(connection, rng: random.Random, books: Books) -> None:
    """Ids in the order rows were made (entries by when they were keyed in, invoices by
    issue, payments and bank lines by date), documents numbered per company in order; then
    every row inserted."""
    books.entries.sort(key=lambda entry: entry.created)
    line = 0
    numbers: dict[tuple[int, str], int] = {}
    for number, entry in enumerate(books.entries, 1):
        entry.id, entry.first_line = number, line + 1
        line += len(entry.lines)
        if entry.source == "manual":
            key = (entry.company, "JE")
            numbers[key] = numbers.get(key, 0) + 1
            entry.reference = f"JE-{numbers[key]}"
    books.invoices.sort(key=lambda invoice: invoice.issue)
    for number, invoice in enumerate(books.invoices, 1):
        key = (invoice.company, "INV")
        numbers[key] = numbers.get(key, 1000) + 1
        invoice.id, invoice.number = number, f"INV-{numbers[key]}"
        if invoice.entry is not None:
            invoice.entry.reference = invoice.number
            invoice.entry.description += f" ({invoice.number})"
    books.payments.sort(key=lambda payment: payment.paid_on)
    for number, payment in enumerate(books.payments, 1):
        key = (payment.invoice.company, "PMT")
        numbers[key] = numbers.get(key, 0) + 1
        payment.id = number
        payment.entry.reference = f"PMT-{numbers[key]}"
        payment.entry.description += f" for {payment.invoice.number}"
    for entry in books.entries:
        if entry.source == "bank" and rng.random() < 0.5:
            entry.reference = f"BILL-{rng.randint(100, 99_999)}"
    insert_rows(connection, "journal_entries", (
        (e.id, e.company, e.date.isoformat(), e.status, e.source, e.reference, e.description,
         e.vendor, e.user, stamp(e.created), stamp(e.posted) if e.posted else None)
        for e in books.entries))
    insert_rows(connection, "journal_lines", (
        (e.first_line + offset, e.id, account, debit, credit, memo)
        for e in books.entries for offset, (account, debit, credit, memo) in enumerate(e.lines)))
    insert_rows(connection, "invoices", (
        (i.id, i.company, i.customer, i.number, i.issue.isoformat(),
         i.due.isoformat(), i.status, i.total, i.tax, i.entry.id if i.entry else None,
         stamp(i.entry.created if i.entry else at(i.issue, rng)))
        for i in books.invoices))
    insert_rows(connection, "invoice_lines", _invoice_lines(books.invoices))
    insert_rows(connection, "payments", (
        (p.id, p.invoice.company, p.invoice.id, p.paid_on.isoformat(), p.amount, p.method,
         p.entry.id, stamp(p.entry.created)) for p in books.payments))
    insert_rows(connection, "bank_transactions", _bank_rows(rng, books))


def _invoice_lines(invoices: list[Invoice]) -> Iterator[tuple]:
    number = 0
    for invoice in invoices:
        for account, description, quantity, price, amount in invoice.lines:
            number += 1
            yield number, invoice.id, account, description, quantity, price, amount


def _bank_rows(rng: random.Random, books: Books) -> Iterator[tuple]:
    """The feed's lines by date, each imported the next morning, with the bank's own id;
    then, for the latest days, a few the books have no entry for yet (fees, card
    purchases)."""
    for bank in sorted({line.bank for line in books.bank_lines}):
        for _ in range(rng.choice((0, 0, 0, 1, 2))):
            day = NOW.date() - dt.timedelta(days=rng.randint(1, 20))
            books.bank_lines.append(BankLine(bank, day, -money(rng, 2_500, 1.0),
                                             rng.choice(("BANK FEE", "CARD PURCHASE",
                                                         "DIRECT DEBIT")), None, 0, False))
    books.bank_lines.sort(key=lambda line: line.posted_on)
    for number, line in enumerate(books.bank_lines, 1):
        matched = line.entry.first_line + line.line if line.entry and line.reconciled else None
        imported = dt.datetime.combine(line.posted_on + dt.timedelta(days=1),
                                       dt.time(6, rng.randrange(60), rng.randrange(60)))
        yield (number, line.bank, f"{line.bank}-{number:08d}-{rng.getrandbits(24):06x}",
               line.posted_on.isoformat(), line.amount, line.description,
               1 if line.reconciled else 0, matched, stamp(imported))


def _periods(rng: random.Random, companies: list[Company]) -> Iterator[tuple]:
    """A month a period from each company's first month to the database's: closed before
    ``OPEN_FROM`` (by its owner, a week or two after the month's end), open after."""
    number = 0
    for company in companies:
        month = company.first_day.replace(day=1)
        while month <= NOW.date():
            following = (month + dt.timedelta(days=32)).replace(day=1)
            ends = following - dt.timedelta(days=1)
            number += 1
            if month < OPEN_FROM:
                closed = at(following + dt.timedelta(days=rng.randint(5, 20)), rng)
                yield (number, company.id, month.isoformat(), ends.isoformat(), "closed",
                       stamp(closed), company.users[0])
            else:
                yield number, company.id, month.isoformat(), ends.isoformat(), "open", None, None
            month = following


def main() -> None:
    build_command(sys.modules[__name__])


if __name__ == "__main__":
    main()
