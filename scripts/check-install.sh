#!/usr/bin/env bash
# Checks that pipepool works as a dependency of another build:
#   1. `cmake --install BUILD` to a temporary prefix installs the headers, the library, the CMake
#      package files and pipepool.pc, and none of src/;
#   2. examples/c_posix and examples/epoll_loop (pkg-config) and examples/cpp_raii (find_package)
#      are copied out of the tree, built against that prefix with BUILD's compilers, and run;
#   3. a parent project that add_subdirectory()s the source tree builds and runs the C++ example
#      without pipepool's tests or tools, build type or -Werror.
# Usage: scripts/check-install.sh [BUILD]  (default: build; a configured and built non-sanitizer
# build directory). Exits non-zero with a "check-install: FAIL" line on the first failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pipepool-install.XXXXXX")
PREFIX=$TMP/prefix

finish() {
  local rc=$?
  if [ "$rc" -eq 0 ]; then
    rm -rf "$TMP"
  else
    echo "check-install: FAIL (exit $rc); files kept in $TMP" >&2
  fi
}
trap finish EXIT
fail() {
  echo "check-install: FAIL: $*" >&2
  exit 1
}
step() { echo "check-install: $*"; }

cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt"; }
[ -f "$BUILD/CMakeCache.txt" ] || fail "$BUILD is not a configured build directory"
CC=$(cache_value CMAKE_C_COMPILER)
CXX=$(cache_value CMAKE_CXX_COMPILER)
export CC CXX
# The examples and the parent project compile through BUILD's launcher (ccache) if it has one.
for lang in C CXX; do
  launcher=$(cache_value "CMAKE_${lang}_COMPILER_LAUNCHER")
  [ -z "$launcher" ] || export "CMAKE_${lang}_COMPILER_LAUNCHER=$launcher"
done

step "install $BUILD to $PREFIX"
cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log" || fail "cmake --install (see $TMP/install.log)"
pc=$(find "$PREFIX" -name pipepool.pc)
[ -n "$pc" ] || fail "no pipepool.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for f in include/pipepool/pipe.hpp include/pipepool/posix.h; do
  [ -f "$PREFIX/$f" ] || fail "$f not installed"
done
for f in libpipepool.a cmake/pipepool/pipepoolConfig.cmake cmake/pipepool/pipepoolConfigVersion.cmake \
  cmake/pipepool/pipepoolTargets.cmake; do
  [ -f "$libdir/$f" ] || fail "${libdir#"$PREFIX"/}/$f not installed"
done
if find "$PREFIX" -path '*/internal/*' -o -name '*.cpp' | grep -q .; then
  fail "private sources or headers installed"
fi
if find "$PREFIX" -type f -perm -u+x | grep -q .; then
  fail "an executable was installed (only the library is)"
fi

# Builds examples/$1 with pkg-config as a consumer would, runs $2, and checks its output for $3.
c_example() {
  local name=$1 program=$2 expect=$3 out
  step "C example $name with pkg-config ($CC)"
  cp -r "$ROOT/examples/$name" "$TMP/$name"
  PKG_CONFIG_PATH="$libdir/pkgconfig" make -s -C "$TMP/$name" CFLAGS="-O2 -Wall -Wextra -Werror" \
    >"$TMP/$name.log" 2>&1 || fail "$name build (see $TMP/$name.log)"
  out=$("$TMP/$name/$program") || fail "$name exited non-zero: $out"
  echo "  $out"
  [[ $out == *"$expect"* ]] || fail "$name output"
}
c_example c_posix producer_consumer " 0 mismatches"
c_example epoll_loop epoll_loop "all in order yes"

step "C++ example with find_package ($CXX)"
cp -r "$ROOT/examples/cpp_raii" "$TMP/cpp_raii"
{
  cmake -S "$TMP/cpp_raii" -B "$TMP/cpp_raii/build" -DCMAKE_PREFIX_PATH="$PREFIX" \
    -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" &&
    cmake --build "$TMP/cpp_raii/build"
} >"$TMP/cpp_raii.log" 2>&1 || fail "C++ example build (see $TMP/cpp_raii.log)"
out=$("$TMP/cpp_raii/build/pipe_raii") || fail "C++ example exited non-zero: $out"
echo "  $out"
[[ $out == *"in order"* ]] || fail "C++ example output"

step "add_subdirectory from a parent project ($CXX)"
mkdir -p "$TMP/parent"
cp "$ROOT/examples/cpp_raii/main.cpp" "$TMP/parent/parent_main.cpp"
cat >"$TMP/parent/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(parent LANGUAGES C CXX)
add_subdirectory("$ROOT" pipepool)
add_executable(parent parent_main.cpp)
target_link_libraries(parent PRIVATE pipepool::pipepool)
CMAKE
{
  cmake -S "$TMP/parent" -B "$TMP/parent/build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON &&
    cmake --build "$TMP/parent/build" -j "$(nproc)" --target parent
} >"$TMP/parent.log" 2>&1 || fail "parent project build (see $TMP/parent.log)"
[ -z "$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$TMP/parent/build/CMakeCache.txt")" ] ||
  fail "pipepool set the parent's build type"
commands="$TMP/parent/build/compile_commands.json"
! grep -q -- '-Werror' "$commands" || fail "-Werror in the parent's build"
! grep '"command"' "$commands" | grep 'parent_main.cpp' | grep -q -- '-Wextra' ||
  fail "pipepool's warning flags reached the parent's target"
! grep -q 'tests/\|tools/' "$commands" || fail "pipepool's tests or tools are built in the parent"
out=$("$TMP/parent/build/parent") || fail "parent program exited non-zero: $out"
echo "  $out"

step "OK"
