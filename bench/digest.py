"""Digest throughput: lines per second and peak memory of ``advisor digest``.

On a generated Torc-like log (bench/synthlog.py; cached in bench/out/) it times,
in one run and each as its own process so that memory is per tool:

* the floor: a plain Python loop that only reads the lines;
* ``advisor digest`` with one and with two workers, on the log as plain SQL and
  as sqlite3 trace output;
* ``pt-query-digest --type rawlog`` on the plain SQL form.

Rounds interleave the tools, so the ratios compare runs made under the same
load; the median of ``--repeat`` rounds is reported. It then checks the digest
against the generator's answer key and writes its section of docs/benchmarks.md.

    python bench/digest.py [--lines 1000000] [--out docs/benchmarks.md] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import benchdoc
import synthlog

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
BEGIN_MARK, END_MARK = benchdoc.markers("digest")
TARGET_LINES_PER_S = 300_000
TARGET_RSS_MB = 100
SAMPLE_SECONDS = 0.02
NOISY_CORES = 0.25  # other load above this many cores gets a warning in the report
FLOOR_CODE = "import sys\nn = 0\nfor line in open(sys.argv[1], 'rb'):\n    n += 1\nprint(n)\n"


# --- measuring ----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One command to time on ``lines`` lines of a log."""

    label: str
    form: str
    workers: int | None
    lines: int
    path: Path  # the log it reads
    argv: list[str]

    @property
    def is_advisor(self) -> bool:
        return self.workers is not None


@dataclass
class Run:
    wall_s: float
    cpu_s: float  # user + system time of all its processes
    others_cores: float  # cores kept busy by other processes meanwhile, on average
    max_rss_kb: int  # the largest single process
    tree_rss_kb: int  # all its processes at once (sampled)


@dataclass
class Result:
    """A case's runs and their medians."""

    case: Case
    runs: list[Run] = field(default_factory=list)

    @property
    def wall_s(self) -> float:
        return statistics.median(r.wall_s for r in self.runs)

    @property
    def lines_per_s(self) -> float:
        return self.case.lines / self.wall_s

    @property
    def best_lines_per_s(self) -> float:
        return self.case.lines / min(r.wall_s for r in self.runs)

    @property
    def lines_per_cpu_s(self) -> float:
        return self.case.lines / statistics.median(r.cpu_s for r in self.runs)

    @property
    def others_cores(self) -> float:
        return statistics.median(r.others_cores for r in self.runs)

    @property
    def max_rss_mb(self) -> float:
        return max(r.max_rss_kb for r in self.runs) / 1024

    @property
    def tree_rss_mb(self) -> float:
        return max(max(r.tree_rss_kb, r.max_rss_kb) for r in self.runs) / 1024


def _children(pid: int) -> Iterator[int]:
    """Every descendant of ``pid`` (Linux /proc)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                kids = [int(k) for k in handle.read().split()]
        except OSError:
            continue
        for kid in kids:
            yield kid
            yield from _children(kid)


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def busy_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat)."""
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _sample_tree(pid: int, stop: threading.Event, peak: list[int], wrapped: bool) -> None:
    """Keep in ``peak[0]`` the largest summed RSS of ``pid`` and its descendants
    (only of its descendants when ``pid`` is the /usr/bin/time wrapping them)."""
    while not stop.wait(SAMPLE_SECONDS):
        total = sum(_rss_kb(kid) for kid in _children(pid))
        peak[0] = max(peak[0], total if wrapped else total + _rss_kb(pid))


# A child exec'd from this (large) Python process inherits its RSS high-water mark
# in ru_maxrss; /usr/bin/time forks from a small process, so its %M is the tool's own.
TIME = "/usr/bin/time"
TIME_FORMAT = "%M %U %S"


def measure(argv: list[str]) -> Run:
    """Run ``argv`` with output to /dev/null; its wall and CPU time and peak memory."""
    wrapped = os.access(TIME, os.X_OK)
    peak = [0]
    stop = threading.Event()
    with tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile("r") as stats:
        command = [TIME, "-f", TIME_FORMAT, "-o", stats.name, *argv] if wrapped else argv
        busy_before = busy_cpu_s()
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        sampler = threading.Thread(target=_sample_tree, args=(proc.pid, stop, peak, wrapped),
                                   daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        busy = busy_cpu_s() - busy_before
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {message}")
        if wrapped:
            max_rss, user, system = stats.read().split()[-3:]
            max_rss_kb, cpu = int(max_rss), float(user) + float(system)
        else:
            max_rss_kb, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    return Run(wall, cpu, max(0.0, (busy - cpu) / wall), max_rss_kb, peak[0])


def advisor_argv() -> list[str]:
    """The ``advisor`` command of the interpreter running this script."""
    script = Path(sys.executable).parent / "advisor"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from advisor.cli import main; sys.exit(main())"]


def pt_query_digest() -> str | None:
    return shutil.which("pt-query-digest")


def prefix_file(path: Path, lines: int) -> Path:
    """The first ``lines`` lines of ``path`` (written once, beside it)."""
    target = path.with_name(f"{path.stem}.head{lines}{path.suffix}")
    if not target.exists():
        with open(path, "rb") as source, tempfile.NamedTemporaryFile(
                "wb", dir=path.parent, delete=False) as out:
            out.writelines(itertools.islice(source, lines))
        os.replace(out.name, target)
    return target


def build_cases(log: synthlog.GeneratedLog, pt_lines: int) -> tuple[list[Case], str | None]:
    """The commands to time, and a note when pt-query-digest cannot be run."""
    forms = {"sql": log.sql_path, "trace": log.trace_path}
    cases = [Case("floor: Python line loop", "sql", None, log.lines, log.sql_path,
                  [sys.executable, "-c", FLOOR_CODE, str(log.sql_path)])]
    for form, path in forms.items():
        for workers in (1, 2):
            cases.append(Case(f"advisor digest --workers {workers}", form, workers, log.lines,
                              path, [*advisor_argv(), "digest", str(path), "--format", "json",
                                     "--workers", str(workers)]))
    pt = pt_query_digest()
    if pt is None:
        return cases, ("pt-query-digest is not installed (Debian package percona-toolkit): "
                       "no comparison in this run")
    pt_path = log.sql_path if pt_lines >= log.lines else prefix_file(log.sql_path, pt_lines)
    cases.append(Case("pt-query-digest --type rawlog", "sql", None, min(pt_lines, log.lines),
                      pt_path, [pt, "--type", "rawlog", str(pt_path)]))
    return cases, None


def wait_quiet(limit_s: float) -> None:
    """Wait, at most ``limit_s`` seconds, until other processes leave the cores alone."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        before = busy_cpu_s()
        time.sleep(1.0)
        if busy_cpu_s() - before < NOISY_CORES:
            return


def warm(path: Path) -> None:
    """Read a file once so that every tool finds it in the page cache."""
    with open(path, "rb") as handle:
        while handle.read(8 << 20):
            pass


def run_rounds(cases: list[Case], repeat: int, settle_s: float) -> list[Result]:
    """``repeat`` rounds, each running every case once, in order."""
    results = [Result(case) for case in cases]
    for round_no in range(1, repeat + 1):
        for result in results:
            wait_quiet(settle_s)
            warm(result.case.path)
            run = measure(result.case.argv)
            result.runs.append(run)
            print(f"  round {round_no}: {result.case.label:<34} {result.case.form:<5} "
                  f"{run.wall_s:7.2f} s  {result.case.lines / run.wall_s:>9,.0f} lines/s  "
                  f"cpu {run.cpu_s:6.2f} s  others {run.others_cores:4.2f} cores  "
                  f"{run.max_rss_kb / 1024:6.1f} MB  (all processes {run.tree_rss_kb / 1024:.1f})",
                  flush=True)
    return results


def startup_seconds(repeat: int) -> float:
    """advisor's fixed cost: the median time to digest a one-line log."""
    path = OUT_DIR / "one-line.log"
    path.write_text("SELECT 1\n")
    argv = [*advisor_argv(), "digest", str(path), "--format", "json"]
    return statistics.median(measure(argv).wall_s for _ in range(repeat))


# --- checking the digest --------------------------------------------------------------


def digest_json(path: Path, workers: int) -> dict[str, Any]:
    out = subprocess.run([*advisor_argv(), "digest", str(path), "--format", "json",
                          "--workers", str(workers)], check=True, capture_output=True)
    return json.loads(out.stdout)


def check_digest(log: synthlog.GeneratedLog, form: str, doc: dict[str, Any]) -> list[str]:
    """Differences between a digest document and the generator's answer key."""
    problems: list[str] = []
    totals = doc["totals"]
    want_totals = {"lines": log.lines, "statements": log.lines, "unreadable": 0, "skipped": 0}
    if form == "trace":
        want_totals["timed_statements"] = log.lines
    for key, want in want_totals.items():
        if totals[key] != want:
            problems.append(f"totals.{key} is {totals[key]}, expected {want}")
    expected = synthlog.expected_templates()
    by_text = {t["sql"]: t for t in doc["templates"]}
    for name, text in expected.items():
        found = by_text.pop(text, None)
        if found is None:
            problems.append(f"template {name!r} missing: expected {text!r}")
            continue
        if found["count"] != log.counts[name]:
            problems.append(f"template {name!r}: count {found['count']}, "
                            f"expected {log.counts[name]}")
        if form == "trace" and abs(found["total_ms"] * 1e6 - log.total_ns[name]) > 2:
            problems.append(f"template {name!r}: total_ms {found['total_ms']}, "
                            f"expected {log.total_ns[name] / 1e6}")
        for sample in found["samples"]:
            origin = log.template_of_line(sample["line"])
            if origin != name:
                problems.append(f"template {name!r}: sample at line {sample['line']} "
                                f"was generated by {origin!r}")
    for text, extra in by_text.items():
        origins = sorted({log.template_of_line(s["line"]) for s in extra["samples"]})
        example = extra["samples"][0]["sql"]
        problems.append(f"unexpected template {text!r} (count {extra['count']}), "
                        f"from generator template(s) {origins}, e.g. {example!r}")
    if len(doc["templates"]) != len(expected):
        problems.append(f"{len(doc['templates'])} templates, expected {len(expected)}")
    return problems


def _comparable(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted((t["id"], t["count"], t["total_ms"], tuple(s["line"] for s in t["samples"]))
                  for t in doc["templates"])


def verify(log: synthlog.GeneratedLog) -> tuple[list[str], int]:
    """Check digests of both forms with one and two workers; problems and templates found."""
    problems: list[str] = []
    found = 0
    for form, path in (("sql", log.sql_path), ("trace", log.trace_path)):
        docs = {workers: digest_json(path, workers) for workers in (1, 2)}
        for workers, doc in docs.items():
            problems += [f"{form}, --workers {workers}: {p}" for p in check_digest(log, form, doc)]
            found = max(found, len(doc["templates"]))
        if _comparable(docs[1]) != _comparable(docs[2]):
            problems.append(f"{form}: --workers 1 and --workers 2 digests differ")
    return problems, found


# --- reporting ----------------------------------------------------------------------


def machine() -> dict[str, str]:
    """The machine, and the pt-query-digest version compared against."""
    pt = pt_query_digest()
    pt_version = (subprocess.run([pt, "--version"], capture_output=True, text=True).stdout.strip()
                  if pt else "not installed")
    return {**benchdoc.machine(),
            "pt-query-digest": pt_version.removeprefix("pt-query-digest ").strip(),
            "advisor": advisor_revision()}


LOADED_MODULES = """
import sys, advisor.cli
for module in list(sys.modules.values()):
    if module.__name__.startswith("advisor") and getattr(module, "__file__", None):
        print(module.__file__)
"""


def advisor_sources() -> dict[str, str]:
    """A hash of each advisor module the command line loads, to notice code changing
    under a run."""
    out = subprocess.run([sys.executable, "-c", LOADED_MODULES], capture_output=True,
                         text=True, check=True).stdout
    return {os.path.relpath(path, ROOT): hashlib.sha1(Path(path).read_bytes()).hexdigest()
            for path in sorted(out.split())}


def advisor_revision() -> str:
    """The commit the measured code is at, marked when advisor/ has uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True,
                              text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" with uncommitted changes" if git("status", "--porcelain", "advisor")
                     else "")


def _rss_source() -> str:
    if os.access(TIME, os.X_OK):
        return "/usr/bin/time's maximum resident set size"
    return ("wait4's ru_maxrss, which never reads below this script's own RSS: install "
            "Debian's `time` for the tool's own")


def _ratio(value: float, base: float | None) -> str:
    return "" if not base else f"{value / base:.1f}"


def render_section(results: list[Result], log: synthlog.GeneratedLog, args: argparse.Namespace,
                   info: dict[str, str], when: str, startup: float, notes: list[str],
                   check: tuple[list[str], int]) -> str:
    """The markdown of the section between the markers."""
    floor = next(r for r in results if r.case.label.startswith("floor"))
    pt = next((r for r in results if r.case.label.startswith("pt-query-digest")), None)
    command = f"python bench/digest.py --lines {args.lines} --repeat {args.repeat}"
    if args.seed != 1:
        command += f" --seed {args.seed}"
    if args.pt_lines is not None:
        command += f" --pt-lines {args.pt_lines}"
    if args.settle:
        command += f" --settle {args.settle:g}"
    sizes = ", ".join(f"{form} {path.stat().st_size / 2**20:.0f} MiB"
                      for form, path in (("sql", log.sql_path), ("trace", log.trace_path)))
    out = [
        BEGIN_MARK,
        "## Digest throughput",
        "",
        f"Measured {when}, advisor at commit {info['advisor']}, on {info['cores']} cores of "
        f"{info['cpu']}, {info['memory']}, "
        f"Python {info['python']}, SQLite {info['sqlite']}, pt-query-digest "
        f"{info['pt-query-digest']}; load average at the start {info['load']}. Regenerate with:",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Input: {log.lines:,} lines generated by `bench/synthlog.py` (seed {log.seed}): "
        f"{synthlog.describe()['templates']} Torc-like templates in "
        f"{synthlog.describe()['operations']} server operations with a skewed mix, literal "
        "values redrawn per line, IN lists and multi-row VALUES of varying length, quoted "
        f"strings with `''`, `--` and non-ASCII text ({sizes}). Each tool runs as its own "
        f"process, output to /dev/null, its input read once just before (in the page "
        f"cache); medians of {args.repeat} interleaved rounds (`best`: the fastest round). "
        "`% floor`: the tool's rate as a share of the floor's; `× pt`: its rate over "
        "pt-query-digest's; both from this run. `lines/CPU s` divides by the CPU time of all "
        "the run's processes, which other load on the machine hardly changes; `others` is "
        "how many cores other processes kept busy during the run. Memory: the largest single "
        f"process ({_rss_source()}), and all of a run's processes together (their RSS "
        f"summed, sampled every {SAMPLE_SECONDS * 1000:.0f} ms; shared pages count once per "
        "process).",
        "",
        "| tool | log form | lines | median s | lines/s | best lines/s | % floor | × pt | "
        "lines/CPU s | others | peak RSS MB | all processes MB |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        out.append(
            f"| {r.case.label} | {r.case.form} | {r.case.lines:,} | {r.wall_s:.2f} | "
            f"{r.lines_per_s:,.0f} | {r.best_lines_per_s:,.0f} | "
            f"{100 * r.lines_per_s / floor.lines_per_s:.1f} | "
            f"{_ratio(r.lines_per_s, pt.lines_per_s if pt else None)} | "
            f"{r.lines_per_cpu_s:,.0f} | {r.others_cores:.2f} | {r.max_rss_mb:.1f} | "
            f"{r.tree_rss_mb:.1f} |")
    out += ["", f"advisor's fixed start-up cost (digesting a one-line log): {startup:.2f} s, "
            "included in its times above.", ""]
    out += _target_lines(results)
    busiest = max(r.others_cores for r in results)
    if busiest >= NOISY_CORES:
        out += ["", f"Other processes kept up to {busiest:.1f} cores busy during these runs "
                "(median per row in `others`): wall times, and most of all the two-worker "
                "ones, are slower than on a quiet machine; `lines/CPU s` is the steadier "
                "figure."]
    problems, found = check
    expected = len(synthlog.TEMPLATES)
    if problems:
        out += ["", f"Correctness: **{len(problems)} difference(s)** from the generator's answer "
                "key (run the script for the list)."]
    else:
        out += ["", f"Correctness: on both forms, with one and two workers, the digest finds "
                f"{found} templates, the {expected} generated (IN lists, multi-row VALUES, NULL "
                "or negative values and other clients' case and spacing fold as they should), "
                "with each template's count and, for the trace form, its total time equal to "
                "the generator's; samples point at lines of their own template; one and two "
                "workers give the same digest."]
    out += [f"\nNote: {note}" for note in notes]
    out.append(END_MARK)
    return "\n".join(out) + "\n"


def _target_lines(results: list[Result]) -> list[str]:
    """Whether the target was met, per log form."""
    lines = [f"Target: at least {TARGET_LINES_PER_S:,} lines/s with all processes under "
             f"{TARGET_RSS_MB} MB of RSS."]
    for form in ("sql", "trace"):
        best = max((r for r in results if r.case.is_advisor and r.case.form == form),
                   key=lambda r: r.lines_per_s)
        met = best.lines_per_s >= TARGET_LINES_PER_S and best.tree_rss_mb < TARGET_RSS_MB
        lines.append(f"- {form}: {best.lines_per_s:,.0f} lines/s (median; fastest round "
                     f"{best.best_lines_per_s:,.0f}) with --workers {best.case.workers}, "
                     f"{best.tree_rss_mb:.0f} MB: "
                     f"**{'met' if met else 'not met'}**"
                     + ("" if met else f" ({best.lines_per_s / TARGET_LINES_PER_S:.0%} of the "
                        "rate)") + ".")
    return lines


def profile(log: synthlog.GeneratedLog, top: int) -> None:
    """cProfile one single-worker digest of the trace form; print the top functions."""
    import pstats

    stats_path = OUT_DIR / "digest-trace-w1.prof"
    script = advisor_argv()
    if len(script) != 1:
        raise SystemExit("--profile needs the advisor console script beside this Python")
    subprocess.run([sys.executable, "-m", "cProfile", "-o", str(stats_path), script[0],
                    "digest", str(log.trace_path), "--format", "json", "--workers", "1"],
                   check=True, stdout=subprocess.DEVNULL)
    pstats.Stats(str(stats_path)).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md",
                        help="the markdown file whose digest section is rewritten")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pt-lines", type=int, default=None,
                        help="time pt-query-digest on this prefix only (default: all lines)")
    parser.add_argument("--settle", type=float, default=0, metavar="SECONDS",
                        help="before each run, wait up to this long for other processes "
                             "to go quiet (a shared machine)")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="also cProfile a --workers 1 trace digest and print N functions")
    args = parser.parse_args()

    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    info = machine()
    sources = advisor_sources()
    print(f"machine: {info}")
    log = synthlog.generate(OUT_DIR, args.seed, args.lines)
    print(f"log: synthetic ({'cached' if log.cached else 'generated'}) {log.sql_path.name}, "
          f"{log.trace_path.name}; workloads/torc/workload.log is not sampled")
    cases, note = build_cases(log, args.pt_lines or args.lines)
    notes = [note] if note else []
    if args.pt_lines is not None and args.pt_lines < args.lines:
        notes.append(f"pt-query-digest ran on the first {args.pt_lines:,} lines only; its "
                     "lines/s are comparable, its memory may be lower than on the whole log.")
    results = run_rounds(cases, args.repeat, args.settle)
    startup = startup_seconds(args.repeat)
    check = verify(log)
    changed = sorted(path for path, digest in advisor_sources().items()
                     if sources.get(path) != digest)
    if changed:
        notes.append(f"{', '.join(changed)} changed while this ran: rows may mix two "
                     "versions of the code.")
        print(f"WARNING {notes[-1]}")
    for problem in check[0]:
        print(f"MISMATCH {problem}")
    print(f"correctness: {len(check[0])} difference(s); {check[1]} templates found, "
          f"{len(synthlog.TEMPLATES)} generated")
    section = render_section(results, log, args, info, when, startup, notes, check)
    benchdoc.write_section("digest", section, args.out)
    print(section)
    if args.profile:
        profile(log, args.profile)


if __name__ == "__main__":
    main()
