#!/usr/bin/env bash
# Builds every libFuzzer target (tests/fuzz, -DSTRATA_FUZZ=ON) in its own clang build dir and
# runs each executable named *_fuzz for a bounded time, on a scratch copy of its seed corpus
# tests/fuzz/corpus/<name without _fuzz>/ (and with tests/fuzz/<name without _fuzz>.dict if
# present). Crash/leak/timeout reproducers go to tests/fuzz/artifacts/ (gitignored).
# Targets (tests/fuzz/CMakeLists.txt): resp_request, resp_reply, restore_payload, rdb_file, aof_load,
# config_toml, cluster_bus (bytes a bus peer sends), nodes_conf (nodes.conf text).
# Prints one line per target; exits non-zero if any target fails to build or finds anything.
#
#   scripts/run-fuzzers.sh                 # all targets, FUZZ_SECONDS each
#   FUZZ_SECONDS=300 scripts/run-fuzzers.sh resp_reply_fuzz
#
# Env: FUZZ_SECONDS (20 per target: 8 targets keep the test command within its CI budget),
# BUILD_DIR (build-fuzz), JOBS (2), CC/CXX (clang-14).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-20}
jobs=${JOBS:-2}
fuzz_dir=$root/tests/fuzz
artifacts=$fuzz_dir/artifacts

CC=${CC:-clang-14} CXX=${CXX:-clang++-14} cmake -S "$root" -B "$build" -G Ninja \
  -DSTRATA_FUZZ=ON -DSTRATA_BENCH=OFF >/dev/null
cmake --build "$build" --target fuzzers -j "$jobs" >"$build/fuzzers-build.log" 2>&1 || {
  tail -n 40 "$build/fuzzers-build.log"
  echo "FAIL build (see $build/fuzzers-build.log)"
  exit 1
}

targets=()
while IFS= read -r exe; do
  name=$(basename "$exe")
  if [[ $# -eq 0 ]] || [[ " $* " == *" $name "* ]]; then targets+=("$exe"); fi
done < <(find "$build" -type f -name '*_fuzz' -perm -u+x | sort)
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "no *_fuzz executables found in $build" >&2
  exit 1
fi

mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

status=0
for exe in "${targets[@]}"; do
  name=$(basename "$exe")
  base=${name%_fuzz}
  corpus=$work/corpus-$base
  mkdir -p "$corpus"
  if [[ -d $fuzz_dir/corpus/$base ]]; then cp -R "$fuzz_dir/corpus/$base/." "$corpus/"; fi
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/$name-")
  if [[ -f $fuzz_dir/$base.dict ]]; then args+=(-dict="$fuzz_dir/$base.dict"); fi
  log=$work/$name.log
  if "$exe" "${args[@]}" "$corpus" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
    files=$(find "$corpus" -type f | wc -l)
    printf 'PASS %-28s %4ss  %10s runs  %-10s corpus %s\n' "$name" "$seconds" "${runs:-?}" \
      "${cov:-}" "$files"
  else
    status=1
    found=$(grep -o "$artifacts/$name-[^ ]*" "$log" | tail -n 1 || true)
    printf 'FAIL %-28s artifact: %s\n' "$name" "${found:-none (see log below)}"
    grep -E 'ERROR|SUMMARY|==[0-9]+==' "$log" | head -n 20 || tail -n 30 "$log"
  fi
done
exit $status
