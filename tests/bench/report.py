#!/usr/bin/env python3
# Turns the outputs of the side-by-side benchmarks (one markdown file per benchmark in a
# directory, written by tests/bench/report.sh) into REPORT.md: every table, in order, under its
# benchmark's heading, plus a PNG bar chart per table of its numeric columns (ops/s, seconds,
# bytes...), grouped by the table's first column. Needs python3-matplotlib (report.sh installs it).
#   tests/bench/report.py <dir>
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TITLES = {
    "node": "Node vs redis-server 7.0 (SET/GET ops/s, memory for 1M keys)",
    "proxy": "Proxy vs nutcracker vs direct cluster (ops/s, latency)",
    "cluster": "Failover time and reshard throughput (redis-server 7.0 and our node)",
    "repl": "Replication: full-sync time and lag under write load",
}


def tables(text: str):
    """Markdown tables of `text`, each as (header, rows)."""
    out, cur = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cur.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif cur:
            if len(cur) >= 3:
                out.append((cur[0], [r for r in cur[2:]]))
            cur = []
    return out


def number(cell: str):
    m = re.match(r"^\s*([0-9]+(?:\.[0-9]+)?)", cell.replace(",", ""))
    return float(m.group(1)) if m else None


def plot(header, rows, path, title):
    """Rows with a value in every numeric column: with two or more such columns, grouped bars of
    each column relative to the first (the baseline, e.g. redis-server); else plain bars."""
    cols = [i for i in range(1, len(header))
            if any(i < len(r) and number(r[i]) is not None for r in rows)
            and not header[i].lower().endswith("x") and "/" not in header[i]]
    rows = [r for r in rows if all(i < len(r) and number(r[i]) for i in cols)]
    if not cols or not rows:
        return False
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * len(rows) * max(1, len(cols) - 1)))
    labels = [r[0][:40] for r in rows]
    if len(cols) >= 2:
        # The baseline: the direct / redis-server column when there is one, else the first.
        base = next((i for i in cols if re.search(r"direct|redis", header[i], re.I)), cols[0])
        series = [i for i in cols if i != base]
        h = 0.8 / len(series)
        for k, i in enumerate(series):
            ax.barh([y + k * h for y in range(len(rows))],
                    [number(r[i]) / number(r[base]) for r in rows], height=h, label=header[i])
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xlabel(f"relative to {header[base]} (1.0 = same)")
        ax.legend(fontsize=7)
    else:
        ax.barh(range(len(rows)), [number(r[cols[0]]) for r in rows])
        ax.set_xlabel(header[cols[0]])
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main():
    d = sys.argv[1]
    lines = ["# strata benchmark report", ""]
    meta = os.path.join(d, "meta.txt")
    if os.path.exists(meta):
        lines += [open(meta).read().strip(), ""]
    for name in sorted(f[:-3] for f in os.listdir(d) if f.endswith(".md") and f != "REPORT.md"):
        text = open(os.path.join(d, f"{name}.md"), errors="replace").read()
        lines += [f"## {TITLES.get(name, name)}", ""]
        for k, (header, rows) in enumerate(tables(text)):
            lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(r) + " |" for r in rows]
            png = f"{name}-{k + 1}.png"
            if plot(header, rows, os.path.join(d, png), TITLES.get(name, name)):
                lines += ["", f"![{name} {k + 1}]({png})"]
            lines.append("")
        notes = [x for x in text.splitlines() if x and not x.startswith("|")]
        if notes:
            lines += ["```", *notes[-15:], "```", ""]
    with open(os.path.join(d, "REPORT.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(os.path.join(d, "REPORT.md"))


if __name__ == "__main__":
    main()
