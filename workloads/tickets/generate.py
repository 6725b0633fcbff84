"""The event-ticketing query log: a box office's sessions run against the built database.

    python workloads/tickets/generate.py                    # writes workload.log here
    python workloads/tickets/generate.py --sessions 60 --events 40 --venues 6 \\
        --organizers 5 --customers 300 --max-capacity 80 --out /tmp/tickets.log

Builds (or finds, cached) the database of build.py at the scale given, copies
it to a temporary file and runs ``--sessions`` sessions against the copy, one
after the other, of six kinds (``MIX``): people browsing the listings and
seat maps, buying (seats held for fifteen minutes, then paid for, given back
or left to expire), looking at their orders (now and then a refund), tickets
scanned at the door, promoters' dashboards, and the back office (the sweep of
expired holds, reports, sign-ups). Every statement is executed as the text
logged, with its values written in, and its results steer what follows (the
seats a checkout finds are the ones it holds, the order it makes is the one
its tickets name), so the log's values name real rows. What a session starts
from is drawn with the skew of the data: a few cities, on-sale events (the
largest houses), promoters, venues and customers (those with most orders) get
most of the traffic, by Zipf weights; the generator reads those pools once
from the database, unlogged, as what the site's users bring with them.

The output is a plain SQL log, one statement per line (advisor's ``sql``
format; no durations, so that the same seed and scale give the very same
file). The clock is simulated: a session every 1 to 4 seconds from the
database's day (build.py's ``NOW``), so holds made early in the run expire
before it ends and the sweep finds them.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workloads/
from workload_scripts import LoggedClient, generate_command, run_mix, sibling, write_sql_log

HERE = Path(__file__).resolve().parent
DEFAULT_SESSIONS = 800
DEFAULT_SEED = 23
MIX = (("browse", 36), ("buy", 28), ("account", 12), ("door", 10), ("promoter", 5),
       ("back-office", 9))
PAY_SHARE, RELEASE_SHARE = 0.65, 0.2  # of checkouts; the rest leave their holds to expire
REFUND_SHARE = 0.05  # of account visits with an upcoming paid order
FORGED_SHARE = 0.03  # of door scans: a barcode the box office never issued
DOOR_EVENTS = 3  # the upcoming events whose doors are open during the run


# Loaded by path under a name of its own: the workloads are not a package, and each
# has a build.py.
build = sibling(HERE / "build.py", "tickets_build")


def text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class BoxOffice(LoggedClient):
    """Runs the sessions on one connection and keeps the statements it ran."""

    def __init__(self, connection: sqlite3.Connection, seed: int) -> None:
        super().__init__(connection)
        self.rng = random.Random(f"tickets-run/{seed}")
        self.now = build.NOW
        self._pools()

    def _pools(self) -> None:
        """Who comes to the site and for what, read once, unlogged, busiest first."""
        query = self.connection.execute
        self.cities = query(
            "SELECT v.city, count(*) FROM events e JOIN venues v ON v.id = e.venue_id "
            "WHERE e.status = 'onsale' GROUP BY v.city ORDER BY 2 DESC, 1").fetchall()
        self.onsale = build.Skewed([row[0] for row in query(
            "SELECT e.id FROM events e JOIN venues v ON v.id = e.venue_id "
            "WHERE e.status = 'onsale' ORDER BY v.capacity DESC, e.id")], 0.8)
        self.emails = dict(query("SELECT id, email FROM customers"))
        self.buyers = build.Skewed([row[0] for row in query(
            "SELECT c.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
            "GROUP BY c.id ORDER BY count(o.id) DESC, c.id")], 0.6)
        self.promoters = build.Skewed([row[0] for row in query(
            "SELECT organizer_id FROM events GROUP BY organizer_id "
            "ORDER BY count(*) DESC, organizer_id")], 1.0)
        self.venues = build.Skewed([row[0] for row in query(
            "SELECT venue_id FROM events GROUP BY venue_id ORDER BY count(*) DESC, venue_id")],
            1.0)
        self.barcodes = [row[0] for row in query(
            "SELECT t.barcode FROM tickets t WHERE t.event_id IN (SELECT e.id FROM events e "
            "WHERE e.status IN ('onsale', 'soldout') AND e.starts_at >= ? "
            "AND EXISTS (SELECT 1 FROM tickets x WHERE x.event_id = e.id) "
            f"ORDER BY e.starts_at, e.id LIMIT {DOOR_EVENTS}) ORDER BY t.id",
            (build.stamp(build.NOW),))]

    def stamp(self, when: dt.datetime | None = None) -> str:
        return text(build.stamp(when or self.now))

    # --- choices -------------------------------------------------------------------

    def customer(self) -> int:
        """Most sessions are by the customers who buy most; a fifth by anyone."""
        if self.rng.random() < 0.8:
            return self.buyers.draw(self.rng)
        return self.rng.randint(1, len(self.emails))

    def event(self) -> int | None:
        return self.onsale.draw(self.rng) if self.onsale.items else None

    # --- the sessions ----------------------------------------------------------------

    def session(self, kind: str) -> None:
        self.now += dt.timedelta(seconds=self.rng.randint(1, 4))
        SESSIONS[kind](self)

    def browse(self) -> None:
        """A listing (by city, or by category), then an event or three: its page, the
        seat map's prices by section, and half the time the cheapest seats."""
        if self.rng.random() < 0.7 and self.cities:
            city = self.rng.choices([c for c, _ in self.cities], [n for _, n in self.cities])[0]
            page = self.rng.choices((0, 1, 2, 3), (60, 20, 12, 8))[0]
            listed = self.run(
                "SELECT e.id, e.title, e.starts_at, v.name FROM events e JOIN venues v "
                f"ON v.id = e.venue_id WHERE v.city = {text(city)} AND e.status = 'onsale' "
                f"AND e.starts_at >= {self.stamp()} ORDER BY e.starts_at "
                f"LIMIT 20 OFFSET {page * 20}")
        else:
            category = self.rng.choice(build.CATEGORIES)
            listed = self.run(
                "SELECT e.id, e.title, e.starts_at, v.name, v.city FROM events e JOIN venues v "
                f"ON v.id = e.venue_id WHERE e.category = {text(category)} "
                f"AND e.status = 'onsale' AND e.starts_at >= {self.stamp()} "
                "ORDER BY e.starts_at LIMIT 20")
        for _ in range(self.rng.choice((1, 1, 2, 3))):
            event = self.rng.choice(listed)[0] if listed and self.rng.random() < 0.5 \
                else self.event()
            if event is None:
                return
            self.run("SELECT e.id, e.title, e.starts_at, e.status, v.name, v.city FROM events e "
                     f"JOIN venues v ON v.id = e.venue_id WHERE e.id = {event}")
            self.run("SELECT section, min(price_cents), count(*) FROM seats "
                     f"WHERE event_id = {event} AND status = 'available' GROUP BY section")
            if self.rng.random() < 0.5:
                self.run("SELECT id, section, row_no, seat_no, price_cents FROM seats "
                         f"WHERE event_id = {event} AND status = 'available' "
                         "ORDER BY price_cents LIMIT 50")

    def buy(self) -> None:
        """Log in by email, find free seats side by side in a section, hold them, look
        at the cart; then pay, give them back, or walk away."""
        customer, event = self.customer(), self.event()
        if event is None:
            return
        self.run(f"SELECT id, name FROM customers WHERE email = {text(self.emails[customer])}")
        section = self.rng.choice(build.SECTIONS[:6])
        wanted = self.rng.choices((1, 2, 3, 4), (20, 50, 15, 15))[0]
        seats = self.run(
            "SELECT s.id, s.price_cents FROM seats s WHERE s.event_id = "
            f"{event} AND s.section = {text(section)} AND s.status = 'available' "
            "AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.seat_id = s.id "
            f"AND h.expires_at > {self.stamp()}) ORDER BY s.row_no, s.seat_no LIMIT {wanted}")
        if not seats:
            return  # the section is sold out: the customer leaves
        expires = self.stamp(self.now + dt.timedelta(minutes=build.HOLD_MINUTES))
        holds: list[int] = []

        def hold() -> None:
            for seat, _ in seats:
                holds.append(self.insert(
                    "INSERT INTO holds (seat_id, event_id, customer_id, created_at, "
                    f"expires_at) VALUES ({seat}, {event}, {customer}, {self.stamp()}, "
                    f"{expires})"))
                self.run(f"UPDATE seats SET status = 'held' WHERE id = {seat}")

        self.transaction(hold)
        self.run("SELECT h.id, h.seat_id, h.expires_at, s.section, s.row_no, s.seat_no, "
                 "s.price_cents FROM holds h JOIN seats s ON s.id = h.seat_id "
                 f"WHERE h.customer_id = {customer} AND h.expires_at > {self.stamp()}")
        outcome = self.rng.random()
        if outcome < PAY_SHARE:
            self.transaction(lambda: self._pay(customer, event, seats))
        elif outcome < PAY_SHARE + RELEASE_SHARE:
            self.transaction(lambda: self._release(zip(holds, seats, strict=True)))

    def _pay(self, customer: int, event: int, seats: list[tuple]) -> None:
        order = self.insert(
            "INSERT INTO orders (customer_id, event_id, created_at, status, total_cents) "
            f"VALUES ({customer}, {event}, {self.stamp()}, 'paid', "
            f"{sum(price for _, price in seats)})")
        for seat, _ in seats:
            self.insert("INSERT INTO tickets (order_id, seat_id, event_id, barcode, scanned_at) "
                        f"VALUES ({order}, {seat}, {event}, "
                        f"{text(f'{self.rng.getrandbits(64):016x}')}, NULL)")
            self.run(f"UPDATE seats SET status = 'sold' WHERE id = {seat}")
            self.run(f"DELETE FROM holds WHERE seat_id = {seat} AND customer_id = {customer}")

    def _release(self, held: Iterable[tuple[int, tuple]]) -> None:
        for hold, (seat, _) in held:
            self.run(f"DELETE FROM holds WHERE id = {hold}")
            self.run(f"UPDATE seats SET status = 'available' WHERE id = {seat}")

    def account(self) -> None:
        """A customer's recent orders and one order's tickets; now and then the refund
        of an upcoming event's order, its seats back on sale."""
        customer = self.customer()
        orders = self.run(
            "SELECT o.id, o.created_at, o.status, o.total_cents, e.title, e.starts_at, v.name "
            "FROM orders o JOIN events e ON e.id = o.event_id JOIN venues v "
            f"ON v.id = e.venue_id WHERE o.customer_id = {customer} "
            "ORDER BY o.created_at DESC LIMIT 10")
        if not orders:
            return
        shown = self.rng.choice(orders)[0]
        self.run("SELECT t.id, t.barcode, s.section, s.row_no, s.seat_no FROM tickets t "
                 f"JOIN seats s ON s.id = t.seat_id WHERE t.order_id = {shown}")
        now = build.stamp(self.now)
        refundable = [row[0] for row in orders if row[2] == "paid" and row[5] > now]
        if refundable and self.rng.random() < REFUND_SHARE:
            order = self.rng.choice(refundable)

            def refund() -> None:
                self.run(f"UPDATE orders SET status = 'refunded' WHERE id = {order}")
                self.run("UPDATE seats SET status = 'available' WHERE id IN "
                         f"(SELECT seat_id FROM tickets WHERE order_id = {order})")

            self.transaction(refund)

    def door(self) -> None:
        """A ticket scanned at the door of one of tonight's events: let in once."""
        if not self.barcodes:
            return
        code = (f"{self.rng.getrandbits(64):016x}" if self.rng.random() < FORGED_SHARE
                else self.rng.choice(self.barcodes))
        found = self.run(f"SELECT id, event_id, scanned_at FROM tickets WHERE barcode = "
                         f"{text(code)}")
        if found and found[0][2] is None:
            self.run(f"UPDATE tickets SET scanned_at = {self.stamp()} WHERE id = {found[0][0]}")

    def promoter(self) -> None:
        """A promoter's dashboard: their events of the last month on, sales and takings
        per event; then one upcoming event's latest orders, seats sold by section and,
        now and then, the contact list of its buyers."""
        promoter = self.promoters.draw(self.rng)
        since = self.stamp(self.now - dt.timedelta(days=30))
        events = self.run("SELECT id, title, starts_at, status FROM events "
                          f"WHERE organizer_id = {promoter} AND starts_at >= {since} "
                          "ORDER BY starts_at")
        self.run("SELECT e.id, e.title, count(t.id) AS sold, sum(s.price_cents) AS gross "
                 "FROM events e JOIN tickets t ON t.event_id = e.id JOIN seats s "
                 f"ON s.id = t.seat_id WHERE e.organizer_id = {promoter} "
                 f"AND e.starts_at >= {since} GROUP BY e.id, e.title ORDER BY e.starts_at")
        upcoming = [row[0] for row in events if row[3] in ("onsale", "soldout")]
        if not upcoming:
            return
        event = self.rng.choice(upcoming)
        self.run("SELECT o.id, o.created_at, o.total_cents, c.email FROM orders o "
                 f"JOIN customers c ON c.id = o.customer_id WHERE o.event_id = {event} "
                 f"ORDER BY o.created_at DESC LIMIT 25 OFFSET {self.rng.choice((0, 0, 25, 50))}")
        self.run(f"SELECT section, count(*) FROM seats WHERE event_id = {event} "
                 "AND status = 'sold' GROUP BY section")
        if self.rng.random() < 0.3:
            self.run("SELECT c.id, c.name, c.email FROM customers c WHERE c.id IN "
                     "(SELECT o.customer_id FROM orders o "
                     f"WHERE o.event_id = {event} AND o.status = 'paid')")

    def back_office(self) -> None:
        """One of: the sweep of expired holds (their seats back on sale), a venue's live
        holds, a week's takings by day, a sold-out check, a sign-up."""
        task = self.rng.choices(("sweep", "venue", "takings", "sold-out", "sign-up"),
                                (35, 20, 15, 15, 15))[0]
        now = self.stamp()
        if task == "sweep":
            def sweep() -> None:
                self.run("UPDATE seats SET status = 'available' WHERE id IN "
                         f"(SELECT seat_id FROM holds WHERE expires_at <= {now})")
                self.run(f"DELETE FROM holds WHERE expires_at <= {now}")

            self.transaction(sweep)
        elif task == "venue":
            self.run("SELECT e.id, e.title, e.starts_at, count(h.id) FROM events e JOIN holds h "
                     f"ON h.event_id = e.id WHERE e.venue_id = {self.venues.draw(self.rng)} "
                     f"AND h.expires_at > {now} GROUP BY e.id, e.title, e.starts_at")
        elif task == "takings":
            day = self.now.date() - dt.timedelta(days=self.rng.randint(7, 60))
            self.run("SELECT date(created_at) AS day, count(*), sum(total_cents) FROM orders "
                     f"WHERE created_at >= {text(day.isoformat())} "
                     f"AND created_at < {text((day + dt.timedelta(days=7)).isoformat())} "
                     "AND status = 'paid' GROUP BY date(created_at)")
        elif task == "sold-out":
            event = self.event()
            if event is None:
                return
            left = self.run(f"SELECT count(*) FROM seats WHERE event_id = {event} "
                            "AND status IN ('available', 'held')")
            if left[0][0] == 0:
                self.run(f"UPDATE events SET status = 'soldout' WHERE id = {event} "
                         "AND status = 'onsale'")
        else:
            first, last = self.rng.choice(build.FIRST_NAMES), self.rng.choice(build.LAST_NAMES)
            email = f"{first.lower()}.{last.lower()}.{self.rng.getrandbits(32)}@mail.example"
            self.insert("INSERT INTO customers (email, name, city, created_at) VALUES "
                        f"({text(email)}, {text(f'{first} {last}')}, "
                        f"{text(self.rng.choice(build.CITIES))}, {now})")


SESSIONS: dict[str, Callable[[BoxOffice], None]] = {
    "browse": BoxOffice.browse, "buy": BoxOffice.buy, "account": BoxOffice.account,
    "door": BoxOffice.door, "promoter": BoxOffice.promoter,
    "back-office": BoxOffice.back_office}


def write_log(path: Path, database: Path, scale, sessions: int,
              seed: int = DEFAULT_SEED) -> int:
    """Run ``sessions`` sessions on a copy of ``database`` and write the log; returns the
    number of statements."""
    office = run_mix(database, lambda connection: BoxOffice(connection, seed),
                     BoxOffice.session, MIX, sessions)
    return write_sql_log(path, f"Event ticketing, {scale.events} events, {sessions} sessions, "
                         f"seed {seed}: written by workloads/tickets/generate.py", office.log)


def main() -> None:
    generate_command(sys.modules[__name__], build, "sessions", DEFAULT_SESSIONS, DEFAULT_SEED)


if __name__ == "__main__":
    main()
