#!/usr/bin/env bash
# Startup of the commands people run in loops, through the launcher (AppCDS archive, C1 only) and, for comparison,
# as a plain `java -jar` and `java -version` (the targets: list and print <= 150 ms and <= 3 x java -version).
# Needs hyperfine (apt-get install hyperfine). Numbers go to stdout; nothing is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench/startup.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
./vmlaunch --version >/dev/null   # build the jar and the CDS archive first
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
VMLAUNCH_STATE=$state hyperfine -N --warmup 3 --runs "${RUNS:-20}" \
    './vmlaunch print examples/aic100-viommu.json' \
    './vmlaunch list' \
    './vmlaunch --version' \
    'java -version' \
    'java -jar target/vmlaunch.jar print examples/aic100-viommu.json'
