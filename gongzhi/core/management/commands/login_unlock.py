"""gongzhi login unlock USERNAME [--address IP] | --list — lift a login lockout."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongzhi.core.logins import locked_now, login_unlock


class Command(BaseCommand):
    help = _("解除因密码错误次数过多而被锁定的账号或网络地址；--list 列出当前被锁定的。")

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="", help=_("要解锁的用户名"))
        parser.add_argument("--address", default="", help=_("要解锁的网络地址（IP）"))
        parser.add_argument("--list", action="store_true", help=_("列出当前被锁定的账号和地址"))

    def handle(self, *args, username: str, address: str, list: bool, **options):
        if list:
            locked = locked_now()
            self.stdout.write(_("被锁定的账号：%(a)s") % {"a": "、".join(locked["accounts"]) or _("无")})
            self.stdout.write(_("被锁定的地址：%(a)s") % {"a": "、".join(locked["addresses"]) or _("无")})
            return
        if not username and not address:
            raise CommandError(_("请给出用户名，或用 --address 给出网络地址。"))
        n = login_unlock(username=username, address=address)
        self.stdout.write(_("已解锁（清除 %(n)s 条失败记录）。") % {"n": n})
