"""Item 22: one CSV/XLSX reader for the project (core/tabular.py): the standard CSV dialect
(never guessed), UTF-8/UTF-16/GB18030, used by the classifier's evaluation, registry imports
and department imports alike."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from gongzhi.core import tabular

CATEGORIES = ["物业管理", "环境保护", "市政设施"]


def _messages(n: int = 40) -> list[list[str]]:
    """Real-looking messages: quoted bodies with commas, ASCII semicolons, quotes and line
    breaks (csv.Sniffer guesses the dialect of such a file wrong)."""
    rows = [["标题", "内容", "类别"]]
    for i in range(n):
        body = f'3号楼{i}单元楼道灯不亮;已经一周了\n物业说"马上修",但没人来; 请尽快处理, 谢谢'
        rows.append([f"楼道灯{i}", body, CATEGORIES[i % 3]])
    return rows


def _csv(rows, encoding="utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_quoted_multiline_csv_reads_back_exactly(encoding):
    rows = _messages()
    assert list(tabular.iter_rows(_csv(rows, encoding))) == rows


def test_a_tab_separated_unicode_export_is_read():
    rows = [["标题", "内容", "类别"], ["灯坏了", "3号楼, 2单元", "物业管理"]]
    data = "\n".join("\t".join(r) for r in rows).encode("utf-16")
    assert list(tabular.iter_rows(data)) == rows


def test_xlsx_is_recognised_by_content():
    wb = Workbook()
    for row in _messages(3):
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    assert [list(r) for r in tabular.iter_rows(buf.getvalue())] == _messages(3)


@pytest.mark.parametrize(
    "data,code",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "file_xls"),
        (b"PK\x03\x04 not a workbook", "file_unreadable"),
        (b"\x00\x01\x02", "file_not_text"),
    ],
)
def test_unreadable_files_get_a_clear_error(data, code):
    with pytest.raises(tabular.TabularError) as exc:
        list(tabular.iter_rows(data))
    assert exc.value.code == code


def test_header_names_are_found_ignoring_case_and_bom():
    assert tabular.find_column(["\ufeffTitle", "Body", "CATEGORY"], "标题", "title") == 0
    assert tabular.find_column(["a", "b"], "标题", "title") is None


# --- the classifier's evaluation reads through it ------------------------------------------


@pytest.mark.parametrize(
    "header",
    [("标题", "内容", "类别"), ("title", "body", "category"), ("Title", "Body", "Category")],
)
def test_the_classifier_reads_a_quoted_multiline_csv(tmp_path, header):
    from gongzhi.demands.classifier import read_labelled_file

    rows = _messages()
    rows[0] = list(header)
    path = tmp_path / "history.csv"
    path.write_bytes(_csv(rows))
    data = read_labelled_file(path)
    assert len(data.texts) == 40 and data.skipped == 0
    assert set(data.labels) == set(CATEGORIES), "no body turned into a one-row category"
    assert data.texts[0] == "楼道灯0\n" + rows[1][1]


def test_the_classifier_still_takes_named_columns(tmp_path):
    from gongzhi.demands.classifier import read_labelled_file

    rows = [["诉求标题", "分类"], ["灯坏了", "物业管理"]]
    path = tmp_path / "h.csv"
    path.write_bytes(_csv(rows))
    data = read_labelled_file(path, title_col="诉求标题", category_col="分类", no_body=True)
    assert data.texts == ["灯坏了"] and data.labels == ["物业管理"]


# --- registry and integration imports read through it --------------------------------------


def test_registry_and_integration_imports_read_the_same_rows():
    from gongzhi.integration import readers
    from gongzhi.registry.imports import read_rows

    data = _csv(_messages(5), "gb18030")
    assert read_rows(data) == _messages(5)
    records = list(readers.read_csv(data))
    assert [r for _n, r in records] == [
        dict(zip(_messages(5)[0], row, strict=True)) for row in _messages(5)[1:]
    ]
    assert [n for n, _r in records] == [2, 3, 4, 5, 6]
