"""The TypeScript client: types generated from openapi.yaml by openapi-typescript (pinned in
package.json) type tests/contract/client.ts, which must compile with `tsc --strict` and then,
run with node against this server, read an answer of every GET endpoint. Needs node and
`npm ci` (scripts/test runs it); the generated types and the compiled client live in the
run's scratch directory, never in the checkout."""

import json
import os
import shutil
import subprocess

from apilib import check, shared_token

TOOLS = ("openapi-typescript", "tsc")


def _run(argv, what, env=None, timeout=300):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env, timeout=timeout)
    out = p.stdout.decode("utf-8", "replace")
    check(p.returncode == 0, "%s exited %d:\n%s", what, p.returncode, out[-4000:])
    return out


def test_typescript_client_generated_from_the_contract_compiles_strict_and_reads_every_endpoint(api):
    bin_dir = os.path.join(api.repo, "node_modules", ".bin")
    for tool in TOOLS:
        check(os.access(os.path.join(bin_dir, tool), os.X_OK),
              "%s is not installed: run `npm ci` in %s (scripts/test does)", tool, api.repo)
    check(shutil.which("node"), "node is not on PATH")
    work = os.path.join(api.workdir, "typescript")
    os.makedirs(work, exist_ok=True)
    contract_dir = os.path.join(api.repo, "tests", "contract")

    types = os.path.join(work, "openapi.d.ts")
    _run([os.path.join(bin_dir, "openapi-typescript"), os.path.join(api.repo, "openapi.yaml"), "-o", types],
         "openapi-typescript openapi.yaml")
    config = os.path.join(work, "tsconfig.json")
    with open(config, "w") as f:
        json.dump({"extends": os.path.join(contract_dir, "tsconfig.json"),
                   "compilerOptions": {"paths": {"iasc-openapi": ["./openapi.d.ts"]},
                                       "rootDir": contract_dir, "outDir": os.path.join(work, "out")},
                   "files": [os.path.join(contract_dir, "client.ts")]}, f, indent=2)
    # --strict on top of the config's own; noEmitOnError: nothing is run unless it compiled.
    _run([os.path.join(bin_dir, "tsc"), "--strict", "-p", config], "tsc --strict tests/contract/client.ts")

    env = dict(os.environ, IASC_API_URL=api.base, IASC_ADMIN_TOKEN=shared_token(api, "admin"))
    out = _run(["node", os.path.join(work, "out", "client.js")], "node client.js", env=env, timeout=120)
    last = out.strip().splitlines()[-1] if out.strip() else ""
    check(last.startswith("ok: ") and last.endswith(" responses read"), "client.js said:\n%s", out[-4000:])
    n = int(last.split()[1])
    check(n >= 23, "client.js read only %d responses:\n%s", n, out)
