"""The TPC-C-like query log: the five transactions run against the built database.

    python workloads/tpcc/generate.py                       # writes workload.log here
    python workloads/tpcc/generate.py --transactions 50 --warehouses 2 --customers 30 \\
        --items 200 --out /tmp/tpcc.log

Builds (or finds, cached) the database of build.py at the scale given, copies
it to a temporary file and runs ``--transactions`` transactions against the
copy, one after the other, each in BEGIN … COMMIT: new-order 45%, payment 43%,
order-status, delivery and stock-level 4% each (TPC-C's minimum mix: most
transactions write). Every statement is executed as the text logged, with its
values written in, and its results steer what follows (the district's next
order id, the customer a last name finds, the oldest undelivered order), so
the log's values name real rows. 60% of the transactions go to the hot
warehouses (build.py's ``hot``), the rest evenly to the others. Payment and
order-status find the customer by last name 60% of the time, by id otherwise;
15% of payments are for a customer of another warehouse; 1% of new-orders name
an item that does not exist and roll back; 1% of order lines come from
another warehouse's stock. Customer, item and last-name choices use TPC-C's
NURand, its A scaled to the smaller ranges.

The output is a plain SQL log, one statement per line (advisor's ``sql``
format; no durations, so that the same seed and scale give the very same
file). The clock is simulated: a transaction every 1 to 5 seconds from
2026-03-01 08:00.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workloads/
from workload_scripts import generate_command, run_mix, sibling, write_sql_log

HERE = Path(__file__).resolve().parent
DEFAULT_TRANSACTIONS = 500
DEFAULT_SEED = 17
MIX = (("new-order", 45), ("payment", 43), ("order-status", 4), ("delivery", 4),
       ("stock-level", 4))
HOT_SHARE = 0.6  # of the transactions, for the hot warehouses together
BY_NAME_SHARE = 0.6
REMOTE_PAYMENT_SHARE = 0.15
REMOTE_LINE_SHARE = 0.01
ROLLBACK_SHARE = 0.01
CLOCK_START = dt.datetime(2026, 3, 1, 8, 0, 0)


# Loaded by path under a name of its own: the workloads are not a package, and
# TPC-H has a build.py too.
build = sibling(HERE / "build.py", "tpcc_build")


def text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def money(value: float) -> str:
    return f"{value:.2f}"


class Terminal:
    """Runs the transactions on one connection and keeps the statements it ran."""

    def __init__(self, connection: sqlite3.Connection, scale, seed: int) -> None:
        self.connection = connection
        self.scale = scale
        self.rng = random.Random(f"tpcc-run/{seed}")
        self.now = CLOCK_START
        self.log: list[str] = []
        # NURand's run-time constants (clause 2.1.6), drawn once per run.
        self.c_last = self.rng.randint(0, 255)
        self.c_id = self.rng.randint(0, 1023)
        self.c_item = self.rng.randint(0, 8191)
        self.warehouses = list(range(1, scale.warehouses + 1))
        hot, cold = scale.hot, scale.warehouses - scale.hot
        self.weights = ([HOT_SHARE / hot if w <= hot else (1 - HOT_SHARE) / cold
                         for w in self.warehouses] if hot > 0 and cold > 0
                        else [1.0] * scale.warehouses)

    # --- running statements --------------------------------------------------------

    def run(self, sql: str) -> list[tuple]:
        self.log.append(sql)
        return self.connection.execute(sql).fetchall()

    def one(self, sql: str) -> tuple | None:
        rows = self.run(sql)
        return rows[0] if rows else None

    # --- choices -------------------------------------------------------------------

    def warehouse(self) -> int:
        return self.rng.choices(self.warehouses, self.weights)[0]

    def other_warehouse(self, home: int) -> int:
        if self.scale.warehouses == 1:
            return home
        other = self.rng.randint(1, self.scale.warehouses - 1)
        return other + (other >= home)

    def district(self) -> int:
        return self.rng.randint(1, self.scale.districts)

    def customer_id(self) -> int:
        customers = self.scale.customers
        return build.nurand(self.rng, build.nurand_a(customers), 1, customers, self.c_id)

    def last_name(self) -> str:
        names = self.scale.last_names
        return build.last_name(build.nurand(self.rng, build.nurand_a(names), 0, names - 1,
                                            self.c_last))

    def item(self) -> int:
        items = self.scale.items
        return build.nurand(self.rng, build.nurand_a(items), 1, items, self.c_item)

    def stamp(self) -> str:
        return text(build.stamp(self.now))

    # --- the transactions (TPC-C clause 2.4 to 2.8) --------------------------------------

    def transaction(self, kind: str) -> None:
        self.now += dt.timedelta(seconds=self.rng.randint(1, 5))
        self.run("BEGIN")
        committed = TRANSACTIONS[kind](self)
        self.run("COMMIT" if committed else "ROLLBACK")

    def new_order(self) -> bool:
        w, d, c = self.warehouse(), self.district(), self.customer_id()
        count = self.rng.randint(5, 15)
        items = [self.item() for _ in range(count)]
        if self.rng.random() < ROLLBACK_SHARE:
            items[-1] = self.scale.items + 1  # an unused item: the order rolls back
        supply = [self.other_warehouse(w) if self.rng.random() < REMOTE_LINE_SHARE else w
                  for _ in items]
        self.one(f"SELECT w_tax FROM warehouse WHERE w_id = {w}")
        self.one("SELECT c_discount, c_last, c_credit FROM customer "
                 f"WHERE c_w_id = {w} AND c_d_id = {d} AND c_id = {c}")
        found = self.one(f"SELECT d_next_o_id, d_tax FROM district WHERE d_w_id = {w} "
                         f"AND d_id = {d}")
        assert found is not None
        order = found[0]
        self.run(f"UPDATE district SET d_next_o_id = {order + 1} WHERE d_w_id = {w} "
                 f"AND d_id = {d}")
        local = int(all(s == w for s in supply))
        self.run("INSERT INTO orders (o_id, o_d_id, o_w_id, o_c_id, o_entry_d, o_carrier_id, "
                 f"o_ol_cnt, o_all_local) VALUES ({order}, {d}, {w}, {c}, {self.stamp()}, "
                 f"NULL, {count}, {local})")
        self.run(f"INSERT INTO new_order (no_o_id, no_d_id, no_w_id) VALUES ({order}, {d}, "
                 f"{w})")
        for number, (item, source) in enumerate(zip(items, supply, strict=True), 1):
            priced = self.one(f"SELECT i_price, i_name, i_data FROM item WHERE i_id = {item}")
            if priced is None:
                return False  # "Item number is not valid": the whole order rolls back
            quantity = self.rng.randint(1, 10)
            stock = self.one(f"SELECT s_quantity, s_dist_{d:02d}, s_data FROM stock "
                             f"WHERE s_w_id = {source} AND s_i_id = {item}")
            assert stock is not None
            left = stock[0] - quantity if stock[0] >= quantity + 10 else stock[0] - quantity + 91
            self.run(f"UPDATE stock SET s_quantity = {left}, s_ytd = s_ytd + {quantity}, "
                     f"s_order_cnt = s_order_cnt + 1, "
                     f"s_remote_cnt = s_remote_cnt + {int(source != w)} "
                     f"WHERE s_w_id = {source} AND s_i_id = {item}")
            self.run("INSERT INTO order_line (ol_o_id, ol_d_id, ol_w_id, ol_number, ol_i_id, "
                     "ol_supply_w_id, ol_delivery_d, ol_quantity, ol_amount, ol_dist_info) "
                     f"VALUES ({order}, {d}, {w}, {number}, {item}, {source}, NULL, "
                     f"{quantity}, {money(quantity * priced[0])}, {text(stock[1])})")
        return True

    def find_customer(self, w: int, d: int, columns: str) -> tuple:
        """By last name (the middle one of those found, ordered by first name) or by id."""
        if self.rng.random() < BY_NAME_SHARE:
            name = text(self.last_name())
            where = f"c_w_id = {w} AND c_d_id = {d} AND c_last = {name}"
            self.one(f"SELECT count(c_id) FROM customer WHERE {where}")
            found = self.run(f"SELECT c_id, {columns} FROM customer WHERE {where} "
                             "ORDER BY c_first")
            if found:
                return found[math.ceil(len(found) / 2) - 1]
        row = self.one(f"SELECT c_id, {columns} FROM customer WHERE c_w_id = {w} "
                       f"AND c_d_id = {d} AND c_id = {self.customer_id()}")
        assert row is not None
        return row

    def payment(self) -> bool:
        w, d = self.warehouse(), self.district()
        c_w, c_d = w, d
        if self.rng.random() < REMOTE_PAYMENT_SHARE:
            c_w, c_d = self.other_warehouse(w), self.district()
        amount = money(self.rng.randint(100, 500_000) / 100)
        self.run(f"UPDATE warehouse SET w_ytd = w_ytd + {amount} WHERE w_id = {w}")
        self.one("SELECT w_name, w_street_1, w_street_2, w_city, w_state, w_zip "
                 f"FROM warehouse WHERE w_id = {w}")
        self.run(f"UPDATE district SET d_ytd = d_ytd + {amount} WHERE d_w_id = {w} "
                 f"AND d_id = {d}")
        self.one("SELECT d_name, d_street_1, d_street_2, d_city, d_state, d_zip "
                 f"FROM district WHERE d_w_id = {w} AND d_id = {d}")
        customer = self.find_customer(
            c_w, c_d, "c_first, c_middle, c_last, c_street_1, c_street_2, c_city, c_state, "
            "c_zip, c_phone, c_since, c_credit, c_credit_lim, c_discount, c_balance")
        c, credit = customer[0], customer[11]
        key = f"c_w_id = {c_w} AND c_d_id = {c_d} AND c_id = {c}"
        paid = (f"c_balance = c_balance - {amount}, c_ytd_payment = c_ytd_payment + {amount}, "
                "c_payment_cnt = c_payment_cnt + 1")
        if credit == "BC":
            self.one(f"SELECT c_data FROM customer WHERE {key}")
            note = text(f"{c} {c_d} {c_w} {d} {w} {amount} | ")
            self.run(f"UPDATE customer SET {paid}, c_data = substr({note} || c_data, 1, 500) "
                     f"WHERE {key}")
        else:
            self.run(f"UPDATE customer SET {paid} WHERE {key}")
        self.run("INSERT INTO history (h_c_id, h_c_d_id, h_c_w_id, h_d_id, h_w_id, h_date, "
                 f"h_amount, h_data) VALUES ({c}, {c_d}, {c_w}, {d}, {w}, {self.stamp()}, "
                 f"{amount}, 'payment')")
        return True

    def order_status(self) -> bool:
        w, d = self.warehouse(), self.district()
        customer = self.find_customer(w, d, "c_first, c_middle, c_last, c_balance")
        order = self.one("SELECT o_id, o_entry_d, o_carrier_id FROM orders "
                         f"WHERE o_w_id = {w} AND o_d_id = {d} AND o_c_id = {customer[0]} "
                         "ORDER BY o_id DESC LIMIT 1")
        if order is not None:
            self.run("SELECT ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_delivery_d "
                     f"FROM order_line WHERE ol_w_id = {w} AND ol_d_id = {d} "
                     f"AND ol_o_id = {order[0]}")
        return True

    def delivery(self) -> bool:
        w, carrier = self.warehouse(), self.rng.randint(1, 10)
        for d in range(1, self.scale.districts + 1):
            oldest = self.one(f"SELECT no_o_id FROM new_order WHERE no_w_id = {w} "
                              f"AND no_d_id = {d} ORDER BY no_o_id LIMIT 1")
            if oldest is None:
                continue  # nothing to deliver in this district
            order = oldest[0]
            key = f"o_w_id = {w} AND o_d_id = {d} AND o_id = {order}"
            lines = f"ol_w_id = {w} AND ol_d_id = {d} AND ol_o_id = {order}"
            self.run(f"DELETE FROM new_order WHERE no_w_id = {w} AND no_d_id = {d} "
                     f"AND no_o_id = {order}")
            customer = self.one(f"SELECT o_c_id FROM orders WHERE {key}")
            assert customer is not None
            self.run(f"UPDATE orders SET o_carrier_id = {carrier} WHERE {key}")
            self.run(f"UPDATE order_line SET ol_delivery_d = {self.stamp()} WHERE {lines}")
            total = self.one(f"SELECT sum(ol_amount) FROM order_line WHERE {lines}")
            amount = money(total[0] or 0.0) if total else "0.00"
            self.run(f"UPDATE customer SET c_balance = c_balance + {amount}, "
                     f"c_delivery_cnt = c_delivery_cnt + 1 WHERE c_w_id = {w} "
                     f"AND c_d_id = {d} AND c_id = {customer[0]}")
        return True

    def stock_level(self) -> bool:
        w, d, threshold = self.warehouse(), self.district(), self.rng.randint(10, 20)
        found = self.one(f"SELECT d_next_o_id FROM district WHERE d_w_id = {w} AND d_id = {d}")
        assert found is not None
        self.one("SELECT count(DISTINCT s_i_id) FROM order_line, stock "
                 f"WHERE ol_w_id = {w} AND ol_d_id = {d} AND ol_o_id < {found[0]} "
                 f"AND ol_o_id >= {found[0] - 20} AND s_w_id = {w} AND s_i_id = ol_i_id "
                 f"AND s_quantity < {threshold}")
        return True


TRANSACTIONS: dict[str, Callable[[Terminal], bool]] = {
    "new-order": Terminal.new_order, "payment": Terminal.payment,
    "order-status": Terminal.order_status, "delivery": Terminal.delivery,
    "stock-level": Terminal.stock_level}


def write_log(path: Path, database: Path, scale, transactions: int,
              seed: int = DEFAULT_SEED) -> int:
    """Run ``transactions`` transactions on a copy of ``database`` and write the log;
    returns the number of statements."""
    terminal = run_mix(database, lambda connection: Terminal(connection, scale, seed),
                       Terminal.transaction, MIX, transactions)
    return write_sql_log(path, f"TPC-C-like, {scale.warehouses} warehouses, {transactions} "
                         f"transactions, seed {seed}: written by workloads/tpcc/generate.py",
                         terminal.log)


def main() -> None:
    generate_command(sys.modules[__name__], build, "transactions", DEFAULT_TRANSACTIONS,
                     DEFAULT_SEED)


if __name__ == "__main__":
    main()
