#!/usr/bin/env bash
# Startup of the commands people run in loops, through the launcher (AppCDS archive, C1 only) and, for comparison,
# as a plain `java -jar` and `java -version` (the targets: list and print <= 150 ms and <= 3 x java -version).
# Needs hyperfine (apt-get install hyperfine). Numbers go to stdout; nothing is asserted. The last lines are the
# medians README reports, each with its ratio to `java -version` of the same run (on a shared machine only the
# ratios of one run compare).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench/startup.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
./vmlaunch --version >/dev/null   # build the jar and the CDS archive first
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
VMLAUNCH_STATE=$state hyperfine -N --warmup 3 --runs "${RUNS:-20}" --export-json "$state/runs.json" \
    './vmlaunch print examples/aic100-viommu.json' \
    './vmlaunch list' \
    './vmlaunch --version' \
    'java -version' \
    'java -jar target/vmlaunch.jar print examples/aic100-viommu.json'
python3 - "$state/runs.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
median = {r["command"]: r["median"] * 1000 for r in results}
base = median["java -version"]
print()
print(f"median of {len(results[0]['times'])} runs, ratio to java -version ({base:.1f} ms):")
for r in results:
    m = median[r["command"]]
    cpu = (r["user"] + r["system"]) * 1000  # hyperfine keeps only the mean CPU time
    print(f"  {m:7.1f} ms  {m / base:4.1f} x   (mean cpu {cpu:6.1f} ms)  {r['command']}")
PY
