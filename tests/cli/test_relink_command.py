"""`communique relink` backfills what stories need, with progress; `communique recheck` refuses a bad schedule."""

from click.testing import CliRunner

from pipelines.db import open_db
from scheduler.cli import cli
from tests.pipelines.test_rechecks import OTHER, SOURCE, TEXT, statement


def test_relink_backfills_with_progress_and_then_has_nothing_to_do(tmp_path):
    db = tmp_path / "c.db"
    with open_db(db) as store:
        store.upsert_sources([SOURCE])
        store.save(statement("https://example.org/news/1", TEXT))
        store.save(statement("https://example.org/news/2", OTHER, "Talks"))
        for table in ("nearcopy_signatures", "nearcopy_bands", "story_terms"):
            store.db.execute(f"DELETE FROM {table}")
    out = CliRunner().invoke(cli, ["relink", "--db", str(db), "--batch", "1"])
    assert out.exit_code == 0, out.output
    assert out.stderr.splitlines() == ["relinked 1/2", "relinked 2/2"]
    assert out.stdout.strip() == "relinked 2 statement(s)"
    with open_db(db, create=False) as store:
        assert store.db.execute("SELECT count(*) FROM story_terms").fetchone()[0] == 2
        assert store.db.execute("SELECT count(*) FROM nearcopy_signatures").fetchone()[0] == 2
    again = CliRunner().invoke(cli, ["relink", "--db", str(db)])
    assert again.exit_code == 0 and again.stdout.strip() == "nothing to relink: every statement is indexed"


def test_relink_of_a_missing_database_is_one_line(tmp_path):
    out = CliRunner().invoke(cli, ["relink", "--db", str(tmp_path / "none.db")])
    assert out.exit_code != 0
    assert out.output.strip().startswith("Error: no database at") and len(out.output.strip().splitlines()) == 1


def test_recheck_with_a_bad_schedule_setting_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_RECHECK_AFTER", "6h,1h")
    reg = tmp_path / "sources.toml"
    reg.write_text('[[source]]\nid = "s"\nname = "S"\npublisher = "ministry"\ncountry = "UA"\nlanguage = "en"\n'
                   'spider = "feed"\nfeed_urls = ["https://example.org/rss"]\n', encoding="utf-8")
    with open_db(tmp_path / "c.db") as store:
        store.upsert_sources([SOURCE])
    out = CliRunner().invoke(cli, ["recheck", "--db", str(tmp_path / "c.db"), "--sources", str(reg)])
    assert out.exit_code != 0
    assert out.output.strip() == "Error: $COMMUNIQUE_RECHECK_AFTER: '6h,1h' must rise (e.g. 1h,6h,1d,3d,7d)"


def test_recheck_without_a_database_says_so_and_creates_none(tmp_path):
    reg = tmp_path / "sources.toml"
    reg.write_text('[[source]]\nid = "s"\nname = "S"\npublisher = "ministry"\ncountry = "UA"\nlanguage = "en"\n'
                   'spider = "feed"\nfeed_urls = ["https://example.org/rss"]\n', encoding="utf-8")
    out = CliRunner().invoke(cli, ["recheck", "--db", str(tmp_path / "none.db"), "--sources", str(reg)])
    assert out.exit_code == 1
    assert out.output.strip().startswith("Error: no database at") and len(out.output.strip().splitlines()) == 1
    assert not (tmp_path / "none.db").exists()
