"""Build the TPC-C-like database: seeded, scaled down, a few hot warehouses.

    python workloads/tpcc/build.py                 # prints the database's path
    python workloads/tpcc/build.py --warehouses 2 --customers 30 --items 200

The database is made once and cached outside the repository:
``$ADVISOR_CACHE_DIR/workloads``, else ``$XDG_CACHE_HOME/advisor/workloads`` or
``~/.cache/advisor/workloads``, named ``tpcc-w<W>-<hash>.sqlite`` where the
hash covers schema.sql, the scale, the seed and this builder's version.

Populated after TPC-C's clause 4.3, scaled down (``Scale``): per warehouse
``districts`` districts of ``customers`` customers, stock for every one of
``items`` items, ``orders`` orders per district (customers in turn, in a
shuffled order). The first ``hot`` warehouses are the busy ones: their
districts hold ``hot_orders`` times the order history of the others (the
transaction log sends them most of the traffic too, see generate.py). Every
customer has a history row; orders have 5 to 15 lines; the newest 30% of each
district's orders are undelivered (in new_order, no carrier); c_data is 100 to
200 characters (TPC-C: 300 to 500). Last names are
TPC-C's syllables: the first ``customers // 3`` customers of a district take
the name numbers in turn, the rest are drawn with NURand, so a last name
names three customers on average. No ANALYZE is run.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workloads/
from workload_scripts import build_command, building, insert_rows, seeded_database

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "schema.sql"
BUILD_VERSION = 1  # bump when the same inputs would give other contents
DEFAULT_SEED = 7
SYLLABLES = ("BAR", "OUGHT", "ABLE", "PRI", "PRES", "ESE", "ANTI", "CALLY", "ATION", "EING")
HISTORY_START = dt.datetime(2026, 2, 1, 8, 0, 0)  # the loaded orders' dates begin here
UNDELIVERED_SHARE = 0.3  # newest orders of each district still in new_order
ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Scale:
    warehouses: int = 8
    districts: int = 10  # per warehouse
    customers: int = 1000  # per district (TPC-C: 3,000)
    orders: int = 300  # loaded per district of a warehouse that is not hot (TPC-C: 3,000)
    items: int = 10_000  # (TPC-C: 100,000)
    hot: int = 2  # the first ``hot`` warehouses are the busy ones
    hot_orders: int = 3  # their order history, as a multiple of the others'

    @property
    def last_names(self) -> int:
        """How many last names a district's customers share (TPC-C: 1,000 for 3,000)."""
        return max(1, min(1000, self.customers // 3))

    def orders_in(self, warehouse: int) -> int:
        """Orders loaded per district of ``warehouse``."""
        return self.orders * (self.hot_orders if warehouse <= self.hot else 1)


TINY = Scale(warehouses=2, districts=3, customers=30, orders=20, items=200, hot=1)


def database(scale: Scale = Scale(), seed: int = DEFAULT_SEED, folder: Path | None = None,
             log=print) -> Path:
    """The database at ``scale``: the cached one, or built now."""
    return seeded_database("tpcc", f"w{scale.warehouses}", BUILD_VERSION, SCHEMA, build, scale,
                           seed, folder, log)


# --- values --------------------------------------------------------------------------


def last_name(number: int) -> str:
    """TPC-C's last name for a number 0..999: three syllables by its digits."""
    return "".join(SYLLABLES[int(digit)] for digit in f"{number:03d}")


def nurand(rng: random.Random, a: int, low: int, high: int, c: int) -> int:
    """TPC-C's non-uniform random number (clause 2.1.6)."""
    return (((rng.randint(0, a) | rng.randint(low, high)) + c) % (high - low + 1)) + low


def nurand_a(span: int) -> int:
    """NURand's A for a range of ``span`` values, scaled as TPC-C's (255 for 1,000
    names, 1,023 for 3,000 customers, 8,191 for 100,000 items): a power of two less
    one, about a quarter to a twelfth of the span."""
    a = 1
    while (a + 1) * 2 <= max(1, span // 4):
        a = a * 2 + 1
    return a


def astring(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choices(ALNUM, k=rng.randint(low, high)))


def data_text(rng: random.Random, low: int, high: int) -> str:
    """i_data / s_data: 10% of them hold ORIGINAL somewhere."""
    value = astring(rng, low, high)
    if rng.random() < 0.1:
        at = rng.randint(0, len(value) - 8)
        value = value[:at] + "ORIGINAL" + value[at + 8:]
    return value


def address(rng: random.Random) -> tuple[str, str, str, str, str]:
    return (astring(rng, 10, 20), astring(rng, 10, 20), astring(rng, 10, 20),
            "".join(rng.choices(string.ascii_uppercase, k=2)),
            f"{rng.randint(0, 9999):04d}11111")


def stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S")


# --- rows ------------------------------------------------------------------------------


def build(path: Path, scale: Scale, seed: int = DEFAULT_SEED, log=print) -> None:
    rng = random.Random(f"tpcc-build/{seed}")
    with building(path, SCHEMA, "tpcc", log) as connection:
        name_c = rng.randint(0, 255)
        insert_rows(connection, "item", _items(rng, scale))
        insert_rows(connection, "warehouse", _warehouses(rng, scale))
        insert_rows(connection, "district", _districts(rng, scale))
        insert_rows(connection, "stock", _stock(rng, scale))
        insert_rows(connection, "customer", _customers(rng, scale, name_c))
        insert_rows(connection, "history", _history(scale))
        for orders, lines, new in _orders(rng, scale):  # a district at a time
            insert_rows(connection, "orders", orders)
            insert_rows(connection, "order_line", lines)
            insert_rows(connection, "new_order", new)


def _items(rng: random.Random, scale: Scale) -> Iterator[tuple]:
    for item in range(1, scale.items + 1):
        yield (item, rng.randint(1, 10_000), astring(rng, 14, 24),
               rng.randint(100, 10_000) / 100, data_text(rng, 26, 50))


def _warehouses(rng: random.Random, scale: Scale) -> Iterator[tuple]:
    for warehouse in range(1, scale.warehouses + 1):
        yield (warehouse, astring(rng, 6, 10), *address(rng), rng.randint(0, 2000) / 10_000,
               300_000.0)


def _districts(rng: random.Random, scale: Scale) -> Iterator[tuple]:
    for warehouse in range(1, scale.warehouses + 1):
        for district in range(1, scale.districts + 1):
            yield (district, warehouse, astring(rng, 6, 10), *address(rng),
                   rng.randint(0, 2000) / 10_000, 30_000.0, scale.orders_in(warehouse) + 1)


def _stock(rng: random.Random, scale: Scale) -> Iterator[tuple]:
    for warehouse in range(1, scale.warehouses + 1):
        for item in range(1, scale.items + 1):
            yield (item, warehouse, rng.randint(10, 100),
                   *("".join(rng.choices(ALNUM, k=24)) for _ in range(10)),
                   0, 0, 0, data_text(rng, 26, 50))


def _customers(rng: random.Random, scale: Scale, name_c: int) -> Iterator[tuple]:
    names = scale.last_names
    since = stamp(HISTORY_START)
    for warehouse in range(1, scale.warehouses + 1):
        for district in range(1, scale.districts + 1):
            for customer in range(1, scale.customers + 1):
                number = (customer - 1 if customer <= names
                          else nurand(rng, nurand_a(names), 0, names - 1, name_c))
                yield (customer, district, warehouse, astring(rng, 8, 16), "OE",
                       last_name(number), *address(rng),
                       "".join(rng.choices(string.digits, k=16)), since,
                       "BC" if rng.random() < 0.1 else "GC", 50_000.0,
                       rng.randint(0, 5000) / 10_000, -10.0, 10.0, 1, 0,
                       astring(rng, 100, 200))


def _history(scale: Scale) -> Iterator[tuple]:
    since = stamp(HISTORY_START)
    for warehouse in range(1, scale.warehouses + 1):
        for district in range(1, scale.districts + 1):
            for customer in range(1, scale.customers + 1):
                yield (customer, district, warehouse, district, warehouse, since, 10.0,
                       "load")


def _orders(rng: random.Random, scale: Scale) -> Iterator[tuple[list, list, list]]:
    """Per district: its orders, their lines and the undelivered ones' new_order rows."""
    for warehouse in range(1, scale.warehouses + 1):
        count = scale.orders_in(warehouse)
        undelivered = count - int(count * UNDELIVERED_SHARE)
        step = dt.timedelta(days=28) / count
        for district in range(1, scale.districts + 1):
            orders, lines, new = [], [], []
            customers = list(range(1, scale.customers + 1))
            rng.shuffle(customers)
            for order in range(1, count + 1):
                customer = customers[(order - 1) % scale.customers]
                entered = stamp(HISTORY_START + step * order)
                delivered = order <= undelivered
                line_count = rng.randint(5, 15)
                orders.append((order, district, warehouse, customer, entered,
                               rng.randint(1, 10) if delivered else None, line_count, 1))
                for number in range(1, line_count + 1):
                    lines.append((order, district, warehouse, number,
                                  rng.randint(1, scale.items), warehouse,
                                  entered if delivered else None, 5,
                                  0.0 if delivered else rng.randint(1, 999_999) / 100,
                                  "".join(rng.choices(ALNUM, k=24))))
                if not delivered:
                    new.append((order, district, warehouse))
            yield orders, lines, new


def main() -> None:
    build_command(sys.modules[__name__])


if __name__ == "__main__":
    main()
