"""factory-boy factories for the spine and the register."""

from __future__ import annotations

import datetime as dt
import itertools

import factory

from gongzhi.core.idnumber import compose
from gongzhi.core.models import Department, Region, RoleAssignment, User
from gongzhi.organizations.models import Organization
from gongzhi.registry.models import Building, Dwelling, Estate, Grid, Household, Person

_seq = itertools.count(1)


def valid_id_number(address: str = "350102", birth: dt.date = dt.date(1980, 5, 17), male: bool = True) -> str:
    n = next(_seq) * 2 + (1 if male else 0)
    return compose(address, birth, n)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")

    @classmethod
    def _create(cls, model_class, *args, password: str = "correct horse battery", **kwargs):
        user = model_class(*args, **kwargs)
        user.set_password(password)
        user.save()
        return user


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"鼓楼区民政局{n}")
    kind = "civil_affairs"
    region = factory.LazyFunction(lambda: Region.objects.get(code="350102"))


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"社会组织{n}")
    kind = "social_org"
    region = factory.LazyFunction(lambda: Region.objects.get(code="350102004001"))


def user_with_role(role: str, scope, **user_fields) -> User:
    user = UserFactory(**user_fields)
    kwargs = {}
    if isinstance(scope, Department):
        kwargs["department"] = scope
    elif isinstance(scope, Organization):
        kwargs["organization"] = scope
    elif isinstance(scope, Region):
        kwargs["region"] = scope
    else:
        kwargs["region"] = Region.objects.get(code=scope)
    RoleAssignment.objects.create(user=user, role=role, **kwargs)
    return user


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.LazyFunction(lambda: Region.objects.get(code="350102004001"))
    name = factory.Sequence(lambda n: f"第{n}网格")


class EstateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Estate

    community = factory.LazyFunction(lambda: Region.objects.get(code="350102004001"))
    name = factory.Sequence(lambda n: f"测试小区{n}")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    estate = factory.SubFactory(EstateFactory)
    community = factory.SelfAttribute("estate.community")
    name = factory.Sequence(lambda n: f"{n}号楼")


class DwellingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dwelling

    building = factory.SubFactory(BuildingFactory)
    community = factory.SelfAttribute("building.community")
    entrance = 1
    floor = 3
    number = factory.Sequence(lambda n: f"{300 + n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    community = factory.LazyFunction(lambda: Region.objects.get(code="350102004001"))
    name = factory.Sequence(lambda n: f"张{'伟芳娜敏静丽强磊军洋'[n % 10]}{n}")
    sex = "M"
    birth_date = dt.date(1980, 5, 17)

    @factory.post_generation
    def id_number(obj, create, extracted, **kwargs):
        value = (
            extracted
            if extracted is not None
            else valid_id_number(obj.community_id[:6], obj.birth_date, obj.sex == "M")
        )
        obj.set_id_number(value)
        obj.set_phone(kwargs.get("phone") or f"138{next(_seq):08d}"[:11])
        if create:
            obj.save()


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    community = factory.LazyFunction(lambda: Region.objects.get(code="350102004001"))
    number = factory.Sequence(lambda n: f"H{n:06d}")
