"""Checks every #include of the project against docs/dependencies.txt: a
file may include its own folder and the folders on that folder's line.
Fails naming each file and include that breaks the table, and a table
with a cycle. Usage: check_dependencies.py SOURCE_DIR"""
import os
import re
import sys

top = sys.argv[1] if len(sys.argv) > 1 else "."
os.chdir(top)


def read_table(path):
    table = {}
    for number, line in enumerate(open(path), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        unit, _, allowed = line.partition(":")
        if not _:
            sys.exit(f"{path}:{number}: expected 'folder: folders'")
        table[unit.strip()] = set(allowed.split())
    return table


def unit_of(path):
    parts = path.split("/")
    if parts[0] == "include":
        return "include/vc"
    if parts[0] == "src":
        if parts[1:3] == ["supervisor", "protocol"]:
            return "src/supervisor/protocol"
        return "src/" + parts[1]
    return parts[0] + "/" + parts[1]


def target_of(include, path, unit):
    if include.endswith(".pb.h"):
        return "proto"
    first = include.split("/")[0]
    # Beside the file, or under its own folder (guest/agent's setup/...).
    if "/" not in include or os.path.exists(os.path.join(os.path.dirname(path), include)) \
            or os.path.exists(os.path.join(unit, include)):
        return unit
    if first == "vc":
        return "include/vc"
    if first == "common":
        return "cmd/common"
    if include.startswith("supervisor/protocol/"):
        return "src/supervisor/protocol"
    if os.path.isdir("src/" + first):
        return "src/" + first
    return None


def cycle(table):
    state = {}

    def visit(unit, trail):
        if state.get(unit) == "open":
            return trail[trail.index(unit):] + [unit]
        if state.get(unit) == "done":
            return None
        state[unit] = "open"
        for next_unit in sorted(table.get(unit, ())):
            found = visit(next_unit, trail + [unit])
            if found:
                return found
        state[unit] = "done"
        return None

    for unit in sorted(table):
        found = visit(unit, [])
        if found:
            return found
    return None


table = read_table("docs/dependencies.txt")
problems = []
if found := cycle(table):
    problems.append("docs/dependencies.txt has a cycle: " + " -> ".join(found))
checked = 0
for folder in ("include", "src", "cmd", "guest"):
    for directory, _, files in os.walk(folder):
        for name in sorted(files):
            path = os.path.join(directory, name)
            if not name.endswith((".h", ".cc")) or name.endswith("_test.cc") or "/mock/" in path:
                continue
            unit = unit_of(path)
            if unit not in table:
                problems.append(f"{path}: folder {unit} is not in docs/dependencies.txt")
                continue
            checked += 1
            for number, line in enumerate(open(path, errors="replace"), 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m:
                    continue
                target = target_of(m.group(1), path, unit)
                if target is None:
                    problems.append(f"{path}:{number}: cannot tell which folder \"{m.group(1)}\" is in")
                elif target != unit and target not in table[unit]:
                    problems.append(f"{path}:{number}: {unit} may not include {target} (\"{m.group(1)}\")")
for p in problems:
    print("FAIL:", p)
if problems:
    sys.exit(1)
print(f"ok - {checked} files include only what docs/dependencies.txt allows")
