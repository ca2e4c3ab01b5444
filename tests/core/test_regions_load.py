"""manage.py regions_load / core.regions_load: idempotent upsert, renames, moves, never deletes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pharmcrm.core import regions as R
from pharmcrm.core.models import Region
from pharmcrm.core.regions_load import DATA_FILE, RegionFileError, regions_read, regions_sync

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    R.regions_cache_clear()
    yield
    R.regions_cache_clear()


def _write(tmp_path: Path, edit) -> Path:
    lines = DATA_FILE.read_text(encoding="utf-8").splitlines()
    lines = edit(lines)
    path = tmp_path / "regions.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(*args) -> str:
    out = io.StringIO()
    call_command("regions_load", *args, stdout=out)
    return out.getvalue()


def test_loading_the_bundled_file_again_changes_nothing():
    before = {r.code: (r.name, r.parent_id, r.is_active) for r in Region.objects.all()}
    out = _run()
    assert "added 0, renamed 0, moved 0, deactivated 0, reactivated 0, unchanged 3217" in out
    assert {r.code: (r.name, r.parent_id, r.is_active) for r in Region.objects.all()} == before


def test_a_newer_file_adds_renames_moves_and_deactivates(tmp_path):
    R.region_label("330106")  # warm the in-memory copy: the command must invalidate it

    def edit(lines):
        out = []
        for line in lines:
            if line.startswith("330106,"):
                continue  # abolished
            if line.startswith("330110,"):
                line = "330110,余杭新区,3,330100"  # renamed
            if line.startswith("429004,"):
                line = "429004,仙桃市,3,420000"
            out.append(line)
        out.append("330199,新设区,3,330100")  # new
        out.append("653230,新设县,3,653200")
        return out

    out = _run("--file", str(_write(tmp_path, edit)))
    assert "added 2, renamed 1, moved 0, deactivated 1, reactivated 0" in out
    assert "~ 330110 余杭区 -> 余杭新区" in out and "- 330106 (inactive)" in out
    assert Region.objects.get(code="330106").is_active is False  # never deleted
    assert Region.objects.get(code="330199").parent_id == "330100"
    # this process's copy was refreshed
    assert R.region_label("330110") == "浙江省 杭州市 余杭新区"
    assert "330199" in [r.code for r in R.region_children("330100")]
    assert "330106" not in [r.code for r in R.region_children("330100")]
    assert R.region_label("330106") == "浙江省 杭州市 西湖区"  # old data keeps its label
    # idempotent
    assert "added 0, renamed 0, moved 0, deactivated 0, reactivated 0" in _run("--file", str(tmp_path / "regions.csv"))
    # the bundled file brings 西湖区 back and deactivates the made-up ones
    out = _run()
    assert "reactivated 1" in out and "deactivated 2" in out and "renamed 1" in out
    assert Region.objects.get(code="330106").is_active is True
    assert Region.objects.filter(is_active=False).count() == 2


def test_moved_region_is_reported(tmp_path):
    path = _write(tmp_path, lambda ls: [("330111,富阳区,3,330000" if ln.startswith("330111,") else ln) for ln in ls])
    # (a county directly under its province: allowed by the file format, reported as moved)
    out = _run("--file", str(path))
    assert "> 330111 parent 330100 -> 330000" in out
    assert Region.objects.get(code="330111").parent_id == "330000"


def test_dry_run_changes_nothing(tmp_path):
    path = _write(tmp_path, lambda ls: [ln for ln in ls if not ln.startswith("330106,")])
    out = _run("--file", str(path), "--dry-run")
    assert "Dry run" in out and "deactivated 1" in out
    assert Region.objects.get(code="330106").is_active is True


@pytest.mark.parametrize("edit,needle", [
    (lambda ls: ["code;name;level;parent"] + ls[1:], "first line"),
    (lambda ls: ls + ["33010X,坏代码,3,330100"], "bad row"),
    (lambda ls: ls + ["330106,重复,3,330100"], "duplicate"),
    (lambda ls: ls + ["330198,孤儿区,3,339900"], "parent"),
    (lambda ls: ls + ["330197,没有上级,3,"], "no parent"),
])
def test_malformed_files_are_refused_and_load_nothing(tmp_path, edit, needle):
    path = _write(tmp_path, edit)
    with pytest.raises(RegionFileError, match=needle):
        regions_read(path)
    with pytest.raises(CommandError):
        _run("--file", str(path))
    assert Region.objects.count() == 3217


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError):
        _run("--file", str(tmp_path / "nope.csv"))


def test_sync_into_an_empty_table_is_bulk(django_assert_max_num_queries):
    Region.objects.update(parent=None)
    Region.objects.all().delete()
    rows = regions_read()
    with django_assert_max_num_queries(30):  # one read, bulk inserts (SQLite: ~160 rows a statement)
        report = regions_sync(Region, rows)
    assert len(report.added) == len(rows) == Region.objects.count()
