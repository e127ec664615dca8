import pytest

from gongzhi.integration.models import BatchState, FieldValue, RecordStatus, SourceRecord
from gongzhi.integration.services import batch_submit
from gongzhi.registry.models import Person

from .conftest import csv_bytes, idn, row

pytestmark = pytest.mark.django_db


def test_smoke(officer, civil_source):
    data = csv_bytes([row(), row(name="李娜", id_number=idn(seq=22), sex="女")])
    batch, new = batch_submit(by=officer, source=civil_source, data=data, filename="a.csv")
    assert new and batch.state == BatchState.DONE
    assert batch.accepted == 2 and batch.created == 2
    assert Person.objects.count() == 2
    assert FieldValue.objects.count() > 0
    assert SourceRecord.objects.filter(status=RecordStatus.ACCEPTED).count() == 2
