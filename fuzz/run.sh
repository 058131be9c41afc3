#!/usr/bin/env bash
# A bounded fuzzing run of the transcript readers (fuzz/fuzz_readers.py), for CI and by hand:
#   fuzz/run.sh [SECONDS] [PYTHON]        (default 60 s, .venv/bin/python)
# New inputs go to a throw-away working corpus (or to $FUZZ_KEEP, a folder kept for measuring
# coverage with fuzz/replay.py), so the checked-in seeds (fuzz/corpus/readers) never change.
# A crash or a slow input (over 10 s) fails the run; the input is kept under fuzz/findings/ and
# printed, to become a regression test (fuzz/replay.py FILE shows its traceback).
# Without atheris it skips (exit 0), except in CI (CI=true, as .ci/run sets), where it fails with
# one line: a CI run must not pass without fuzzing. .ci/check_counts.py reads the
# stat::number_of_executed_units line it prints.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
python="${2:-.venv/bin/python}"
if ! "$python" -c "import atheris" 2>/dev/null; then
  case "$(printf '%s' "${CI:-}" | tr '[:upper:]' '[:lower:]')" in
    true | 1 | yes)
      echo "fuzz/run.sh: CI: atheris is not installed in $python (pip install -e '.[test]')" >&2
      exit 1
      ;;
  esac
  echo "fuzz/run.sh: atheris is not installed (pip install -e '.[test]'); skipping" >&2
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
corpus="${FUZZ_KEEP:-$work/corpus}"
mkdir -p "$corpus" fuzz/findings
status=0
# libFuzzer reports every new input it finds; keep that in a log and show its summary lines.
log="$work/fuzz.log"
"$python" fuzz/fuzz_readers.py -max_total_time="$seconds" -timeout=10 -max_len=16384 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=fuzz/findings/ \
  "$corpus" fuzz/corpus/readers >"$log" 2>&1 || status=$?
grep -E "^(INFO: seed corpus|Done|stat::number_of_executed_units|stat::peak_rss_mb)" "$log" || true
if [ "$status" -ne 0 ]; then
  tail -n 60 "$log"
  for found in fuzz/findings/*; do
    [ -f "$found" ] && { echo "== $found"; od -A d -c "$found" | head -40; }
  done
  echo "fuzz/run.sh: the fuzzer found a failing input (exit $status); see fuzz/findings/" >&2
fi
exit "$status"
