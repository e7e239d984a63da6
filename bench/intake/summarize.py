"""Summarise a run of bench/intake/run.sh: the median round of each scenario, as Markdown.

python bench/intake/summarize.py bench/out/intake/<label> "baseline dup new" 3
"""

import json
import pathlib
import re
import sys


def wrk(results: pathlib.Path, name: str, number: int) -> dict:
    text = (results / f"wrk-{name}-{number}.txt").read_text()
    data = json.loads(re.search(r"^JSON (.*)$", text, re.MULTILINE).group(1))
    data["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    return data


def median_by(rows: list[dict], key) -> dict:
    return sorted(rows, key=key)[len(rows) // 2]


def main() -> None:
    results, scenarios, rounds = pathlib.Path(sys.argv[1]), sys.argv[2].split(), int(sys.argv[3])
    rated = sys.argv[4].split() if len(sys.argv) > 4 else scenarios
    summary = {}
    for name in scenarios:
        closed = [wrk(results, name, n) for n in range(1, rounds + 1)]
        fixed = [
            json.loads((results / f"rate-{name}-{n}.json").read_text())
            for n in range(1, rounds + 1)
            if name in rated
        ]
        summary[name] = {
            "wrk": median_by(closed, lambda d: d["rps"]),
            "wrk_rounds": [d["rps"] for d in closed],
            "rate": median_by(fixed, lambda d: d["latency_ms"]["p99"]) if fixed else None,
            "rate_rounds_p99": [d["latency_ms"]["p99"] for d in fixed],
            "errors": sum(d["non2xx"] + d["errors"] for d in closed)
            + sum(d["requests"] - d["ok"] for d in fixed),
        }
    base = summary["baseline"]["wrk"]["rps"] if "baseline" in summary else None
    lines = [
        "| scenario | max req/s (wrk, median round) | each round | % of baseline "
        "| wrk p50 / p99 ms | fixed rate: req/s | p50 ms | p99 ms (median round) "
        "| p99 each round | errors |",
        "|---" * 10 + "|",
    ]
    for name, row in summary.items():
        closed, fixed = row["wrk"], row["rate"]
        share = f"{100 * closed['rps'] / base:.0f}%" if base else "-"
        if fixed:
            rate_cells = (
                f"{fixed['throughput_rps']:.0f} | {fixed['latency_ms']['p50']:.1f} "
                f"| {fixed['latency_ms']['p99']:.1f} "
                f"| {', '.join(f'{x:.0f}' for x in row['rate_rounds_p99'])}"
            )
        else:
            rate_cells = "not run | | |"
        lines.append(
            f"| {name} | {closed['rps']:.0f} | {', '.join(f'{x:.0f}' for x in row['wrk_rounds'])} "
            f"| {share} | {closed['p50_ms']:.1f} / {closed['p99_ms']:.1f} "
            f"| {rate_cells} | {row['errors']} |"
        )
    table = "\n".join(lines)
    (results / "summary.md").write_text(table + "\n")
    (results / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(table)


if __name__ == "__main__":
    main()
