"""How far a rerun on another machine can drift: the measurement behind the tolerances.

A seed fixes a run bit for bit on one machine. Across machines, floating-point results can
differ: NumPy picks SIMD kernels (AVX512, AVX2/FMA3, ...) at run time from the CPU, OpenBLAS
picks its kernels and thread count from the CPU, glibc's libm picks FMA/AVX2 variants of exp,
log, pow, ... from the CPU. This script emulates those differences on this machine: it reruns
the published tiers under each variant below (each in a fresh process, so the environment
takes effect at import), summarises them as ``reformsim reproduce`` does (with every outcome
column of sim.outcomes.OUTCOMES kept, not only the experiment's own) and compares every number
with a reference run made by the same script on the same code. The largest difference per
outcome, with the tables' rounding, gives the tolerances (``sim.publication.measured_tolerance``;
docs/calibration.md, "Tolerances between machines: measured").

    .venv/bin/python benchmarks/tolerance_spread.py     # the CI tier of every published one
    .venv/bin/python benchmarks/tolerance_spread.py --full sick_leave_baseline danish_levers --write
    .venv/bin/python benchmarks/tolerance_spread.py --experiments tendering --variants threads_1

``--write`` writes docs/tolerance_spread.csv (the measurement the tests tie
DEFAULT_TOLERANCE to) and prints the DEFAULT_TOLERANCE table it implies. Runs go to a temporary
folder (or ``--scratch DIR``: a kept scratch folder resumes, a variant already summarised there
is read back, not rerun; use a fresh one after a code change), one worker each except the
``workers_2`` variant.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "docs" / "tolerance_spread.csv"

# NumPy 2.x dispatch targets above the x86-64 baseline. NumPy refuses to disable a name it does
# not know for this build, so the script keeps only the names NumPy lists as dispatchable.
_NUMPY_AVX512 = ("X86_V4", "AVX512_ICL", "AVX512_SPR", "AVX512F", "AVX512CD", "AVX512_KNL",
                 "AVX512_KNM", "AVX512_SKX", "AVX512_CLX", "AVX512_CNL")
_NUMPY_AVX2_FMA = ("X86_V3", "AVX2", "FMA3", "F16C", "AVX", "FMA4", "XOP")
# glibc (>= 2.33) names of the CPU features its ifuncs (libm's exp, log, pow, sin, ...) test.
_GLIBC_OLD_CPU = ("-AVX512F,-AVX512DQ,-AVX512VL,-AVX512BW,-AVX512CD,-AVX2,-FMA,-FMA4,-AVX,"
                  "-AVX_Fast_Unaligned_Load")

VARIANTS: dict[str, dict] = {
    "reference": {"env": {}, "workers": 1,
                  "what": "this machine as it is: every SIMD kernel, default threads, serial"},
    "rerun_other_hashseed": {"env": {"PYTHONHASHSEED": "12345"}, "workers": 1,
                             "what": "the same again in a new process with another string hash "
                                     "seed (set and dict order of strings)"},
    "numpy_no_avx512": {"env": {"NPY_DISABLE_CPU_FEATURES": _NUMPY_AVX512}, "workers": 1,
                        "what": "NumPy without its AVX512 kernels (an AVX2 machine)"},
    "numpy_baseline_only": {"env": {"NPY_DISABLE_CPU_FEATURES": _NUMPY_AVX512 + _NUMPY_AVX2_FMA},
                            "workers": 1,
                            "what": "NumPy with no dispatched kernels: AVX512, AVX2, FMA3, AVX "
                                    "off (the x86-64 baseline build)"},
    "old_cpu": {"env": {"NPY_DISABLE_CPU_FEATURES": _NUMPY_AVX512 + _NUMPY_AVX2_FMA,
                        "GLIBC_TUNABLES": f"glibc.cpu.hwcaps={_GLIBC_OLD_CPU}",
                        "OPENBLAS_CORETYPE": "Nehalem"}, "workers": 1,
                "what": "an SSE4.2-only machine: NumPy baseline kernels, glibc libm without "
                        "FMA/AVX2/AVX512 variants, OpenBLAS Nehalem kernels"},
    "threads_1": {"env": {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                          "MKL_NUM_THREADS": "1"}, "workers": 1,
                  "what": "BLAS/OpenMP on 1 thread"},
    "threads_2": {"env": {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2",
                          "MKL_NUM_THREADS": "2"}, "workers": 1,
                  "what": "BLAS/OpenMP on 2 threads"},
    "workers_2": {"env": {}, "workers": 2, "what": "2 worker processes instead of serial"},
}


def published_names() -> list[str]:
    return sorted(p.stem for p in (ROOT / "experiments").glob("*.toml")
                  if any(line.strip() == "[publish]" for line in p.read_text().splitlines()))


def _dispatchable() -> set[str]:
    import numpy as np

    core = getattr(np, "_core", None) or np.core
    return set(core._multiarray_umath.__cpu_dispatch__)


def environment(variant: str) -> dict[str, str]:
    """The child's environment: this one, with the variant's changes."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES", "GLIBC_TUNABLES",
                        "OPENBLAS_CORETYPE")}
    env["MPLBACKEND"] = "Agg"
    dispatchable = _dispatchable()
    for key, value in VARIANTS[variant]["env"].items():
        if isinstance(value, tuple):
            value = " ".join(name for name in value if name in dispatchable)
        env[key] = value
    return env


# -- child: one tier under one environment ----------------------------------------------------

def child(name: str, tier: str, out: Path, workers: int, result: Path) -> None:
    """Run one tier with every outcome kept; write its summary (full precision) and NumPy's
    view of the CPU."""
    import numpy as np

    from sim.outcomes import OUTCOMES
    from sim.reproduce import Published, find, run_tier, summarise

    published = find(name)
    experiment = published.experiment
    every = experiment.model_copy(update={"outputs": experiment.outputs.model_copy(
        update={"outcomes": list(OUTCOMES)})})
    start = time.perf_counter()
    results = run_tier(Published(published.path, every), tier, out, workers)
    summary = summarise(results, Published(published.path, every).tier(tier))
    summary.to_parquet(result.with_suffix(".parquet"), index=False)
    core = getattr(np, "_core", None) or np.core
    features = core._multiarray_umath.__cpu_features__
    info = {"seconds": time.perf_counter() - start, "runs": int(len(results.groupby(
        [c for c in ("scenario", "seed", "point") if c in results.columns]))),
        "numpy_enabled": sorted(f for f in core._multiarray_umath.__cpu_dispatch__
                                if features.get(f)),
        "blas": _blas()}
    result.with_suffix(".json").write_text(json.dumps(info))


def _blas() -> list[str]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return list(dict.fromkeys(f"{p.get('internal_api')} {p.get('architecture')} "
                              f"threads={p.get('num_threads')}" for p in threadpool_info()))


# -- parent: run the variants and compare ------------------------------------------------------

def run_variant(name: str, tier: str, variant: str, scratch: Path):
    import pandas as pd

    out = scratch / f"{name}-{tier}-{variant}"
    result = scratch / f"{name}-{tier}-{variant}.summary"
    if not (result.with_suffix(".parquet").exists() and result.with_suffix(".json").exists()):
        command = [sys.executable, __file__, "--child", name, tier, str(out),
                   str(VARIANTS[variant]["workers"]), str(result)]
        done = subprocess.run(command, env=environment(variant), cwd=ROOT, capture_output=True,
                              text=True)
        if done.returncode:
            raise SystemExit(f"{name} {tier} {variant} failed:\n{done.stderr[-3000:]}")
    return (pd.read_parquet(result.with_suffix(".parquet")),
            json.loads(result.with_suffix(".json").read_text()))


def outcome_columns(summary) -> list[str]:
    from sim.outcomes import OUTCOMES

    return [c for c in summary.columns if c in OUTCOMES]


def differences(reference, other) -> dict[str, tuple[float, float]]:
    """Per outcome, the largest absolute and relative difference of the means (NaN = NaN)."""
    import numpy as np

    keys = [c for c in reference.columns if c not in _not_keys(reference)]
    a = reference.set_index(keys).sort_index()
    b = other.set_index(keys).sort_index()
    if not a.index.equals(b.index):
        raise SystemExit("a variant produced other rows than the reference")
    found = {}
    for column in outcome_columns(reference):
        x, y = a[column].to_numpy(float), b[column].to_numpy(float)
        both_nan = np.isnan(x) & np.isnan(y)
        diff = np.where(both_nan, 0.0, np.abs(x - y))
        diff = np.where(np.isnan(diff), np.inf, diff)  # NaN against a number
        scale = np.maximum(np.abs(x), np.finfo(float).tiny)
        rel = np.where(both_nan, 0.0, diff / scale)
        found[column] = (float(diff.max(initial=0.0)), float(rel.max(initial=0.0)))
    return found


def _not_keys(summary) -> set[str]:
    """The columns of a summary that are not its row keys."""
    outcomes = set(outcome_columns(summary))
    return outcomes | {f"{c}_ci95" for c in outcomes} | {"runs"}


def against_published(name: str, tier: str, reference) -> dict[str, float]:
    """Largest difference between the reference run and the committed table (information
    only: the committed tables change when the lead republishes)."""
    import pandas as pd

    from sim.reproduce import compare, find
    from sim.publication import Publication

    published = find(name)
    path = published.table_path(tier)
    if not path.exists():
        return {}
    table = pd.read_csv(path, dtype={"code_version": str, "lock": str})
    outcomes = list(published.tier(tier).outputs.outcomes)
    zero = Publication(question="spread", tolerance={o: 0.0 for o in outcomes})
    diffs = compare(table, reference, zero, outcomes)
    worst: dict[str, float] = {}
    for d in diffs:
        worst[d.outcome] = max(worst.get(d.outcome, 0.0), abs(d.rerun - d.published))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=5, metavar=("NAME", "TIER", "OUT", "WORKERS", "RESULT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--experiments", nargs="*", default=None,
                        help="published experiments whose CI tier to rerun (default: all)")
    parser.add_argument("--full", nargs="*", default=[],
                        help="experiments whose full tier to rerun as well")
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS),
                        choices=list(VARIANTS), help="emulated machines (default: all)")
    parser.add_argument("--scratch", type=Path, default=None, help="keep the reruns here")
    parser.add_argument("--write", action="store_true",
                        help=f"write {RESULT.relative_to(ROOT)} and print DEFAULT_TOLERANCE")
    args = parser.parse_args()
    if args.child:
        name, tier, out, workers, result = args.child
        child(name, tier, Path(out), int(workers), Path(result))
        return
    variants = ["reference", *[v for v in args.variants if v != "reference"]]
    names = args.experiments if args.experiments is not None else published_names()
    jobs = [(n, "ci") for n in names] + [(n, "full") for n in args.full]
    with tempfile.TemporaryDirectory(prefix="tolerance-spread-") as tmp:
        scratch = args.scratch or Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        rows, magnitude = measure(jobs, variants, scratch)
    report(rows, magnitude, variants, jobs, args)


def measure(jobs, variants, scratch):
    import numpy as np

    rows = []  # (experiment, tier, variant, outcome, abs, rel, runs)
    magnitude: dict[str, float] = {}
    for name, tier in jobs:
        reference, info = run_variant(name, tier, "reference", scratch)
        print(f"{name} {tier} reference: {info['runs']} runs, {info['seconds']:.0f} s; NumPy "
              f"kernels {' '.join(info['numpy_enabled']) or '-'}; {'; '.join(info['blas'])}",
              flush=True)
        for column in outcome_columns(reference):
            values = np.abs(reference[column].to_numpy(float))
            values = values[np.isfinite(values)]
            if len(values):
                magnitude[column] = max(magnitude.get(column, 0.0), float(values.max()))
        published = against_published(name, tier, reference)
        print(f"  reference vs committed {tier}.csv (information only): "
              + (", ".join(f"{k} {v:.3g}" for k, v in published.items()) or "all within "
                 "rounding (exact to the table's 6 significant digits)"), flush=True)
        for variant in variants[1:]:
            summary, vinfo = run_variant(name, tier, variant, scratch)
            found = differences(reference, summary)
            worst = max(found.items(), key=lambda kv: kv[1][0])
            print(f"  {variant:22s} {vinfo['seconds']:5.0f} s  kernels "
                  f"{' '.join(vinfo['numpy_enabled']) or 'baseline only'}; "
                  f"{'; '.join(vinfo['blas'])}; largest difference {worst[1][0]:.3g} "
                  f"({worst[0]})", flush=True)
            rows += [(name, tier, variant, o, a, r, vinfo["runs"]) for o, (a, r) in found.items()]
    return rows, magnitude


def report(rows, magnitude, variants, jobs, args) -> None:
    import pandas as pd

    from sim.outcomes import OUTCOMES
    from sim.publication import measured_tolerance, table_rounding

    frame = pd.DataFrame(rows, columns=["experiment", "tier", "variant", "outcome", "abs", "rel",
                                        "runs"])
    table = []
    for outcome in OUTCOMES:
        part = frame[frame.outcome == outcome]
        spread = float(part["abs"].max()) if len(part) else float("nan")
        size = magnitude.get(outcome, 0.0)
        table.append({"outcome": outcome, "max_abs_diff": spread,
                      "max_rel_diff": float(part["rel"].max()) if len(part) else float("nan"),
                      "max_abs_value": size, "table_rounding": table_rounding(size),
                      "tolerance": measured_tolerance(spread, size),
                      "variants": len(variants) - 1,
                      "runs_compared": int(part.groupby(["experiment", "tier", "variant"])
                                           ["runs"].first().sum()) if len(part) else 0})
    result = pd.DataFrame(table)
    print(result.to_string(index=False))
    if not args.write:
        return
    command = "benchmarks/tolerance_spread.py" + (
        f" --experiments {' '.join(args.experiments)}" if args.experiments is not None else "") \
        + (f" --full {' '.join(args.full)}" if args.full else "") + " --write"
    header = [f"# measured {datetime.date.today().isoformat()} by: .venv/bin/python {command}",
              f"# tiers: {', '.join(f'{n} ({t})' for n, t in jobs)}",
              f"# variants against 'reference' (same code, same machine): {', '.join(variants[1:])}",
              "# max_abs_diff: largest |variant - reference| of a summary mean; max_abs_value: "
              "largest |mean| (sets the 6-significant-digit rounding of the published tables)",
              "# tolerance = sim.publication.measured_tolerance(max_abs_diff, max_abs_value)"]
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(header) + "\n" + result.to_csv(index=False, float_format="%.6g")
    tmp = RESULT.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(RESULT)
    print(f"wrote {RESULT.relative_to(ROOT)}\nDEFAULT_TOLERANCE = {{")
    for row in table:
        print(f"    {row['outcome']!r}: {row['tolerance']!r},")
    print("}")


if __name__ == "__main__":
    main()
