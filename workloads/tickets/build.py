"""Build the event-ticketing database: seeded, skewed, primary keys only.

    python workloads/tickets/build.py                  # prints the database's path
    python workloads/tickets/build.py --events 40 --venues 6 --organizers 5 --customers 300

The database is made once and cached outside the repository:
``$ADVISOR_CACHE_DIR/workloads``, else ``$XDG_CACHE_HOME/advisor/workloads`` or
``~/.cache/advisor/workloads``, named ``tickets-e<E>-<hash>.sqlite`` where the
hash covers schema.sql, the scale, the seed and this builder's version.

What it holds (``Scale``): venues in (up to) 25 cities, a few holding most of
them; events over the ``DAYS_PAST`` days before the database's day (``NOW``)
and the ``DAYS_AHEAD`` after, their ids in the order of their dates, at venues
and by organizers drawn with Zipf weights, so that a few venues and promoters
have most of the events. An event has a seat per place of its venue, made with
it (so an event's seats are neighbours in the table), in ten sections priced
by nearness, 20 to a row. Past events are completed (3% cancelled) with half
to 95% of their seats sold; upcoming ones are on sale (5% to 80% sold), sold
out or drafts. Sold seats are grouped into orders of one to four tickets by
customers drawn with Zipf weights (a few buy often, most rarely), in the weeks
before the event; order and ticket ids follow the orders' dates, as an
autoincrement gives them. 1% of an on-sale event's unsold seats are held (in
``holds``) by checkouts of the last twenty minutes, a quarter of them expired.
No ANALYZE is run.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workloads/
from workload_scripts import Skewed, build_command, building, insert_rows, seeded_database

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "schema.sql"
BUILD_VERSION = 1  # bump when the same inputs would give other contents
DEFAULT_SEED = 11
NOW = dt.datetime(2026, 3, 14, 12, 0, 0)  # the database's day: what is past, what on sale
DAYS_PAST, DAYS_AHEAD = 500, 240
CITIES = ("London", "Berlin", "Paris", "Madrid", "Rome", "Vienna", "Prague", "Lisbon",
          "Dublin", "Amsterdam", "Brussels", "Oslo", "Stockholm", "Helsinki", "Warsaw",
          "Budapest", "Zurich", "Milan", "Munich", "Hamburg", "Lyon", "Porto", "Seville",
          "Krakow", "Copenhagen")
CATEGORIES = ("concert", "theatre", "sport", "comedy", "conference", "festival")
VENUE_KINDS = ("Hall", "Arena", "Club", "Theatre", "Stage", "Forum")
FIRST_NAMES = ("Ada", "Ben", "Carla", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo",
               "Kemal", "Lea", "Mo", "Nina", "Omar", "Pia", "Quinn", "Rosa", "Sven", "Tara")
LAST_NAMES = ("Adler", "Brandt", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Horvat",
              "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "Olsen", "Petrov",
              "Rossi", "Silva", "Weber", "Young")
SECTIONS = "ABCDEFGHJK"  # nearest the stage first: dearest first
SEATS_PER_ROW = 20
HOLD_MINUTES = 15  # how long a checkout keeps its seats
HELD_SHARE = 0.01  # of an on-sale event's unsold seats, held when the database is taken
TICKETS_PER_ORDER = ((1, 25), (2, 45), (3, 15), (4, 15))  # tickets, weight


@dataclass(frozen=True)
class Scale:
    venues: int = 240
    organizers: int = 300
    events: int = 3_000
    customers: int = 60_000
    max_capacity: int = 600  # seats of the largest venue


TINY = Scale(venues=6, organizers=5, events=40, customers=300, max_capacity=80)


def database(scale: Scale = Scale(), seed: int = DEFAULT_SEED, folder: Path | None = None,
             log=print) -> Path:
    """The database at ``scale``: the cached one, or built now."""
    return seeded_database("tickets", f"e{scale.events}", BUILD_VERSION, SCHEMA, build, scale, seed,
                           folder, log)


# --- values --------------------------------------------------------------------------


def stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S")


def shuffled(rng: random.Random, count: int) -> list[int]:
    """Ids 1..count in a random order: who is busy has nothing to do with its id."""
    ids = list(range(1, count + 1))
    rng.shuffle(ids)
    return ids


def sold_share(rng: random.Random, status: str) -> float:
    """How much of an event's house is sold, by where the event stands."""
    if status in ("completed", "cancelled"):
        return rng.uniform(0.5, 0.95)
    if status == "onsale":
        return rng.uniform(0.05, 0.8)
    return 1.0 if status == "soldout" else 0.0


def event_status(rng: random.Random, starts: dt.datetime) -> str:
    if starts < NOW:
        return "cancelled" if rng.random() < 0.03 else "completed"
    return rng.choices(("onsale", "soldout", "draft"), (85, 7, 8))[0]


# --- rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    id: int
    venue: int
    starts: dt.datetime
    status: str
    base_cents: int  # the cheapest section's price


def build(path: Path, scale: Scale, seed: int = DEFAULT_SEED, log=print) -> None:
    rng = random.Random(f"tickets-build/{seed}")
    with building(path, SCHEMA, "tickets", log) as connection:
        cities = Skewed(range(len(CITIES)), 1.1)
        capacities = [min(scale.max_capacity, int(40 * rng.paretovariate(1.6)))
                      for _ in range(scale.venues)]
        insert_rows(connection, "venues", _venues(rng, capacities, cities))
        insert_rows(connection, "organizers", _organizers(scale))
        insert_rows(connection, "customers", _customers(rng, scale, cities))
        events = _events(rng, scale)
        insert_rows(connection, "events", (
            (e.id, e.venue, organizer, f"{category.title()} night {e.id}", category,
             stamp(e.starts), e.status) for e, organizer, category in events))
        buyers = Skewed(shuffled(rng, scale.customers), 0.6)
        orders = []
        seat = 0
        for event, _, _ in events:
            seats = _seats(rng, event, capacities[event.venue - 1], seat)
            seat += len(seats)
            insert_rows(connection, "seats", seats)
            orders += _orders(rng, event, seats, buyers)
            insert_rows(connection, "holds", _holds(rng, event, seats, buyers))
        _insert_orders(connection, rng, orders)


def _venues(rng: random.Random, capacities: list[int], cities: Skewed) -> Iterator[tuple]:
    for venue, capacity in enumerate(capacities, 1):
        yield (venue, f"{rng.choice(VENUE_KINDS)} {venue}", CITIES[cities.draw(rng)],
               capacity)


def _organizers(scale: Scale) -> Iterator[tuple]:
    for organizer in range(1, scale.organizers + 1):
        yield organizer, f"Promoter {organizer}", f"booking{organizer}@promoter.example"


def _customers(rng: random.Random, scale: Scale, cities: Skewed) -> Iterator[tuple]:
    for customer in range(1, scale.customers + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        joined = NOW - dt.timedelta(minutes=rng.randrange(1500 * 24 * 60))
        yield (customer, f"{first.lower()}.{last.lower()}.{customer}@mail.example",
               f"{first} {last}", CITIES[cities.draw(rng)] if rng.random() < 0.9 else None,
               stamp(joined))


def _events(rng: random.Random, scale: Scale) -> list[tuple[Event, int, str]]:
    """The events with their organizer and category, ids in the order of their dates."""
    venues = Skewed(shuffled(rng, scale.venues), 0.9)
    organizers = Skewed(shuffled(rng, scale.organizers), 1.0)
    drafted = []
    for _ in range(scale.events):
        day = NOW.date() + dt.timedelta(days=rng.randint(-DAYS_PAST, DAYS_AHEAD))
        starts = dt.datetime.combine(day, dt.time(rng.choice((18, 19, 20, 21))))
        drafted.append((starts, venues.draw(rng), organizers.draw(rng),
                        rng.choice(CATEGORIES), event_status(rng, starts),
                        rng.choice((2500, 4000, 6000, 9000))))
    drafted.sort(key=lambda row: row[0])  # stable: ties keep the order they were drawn in
    return [(Event(number, venue, starts, status, base), organizer, category)
            for number, (starts, venue, organizer, category, status, base)
            in enumerate(drafted, 1)]


def _seats(rng: random.Random, event: Event, capacity: int, last_id: int) -> list[list]:
    """The event's house: ids after ``last_id``; each seat available, held or sold."""
    share = sold_share(rng, event.status)
    seats = []
    for place in range(capacity):
        section = place * len(SECTIONS) // capacity
        price = event.base_cents * (20 - section) // 10 + rng.randrange(0, 1000, 250)
        status = "sold" if rng.random() < share else "available"
        if status == "available" and event.status == "onsale" and rng.random() < HELD_SHARE:
            status = "held"
        seats.append([last_id + place + 1, event.id, SECTIONS[section],
                      place // SEATS_PER_ROW + 1, place % SEATS_PER_ROW + 1, price, status])
    return seats


def _orders(rng: random.Random, event: Event, seats: list[list],
            buyers: Skewed) -> list[tuple[dt.datetime, int, Event, str, list[list]]]:
    """The event's sold seats as orders: (when, customer, event, status, seats)."""
    sold = [seat for seat in seats if seat[6] == "sold"]
    sizes, weights = zip(*TICKETS_PER_ORDER, strict=True)
    orders = []
    start = 0
    while start < len(sold):
        size = rng.choices(sizes, weights)[0]
        when = event.starts - dt.timedelta(minutes=int(rng.expovariate(1 / (35 * 24 * 60))))
        if when > NOW:  # an upcoming event's orders were all placed before the database's day
            when = NOW - dt.timedelta(minutes=rng.randrange(1, 30 * 24 * 60))
        refunded = event.status == "cancelled" or rng.random() < 0.01
        orders.append((when, buyers.draw(rng), event, "refunded" if refunded else "paid",
                       sold[start:start + size]))
        start += size
    return orders


def _holds(rng: random.Random, event: Event, seats: list[list],
           buyers: Skewed) -> Iterator[tuple]:
    """Holds of the held seats, by checkouts of the last twenty minutes (ids are the
    table's own: holds come and go)."""
    for seat in seats:
        if seat[6] == "held":
            made = NOW - dt.timedelta(seconds=rng.randrange(20 * 60))
            yield (None, seat[0], event.id, buyers.draw(rng), stamp(made),
                   stamp(made + dt.timedelta(minutes=HOLD_MINUTES)))


def _insert_orders(connection: sqlite3.Connection, rng: random.Random,
                   orders: list[tuple[dt.datetime, int, Event, str, list[list]]]) -> None:
    """Orders and their tickets, ids in the order of the orders' dates. A completed
    event's tickets were scanned at the door, nine in ten of them."""
    orders.sort(key=lambda order: order[0])
    rows, tickets = [], []
    for number, (when, customer, event, status, seats) in enumerate(orders, 1):
        rows.append((number, customer, event.id, stamp(when), status,
                     sum(seat[5] for seat in seats)))
        for seat in seats:
            scanned = None
            if event.status == "completed" and rng.random() < 0.9:
                scanned = stamp(event.starts + dt.timedelta(minutes=rng.randint(-60, 30)))
            tickets.append((len(tickets) + 1, number, seat[0], event.id,
                            f"{rng.getrandbits(64):016x}", scanned))
    insert_rows(connection, "orders", rows)
    insert_rows(connection, "tickets", tickets)


def main() -> None:
    build_command(sys.modules[__name__])


if __name__ == "__main__":
    main()
