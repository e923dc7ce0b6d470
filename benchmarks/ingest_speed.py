"""Speed and memory of ``alwild ingest`` of large CSV tables on SQLite.

Writes 12-column CSVs (8 float, 2 integer, 2 text columns, every row distinct) of each
size in a temporary folder, runs ``alwild ingest`` on each in a fresh workspace as a
subprocess, then once more (the re-ingest, which must add nothing), and prints rows/s of
wall time and of the process's own CPU time (the ingest runs on one core, and a shared
machine's load does not inflate its CPU time), and the peak resident memory of the ingest
process (sampled with psutil every 20 ms). Usage::

    PYTHONPATH=. python benchmarks/ingest_speed.py [--rows 100000 1000000]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]


def write_table(path: Path, n_rows: int, seed: int = 0, block: int = 200_000) -> None:
    """A 12-column CSV of ``n_rows`` distinct rows, written a block at a time."""
    rng = np.random.default_rng(seed)
    for start in range(0, n_rows, block):
        n = min(block, n_rows - start)
        frame = pd.DataFrame({f"f{j}": rng.normal(size=n).round(4) for j in range(8)})
        frame["id"] = np.arange(start, start + n)
        frame["count"] = rng.integers(0, 50, n)
        frame["site"] = rng.choice(["north", "south", "east", "west"], n)
        frame["label"] = rng.choice(["ok", "broken"], n)
        frame.to_csv(path, mode="w" if start == 0 else "a", header=start == 0, index=False)


def run_measured(cmd: list[str]) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS in bytes, stdout) of a subprocess; the RSS is
    sampled with psutil every 20 ms, the CPU time is the child's own (``wait4``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    watched, peak = psutil.Process(proc.pid), 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        with contextlib.suppress(psutil.NoSuchProcess):
            peak = max(peak, watched.memory_info().rss)
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return seconds, usage.ru_utime + usage.ru_stime, peak, out


def alwild(*args: str) -> list[str]:
    return [sys.executable, "-m", "alwild", *args]


def measure(folder: Path, n_rows: int) -> None:
    table = folder / f"rows-{n_rows}.csv"
    write_table(table, n_rows)
    ws = folder / f"ws-{n_rows}"
    run_measured(alwild("init", str(ws), "--task", "classify", "--labels", "ok,broken"))
    size = table.stat().st_size / 2**20
    for what in ("ingest", "re-ingest"):
        seconds, cpu, peak, out = run_measured(alwild("ingest", str(ws), str(table)))
        added = int(re.search(r"(\d+) items added", out).group(1))
        print(f"{n_rows:>9,} rows ({size:,.0f} MiB CSV) {what:<9}: {seconds:6.1f} s wall "
              f"= {n_rows / seconds:>7,.0f} rows/s; {cpu:6.1f} s CPU = "
              f"{n_rows / cpu:>7,.0f} rows/CPU-s; peak RSS {peak / 2**20:,.0f} MiB; "
              f"{added:,} added; load {os.getloadavg()[0]:.1f}", flush=True)
        expected = n_rows if what == "ingest" else 0
        if added != expected:
            raise SystemExit(f"{what} added {added:,} items, expected {expected:,}")
    print(f"{'':>9}  project.db: {(ws / 'project.db').stat().st_size / 2**20:,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.rows:
            measure(Path(tmp), n)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
