"""Field messages in plain words (issue 7, usability): no "确保该变量包含不超过 200 字符", one
message per refusal naming the field, the same in English; a 5,000-character search is refused
with a message instead of silently listing (or exporting) everyone; a future birth date is
refused when no identity number is given (item 21)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from gongzhi.core.tokens import api_token_create
from gongzhi.demands.forms import DemandForm
from gongzhi.registry.forms import PersonForm, PersonSearchForm
from gongzhi.registry.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

JUNMEN = "350102004001"


def _person_data(**extra) -> dict:
    return {
        "version": 1,
        "name": "王五",
        "sex": "M",
        "ethnicity": "01",
        "residence_type": "registered",
        "status": "active",
        **extra,
    }


def test_too_long_says_which_field_its_limit_and_what_to_do():
    form = PersonForm(data=_person_data(address="路" * 201))
    assert not form.is_valid()
    assert form.errors["address"] == ["“居住地址”最多200个字，现在是201个字，请删减后再提交。"]
    stiff = " ".join(str(e) for errors in form.errors.values() for e in errors)
    assert "确保" not in stiff and "变量" not in stiff


def test_required_and_choice_messages_name_the_field():
    form = PersonForm(data=_person_data(name="", ethnicity="zz"))
    assert not form.is_valid()
    assert form.errors["name"] == ["请填写“姓名”。"]
    assert form.errors["ethnicity"] == ["“民族”的选项无效，请从列表中重新选择。"]
    form = DemandForm(data={"title": "t" * 101, "body": "x"}, communities=[])
    form.is_valid()
    assert form.errors["title"] == ["“标题”最多100个字，现在是101个字，请删减后再提交。"]


def test_the_messages_are_plain_in_english_too():
    with translation.override("en"):
        form = PersonForm(data=_person_data(address="路" * 201, name=""))
        assert not form.is_valid()
        assert form.errors["address"][0].startswith("“Address” takes at most 200 characters and has 201")
        assert form.errors["name"] == ["Please fill in “Name”."]


def test_a_5000_character_search_is_refused_not_ignored(client, make_user, junmen):
    PersonFactory(community=junmen, name="张三")
    client.force_login(make_user("community_worker", JUNMEN))
    response = client.get(reverse("registry:person_list"), {"q": "张" * 5000})
    page = response.content.decode()
    assert "最多60个字" in page
    assert "张三" not in page
    assert PersonSearchForm(data={"q": "张" * 5000}).errors["q"] == [
        "“查询”最多60个字，现在是5000个字，请删减后再提交。"
    ]


def test_an_export_with_a_refused_search_exports_nothing(client, make_user, junmen):
    PersonFactory(community=junmen)
    client.force_login(make_user("community_worker", JUNMEN))
    response = client.post(
        reverse("registry:export") + "?q=" + "张" * 5000, {"purpose": "export_filing"}, HTTP_REFERER=""
    )
    assert response.status_code == 400
    assert "最多60个字" in response.content.decode()
    assert not response.get("Content-Disposition")


# --- item 21: a future birth date without an identity number --------------------------------------


def test_a_future_birth_date_is_refused_without_an_identity_number(client, make_user, junmen):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    _, key = api_token_create(user=make_user("community_worker", JUNMEN), name="t")
    response = client.post(
        "/api/registry/persons",
        json.dumps({"community": JUNMEN, "name": "未来人", "sex": "M", "birth_date": tomorrow.isoformat()}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "birth_future" and "晚于今天" in response.json()["message"]
    assert response.json()["field"] == "birth_date"
    assert not Person.objects.exists()


def test_the_person_form_refuses_a_future_birth_date(client, make_user, junmen):
    person = PersonFactory(community=junmen, id_number="", birth_date=dt.date(1980, 1, 1))
    client.force_login(make_user("community_worker", JUNMEN))
    response = client.post(
        reverse("registry:person_edit", args=[person.pk]),
        _person_data(
            version=person.version, birth_date=(timezone.localdate() + dt.timedelta(days=3)).isoformat()
        ),
    )
    assert response.status_code == 400
    assert "晚于今天" in " ".join(response.context["form"].errors["birth_date"])
    person.refresh_from_db()
    assert person.birth_date == dt.date(1980, 1, 1)
