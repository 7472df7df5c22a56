"""The command line: --help, migrate and seed (idempotent). Runs first, before
any test changes rows."""

from apilib import check, eq

TABLES = ["news", "publications", "helplines", "support_rates", "resources"]


def _snapshot(api):
    out = {}
    for t in TABLES:
        out[t] = api.psql("SELECT count(*), count(*) FILTER (WHERE deleted_at IS NULL), max(updated_at), "
                          "sum(version), md5(string_agg(id::text || ':' || version, ',' ORDER BY id)) FROM %s" % t).strip()
    out["publication_documents"] = api.psql(
        "SELECT count(*), md5(string_agg(publication_id::text || position || url, ',' ORDER BY publication_id, position)) "
        "FROM publication_documents").strip()
    out["tags"] = api.psql("SELECT count(*) FROM tags").strip()
    return out


def test_cli_help_mentions_commands_and_environment(api):
    p = api.run_cli("--help")
    eq(p.returncode, 0, "`iasc-api --help` exit status")
    text = (p.stdout + p.stderr).decode(errors="replace")
    for word in ("serve", "migrate", "seed", "DATABASE_URL", "PORT", "BIND"):
        check(word in text, "--help output does not mention %r:\n%s", word, text[:2000])


def test_cli_unknown_command_fails(api):
    p = api.run_cli("no-such-command")
    check(p.returncode != 0, "`iasc-api no-such-command` exited 0 (should fail with a usage message)")


def test_cli_seed_loaded_the_starter_data(api):
    counts = {t: int(api.psql("SELECT count(*) FROM %s WHERE deleted_at IS NULL" % t)) for t in TABLES}
    eq(counts, {"news": 29, "publications": 16, "helplines": 15, "support_rates": 30, "resources": 35},
       "row counts after seed")


def test_cli_migrate_twice_is_a_no_op(api):
    before = api.psql("SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM schema_migrations t").strip()
    snap = _snapshot(api)
    p = api.run_cli("migrate")
    eq(p.returncode, 0, "second `migrate` exit status (stderr: %s)" % p.stderr.decode(errors="replace")[-500:])
    after = api.psql("SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM schema_migrations t").strip()
    eq(after, before, "schema_migrations (count, digest) after a second migrate")
    check(int(before.split("|")[0]) >= 2, "schema_migrations should record the applied migrations, has %s", before)
    eq(_snapshot(api), snap, "content tables after a second migrate")


def test_cli_seed_twice_changes_nothing(api):
    before = _snapshot(api)
    p = api.run_cli("seed")
    eq(p.returncode, 0, "second `seed` exit status (stderr: %s)" % p.stderr.decode(errors="replace")[-500:])
    after = _snapshot(api)
    for t in before:
        eq(after[t], before[t], "table %s (count, live, max(updated_at), sum(version), digest) after a second seed" % t)


def test_cli_migrate_without_database_fails_cleanly(api):
    p = api.run_cli("migrate", env={"DATABASE_URL": "postgresql:///x?host=/nonexistent-iasc-test&connect_timeout=2"})
    check(p.returncode != 0, "`migrate` with an unreachable database exited 0")
    check(p.returncode < 128 and p.returncode > 0, "`migrate` with an unreachable database crashed (status %d)", p.returncode)
