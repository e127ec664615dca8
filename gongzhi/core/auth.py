from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class GongzhiModelBackend(ModelBackend):
    """Demo accounts (password `demo`) log in only while the demo is running."""

    def user_can_authenticate(self, user) -> bool:
        if getattr(user, "is_demo_account", False) and not settings.GONGZHI_DEMO:
            return False
        return super().user_can_authenticate(user)
