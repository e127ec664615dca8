"""The `gongzhi` console command, run as a user would: a fresh data folder, migrate, import regions."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GONGZHI = Path(sys.executable).with_name("gongzhi")


@pytest.mark.skipif(not GONGZHI.exists(), reason="console script not installed in this environment")
def test_regions_import_through_the_console_command(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["GONGZHI_DATA_DIR"] = str(tmp_path)

    def run(*args):
        return subprocess.run(
            [str(GONGZHI), *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
        )

    assert run("migrate", "-v0").returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n35,福建省\n3501,福州市\n35019,坏\n", encoding="utf-8")
    result = run("regions", "import", str(bad))
    assert result.returncode == 0, result.stderr
    assert "created 2" in result.stdout and "rejected 1" in result.stdout
    assert "bad.csv:4" in result.stderr
    again = run("regions", "import", str(bad))
    assert "created 0" in again.stdout and "unchanged 2" in again.stdout
    assert (tmp_path / "gongzhi.sqlite3").exists() and (tmp_path / "field.key").exists()
