"""Source rules that CI enforces (STYLE.md practice 10 and 3.1).

- no unbounded string calls (strcpy, strcat, sprintf, vsprintf, gets) in C sources;
- every .c file includes "config.h" first, so feature macros are consistent.
"""
import os
import re
import unittest

import pctest

UNSAFE = re.compile(r"\b(strcpy|strcat|sprintf|vsprintf|gets)\s*\(")
CODE_DIRS = None


def c_files():
    out = []
    for root, dirs, files in os.walk(pctest.SRC):
        rel = os.path.relpath(root, pctest.SRC)
        if rel.startswith(("build", ".git", "run", "autom4te")):
            dirs[:] = []
            continue
        for f in files:
            if f.endswith((".c", ".h")):
                out.append(os.path.join(root, f))
    return out


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


class SourceLint(unittest.TestCase):
    def test_sources_found(self):
        self.assertGreater(len(c_files()), 10)

    def test_no_unbounded_string_calls(self):
        bad = []
        for path in c_files():
            with open(path, errors="replace") as f:
                code = strip_comments(f.read())
            for n, line in enumerate(code.splitlines(), 1):
                if UNSAFE.search(line):
                    bad.append("%s: %s" % (os.path.relpath(path, pctest.SRC), line.strip()))
        self.assertEqual(bad, [], "unbounded string calls:\n" + "\n".join(bad))

    def test_config_h_first(self):
        bad = []
        for path in c_files():
            if not path.endswith(".c"):
                continue
            with open(path, errors="replace") as f:
                code = strip_comments(f.read())
            first = re.search(r"^\s*#\s*include\s+(\S+)", code, flags=re.M)
            if first is None or first.group(1) != '"config.h"':
                bad.append(os.path.relpath(path, pctest.SRC))
        self.assertEqual(bad, [], "these .c files do not include \"config.h\" first: " + ", ".join(bad))


class DocsCurrent(unittest.TestCase):
    def test_configuration_doc_lists_implemented_parameters(self):
        r = pctest.run(["python3", os.path.join(pctest.SRC, "scripts", "gen-config-doc.py"), "--check"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
