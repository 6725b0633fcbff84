"""advisor: a workload-driven index advisor for SQLite with a workload replay engine."""

__version__ = "0.1.0"
