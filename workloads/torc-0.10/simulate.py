"""Simulate a Torc v0.10.0 server's SQLite database and capture its query logs.

workloads/torc's simulator (its plan, clients, runners and capture) with this
folder's profile and migrations and :class:`torc010_server.TorcServer010`
behind the same API calls; writes workload.log and workload.sqlx.log here.
Options as workloads/torc/simulate.py's (``--scale 0.01 --out-dir /tmp/x``).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "torc"))  # the shared simulator, ahead of this folder

from simulate import Revision, main  # noqa: E402
from torc010_server import TorcServer010  # noqa: E402

V0_10_0 = Revision(HERE, TorcServer010)

if __name__ == "__main__":
    sys.exit(main(revision=V0_10_0))
