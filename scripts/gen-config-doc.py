#!/usr/bin/env python3
"""gen-config-doc.py - regenerate the "Implemented parameters" table of
docs/configuration.md from the sources: every main.cf parameter a postcote
program reads through pfconf_get*(cfg, "name"), the programs that read it,
and its built-in default (from lib/config/pfparam_table.c).

    scripts/gen-config-doc.py          rewrite docs/configuration.md in place
    scripts/gen-config-doc.py --check  exit 1 if the file is out of date
"""
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(TOP, "docs", "configuration.md")
BEGIN = "<!-- BEGIN implemented parameters (scripts/gen-config-doc.py) -->"
END = "<!-- END implemented parameters -->"
CALL = re.compile(r'pfconf_get[a-z_]*\([^,;]+,\s*"([a-z0-9_]+)"|PFCONF_NAME\("([a-z0-9_]+)"\)')
LIB_NAMES = {"lib/daemon": "all daemons (skeleton)", "lib/config": "lib/config (computed defaults)"}


def program_of(path):
    """tools/NAME*.c -> NAME; lib/X -> a library label; DIR/*.c -> the program DIR."""
    rel = os.path.relpath(path, TOP)
    parts = rel.split(os.sep)
    if len(parts) < 2:
        return None
    if parts[0] == "tools":
        return os.path.basename(rel).split("_")[0].replace(".c", "")
    if parts[0] == "lib":
        lib = "lib/" + parts[1]
        return LIB_NAMES.get(lib, lib)
    return parts[0]


def defaults():
    out = {}
    with open(os.path.join(TOP, "lib", "config", "pfparam_table.c")) as f:
        for m in re.finditer(r'\{ "([^"]+)", PFPARAM_\w+, "((?:[^"\\]|\\.)*)", [^,]+, \d+, -?\d+, (\w+) \}', f.read()):
            out[m.group(1)] = (m.group(2).replace('\\"', '"').replace("\\\\", "\\"), m.group(3))
    return out


def table():
    users = {}
    for root, dirs, files in os.walk(TOP):
        rel = os.path.relpath(root, TOP)
        if rel.startswith(("build", ".git", "tests", "run")):
            dirs[:] = []
            continue
        for fn in files:
            if not fn.endswith(".c"):
                continue
            path = os.path.join(root, fn)
            prog = program_of(path)
            if prog is None:
                continue
            with open(path) as f:
                for m in CALL.findall(f.read()):
                    name = m[0] or m[1]
                    users.setdefault(name, set()).add(prog)
    defs = defaults()
    lines = ["| parameter | default | read by |", "|---|---|---|"]
    for name in sorted(users):
        value, fn = defs.get(name, ("(not in table)", "NULL"))
        shown = "computed (%s)" % fn if fn != "NULL" else ("`%s`" % value if value else "(empty)")
        lines.append("| `%s` | %s | %s |" % (name, shown.replace("|", "\\|"), ", ".join(sorted(users[name]))))
    return "\n".join(lines)


def main():
    with open(DOC) as f:
        text = f.read()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    new = text[:start] + "\n" + table() + "\n" + text[end:]
    if "--check" in sys.argv:
        if new != text:
            print("docs/configuration.md is out of date: run scripts/gen-config-doc.py")
            return 1
        return 0
    with open(DOC, "w") as f:
        f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
