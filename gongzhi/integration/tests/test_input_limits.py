"""Over-long text in a department extract is refused with the reason, never cut (issue 7,
item 21): a cut record number could name another record."""

import pytest

from gongzhi.integration.models import RecordStatus
from gongzhi.integration.services import batch_submit

from .conftest import csv_bytes, idn, row

pytestmark = pytest.mark.django_db


def test_an_over_long_record_number_is_refused_not_cut(officer, civil_source):
    rows = [row(编号="MZ-" + "9" * 70), row(name="李娜", id_number=idn(seq=22), sex="女", 编号="MZ-2")]
    batch, _new = batch_submit(by=officer, source=civil_source, data=csv_bytes(rows), filename="a.csv")
    records = {r.row_number: r for r in batch.records.all()}
    assert records[2].status == RecordStatus.REJECTED
    assert any("64" in e["message"] for e in records[2].errors)
    assert records[2].external_id == ""
    assert records[3].status == RecordStatus.ACCEPTED and records[3].external_id == "MZ-2"
