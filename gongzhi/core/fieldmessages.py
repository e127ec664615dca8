"""Field messages in plain words, for every form (Chinese first, English in the catalogue).

Django's own messages read like a compiler ("确保该变量包含不超过 200 字符"), name no field and,
with several validators on one field, can contradict each other. `PlainMessagesMixin`
rewrites, for every field of a form, the messages a person meets: required, too long, too
short, not a number, out of range, not a date, not one of the choices. Each names the field by
its label and says what to do. A field that already has its own message keeps it.

    class PersonForm(PlainMessagesMixin, forms.Form): ...
"""

from __future__ import annotations

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class _Labelled:
    """A length/value validator whose message names the field (its label in the params)."""

    label = ""

    def __call__(self, value):
        try:
            super().__call__(value)  # type: ignore[misc]
        except ValidationError as exc:
            params = {**(exc.params or {}), "label": self.label}
            raise ValidationError(self.message, code=self.code, params=params) from None  # type: ignore[attr-defined]


class MaxLength(_Labelled, validators.MaxLengthValidator):
    message = _("“%(label)s”最多%(limit_value)d个字，现在是%(show_value)d个字，请删减后再提交。")


class MinLength(_Labelled, validators.MinLengthValidator):
    message = _("“%(label)s”至少要%(limit_value)d个字。")


class MaxValue(_Labelled, validators.MaxValueValidator):
    message = _("“%(label)s”不能大于%(limit_value)s。")


class MinValue(_Labelled, validators.MinValueValidator):
    message = _("“%(label)s”不能小于%(limit_value)s。")


_REPLACE = (
    (validators.MaxLengthValidator, MaxLength),
    (validators.MinLengthValidator, MinLength),
    (validators.MaxValueValidator, MaxValue),
    (validators.MinValueValidator, MinValue),
)


def _plain_validator(validator, label):
    for django_cls, ours in _REPLACE:
        if type(validator) is django_cls:
            plain = ours(validator.limit_value)
            plain.label = label
            return plain
    return validator


def plain_messages(field: forms.Field) -> None:
    """Give one field plain messages (in place)."""
    label = field.label or ""
    defaults = forms.Field.default_error_messages
    messages = field.error_messages
    if messages.get("required") == defaults["required"]:
        messages["required"] = _("请填写“%(label)s”。") % {"label": label}
    if isinstance(field, forms.ChoiceField) and "invalid_choice" in messages:
        messages["invalid_choice"] = _("“%(label)s”的选项无效，请从列表中重新选择。") % {"label": label}
    elif isinstance(field, forms.DateField):
        messages["invalid"] = _("“%(label)s”不是有效的日期，请写成 1980-05-17。") % {"label": label}
    elif isinstance(field, forms.IntegerField):
        messages["invalid"] = _("“%(label)s”请填写整数。") % {"label": label}
    field.validators = [_plain_validator(v, label) for v in field.validators]


class PlainMessagesMixin:
    """Plain field messages for every field of the form (see the module docstring)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            plain_messages(field)
