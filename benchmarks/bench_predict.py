"""Wall-clock of predicting one date (issue 11's target: under 2 s), first call and repeats.

Each of ``--processes`` fresh Python processes loads the store and the run, then times
``make_predictions`` (every availability phase, the rest-of-season and postseason simulation)
``--calls`` times at ``--date``. Printed: each process's calls, the median first call and the
median repeat. A first call in a new process pays for the week's RAPM fit, the absence model
and the league's derived tables, and for every page of memory it touches first.

That last cost depends on the machine, so it is printed too: each call's minor page faults
(4 KiB pages it touched first) and the time to touch 400 MB of fresh memory in a new process
(about 0.1 s on ordinary hardware; a virtual machine whose host takes back freed memory can
take seconds).

Run: python benchmarks/bench_predict.py --db STORE --run RUN_DIR --date 2023-01-15
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

_CHILD = """
import json, resource, sys, time
from pathlib import Path
import pandas as pd
from truestrength.app.store import load_data
from truestrength.inference.predict import make_predictions
from truestrength.training.ensemble import EnsembleAB, run_config
db, run = Path(sys.argv[1]), Path(sys.argv[2])
date, calls = pd.Timestamp(sys.argv[3]), int(sys.argv[4])
data = load_data(db)
config = run_config(run)
model = EnsembleAB.load(run, expect=config)
out, faults = [], []
for _ in range(calls):
    f = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t = time.perf_counter()
    preds = make_predictions(model, data, date, config)
    out.append(time.perf_counter() - t)
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f)
print(json.dumps({"calls": out, "faults": faults, "phases": preds.meta.availability_phases}))
"""

_TOUCH = """
import time, numpy as np
t = time.perf_counter(); a = np.ones(50_000_000); print(time.perf_counter() - t)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--run", type=Path, required=True, help="a trained run folder")
    ap.add_argument("--date", required=True)
    ap.add_argument("--processes", type=int, default=5)
    ap.add_argument("--calls", type=int, default=3)
    args = ap.parse_args()
    touch = float(subprocess.run([sys.executable, "-c", _TOUCH], check=True,
                                 capture_output=True, text=True).stdout)
    print(f"touching 400 MB of fresh memory in a new process: {touch:.2f} s")
    first, repeat = [], []
    for k in range(args.processes):
        t = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", _CHILD, str(args.db), str(args.run),
                              args.date, str(args.calls)], check=True, capture_output=True,
                             text=True)
        got = json.loads(res.stdout.strip().splitlines()[-1])
        first.append(got["calls"][0])
        repeat += got["calls"][1:]
        print(f"process {k + 1}: make_predictions "
              + " / ".join(f"{c:.2f}" for c in got["calls"])
              + " s; pages first touched " + " / ".join(str(f) for f in got["faults"])
              + f" ({got['phases']} availability phases; process {time.perf_counter() - t:.0f}"
              " s in all)")
    print(f"median first call {statistics.median(first):.2f} s (range {min(first):.2f}-"
          f"{max(first):.2f}); median repeat {statistics.median(repeat):.2f} s "
          f"(range {min(repeat):.2f}-{max(repeat):.2f}); target < 2 s")


if __name__ == "__main__":
    main()
