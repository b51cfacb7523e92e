"""Run the benchmarks: `python -m bench` (all) or `python -m bench foundation ...`."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import bench


def main(argv: list[str]) -> int:
    available = sorted(
        name.removeprefix("bench_")
        for _, name, _ in pkgutil.iter_modules(bench.__path__)
        if name.startswith("bench_")
    )
    chosen = argv or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        print(f"bench: unknown benchmark(s) {unknown}; available: {available}", file=sys.stderr)
        return 2
    for name in chosen:
        started = time.perf_counter()
        print(f"\n# bench {name}", flush=True)
        importlib.import_module(f"bench.bench_{name}").run()
        print(f"\n# bench {name} done in {time.perf_counter() - started:.1f} s", flush=True)
    from bench.common import print_summary

    print_summary()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
