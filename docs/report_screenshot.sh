#!/bin/sh
# Screenshot of a failure run's report in a headless browser (Debian: apt-get install chromium).
#   docs/report_screenshot.sh [OUT.png]          (PYTHON=path/to/python to pick the interpreter)
# Simulates Cortex through a loss of every cooling-tower fan for 30 min on the Austin 0.4 %
# evaporation design day, writes its report, and photographs the top of report.html: what ran
# (scenario, weather, events), the headline numbers, the ride-through table, the design-day sizing,
# the monthly table and the first time plots with the event marked.  Takes ~30 s.
set -eu
OUT=${1:-docs/images/failure_report.png}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PY=${PYTHON:-python}
BROWSER=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$BROWSER" ]; then
    echo "error: no headless browser found: install chromium (apt-get install chromium)" >&2
    exit 2
fi
"$PY" -m twin.cli simulate cortex --hours 1 --start "2025-07-21 14:30" --weather design:austin:evaporation_0.4 \
    --scenario "tower_fan_failure:at=14:45,duration=30 min" --out "$WORK/failure.nc" > /dev/null
"$PY" -m twin.cli report "$WORK/failure.nc" --out "$WORK/report" > /dev/null
"$BROWSER" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1300,3400 \
    --screenshot="$OUT" "file://$WORK/report/report.html" 2> /dev/null
echo "written $OUT"
