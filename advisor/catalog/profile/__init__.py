"""Scale profiles: how many rows each table holds and how those rows are shaped.

A profile is a TOML file (format in ``docs/profile-format.md``) that states a
database's size without the database: rows per table, rows per parent row
(jobs per workflow), the shape of dependency tables, value mixes and distinct
counts per column, and groups of parent rows that differ from the rest (one
huge workflow among many small ones).

- :mod:`~advisor.catalog.profile.values`: the profile as frozen values, and
  the sizes it implies (what the statistics stage reads);
- :mod:`~advisor.catalog.profile.reader`: TOML text → a validated profile;
- :mod:`~advisor.catalog.profile.sampling`: the draws that turn its shapes into
  concrete counts and values (what synthesisers and simulators use).

>>> p = parse_profile('''
... [profile]
... name = "shop"
... [tables.customer]
... rows = 100
... [tables.order]
... parent = "customer"
... per_parent = { distribution = "poisson", mean = 3 }
... ''')
>>> p.table_rows()
{'customer': 100, 'order': 300}
"""

from advisor.catalog.profile.reader import load_profile, parse_profile
from advisor.catalog.profile.values import (
    ColumnHint,
    Distribution,
    GraphShape,
    Group,
    Profile,
    Reference,
    RowsPerParent,
    TableSpec,
)

__all__ = [
    "ColumnHint",
    "Distribution",
    "GraphShape",
    "Group",
    "Profile",
    "Reference",
    "RowsPerParent",
    "TableSpec",
    "load_profile",
    "parse_profile",
]
