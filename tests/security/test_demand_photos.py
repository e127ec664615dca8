"""Item 8: demand photos are served only to who may see the demand, under random names, never
from /media/."""

from __future__ import annotations

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db

JUNMEN = "350102004001"
OTHER = "350102001001"  # 中山社区, another street
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(media, make_user, junmen):
    from gongzhi.demands.services import demand_create

    resident = make_user("resident", JUNMEN)
    demand = demand_create(
        by=resident,
        channel="app",
        title="楼道堆物",
        body="3号楼楼道堆满杂物",
        community=junmen,
        photos=[SimpleUploadedFile("王小明家门口.jpg", JPEG, content_type="image/jpeg")],
    )
    return {"resident": resident, "demand": demand, "photo": demand.photos.get()}


def test_new_photos_get_random_unguessable_names(world, junmen):
    from gongzhi.demands.photos import RANDOM_NAME
    from gongzhi.demands.services import demand_create

    photo = world["photo"]
    assert "王小明" not in photo.file.name
    assert RANDOM_NAME.match(os.path.basename(photo.file.name)), photo.file.name
    again = demand_create(
        by=world["resident"],
        channel="app",
        title="t",
        body="b",
        community=junmen,
        photos=[SimpleUploadedFile("王小明家门口.jpg", JPEG, content_type="image/jpeg")],
    ).photos.get()
    assert again.basename != photo.basename


def test_anonymous_callers_are_refused(client, world):
    assert client.get(world["photo"].url).status_code == 404


@pytest.mark.parametrize(
    "role,scope",
    [
        ("community_worker", OTHER),
        ("street_staff", "350102001"),
        ("resident", JUNMEN),
        ("grid_worker", OTHER),
    ],
)
def test_callers_out_of_scope_are_refused(client, world, make_user, role, scope):
    client.force_login(make_user(role, scope))
    assert client.get(world["photo"].url).status_code == 404


@pytest.mark.parametrize(
    "role,scope",
    [("community_worker", JUNMEN), ("street_staff", "350102004"), ("district_staff", "350102")],
)
def test_staff_in_scope_see_the_photo(client, world, make_user, role, scope):
    client.force_login(make_user(role, scope))
    response = client.get(world["photo"].url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]


def test_the_reporting_resident_sees_the_photo(client, world):
    client.force_login(world["resident"])
    response = client.get(world["photo"].url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG


def test_a_wrong_name_is_refused_even_in_scope(client, world, community_worker):
    client.force_login(community_worker)
    assert client.get(f"/demands/photos/{world['photo'].pk}/x.jpg").status_code == 404


def test_media_url_no_longer_serves_the_file(client, world, community_worker, settings):
    client.force_login(community_worker)
    for debug in (False, True):
        settings.DEBUG = debug
        assert client.get(f"/media/{world['photo'].file.name}").status_code == 404


def test_production_hands_the_file_to_the_web_server(client, world, community_worker, settings):
    settings.GONGZHI_PROTECTED_MEDIA = "x-accel-redirect"
    client.force_login(community_worker)
    response = client.get(world["photo"].url)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == "/protected-media/" + world["photo"].file.name
    settings.GONGZHI_PROTECTED_MEDIA = "x-sendfile"
    response = client.get(world["photo"].url)
    assert response["X-Sendfile"] == world["photo"].file.path
    client.logout()
    assert client.get(world["photo"].url).status_code == 404  # the check still comes first


def test_the_detail_page_links_the_protected_address(client, world, community_worker):
    client.force_login(community_worker)
    page = client.get(f"/demands/{world['demand'].pk}/").content.decode()
    assert world["photo"].url in page
    assert "/media/" not in page


def test_signed_links_work_without_signing_in_and_cannot_be_forged(client, world):
    photo = world["photo"]
    response = client.get(photo.signed_url())
    assert response.status_code == 200
    forged = photo.signed_url().replace(f"/{photo.pk}/", f"/{photo.pk}/x")
    assert client.get(forged).status_code == 404


def test_guessable_names_already_stored_are_renamed(world, media):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from gongzhi.demands.models import DemandPhoto
    from gongzhi.demands.photos import photos_rename_guessable

    old = default_storage.save("demands/2025/01/IMG_0001.jpg", ContentFile(JPEG))
    legacy = DemandPhoto.objects.create(community=world["demand"].community, demand=world["demand"], file=old)
    assert photos_rename_guessable() == 1
    legacy.refresh_from_db()
    assert "IMG_0001" not in legacy.file.name and default_storage.exists(legacy.file.name)
    assert not default_storage.exists(old)
    assert photos_rename_guessable() == 0  # random names are kept
