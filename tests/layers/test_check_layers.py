#!/usr/bin/env python3
"""Self-test of scripts/check-layers: small trees in a temporary folder, each checked
with `scripts/check-layers --root TMP`, the exit status and output compared.

Usage: python3 tests/layers/test_check_layers.py

Prints "ok - NAME" or "not ok - NAME" per case (with the check's output after a
failure), then "N passed, N failed"; exits 1 when a case failed. Standard library only.
"""

import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "scripts", "check-layers")


def run_check(files):
    """Writes FILES ({relative path: text}) to a temporary tree, checks it: (status, output)."""
    with tempfile.TemporaryDirectory(prefix="check-layers.") as tmp:
        os.makedirs(os.path.join(tmp, "src"))
        for rel, text in files.items():
            path = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        proc = subprocess.run([sys.executable, CHECK, "--root", tmp], capture_output=True,
                              text=True, timeout=60, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def expect(files, status, present=(), absent=()):
    """Checks the tree FILES; raises AssertionError unless the exit status is STATUS, every
    string of PRESENT is in the output and none of ABSENT is."""
    rc, out = run_check(files)
    problems = [f"exit status {rc}, expected {status}"] if rc != status else []
    problems += [f"missing from the output: {s!r}" for s in present if s not in out]
    problems += [f"unexpected in the output: {s!r}" for s in absent if s in out]
    if problems:
        raise AssertionError("\n".join(problems + ["output:"] + out.splitlines()))
    return out


def test_clean_tree():
    out = expect({
        "src/domain/a.c": '#include "iasc/db.h"\n#include "iasc/result.h"\n',
        "src/http/s.c": '#include "iasc/routes.h"\n#include <ulfius.h>\n#include <stdio.h>\n',
        "src/main.c": '#include "iasc/server.h"\n#include <microhttpd.h>\n',
        "include/iasc/db.h": '#include <stdbool.h>\n#include "iasc/result.h"\n',
        "src/db/pool.c": '#include "iasc/db.h"\n#include <libpq-fe.h>\n',
    }, 0, present=["layers: ok (5 files, 11 includes)"])
    assert len(out.splitlines()) == 1, "more than the summary line:\n" + out


def test_public_header_with_a_library():
    expect({"include/iasc/db.h": '#include <libpq-fe.h>\n'}, 1,
           present=["include/iasc/db.h:1: includes <libpq-fe.h>", "layers: 1 violation(s)"])


def test_db_includes_routes():
    expect({"src/db/pool.c": '#include "iasc/db.h"\n\n#include "iasc/handler.h"\n'}, 1,
           present=['src/db/pool.c:3: includes "iasc/handler.h" (routes) from layer db',
                    "layers: 1 violation(s)"])


def test_ulfius_outside_http():
    expect({"src/domain/x.c": '#include "iasc/content.h"\n#include <ulfius.h>\n'}, 1,
           present=["src/domain/x.c:2: includes <ulfius.h>", "from layer domain",
                    "layers: 1 violation(s)"])


def test_libpq_outside_db():
    expect({"src/routes/y.c": "#include <libpq-fe.h>\n",
            "src/domain/z.c": "#include <stdlib.h>\n#include <libpq/libpq-fs.h>\n"}, 1,
           present=["src/routes/y.c:1: includes <libpq-fe.h>", "from layer routes",
                    "src/domain/z.c:2: includes <libpq/libpq-fs.h>",
                    "layers: 2 violation(s)"])


def test_public_header_includes_higher():
    expect({"include/iasc/content.h": '#pragma once\n\n#include "iasc/handler.h"\n'}, 1,
           present=['include/iasc/content.h:3: includes "iasc/handler.h" (routes) '
                    "from layer domain"])


def test_unknown_public_header():
    expect({"src/domain/a.c": '#include "iasc/nosuch.h"\n'}, 1,
           present=['src/domain/a.c:1: includes "iasc/nosuch.h"', "'nosuch'",
                    "HEADER_LAYERS", "scripts/check-layers"])


def test_local_includes():
    expect({"src/domain/d.c": '#include "internal.h"\n#include "../http/cache.h"\n',
            "src/domain/internal.h": "#pragma once\n",
            "src/http/cache.h": "#pragma once\n"}, 1,
           present=['src/domain/d.c:2: includes "../http/cache.h" (http) from layer domain',
                    "layers: 1 violation(s)"],
           absent=["src/domain/d.c:1:"])


def test_unresolved_local_include():
    expect({"src/feeds/f.c": '#include "missing.h"\n'}, 1,
           present=['src/feeds/f.c:1: includes "missing.h", which is no file'])


def test_commented_out_includes():
    expect({"src/db/c.c": ('/* #include "iasc/handler.h" */\n'
                           "/*\n#include \"iasc/server.h\"\n*/\n"
                           "// #include <ulfius.h>\n"
                           '#include "iasc/db.h" /* #include "iasc/query.h" */\n')}, 0,
           present=["layers: ok (1 files, 1 includes)"])


def test_comment_opener_in_string():
    expect({"src/db/s.c": ('static const char *open = "/*";\n'
                           '#include "iasc/handler.h"\n'
                           "static const char *close = \"*/\";\n")}, 1,
           present=['src/db/s.c:2: includes "iasc/handler.h" (routes) from layer db'])


def test_file_in_no_layer():
    expect({"src/stray.c": '#include "iasc/buf.h"\n', "src/misc/m.c": "\n",
            "src/util/ok.c": '#include "iasc/buf.h"\n'}, 1,
           present=["src/stray.c: is in no layer", "src/misc/m.c: is in no layer",
                    "layers: 2 violation(s)"],
           absent=["src/util/ok.c"])


def test_undeclared_public_header_file():
    expect({"include/iasc/extra.h": "#pragma once\n"}, 1,
           present=["include/iasc/extra.h: is in no layer", "'extra'", "HEADER_LAYERS"])


CASES = [
    ("a clean tree passes", test_clean_tree),
    ("src/db/ including a routes header fails", test_db_includes_routes),
    ("<ulfius.h> outside src/http/ fails", test_ulfius_outside_http),
    ("<libpq-fe.h> and <libpq/...> outside src/db/ fail", test_libpq_outside_db),
    ("a domain public header including a routes header fails",
     test_public_header_includes_higher),
    ("an undeclared iasc/ header fails with the hint to declare it",
     test_unknown_public_header),
    ("a local include of a higher layer fails, one in the same folder passes",
     test_local_includes),
    ("a local include naming no file fails", test_unresolved_local_include),
    ("includes inside comments are ignored", test_commented_out_includes),
    ("a /* inside a string opens no comment", test_comment_opener_in_string),
    ("a file outside the layer folders is in no layer", test_file_in_no_layer),
    ("a public header including a library's header fails", test_public_header_with_a_library),
    ("a public header missing from the table is in no layer",
     test_undeclared_public_header_file),
]


def main():
    passed = failed = 0
    for name, case in CASES:
        try:
            case()
        except (AssertionError, OSError, subprocess.SubprocessError) as e:
            failed += 1
            print(f"not ok - {name}")
            for line in str(e).splitlines():
                print(f"#   {line}")
        else:
            passed += 1
            print(f"ok - {name}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
