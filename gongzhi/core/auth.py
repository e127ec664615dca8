from django import forms
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import logins


class GongzhiModelBackend(ModelBackend):
    """Demo accounts (password `demo`) log in only while the demo is running."""

    def user_can_authenticate(self, user) -> bool:
        if getattr(user, "is_demo_account", False) and not settings.GONGZHI_DEMO:
            return False
        return super().user_can_authenticate(user)


LOCKED_MESSAGES = {
    "account": _("密码错误次数过多，该账号已暂时锁定。请%(minutes)s分钟后再试，或请系统管理员解锁。"),
    "address": _(
        "从您所在网络登录失败的次数过多，已暂时禁止登录。请%(minutes)s分钟后再试，或联系系统管理员。"
    ),
}


class LockoutAuthenticationForm(AuthenticationForm):
    """The login form with throttling (core/logins.py): a locked account or address is refused
    before the password is checked; a wrong password is counted."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = logins.client_address(self.request)
        locked = logins.login_locked(username=username, address=address)
        if locked:
            raise self._locked(locked)
        try:
            cleaned = super().clean()
        except forms.ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_login" and self.cleaned_data.get("password"):
                locked = logins.login_failure_record(username=username, address=address)
                if locked:
                    raise self._locked(locked) from exc
            raise
        logins.login_success_record(username=username)
        return cleaned

    @staticmethod
    def _locked(which: str) -> forms.ValidationError:
        return forms.ValidationError(
            LOCKED_MESSAGES[which], code="locked", params={"minutes": logins.lock_minutes()}
        )
