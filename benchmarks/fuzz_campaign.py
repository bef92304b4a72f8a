"""A longer fuzz campaign over broken copies of the toy scenario (the generator of tests/test_fuzz.py).

    python benchmarks/fuzz_campaign.py                      # seeds 1-5, 8 cases a kind
    python benchmarks/fuzz_campaign.py --seeds 1-20 --per-kind 20 --show crashed,unnamed

Each case runs ``placeplan validate`` in-process on a fresh copy and is tallied as handled (exit 2
naming a file and a place in it), accepted (exit 0), crashed (a traceback or another exit code)
or unnamed (exit 2 without a located problem). Not part of the test command.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "tests"))

import fuzzgen  # noqa: E402
from placeplan.cli import main  # noqa: E402


def _seeds(text: str) -> list[int]:
    if "-" in text:
        low, high = text.split("-", 1)
        return list(range(int(low), int(high) + 1))
    return [int(s) for s in text.split(",")]


def run_case(case, base: Path, work: Path, raw, tables) -> tuple[str, int, str]:
    root = work / "case"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(base, root)
    extra = fuzzgen.apply_case(case, root, raw, tables)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["validate", str(root / fuzzgen.YAML_NAME), *extra])
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # noqa: BLE001 - a crash is what is being counted
            traceback.print_exc(file=err)
            code = -1
    output = out.getvalue() + err.getvalue()
    return fuzzgen.judge(code, output, case), code, output


def main_campaign(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-5", help="seeds, e.g. 1-20 or 3,7,9 (default 1-5)")
    parser.add_argument("--per-kind", type=int, default=8, help="cases of each mutation kind per seed (default 8)")
    parser.add_argument("--show", default="crashed,unnamed", help="outcomes whose cases are listed")
    args = parser.parse_args(argv)
    show = {s.strip() for s in args.show.split(",") if s.strip()}
    tally: Counter = Counter()
    by_kind: dict[str, Counter] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = work / "base"
        base.mkdir()
        shutil.copytree(PROJECT / "scenarios" / fuzzgen.TABLES, base / fuzzgen.TABLES)
        shutil.copy(PROJECT / "scenarios" / fuzzgen.YAML_NAME, base / fuzzgen.YAML_NAME)
        raw, tables = fuzzgen.pristine(base)
        for seed in _seeds(args.seeds):
            for case in fuzzgen.generate(seed, args.per_kind, raw, tables):
                outcome, code, output = run_case(case, base, work, raw, tables)
                tally[outcome] += 1
                by_kind.setdefault(case.kind, Counter())[outcome] += 1
                if outcome in show:
                    last = output.strip().splitlines()[-3:] if output.strip() else ["(no output)"]
                    print(f"seed {seed} {case.id}: {outcome} (exit {code})")
                    print("    " + "\n    ".join(last))
    elapsed = time.perf_counter() - started
    total = sum(tally.values())
    print(f"\n{total} cases in {elapsed:.1f} s")
    outcomes = ("handled", "accepted", "crashed", "unnamed")
    print(f"{'kind':<22}" + "".join(f"{o:>10}" for o in outcomes))
    for kind in sorted(by_kind):
        print(f"{kind:<22}" + "".join(f"{by_kind[kind][o]:>10}" for o in outcomes))
    print(f"{'total':<22}" + "".join(f"{tally[o]:>10}" for o in outcomes))
    return 1 if tally["crashed"] or tally["unnamed"] else 0


if __name__ == "__main__":
    raise SystemExit(main_campaign())
