"""The performance benchmark of issue 6: ``make bench`` (not part of ``make test``).

One run measures, side by side on this machine, and prints a Markdown table:

* in-process drafting (request JSON in, .docx bytes out) of the SPEC example and of a
  10-year contract with monthly deliveries, against docxtpl and a raw zip floor
  writing the same text and tables;
* HTTP latency (one client) and throughput (8 clients, driven by ``wrk`` when it is
  installed, else by http.client threads) against ``clausewright serve --workers 2``,
  compared with 2 cores drafting in-process, with the CPU the load generator, the
  server and the rest of the machine used, and the peak memory of each worker;
* how drafting time grows with the delivery plan (12 to 600 rows) and with the batch
  size (1 to 200), and whether a batch streams.

Each target is printed PASS or FAIL with its baseline from the same run; the exit
status is 1 when one fails. Results go to ``benchmarks/latest.json``.

Usage: ``python scripts/bench.py [--quick] [--skip-http] [--output PATH]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchlib import baselines, drafting, growth, http_case, inprocess, report, requests
from benchlib.report import Target, ms, table

from app import warmup

ROOT = Path(__file__).resolve().parent.parent
PLAN_ROWS = (12, 60, 120, 240, 360, 480, 600)
BATCH_SIZES = (1, 25, 50, 100, 200)
WORKERS, CLIENTS = 2, 8
DOCXTPL_RATIO, DOCXTPL_AIM, FLOOR_RATIO = 0.5, 0.25, 3.0
HTTP_SHARE, WORKER_MIB = 0.8, 150.0
LOAD_SECONDS = 20  # the throughput run
PLAN_ROUNDS = 15
LINEAR_R2, LINEAR_BEND, STREAM_SHARE = 0.98, 1.5, 0.25


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few runs: a smoke test")
    parser.add_argument("--skip-http", action="store_true", help="no server (targets: SKIP)")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "benchmarks" / "latest.json", help="results JSON"
    )
    return parser.parse_args()


def _inprocess(quick: bool, template: Path) -> list[inprocess.CaseResult]:
    cases = (
        ("spec", "SPEC.md example (36 months, quarterly)", requests.spec_example(), 1000),
        ("monthly-10y", "10-year contract, monthly deliveries (120 rows), every option",
         requests.monthly_contract(120), 2000),
    )  # fmt: skip
    results = []
    for name, description, data, first in cases:
        print(f"- in-process: {name}", file=sys.stderr)
        results.append(
            inprocess.run_case(name=name, description=description, data=data,
                               runs=8 if quick else 40, template=template, first=first)
        )  # fmt: skip
    return results


def _growth(quick: bool, directory: Path) -> dict[str, Any]:
    monthly = requests.monthly_contract(120)
    print("- growth with the delivery plan", file=sys.stderr)
    plan = growth.plan_length(
        monthly, rows=PLAN_ROWS, rounds=3 if quick else PLAN_ROUNDS, first=20_000
    )
    print("- growth with the batch size", file=sys.stderr)
    sizes = (1, 5, 10, 20) if quick else BATCH_SIZES
    batch, zip_bytes = growth.batch_size(
        requests.spec_example(), sizes=sizes, directory=directory, first=30_000
    )
    print("- batch memory", file=sys.stderr)
    memory = growth.batch_memory(
        requests.spec_example(),
        sizes=(2, 20) if quick else (10, 100, 200),
        directory=directory,
        first=40_000,
    )
    return {
        "plan_rows": plan.as_dict("rows"),
        "plan_rows_note": "above 360 months (the request limit) the term is set on the "
        "validated request, to measure growth beyond what a client may send",
        "batch": {
            **batch.as_dict("documents"),
            "zip_bytes": zip_bytes,
            "how": "app.batch.iter_batch_zip, streamed to a file"
            if growth.STREAMING_BATCH
            else "no app.batch: drafted in a loop into a zipfile on disk",
        },
        "batch_memory": memory.as_dict(),
        "_plan": plan,
        "_batch": batch,
        "_memory": memory,
    }


def _targets(
    cases: list[inprocess.CaseResult], web: dict[str, Any] | None, grown: dict[str, Any]
) -> list[Target]:
    targets = []
    for case in cases:
        targets += [
            Target(f"{case.name}: drafting time / docxtpl", case.drafting.median /
                   case.docxtpl.median, DOCXTPL_RATIO, True, "x", "docxtpl"),
            Target(f"{case.name}: drafting time / raw zip floor", case.drafting.median /
                   case.floor.median, FLOOR_RATIO, True, "x", "raw zip floor"),
            Target(f"{case.name}: the three files hold the same text", float(case.same_text),
                   1, False, "yes=1", "docxtpl, raw zip floor"),
        ]  # fmt: skip
    plan, batch, memory = grown["_plan"], grown["_batch"], grown["_memory"]
    targets += [
        Target("plan 12-600 rows: R^2 of a line", plan.fit.r_squared, LINEAR_R2, False, "",
               "least-squares line"),
        Target("plan 12-600 rows: upper/lower half slope", plan.fit.upper_to_lower_slope,
               LINEAR_BEND, True, "x", "least-squares line"),
        Target("batch 1-200: R^2 of a line", batch.fit.r_squared, LINEAR_R2, False, "",
               "least-squares line"),
        Target("batch streams: peak memory growth per document / one .docx",
               memory.growth_per_document / memory.docx_bytes, STREAM_SHARE, True, "x",
               "one .docx"),
    ]  # fmt: skip
    share = None if web is None else web["share_of_in_process_x_workers"]
    peak = None if web is None else web["peak_mib_per_worker"]
    client = "" if web is None else f" ({web['load_generator']})"
    targets += [
        Target(f"HTTP {CLIENTS} clients{client} on {WORKERS} workers / in-process x{WORKERS}",
               share, HTTP_SHARE, False, "x", f"in-process x{WORKERS}"),
        Target("peak memory per worker (VmHWM)", peak, WORKER_MIB, True, "MiB", "150 MiB"),
    ]  # fmt: skip
    return targets


def _target_row(target: Target) -> list[str]:
    unit = "" if target.unit in ("", "yes=1") else target.unit
    measured = "-" if target.measured is None else f"{target.measured:.3g}{unit}"
    return [target.name, measured, target.as_dict()["limit"] + unit, target.baseline, target.status]


def _print(
    machine: dict[str, Any],
    cases: list[inprocess.CaseResult],
    web: dict[str, Any] | None,
    grown: dict[str, Any],
    targets: list[Target],
) -> None:
    print(
        f"Machine: {machine['cores']} cores ({machine['cpu_model']}), "
        f"Python {machine['python']}, load {machine['load_average_at_start']}, "
        f"commit {machine['commit']}, {machine['date_utc']}"
    )
    changed = machine["uncommitted_measured_files"]
    print(f"Uncommitted changes measured: {', '.join(changed)}\n" if changed else "")
    headers = ["case", "drafting", "of which rendering", "docxtpl", "raw zip floor"]
    rows = [
        [
            case.name,
            ms(case.drafting.median),
            ms(case.rendering.median),
            ms(case.docxtpl.median),
            ms(case.floor.median),
            f"{case.drafting.median / case.docxtpl.median:.2f}",
            f"{case.drafting.median / case.floor.median:.2f}",
        ]
        for case in cases
    ]
    print(table([*headers, "/ docxtpl", "/ floor"], rows))
    print(
        "drafting: request JSON in, .docx bytes out (validation, clause choice, Jinja, "
        "Markdown, numbering, writing); rendering: the resolved tree to .docx bytes, the "
        "work the baselines do. Rendering / docxtpl: "
        + ", ".join(f"{c.name} {c.rendering.median / c.docxtpl.median:.2f}" for c in cases)
        + "; rendering / floor: "
        + ", ".join(f"{c.name} {c.rendering.median / c.floor.median:.2f}" for c in cases)
        + "\n"
    )
    if web is not None:
        print(http_case.table(web) + "\n")
    plan, batch, memory = grown["_plan"], grown["_batch"], grown["_memory"]
    print(table(["plan rows", *map(str, plan.sizes)], [["drafting", *map(ms, plan.seconds)]]))
    cpu_fit = plan.cpu_fit
    print(
        f"median of {plan.rounds} rounds, each in a shuffled order; line: "
        f"{plan.fit.slope * 1000:.3f} ms per row + {plan.fit.intercept * 1000:.1f} ms, "
        f"R^2 {plan.fit.r_squared:.4f}"
        + ("" if cpu_fit is None else f" (CPU time: R^2 {cpu_fit.r_squared:.4f})")
        + "\n"
    )
    print(table(["batch size", *map(str, batch.sizes)], [["drafting", *map(ms, batch.seconds)]]))
    peaks = ", ".join(f"{peak / 2**20:.1f} MiB" for peak in memory.transient_bytes)
    print(
        f"line: {batch.fit.slope * 1000:.2f} ms per document, R^2 {batch.fit.r_squared:.4f}; "
        f"memory the batch itself holds at its peak (tracemalloc) {peaks} for "
        f"{', '.join(map(str, memory.sizes))} documents\n"
    )
    headers = ["target", "measured", "limit", "baseline", "result"]
    print(table(headers, [_target_row(target) for target in targets]))
    aim = [case.name for case in cases if case.drafting.median / case.docxtpl.median > DOCXTPL_AIM]
    met = "met" if not aim else "not met for " + ", ".join(aim)
    print(f"\nAim (a quarter of docxtpl's time): {met}")


def main() -> int:
    """Run the benchmark; 0 when every target passes, 1 otherwise."""
    arguments = _arguments()
    machine = report.machine()
    warmup.warm_up()  # as every server worker does: caches filled, start-up objects frozen
    for data in (requests.spec_example(), requests.monthly_contract(120)):
        drafting.draft_bytes(json.dumps(requests.variant(data, 0)).encode())  # warm up
    with tempfile.TemporaryDirectory(prefix="clausewright-bench-") as temporary:
        directory = Path(temporary)
        template = baselines.build_docxtpl_template(directory)
        cases = _inprocess(arguments.quick, template)
        grown = _growth(arguments.quick, directory)
        web = None
        if not arguments.skip_http:
            web = http_case.run(
                log=directory / "server.log",
                workers=WORKERS,
                clients=CLIENTS,
                seconds=4 if arguments.quick else LOAD_SECONDS,
                latency_requests=15 if arguments.quick else 40,
                steady_seconds=2 if arguments.quick else 10,
            )
    targets = _targets(cases, web, grown)
    _print(machine, cases, web, grown, targets)
    results = {
        "machine": machine,
        "quick": arguments.quick,
        "note": "figures from a machine shared with other work; compare ratios, not times",
        "in_process": [case.as_dict() for case in cases],
        "http": None if web is None else {k: v for k, v in web.items() if k[0] != "_"},
        "growth": {key: value for key, value in grown.items() if not key.startswith("_")},
        "targets": [target.as_dict() for target in targets],
        "passed": all(target.status != "FAIL" for target in targets),
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {arguments.output}", file=sys.stderr)
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
