"""`gongzhi integration import SOURCE_ID FILE`: a batch from the command line, resumable."""

import io

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from gongzhi.integration.models import BatchState, ImportBatch, SourceRecord
from gongzhi.integration.services import imports as import_services  # where the chunked run lives
from gongzhi.registry.models import Person

from .conftest import csv_bytes, idn, row

pytestmark = pytest.mark.django_db

ROWS = [row(name=f"张{c}", id_number=idn(seq=11 + 2 * i), phone="") for i, c in enumerate("一二三四五")]


def _run(source, path, user, **options) -> str:
    out = io.StringIO()
    call_command("integration_import", str(source.pk), str(path), user=user.username, stdout=out, **options)
    return out.getvalue()


def test_the_command_imports_a_file_with_progress(officer, civil_source, tmp_path):
    path = tmp_path / "低保名册.csv"
    path.write_bytes(csv_bytes(ROWS))
    out = _run(civil_source, path, officer, chunk_size=2, observed_on="2024-03-01")
    assert "2/5 rows (40%)" in out and "5/5 rows (100%)" in out
    batch = ImportBatch.objects.get()
    assert (batch.state, batch.accepted, batch.created, batch.total_rows) == (BatchState.DONE, 5, 5, 5)
    assert batch.observed_on.isoformat() == "2024-03-01" and batch.filename == "低保名册.csv"

    again = _run(civil_source, path, officer)
    assert "already imported" in again
    assert (
        ImportBatch.objects.count() == 1 and SourceRecord.objects.count() == 5 and Person.objects.count() == 5
    )


def test_an_interrupted_command_resumes_where_it_stopped(officer, civil_source, tmp_path, monkeypatch):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes(ROWS))
    real = import_services._run_chunk
    calls = []

    def killed_on_the_third_chunk(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(**kwargs)

    monkeypatch.setattr(import_services, "_run_chunk", killed_on_the_third_chunk)
    with pytest.raises(CommandError, match="interrupted after row 4"):
        _run(civil_source, path, officer, chunk_size=2)
    batch = ImportBatch.objects.get()
    assert (batch.state, batch.rows_done, SourceRecord.objects.count()) == (BatchState.INTERRUPTED, 4, 4)

    monkeypatch.setattr(import_services, "_run_chunk", real)
    out = _run(civil_source, path, officer, chunk_size=2)
    assert "same file as before" in out and "resuming after row 4 of 5" in out
    batch.refresh_from_db()
    assert (batch.state, batch.accepted, batch.created) == (BatchState.DONE, 5, 5)
    assert SourceRecord.objects.count() == 5 and Person.objects.count() == 5
    assert sorted(SourceRecord.objects.values_list("row_number", flat=True)) == [2, 3, 4, 5, 6]


def test_the_command_refuses_what_the_page_refuses(officer, civil_source, tmp_path, make_user):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes(ROWS))
    outsider = make_user("district_staff", "350103")
    with pytest.raises(CommandError):
        _run(civil_source, path, outsider)
    with pytest.raises(CommandError, match="no file"):
        _run(civil_source, tmp_path / "missing.csv", officer)
    with pytest.raises(CommandError, match="--user"):
        call_command("integration_import", str(civil_source.pk), str(path), stdout=io.StringIO())
    assert not ImportBatch.objects.exists()


def test_gongzhi_integration_import_maps_onto_the_command():
    assert "integration_import" in get_commands()
