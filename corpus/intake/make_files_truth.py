#!/usr/bin/env python3
"""Ground truth for `pycore files`: which files a corpus core had mapped, and their build-ids.

Run at development time on the machine that made the corpus (the mapped files must still be at
their paths). The mapped files come from gdb (`info proc mappings` on the core: the kernel's
NT_FILE note as gdb reads it); whether each one is an ELF image and its build-id come from the
file itself (`readelf -n`). Nothing here comes from pycore.

    python3 corpus/intake/make_files_truth.py [LABEL-SCENARIO ...]
"""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORES = os.path.join(os.path.dirname(HERE), "cores")
DEFAULT = ["3.12-segv-threads", "debian-3.11-segv-threads"]


def mapped_paths(core):
    out = subprocess.run(["gdb", "-nx", "-batch", "-ex", f"core-file {core}", "-ex", "info proc mappings"],
                         capture_output=True, text=True, timeout=300).stdout
    paths = []
    for line in out.splitlines():
        m = re.match(r"\s*0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+(?:\S+\s+)?(/\S.*)$", line)
        if m and m.group(1) not in paths:
            paths.append(m.group(1))
    return paths


def build_id(path):
    out = subprocess.run(["readelf", "-n", path], capture_output=True, text=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    return m.group(1) if m else None


def main(names):
    for name in names or DEFAULT:
        with tempfile.TemporaryDirectory() as tmp:
            core = os.path.join(tmp, "core")
            with gzip.open(os.path.join(CORES, f"{name}.core.gz")) as src, open(core, "wb") as dst:
                shutil.copyfileobj(src, dst)
            files, data = [], []
            for p in mapped_paths(core):
                with open(p, "rb") as f:
                    is_elf = f.read(4) == b"\x7fELF"
                if is_elf:
                    files.append({"path": p, "build_id": build_id(p)})
                else:
                    data.append(p)
        out = os.path.join(HERE, f"{name}.files.json")
        with open(out, "w") as f:
            json.dump({"core": f"{name}.core.gz", "source": "gdb info proc mappings + readelf -n",
                       "elf_files": files, "data_files": data}, f, indent=2)
            f.write("\n")
        print(f"wrote {out}: {len(files)} ELF files, {len(data)} data files")


if __name__ == "__main__":
    main(sys.argv[1:])
