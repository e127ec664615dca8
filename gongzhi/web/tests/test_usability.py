"""Usability defects of issue 7: the phone menu, the login page's public links, the project's
own 404/500 pages (also in the demo), one date format, no Chinese punctuation on English
pages, Chinese download names, landline masking, category options, community order."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock
from urllib.parse import unquote

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from gongzhi.core import pii

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = sorted(ROOT.glob("gongzhi/*/templates/**/*.html"))
JUNMEN = "350102004001"


def _login(user) -> Client:
    client = Client()
    client.force_login(user, backend="gongzhi.core.auth.GongzhiModelBackend")
    return client


# --------------------------------------------------------------------------- phone menu


def _tabs(html: str) -> list[str]:
    m = re.search(r'<nav class="tabbar"[^>]*>(.*?)</nav>', html, re.S)
    return re.findall(r">([^<]+)</a>", m.group(1)) if m else []


def test_resident_gets_a_bottom_tab_bar(make_user, db):
    html = _login(make_user("resident", JUNMEN)).get(reverse("web:home")).content.decode()
    assert _tabs(html) == ["首页", "反映", "我的诉求", "查进度"]
    assert 'href="/demands/submit/"' in html


def test_grid_worker_gets_a_bottom_tab_bar_with_what_they_reported(make_user, db):
    html = _login(make_user("grid_worker", JUNMEN)).get(reverse("web:home")).content.decode()
    # The grid worker's day (today's visits, from the visits app) comes first; five tabs at most.
    assert _tabs(html) == ["首页", "走访", "居民", "楼栋", "上报"]


def test_office_roles_get_a_menu_button_not_a_tab_bar(make_user, db):
    html = _login(make_user("community_worker", JUNMEN)).get(reverse("web:home")).content.decode()
    assert _tabs(html) == []
    menu = re.search(r'<details class="phonemenu".*?</details>', html, re.S)
    assert menu is not None
    for label in ("工作台", "居民查询", "导入居民", "派单", "诉求受理"):
        assert f">{label}</a>" in menu.group(0)


def test_the_desktop_menu_folds_each_capability_under_one_heading(make_user, db):
    """A district user holds entries of every app: one heading per capability, each a dropdown
    of its pages, and a heading with one page is that page."""
    html = _login(make_user("district_staff", "350102")).get(reverse("web:home")).content.decode()
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
    headings = re.findall(r"<summary>(.*?)</summary>", nav)
    assert "诉求办理" in headings and len(headings) == len(set(headings))
    demands = re.search(r"<summary>诉求办理</summary>(.*?)</details>", nav, re.S).group(1)
    assert ">三率统计</a>" in demands
    top_level = (
        len(re.findall(r"<details", nav))
        + len(re.sub(r"<details.*?</details>", "", nav, flags=re.S).split("<a "))
        - 1
    )
    assert top_level <= 12, top_level


def test_signed_out_visitors_get_the_public_pages_as_tabs(db):
    html = Client().get(reverse("demands:submit")).content.decode()
    assert _tabs(html) == ["我要反映", "查询进度", "登录"]


def test_the_phone_css_shows_the_menu_and_turns_tables_into_cards():
    css = (ROOT / "gongzhi/web/static/web/gongzhi.css").read_text()
    phone = css[css.index("@media (max-width: 640px)") :]
    assert ".phonemenu { display:block" in phone and ".tabbar { display:flex" in phone
    assert "td[data-label]::before" in phone and "attr(data-label)" in phone


def test_login_page_links_the_public_pages(db):
    html = Client().get(reverse("login")).content.decode()
    block = re.search(r'data-testid="login-public".*?</div>', html, re.S).group(0)
    assert reverse("demands:submit") in block and reverse("demands:track_lookup") in block


# --------------------------------------------------------------------------- error pages


def test_unknown_address_answers_with_the_projects_404_page(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="brand"' in html and "没有找到这个页面" in html


def test_server_error_page_is_the_projects_own():
    from gongzhi.web.views import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统出错了" in html and "gongzhi.css" in html


@pytest.mark.parametrize(("demo", "debug"), [("1", "False"), ("", "True")])
def test_the_demo_runs_without_debug_pages(tmp_path, demo, debug):
    env = {
        **os.environ,
        "GONGZHI_DEMO": demo,
        "GONGZHI_DATA_DIR": str(tmp_path),
        "GONGZHI_FIELD_KEY": "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdCE=",
    }
    out = subprocess.run(
        [sys.executable, "-c", "import config.settings.local as s; print(s.DEBUG)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == debug


def test_the_demo_server_serves_static_files_without_debug(client, settings):
    """The demo runs with DEBUG off behind gunicorn: WhiteNoise serves the static files from the
    apps' folders (local settings), with no collectstatic step for a newcomer."""
    local = (Path(__file__).resolve().parents[3] / "config" / "settings" / "local.py").read_text()
    assert "WHITENOISE_USE_FINDERS = True" in local
    settings.DEBUG = False
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/web/gongzhi.js")
    assert response.status_code == 200


# --------------------------------------------------------------------------- dates


def test_templates_write_dates_through_one_filter():
    offenders = [str(p.relative_to(ROOT)) for p in TEMPLATES if re.search(r"\|date\s*:", p.read_text())]
    assert offenders == []


def test_inline_scripts_carry_the_request_nonce():
    """The Content-Security-Policy allows scripts from this site and inline ones with the
    request's nonce: an inline <script> without it is silently blocked in every browser."""
    offenders = [
        str(p.relative_to(ROOT))
        for p in TEMPLATES
        for tag in re.findall(r"<script\b[^>]*>", p.read_text())
        if "src=" not in tag and "nonce=" not in tag
    ]
    assert offenders == []


def test_when_and_day_filters():
    moment = dt.datetime(2026, 3, 5, 1, 30, tzinfo=dt.UTC)  # 09:30 in Shanghai
    out = Template("{% load gz %}{{ m|when }} / {{ m|day }} / {{ d|day }} / {{ none|when }}").render(
        Context({"m": moment, "d": dt.date(2026, 3, 5), "none": None})
    )
    assert out == "2026-03-05 09:30 / 2026-03-05 / 2026-03-05 / "


# --------------------------------------------------------------------------- punctuation

FULLWIDTH = re.compile(r"[\u3000-\u303f\uff00-\uffef]")


def _outside_translations(source: str) -> str:
    source = re.sub(r"\{% blocktrans(?:late)?.*?\{% endblocktrans(?:late)? %\}", "", source, flags=re.S)
    source = re.sub(r"\{%.*?%\}", "", source, flags=re.S)
    return re.sub(r"\{#.*?#\}", "", source, flags=re.S)


def test_templates_put_no_chinese_punctuation_outside_translated_strings():
    offenders = {
        str(p.relative_to(ROOT)): sorted(set(FULLWIDTH.findall(_outside_translations(p.read_text()))))
        for p in TEMPLATES
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_english_messages_have_no_full_width_punctuation():
    bad = []
    for po in sorted(ROOT.glob("gongzhi/*/locale/en/LC_MESSAGES/django.po")):
        text = po.read_text()
        for msgstr in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', text, re.M):
            value = "".join(re.findall(r'"(.*)"', msgstr))
            # 、 appears once as the literal separator a spreadsheet column uses (独居老人、低保对象).
            found = set(FULLWIDTH.findall(value)) - {"、"}
            if found:
                bad.append((po.parent.parent.parent.parent.name, value[:60], sorted(found)))
    assert bad == []


@pytest.mark.parametrize(
    ("lang", "expected"), [("zh-hans", "满意度：满意，甲、乙（丙）"), ("en", "满意度: 满意, 甲, 乙 (丙)")]
)
def test_punctuation_follows_the_language(lang, expected):
    t = Template("{% load gz %}满意度{% colon %}满意{% comma %}{{ items|enum }}{{ x|paren }}")
    with translation.override(lang):
        assert t.render(Context({"items": ["甲", "乙"], "x": "丙"})) == expected


# --------------------------------------------------------------------------- downloads


def test_download_names_are_chinese_with_an_ascii_fallback():
    from gongzhi.core.downloads import content_disposition

    header = content_disposition("居民名单-20260305-0930.xlsx")
    assert header.startswith('attachment; filename="20260305-0930.xlsx"; ')
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "居民名单-20260305-0930.xlsx"
    assert content_disposition("名单.xlsx").startswith('attachment; filename="download.xlsx"')


def test_import_template_downloads_under_a_chinese_name(make_user, db):
    response = _login(make_user("community_worker", JUNMEN)).get(reverse("registry:import_template"))
    assert response.status_code == 200
    name = unquote(response["Content-Disposition"].split("filename*=UTF-8''", 1)[1])
    assert name == "居民导入模板.xlsx"


def test_resident_export_is_named_in_chinese(make_user, db):
    from gongzhi.registry import exports

    user = make_user("community_worker", JUNMEN)
    with (
        mock.patch.object(exports, "_workbook", return_value=b"x"),
        mock.patch.object(exports, "access_log_record"),
    ):
        export = exports.person_export(by=user, purpose="export_filing", note="季度走访名单", filters={})
    assert re.fullmatch(r"居民名单-\d{8}-\d{4}\.xlsx", export.filename)


# --------------------------------------------------------------------------- masking


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0591-87654321", "0591-****4321"),
        ("059187654321", "0591-****4321"),
        ("05918765432", "0591-****5432"),
        ("010-62345678", "010-****5678"),
        ("87654321", "****4321"),
        ("", ""),
    ],
)
def test_landlines_keep_their_area_code(phone, masked):
    assert pii.mask_phone(phone) == masked


# --------------------------------------------------------------------------- demand forms


def test_category_options_have_single_brackets(make_user, db):
    html = _login(make_user("community_worker", JUNMEN)).get(reverse("demands:intake")).content.decode()
    options = re.findall(r"<option value=\"\d+\">([^<]*)</option>", html)
    assert options, "the intake page lists categories"
    assert not [o for o in options if re.search(r"（[^）]*（", o)]
    assert "房屋漏水 · 一般（5个工作日）" in options


def test_anonymous_residents_see_communities_by_street_then_name(db):
    from pypinyin import Style, lazy_pinyin

    html = Client().get(reverse("demands:submit")).content.decode()
    select = re.search(r'<select name="community".*?</select>', html, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)
    assert len(groups) > 1

    def key(name):  # letters first (锦江 jin jiang before 金牛山 jin niu shan), then tones
        return (lazy_pinyin(name), lazy_pinyin(name, style=Style.TONE3))

    streets = [g[0] for g in groups]
    assert streets == sorted(streets, key=key)
    for _street, body in groups:
        names = re.findall(r">([^<]+)</option>", body)
        assert names == sorted(names, key=key)
