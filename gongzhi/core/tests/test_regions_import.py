from pathlib import Path

import pytest

from gongzhi.core.models import Region
from gongzhi.core.regions import regions_import

pytestmark = pytest.mark.django_db


def test_reimport_changes_nothing():
    files = sorted((Path(__file__).parents[1] / "data" / "regions").glob("*.csv"))
    report = regions_import(paths=files)
    assert report.created == 0 and report.updated == 0 and not report.rejected
    assert report.unchanged == Region.objects.count()


def test_bad_rows_are_reported(tmp_path):
    f = tmp_path / "streets.csv"
    f.write_text(
        "code,name,areaCode\n350102999,新街道,350102\n35010,坏代码,350102\n350102998,,350102\n"
        "889900001,无上级,889900\n",
        encoding="utf-8",
    )
    report = regions_import(paths=[f])
    assert report.created == 1
    reasons = {p.line: p.reason for p in report.rejected}
    assert set(reasons) == {3, 4, 5}
    assert Region.objects.get(code="350102999").parent_id == "350102"
    assert not Region.objects.filter(code="889900001").exists()
