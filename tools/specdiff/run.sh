#!/usr/bin/env bash
# Builds the spec change gate (tools/specdiff) into bin/specdiff and runs it
# with the arguments given, in the current directory, exiting with the
# tool's own status. For a comparison that is:
#
#	0  no change breaks an operation rolecall calls
#	1  a change breaks an operation rolecall calls
#	2  the gate itself failed: bad arguments, an unknown revision, an
#	   unreadable spec, or tools/specdiff does not build
#
# (any other status, a crash or a kill, is reported as 2). Pipelines call
# this script, never make spec-diff: make exits 2 whenever a recipe fails,
# whatever the recipe's status, so through make "breaking" and "the gate
# broke" look the same.
#
#	tools/specdiff/run.sh -base origin/main -format markdown -json-out spec-diff.json
#	tools/specdiff/run.sh -spec api/specs/cortex.json -new /tmp/cortex.json
#	tools/specdiff/run.sh usage
#	tools/specdiff/run.sh fetch -write
#
# Environment: GO, the go command (default go); SPECDIFF_BIN, an already
# built specdiff to run instead of building one.
set -uo pipefail

self=tools/specdiff/run.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd) || exit 2
bin=${SPECDIFF_BIN:-}
if [ -z "$bin" ]; then
  bin=$root/bin/specdiff
  if ! "${GO:-go}" build -C "$root/tools/specdiff" -o "$bin" .; then
    echo "$self: building tools/specdiff into bin/specdiff failed (see above); the gate did not run (exit 2)" >&2
    exit 2
  fi
fi

"$bin" "$@"
status=$?
case $status in
  0 | 1 | 2) exit "$status" ;;
esac
echo "$self: $bin exited with status $status (a crash or a signal); reported as 2, the gate failed" >&2
exit 2
