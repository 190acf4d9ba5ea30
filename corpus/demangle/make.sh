#!/usr/bin/env bash
# Ground truth for demangling: mangled names from a C++ translation unit compiled here, and
# what binutils' c++filt prints for each (gdb prints the same). Writes corpus/demangle/cxxfilt.json.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cat > "$tmp/t.cpp" <<'CPP'
#include <map>
#include <string>
#include <vector>
namespace ns { struct Widget { int f(int) const; static void g(); template <class T> T h(T); }; }
int ns::Widget::f(int x) const { return x; }
void ns::Widget::g() {}
template <class T> T ns::Widget::h(T t) { return t; }
template int ns::Widget::h<int>(int);
void take(std::vector<std::string> &, std::map<int, double> *) {}
int operator+(const ns::Widget &, int) { return 0; }
CPP
g++ -c -O0 -o "$tmp/t.o" "$tmp/t.cpp"
nm "$tmp/t.o" | awk '$2 ~ /[TW]/ && $3 ~ /^_Z/ {print $3}' | sort -u > "$tmp/names"
python3 - "$tmp/names" "$here/cxxfilt.json" <<'PY'
import json, subprocess, sys
names = open(sys.argv[1]).read().split()
out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True, check=True).stdout.split("\n")
json.dump([[n, d] for n, d in zip(names, out)], open(sys.argv[2], "w"), indent=1)
PY
rm -rf "$tmp"
