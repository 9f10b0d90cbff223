#!/usr/bin/env bash
# pith's set-up and entry points on a fresh Debian 12 machine, as root. Idempotent: every step
# checks what is already there. Subcommands:
#   setup   system packages, the virtualenv .venv with pith installed, the C++ build in build/
#   demo    setup, then the end-to-end examples (train, save, reload, predict with the CLI;
#           compile to WebAssembly and run it)
#   test    setup, then every test: CTest (release), pytest, and CTest under ASan + UBSan
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${PITH_VENV:-$ROOT/.venv}
JOBS=${PITH_JOBS:-$(nproc)}
APT_PACKAGES=(build-essential cmake ninja-build pkg-config git python3 python3-venv python3-dev
  libprotobuf-dev protobuf-compiler libgtest-dev libgmock-dev clang-format libopenblas-dev
  libeigen3-dev
  libgrpc++-dev protobuf-compiler-grpc libcpp-httplib-dev nlohmann-json3-dev # pith serve
  nghttp2-client wrk # load generators for bench/bench_serve.py
  wabt nodejs chromium)  # pith compile's tests: wasm-validate/wasm-interp, the JS loader, the page

log() { printf '\n== %s\n' "$*" >&2; }

setup_system() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

setup_python() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating the virtualenv $VENV"
    python3 -m venv "$VENV"
  fi
  log "installing pith and its test dependencies into $VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r "$ROOT/requirements-dev.txt"
  # No build isolation: the build uses the pinned nanobind/scikit-build-core just installed.
  "$VENV/bin/pip" install -q --no-build-isolation "$ROOT"
}

build_cpp() {  # build_cpp DIR [cmake options...]
  local dir=$1
  shift
  log "building the C++ tree in $dir"
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

setup() {
  setup_system
  setup_python
  build_cpp "$ROOT/build"
}

run_tests() {
  log "formatting (clang-format, .clang-format at the root)"
  (cd "$ROOT" && git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror)
  log "C++ tests (release)"
  ctest --test-dir "$ROOT/build" --output-on-failure -j "$JOBS"
  # The CPU differs between machines: run the K-Means suite on every kernel set this one has.
  local isas=(generic) flags
  flags=$(grep -m1 '^flags' /proc/cpuinfo)
  [[ $flags == *" avx2 "* && $flags == *" fma "* ]] && isas+=(avx2)
  [[ $flags == *" avx512f "* && $flags == *" avx512dq "* && $flags == *" avx512bw "* &&
    $flags == *" avx512vl "* ]] && isas+=(avx512)
  for isa in "${isas[@]}"; do
    log "K-Means tests with the $isa kernels"
    PITH_ISA=$isa "$ROOT/build/tests/cpp/test_kmeans" --gtest_brief=1
  done
  log "Python tests"
  (cd "$ROOT" && PATH="$VENV/bin:$PATH" "$VENV/bin/python" -m pytest -q tests/python)
  log "C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  build_cpp "$ROOT/build-asan" -DPITH_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$ROOT/build-asan" --output-on-failure -j "$JOBS"
  log "all tests passed"
}

case "${1:-}" in
  setup) setup ;;
  demo)
    setup
    PATH="$VENV/bin:$PATH" "$VENV/bin/python" "$ROOT/examples/kmeans_end_to_end.py"
    PATH="$VENV/bin:$PATH" "$VENV/bin/python" "$ROOT/examples/serve_kmeans.py"
    PATH="$VENV/bin:$PATH" "$VENV/bin/python" "$ROOT/examples/compile_kmeans.py"
    PATH="$VENV/bin:$PATH" "$VENV/bin/python" "$ROOT/examples/trees_end_to_end.py"
    ;;
  test) setup && run_tests ;;
  *)
    echo "usage: scripts/dev.sh setup|demo|test" >&2
    exit 2
    ;;
esac
