#!/usr/bin/env python3
"""Checks Tern's layering: no include or CMake link from a lower layer to a
higher one. The layer map is the table in docs/architecture.md ("Layers"),
so the documentation and the check cannot drift apart:

  | 4 library | `tern/data` < `tern/nn` < `tern/optim` < `tern/io` | ... |

A folder may use every folder of a lower layer and, inside its row, the
folders before it when they are joined by "<"; folders joined by "," are
peers that may not use each other. A file belongs to the longest listed
folder that contains it. Includes are read from every .h/.cc file, links
from every CMakeLists.txt (target_link_libraries and tern_test LIBS of the
targets defined there). Prints one line per violation and exits 1 if any.

  scripts/check_layers.py [REPO_ROOT]
"""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
SKIP_DIRS = {".git", "node_modules"}


def read_layer_map():
    """folder -> (layer index, position in an ordered row or None)."""
    text = open(os.path.join(ROOT, "docs", "architecture.md"), encoding="utf-8").read()
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    folders = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not re.match(r"^\d+ ", cells[0]):
            continue
        layer = int(cells[0].split()[0])
        cell = cells[1]
        ordered = "<" in cell
        names = re.findall(r"`([^`]+)`", cell)
        for pos, name in enumerate(names):
            folders[name.rstrip("/")] = (layer, pos if ordered else None)
    if not folders:
        sys.exit("check_layers: no layer table found in docs/architecture.md")
    return folders


def folder_of(path, folders):
    best = None
    for f in folders:
        if path == f or path.startswith(f + "/"):
            if best is None or len(f) > len(best):
                best = f
    return best


def allowed(src, dst, folders):
    if src == dst:
        return True
    (ls, ps), (ld, pd) = folders[src], folders[dst]
    if ld != ls:
        return ld < ls
    return ps is not None and pd is not None and pd < ps


def source_files():
    for d, dirs, files in os.walk(ROOT):
        dirs[:] = [x for x in dirs if x not in SKIP_DIRS and not x.startswith("build")]
        for f in files:
            yield os.path.relpath(os.path.join(d, f), ROOT)


def main():
    folders = read_layer_map()
    problems = []
    files = list(source_files())

    # Includes.
    for rel in files:
        if not rel.endswith((".h", ".cc")):
            continue
        src = folder_of(rel, folders)
        if src is None:
            continue
        text = open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace").read()
        for n, line in enumerate(text.splitlines(), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m:
                continue
            dst = folder_of(m.group(1), folders)
            if dst is not None and not allowed(src, dst, folders):
                problems.append(f"{rel}:{n}: includes {m.group(1)} (layer of {dst}) from the layer of {src}")

    # CMake: which folder defines each library, then every link of a target.
    cmake_files = [r for r in files if os.path.basename(r) == "CMakeLists.txt"]
    defined = {}
    texts = {}
    for rel in cmake_files:
        text = open(os.path.join(ROOT, rel), encoding="utf-8").read()
        text = re.sub(r"#[^\n]*", "", text)
        texts[rel] = text
        for m in re.finditer(r"add_library\(\s*(tern_\w+)", text):
            defined[m.group(1)] = os.path.dirname(rel)
    for rel, text in texts.items():
        src = folder_of(os.path.dirname(rel), folders)
        if src is None:
            continue
        links = re.findall(r"target_link_libraries\(([^)]*)\)", text)
        links += [m for m in re.findall(r"\bLIBS\s+([^)]*?)(?:\bLABELS\b|\))", text)]
        for block in links:
            for target in re.findall(r"\btern_\w+", block):
                home = defined.get(target)
                if home is None:
                    continue
                dst = folder_of(home, folders)
                if dst is not None and not allowed(src, dst, folders):
                    problems.append(f"{rel}: links {target} (layer of {dst}) from the layer of {src}")

        # Sources compiled from another folder (`../autograd/engine.cc`) count as links.
        for m in re.finditer(r"(?:\.\./)+[\w./]+\.cc", text):
            path = os.path.normpath(os.path.join(os.path.dirname(rel), m.group(0)))
            dst = folder_of(path, folders)
            if dst is not None and dst != src and not allowed(src, dst, folders):
                problems.append(f"{rel}: compiles {path} (layer of {dst}) into the layer of {src}")

    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} layering violation(s); the map is docs/architecture.md")
        return 1
    print(f"check_layers: {len(folders)} folders, no include or link goes up a layer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
