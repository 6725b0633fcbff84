"""TPC-H's query log: the 22 queries in SQLite's dialect and the two refresh functions.

    python workloads/tpch/generate.py                      # writes workload.log here (SF 0.01)
    python workloads/tpch/generate.py --scale 0.1 --out /tmp/tpch-sf0.1.log

Writes ``--streams`` (default 20) query streams. Each stream is one run of
RF1 (new orders and their lineitems, inserted row by row in one
transaction), the 22 queries in an order drawn for that stream, each with its
substitution parameters drawn as TPC-H 2.4 specifies, then RF2 (old orders and
their lineitems deleted by order key, in one transaction). So the log holds
22 × streams query instances and streams × (2 + 2 × SF × 1500 + lineitems
inserted) write and transaction statements.

The output is a plain SQL log, one statement per line with its values
written in (advisor's ``sql`` format; no durations, so that the same seed and
scale give the very same file). Nothing here reads the database: the keys of
the refresh functions follow from the scale factor (TPC-H's sparse order
keys), as dbgen's do.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SEED = 11
DEFAULT_STREAMS = 20

# --- TPC-H's value lists (specification 4.2.2.13 and 4.2.3) ---------------------------

REGIONS = ("AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST")
NATIONS = (  # (name, region key), by nation key
    ("ALGERIA", 0), ("ARGENTINA", 1), ("BRAZIL", 1), ("CANADA", 1), ("EGYPT", 4),
    ("ETHIOPIA", 0), ("FRANCE", 3), ("GERMANY", 3), ("INDIA", 2), ("INDONESIA", 2),
    ("IRAN", 4), ("IRAQ", 4), ("JAPAN", 2), ("JORDAN", 4), ("KENYA", 0), ("MOROCCO", 0),
    ("MOZAMBIQUE", 0), ("PERU", 1), ("CHINA", 2), ("ROMANIA", 3), ("SAUDI ARABIA", 4),
    ("VIETNAM", 2), ("RUSSIA", 3), ("UNITED KINGDOM", 3), ("UNITED STATES", 1),
)
COLORS = """almond antique aquamarine azure beige bisque black blanched blue blush brown
burlywood burnished chartreuse chiffon chocolate coral cornflower cornsilk cream cyan dark
deep dim dodger drab firebrick floral forest frosted gainsboro ghost goldenrod green grey
honeydew hot indian ivory khaki lace lavender lawn lemon light lime linen magenta maroon
medium metallic midnight mint misty moccasin navajo navy olive orange orchid pale papaya
peach peru pink plum powder puff purple red rose rosy royal saddle salmon sandy seashell
sienna sky slate smoke snow spring steel tan thistle tomato turquoise violet wheat white
yellow""".split()
TYPE_SIZES = ("STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO")
TYPE_FINISHES = ("ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED")
TYPE_METALS = ("TIN", "NICKEL", "BRASS", "STEEL", "COPPER")
CONTAINER_SIZES = ("SM", "LG", "MED", "JUMBO", "WRAP")
CONTAINER_KINDS = ("CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM")
SEGMENTS = ("AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD")
SHIPMODES = ("REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB")
PRIORITIES = ("1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW")
INSTRUCTIONS = ("DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN")
Q13_WORDS1 = ("special", "pending", "unusual", "express")
Q13_WORDS2 = ("packages", "requests", "accounts", "deposits")
COMMENT_WORDS = """furiously slyly carefully blithely quickly fluffily final regular ironic
special pending express bold even silent unusual packages requests accounts deposits foxes
ideas theodolites pinto beans instructions dependencies excuses platelets asymptotes courts
dolphins sleep wake are cajole haggle nag use boost affix detect integrate""".split()

START_DATE = dt.date(1992, 1, 1)
CURRENT_DATE = dt.date(1995, 6, 17)
END_DATE = dt.date(1998, 12, 31)


# --- values as SQL text ----------------------------------------------------------------


def text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def day(value: dt.date) -> str:
    return text(value.isoformat())


def money(value: float) -> str:
    return f"{value:.2f}"


def add_months(value: dt.date, months: int) -> dt.date:
    month = value.month - 1 + months
    return value.replace(year=value.year + month // 12, month=month % 12 + 1)


def month_start(rng: random.Random, first: tuple[int, int], last: tuple[int, int]) -> dt.date:
    """The first day of a month drawn uniformly from ``first`` to ``last`` (year, month)."""
    months = (last[0] - first[0]) * 12 + last[1] - first[1]
    return add_months(dt.date(first[0], first[1], 1), rng.randint(0, months))


def year_start(rng: random.Random) -> dt.date:
    return dt.date(rng.randint(1993, 1997), 1, 1)


def brand(rng: random.Random) -> str:
    return f"Brand#{rng.randint(1, 5)}{rng.randint(1, 5)}"


def nation(rng: random.Random) -> str:
    return rng.choice(NATIONS)[0]


# --- the 22 queries ---------------------------------------------------------------------
# Each takes the rng and the scale factor and returns the statement on one line.
# Rewrites for SQLite: date arithmetic (``date ':1' + interval ...``) is done
# here and written as a date literal, as an application binding a parameter
# would; ``extract(year from d)`` is ``CAST(strftime('%Y', d) AS INTEGER)``;
# ``substring(s from 1 for 2)`` is ``substr(s, 1, 2)``; Q13's derived-table
# column list is aliases inside it; Q15's view is a CTE; the spec's row counts
# (Q2, Q3, Q10, Q18, Q21) are LIMIT.


def q1(rng: random.Random, sf: float) -> str:
    shipped = dt.date(1998, 12, 1) - dt.timedelta(days=rng.randint(60, 120))
    return (
        "SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, "
        "sum(l_extendedprice) AS sum_base_price, "
        "sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, "
        "sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge, "
        "avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, "
        "avg(l_discount) AS avg_disc, count(*) AS count_order FROM lineitem "
        f"WHERE l_shipdate <= {day(shipped)} GROUP BY l_returnflag, l_linestatus "
        "ORDER BY l_returnflag, l_linestatus")


def q2(rng: random.Random, sf: float) -> str:
    size, metal, region = rng.randint(1, 50), rng.choice(TYPE_METALS), rng.choice(REGIONS)
    return (
        "SELECT s_acctbal, s_name, n_name, p_partkey, p_mfgr, s_address, s_phone, s_comment "
        "FROM part, supplier, partsupp, nation, region WHERE p_partkey = ps_partkey "
        f"AND s_suppkey = ps_suppkey AND p_size = {size} AND p_type LIKE {text('%' + metal)} "
        "AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey "
        f"AND r_name = {text(region)} AND ps_supplycost = (SELECT min(ps_supplycost) "
        "FROM partsupp, supplier, nation, region WHERE p_partkey = ps_partkey "
        "AND s_suppkey = ps_suppkey AND s_nationkey = n_nationkey "
        f"AND n_regionkey = r_regionkey AND r_name = {text(region)}) "
        "ORDER BY s_acctbal DESC, n_name, s_name, p_partkey LIMIT 100")


def q3(rng: random.Random, sf: float) -> str:
    segment = rng.choice(SEGMENTS)
    date = dt.date(1995, 3, 1) + dt.timedelta(days=rng.randint(0, 30))
    return (
        "SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, "
        "o_shippriority FROM customer, orders, lineitem "
        f"WHERE c_mktsegment = {text(segment)} AND c_custkey = o_custkey "
        f"AND l_orderkey = o_orderkey AND o_orderdate < {day(date)} "
        f"AND l_shipdate > {day(date)} GROUP BY l_orderkey, o_orderdate, o_shippriority "
        "ORDER BY revenue DESC, o_orderdate LIMIT 10")


def q4(rng: random.Random, sf: float) -> str:
    date = month_start(rng, (1993, 1), (1997, 10))
    return (
        "SELECT o_orderpriority, count(*) AS order_count FROM orders "
        f"WHERE o_orderdate >= {day(date)} AND o_orderdate < {day(add_months(date, 3))} "
        "AND EXISTS (SELECT * FROM lineitem WHERE l_orderkey = o_orderkey "
        "AND l_commitdate < l_receiptdate) GROUP BY o_orderpriority ORDER BY o_orderpriority")


def q5(rng: random.Random, sf: float) -> str:
    region, date = rng.choice(REGIONS), year_start(rng)
    return (
        "SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue "
        "FROM customer, orders, lineitem, supplier, nation, region "
        "WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey "
        "AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey "
        f"AND n_regionkey = r_regionkey AND r_name = {text(region)} "
        f"AND o_orderdate >= {day(date)} AND o_orderdate < {day(add_months(date, 12))} "
        "GROUP BY n_name ORDER BY revenue DESC")


def q6(rng: random.Random, sf: float) -> str:
    date, discount = year_start(rng), rng.randint(2, 9) / 100
    return (
        "SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem "
        f"WHERE l_shipdate >= {day(date)} AND l_shipdate < {day(add_months(date, 12))} "
        f"AND l_discount BETWEEN {money(discount - 0.01)} AND {money(discount + 0.01)} "
        f"AND l_quantity < {rng.randint(24, 25)}")


def q7(rng: random.Random, sf: float) -> str:
    first, second = (name for name, _ in rng.sample(NATIONS, 2))
    return (
        "SELECT supp_nation, cust_nation, l_year, sum(volume) AS revenue FROM ("
        "SELECT n1.n_name AS supp_nation, n2.n_name AS cust_nation, "
        "CAST(strftime('%Y', l_shipdate) AS INTEGER) AS l_year, "
        "l_extendedprice * (1 - l_discount) AS volume "
        "FROM supplier, lineitem, orders, customer, nation n1, nation n2 "
        "WHERE s_suppkey = l_suppkey AND o_orderkey = l_orderkey AND c_custkey = o_custkey "
        "AND s_nationkey = n1.n_nationkey AND c_nationkey = n2.n_nationkey "
        f"AND ((n1.n_name = {text(first)} AND n2.n_name = {text(second)}) "
        f"OR (n1.n_name = {text(second)} AND n2.n_name = {text(first)})) "
        "AND l_shipdate BETWEEN '1995-01-01' AND '1996-12-31') AS shipping "
        "GROUP BY supp_nation, cust_nation, l_year ORDER BY supp_nation, cust_nation, l_year")


def q8(rng: random.Random, sf: float) -> str:
    name, region = rng.choice(NATIONS)
    kind = f"{rng.choice(TYPE_SIZES)} {rng.choice(TYPE_FINISHES)} {rng.choice(TYPE_METALS)}"
    return (
        f"SELECT o_year, sum(CASE WHEN nation = {text(name)} THEN volume ELSE 0 END) "
        "/ sum(volume) AS mkt_share FROM (SELECT "
        "CAST(strftime('%Y', o_orderdate) AS INTEGER) AS o_year, "
        "l_extendedprice * (1 - l_discount) AS volume, n2.n_name AS nation "
        "FROM part, supplier, lineitem, orders, customer, nation n1, nation n2, region "
        "WHERE p_partkey = l_partkey AND s_suppkey = l_suppkey AND l_orderkey = o_orderkey "
        "AND o_custkey = c_custkey AND c_nationkey = n1.n_nationkey "
        f"AND n1.n_regionkey = r_regionkey AND r_name = {text(REGIONS[region])} "
        "AND s_nationkey = n2.n_nationkey "
        "AND o_orderdate BETWEEN '1995-01-01' AND '1996-12-31' "
        f"AND p_type = {text(kind)}) AS all_nations GROUP BY o_year ORDER BY o_year")


def q9(rng: random.Random, sf: float) -> str:
    return (
        "SELECT nation, o_year, sum(amount) AS sum_profit FROM (SELECT n_name AS nation, "
        "CAST(strftime('%Y', o_orderdate) AS INTEGER) AS o_year, "
        "l_extendedprice * (1 - l_discount) - ps_supplycost * l_quantity AS amount "
        "FROM part, supplier, lineitem, partsupp, orders, nation "
        "WHERE s_suppkey = l_suppkey AND ps_suppkey = l_suppkey AND ps_partkey = l_partkey "
        "AND p_partkey = l_partkey AND o_orderkey = l_orderkey AND s_nationkey = n_nationkey "
        f"AND p_name LIKE {text('%' + rng.choice(COLORS) + '%')}) AS profit "
        "GROUP BY nation, o_year ORDER BY nation, o_year DESC")


def q10(rng: random.Random, sf: float) -> str:
    date = month_start(rng, (1993, 2), (1995, 1))
    return (
        "SELECT c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) AS revenue, "
        "c_acctbal, n_name, c_address, c_phone, c_comment "
        "FROM customer, orders, lineitem, nation WHERE c_custkey = o_custkey "
        f"AND l_orderkey = o_orderkey AND o_orderdate >= {day(date)} "
        f"AND o_orderdate < {day(add_months(date, 3))} AND l_returnflag = 'R' "
        "AND c_nationkey = n_nationkey "
        "GROUP BY c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, c_comment "
        "ORDER BY revenue DESC LIMIT 20")


def q11(rng: random.Random, sf: float) -> str:
    name, fraction = nation(rng), 0.0001 / sf
    return (
        "SELECT ps_partkey, sum(ps_supplycost * ps_availqty) AS value "
        "FROM partsupp, supplier, nation WHERE ps_suppkey = s_suppkey "
        f"AND s_nationkey = n_nationkey AND n_name = {text(name)} GROUP BY ps_partkey "
        f"HAVING sum(ps_supplycost * ps_availqty) > (SELECT sum(ps_supplycost * ps_availqty) "
        f"* {fraction:.10g} FROM partsupp, supplier, nation WHERE ps_suppkey = s_suppkey "
        f"AND s_nationkey = n_nationkey AND n_name = {text(name)}) ORDER BY value DESC")


def q12(rng: random.Random, sf: float) -> str:
    first, second = rng.sample(SHIPMODES, 2)
    date = year_start(rng)
    return (
        "SELECT l_shipmode, sum(CASE WHEN o_orderpriority = '1-URGENT' "
        "OR o_orderpriority = '2-HIGH' THEN 1 ELSE 0 END) AS high_line_count, "
        "sum(CASE WHEN o_orderpriority <> '1-URGENT' AND o_orderpriority <> '2-HIGH' "
        "THEN 1 ELSE 0 END) AS low_line_count FROM orders, lineitem "
        f"WHERE o_orderkey = l_orderkey AND l_shipmode IN ({text(first)}, {text(second)}) "
        "AND l_commitdate < l_receiptdate AND l_shipdate < l_commitdate "
        f"AND l_receiptdate >= {day(date)} AND l_receiptdate < {day(add_months(date, 12))} "
        "GROUP BY l_shipmode ORDER BY l_shipmode")


def q13(rng: random.Random, sf: float) -> str:
    pattern = f"%{rng.choice(Q13_WORDS1)}%{rng.choice(Q13_WORDS2)}%"
    return (
        "SELECT c_count, count(*) AS custdist FROM (SELECT c_custkey, "
        "count(o_orderkey) AS c_count FROM customer LEFT OUTER JOIN orders "
        f"ON c_custkey = o_custkey AND o_comment NOT LIKE {text(pattern)} "
        "GROUP BY c_custkey) AS c_orders GROUP BY c_count ORDER BY custdist DESC, c_count DESC")


def q14(rng: random.Random, sf: float) -> str:
    date = month_start(rng, (1993, 1), (1997, 12))
    return (
        "SELECT 100.00 * sum(CASE WHEN p_type LIKE 'PROMO%' "
        "THEN l_extendedprice * (1 - l_discount) ELSE 0 END) "
        "/ sum(l_extendedprice * (1 - l_discount)) AS promo_revenue FROM lineitem, part "
        f"WHERE l_partkey = p_partkey AND l_shipdate >= {day(date)} "
        f"AND l_shipdate < {day(add_months(date, 1))}")


def q15(rng: random.Random, sf: float) -> str:
    date = month_start(rng, (1993, 1), (1997, 10))
    return (
        "WITH revenue0 AS (SELECT l_suppkey AS supplier_no, "
        "sum(l_extendedprice * (1 - l_discount)) AS total_revenue FROM lineitem "
        f"WHERE l_shipdate >= {day(date)} AND l_shipdate < {day(add_months(date, 3))} "
        "GROUP BY l_suppkey) SELECT s_suppkey, s_name, s_address, s_phone, total_revenue "
        "FROM supplier, revenue0 WHERE s_suppkey = supplier_no "
        "AND total_revenue = (SELECT max(total_revenue) FROM revenue0) ORDER BY s_suppkey")


def q16(rng: random.Random, sf: float) -> str:
    kind = f"{rng.choice(TYPE_SIZES)} {rng.choice(TYPE_FINISHES)}"
    sizes = ", ".join(str(size) for size in rng.sample(range(1, 51), 8))
    return (
        "SELECT p_brand, p_type, p_size, count(DISTINCT ps_suppkey) AS supplier_cnt "
        f"FROM partsupp, part WHERE p_partkey = ps_partkey AND p_brand <> {text(brand(rng))} "
        f"AND p_type NOT LIKE {text(kind + '%')} AND p_size IN ({sizes}) "
        "AND ps_suppkey NOT IN (SELECT s_suppkey FROM supplier "
        "WHERE s_comment LIKE '%Customer%Complaints%') GROUP BY p_brand, p_type, p_size "
        "ORDER BY supplier_cnt DESC, p_brand, p_type, p_size")


def q17(rng: random.Random, sf: float) -> str:
    container = f"{rng.choice(CONTAINER_SIZES)} {rng.choice(CONTAINER_KINDS)}"
    return (
        "SELECT sum(l_extendedprice) / 7.0 AS avg_yearly FROM lineitem, part "
        f"WHERE p_partkey = l_partkey AND p_brand = {text(brand(rng))} "
        f"AND p_container = {text(container)} AND l_quantity < (SELECT 0.2 * avg(l_quantity) "
        "FROM lineitem WHERE l_partkey = p_partkey)")


def q18(rng: random.Random, sf: float) -> str:
    return (
        "SELECT c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice, sum(l_quantity) "
        "FROM customer, orders, lineitem WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem "
        f"GROUP BY l_orderkey HAVING sum(l_quantity) > {rng.randint(312, 315)}) "
        "AND c_custkey = o_custkey AND o_orderkey = l_orderkey "
        "GROUP BY c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice "
        "ORDER BY o_totalprice DESC, o_orderdate LIMIT 100")


def q19(rng: random.Random, sf: float) -> str:
    terms = []
    for containers, quantity, top in (
            ("'SM CASE', 'SM BOX', 'SM PACK', 'SM PKG'", rng.randint(1, 10), 5),
            ("'MED BAG', 'MED BOX', 'MED PKG', 'MED PACK'", rng.randint(10, 20), 10),
            ("'LG CASE', 'LG BOX', 'LG PACK', 'LG PKG'", rng.randint(20, 30), 15)):
        terms.append(
            f"(p_partkey = l_partkey AND p_brand = {text(brand(rng))} "
            f"AND p_container IN ({containers}) AND l_quantity >= {quantity} "
            f"AND l_quantity <= {quantity} + 10 AND p_size BETWEEN 1 AND {top} "
            "AND l_shipmode IN ('AIR', 'AIR REG') AND l_shipinstruct = 'DELIVER IN PERSON')")
    return ("SELECT sum(l_extendedprice * (1 - l_discount)) AS revenue FROM lineitem, part "
            "WHERE " + " OR ".join(terms))


def q20(rng: random.Random, sf: float) -> str:
    color, date, name = rng.choice(COLORS), year_start(rng), nation(rng)
    return (
        "SELECT s_name, s_address FROM supplier, nation WHERE s_suppkey IN ("
        "SELECT ps_suppkey FROM partsupp WHERE ps_partkey IN (SELECT p_partkey FROM part "
        f"WHERE p_name LIKE {text(color + '%')}) AND ps_availqty > (SELECT 0.5 * sum(l_quantity) "
        "FROM lineitem WHERE l_partkey = ps_partkey AND l_suppkey = ps_suppkey "
        f"AND l_shipdate >= {day(date)} AND l_shipdate < {day(add_months(date, 12))})) "
        f"AND s_nationkey = n_nationkey AND n_name = {text(name)} ORDER BY s_name")


def q21(rng: random.Random, sf: float) -> str:
    return (
        "SELECT s_name, count(*) AS numwait FROM supplier, lineitem l1, orders, nation "
        "WHERE s_suppkey = l1.l_suppkey AND o_orderkey = l1.l_orderkey "
        "AND o_orderstatus = 'F' AND l1.l_receiptdate > l1.l_commitdate "
        "AND EXISTS (SELECT * FROM lineitem l2 WHERE l2.l_orderkey = l1.l_orderkey "
        "AND l2.l_suppkey <> l1.l_suppkey) AND NOT EXISTS (SELECT * FROM lineitem l3 "
        "WHERE l3.l_orderkey = l1.l_orderkey AND l3.l_suppkey <> l1.l_suppkey "
        "AND l3.l_receiptdate > l3.l_commitdate) AND s_nationkey = n_nationkey "
        f"AND n_name = {text(nation(rng))} GROUP BY s_name ORDER BY numwait DESC, s_name "
        "LIMIT 100")


def q22(rng: random.Random, sf: float) -> str:
    codes = ", ".join(text(str(code)) for code in rng.sample(range(10, 35), 7))
    return (
        "SELECT cntrycode, count(*) AS numcust, sum(c_acctbal) AS totacctbal FROM ("
        "SELECT substr(c_phone, 1, 2) AS cntrycode, c_acctbal FROM customer "
        f"WHERE substr(c_phone, 1, 2) IN ({codes}) AND c_acctbal > (SELECT avg(c_acctbal) "
        f"FROM customer WHERE c_acctbal > 0.00 AND substr(c_phone, 1, 2) IN ({codes})) "
        "AND NOT EXISTS (SELECT * FROM orders WHERE o_custkey = c_custkey)) AS custsale "
        "GROUP BY cntrycode ORDER BY cntrycode")


QUERIES: tuple[Callable[[random.Random, float], str], ...] = (
    q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15, q16, q17, q18, q19,
    q20, q21, q22)


# --- the refresh functions (specification 2.5) ------------------------------------------


def order_key(index: int, update_set: int) -> int:
    """dbgen's sparse order keys: of every 32 keys the initial load uses the first 8,
    update set ``n`` the ``n``-th 8 (``index`` counts orders from 1)."""
    return (index >> 3) * 32 + update_set * 8 + (index & 7)


def comment(rng: random.Random, low: int, high: int) -> str:
    words: list[str] = []
    size = rng.randint(low, high)
    while sum(len(w) + 1 for w in words) < size:
        words.append(rng.choice(COMMENT_WORDS))
    return " ".join(words)[:high]


def retail_price(part: int) -> float:
    return (90000 + (part // 10) % 20001 + 100 * (part % 1000)) / 100


def new_order(rng: random.Random, sf: float, key: int) -> list[str]:
    """RF1 for one order: its row, then 1 to 7 lineitems, each an INSERT."""
    customers, parts, suppliers = int(sf * 150_000), int(sf * 200_000), int(sf * 10_000)
    customer = rng.randint(1, customers)
    while customer % 3 == 0:  # dbgen gives a third of the customers no orders
        customer = rng.randint(1, customers)
    ordered = START_DATE + dt.timedelta(
        days=rng.randint(0, (END_DATE - START_DATE).days - 151))
    lines, total, statuses = [], 0.0, set()
    for number in range(1, rng.randint(1, 7) + 1):
        part = rng.randint(1, parts)
        supplier = (part + rng.randint(0, 3) * (suppliers // 4 + (part - 1) // suppliers)
                    ) % suppliers + 1
        quantity = rng.randint(1, 50)
        price = round(quantity * retail_price(part), 2)
        discount, tax = rng.randint(0, 10) / 100, rng.randint(0, 8) / 100
        shipped = ordered + dt.timedelta(days=rng.randint(1, 121))
        committed = ordered + dt.timedelta(days=rng.randint(30, 90))
        received = shipped + dt.timedelta(days=rng.randint(1, 30))
        flag = rng.choice("RA") if received <= CURRENT_DATE else "N"
        status = "O" if shipped > CURRENT_DATE else "F"
        statuses.add(status)
        total += price * (1 + tax) * (1 - discount)
        lines.append(
            "INSERT INTO lineitem (l_orderkey, l_partkey, l_suppkey, l_linenumber, "
            "l_quantity, l_extendedprice, l_discount, l_tax, l_returnflag, l_linestatus, "
            "l_shipdate, l_commitdate, l_receiptdate, l_shipinstruct, l_shipmode, l_comment) "
            f"VALUES ({key}, {part}, {supplier}, {number}, {quantity}, {money(price)}, "
            f"{money(discount)}, {money(tax)}, {text(flag)}, {text(status)}, {day(shipped)}, "
            f"{day(committed)}, {day(received)}, {text(rng.choice(INSTRUCTIONS))}, "
            f"{text(rng.choice(SHIPMODES))}, {text(comment(rng, 10, 43))})")
    status = "P" if len(statuses) > 1 else statuses.pop()
    clerk = f"Clerk#{rng.randint(1, max(1, int(sf * 1000))):09d}"
    order = (
        "INSERT INTO orders (o_orderkey, o_custkey, o_orderstatus, o_totalprice, o_orderdate, "
        "o_orderpriority, o_clerk, o_shippriority, o_comment) "
        f"VALUES ({key}, {customer}, {text(status)}, {money(total)}, {day(ordered)}, "
        f"{text(rng.choice(PRIORITIES))}, {text(clerk)}, 0, {text(comment(rng, 19, 78))})")
    return [order, *lines]


def old_order(key: int) -> list[str]:
    """RF2 for one order: the order, then its lineitems, deleted by key."""
    return [f"DELETE FROM orders WHERE o_orderkey = {key}",
            f"DELETE FROM lineitem WHERE l_orderkey = {key}"]


# --- the log ----------------------------------------------------------------------------


def statements(scale: float, seed: int = DEFAULT_SEED, streams: int = DEFAULT_STREAMS
               ) -> Iterator[str]:
    """Every statement of the log, in order (without the ``;``)."""
    rng = random.Random(f"tpch/{seed}/{scale!r}")
    per_refresh = max(1, round(scale * 1500))
    initial_orders = int(scale * 1_500_000)
    if streams * per_refresh > initial_orders:
        raise ValueError(f"{streams} streams delete more orders than SF {scale:g} has")
    deleted = rng.sample(range(1, initial_orders + 1), streams * per_refresh)
    for stream in range(streams):
        yield "BEGIN"
        for index in range(stream * per_refresh + 1, (stream + 1) * per_refresh + 1):
            yield from new_order(rng, scale, order_key(index, 1))
        yield "COMMIT"
        for query in rng.sample(QUERIES, len(QUERIES)):
            yield query(rng, scale)
        yield "BEGIN"
        for index in sorted(deleted[stream * per_refresh:(stream + 1) * per_refresh]):
            yield from old_order(order_key(index, 0))
        yield "COMMIT"


def write_log(path: Path, scale: float, seed: int = DEFAULT_SEED,
              streams: int = DEFAULT_STREAMS) -> int:
    """Write the log; returns the number of statements."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(f"-- TPC-H for SQLite, SF {scale:g}, {streams} streams, seed {seed}: "
                  "written by workloads/tpch/generate.py\n")
        for sql in statements(scale, seed, streams):
            out.write(sql + ";\n")
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01, help="TPC-H scale factor")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--streams", type=int, default=DEFAULT_STREAMS,
                        help="query streams: instances of each query, refresh pairs")
    parser.add_argument("--out", type=Path, default=HERE / "workload.log")
    args = parser.parse_args()
    count = write_log(args.out, args.scale, args.seed, args.streams)
    print(f"{args.out}: {count:,} statements")


if __name__ == "__main__":
    main()
