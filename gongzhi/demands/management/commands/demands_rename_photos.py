"""manage.py demands_rename_photos — give demand photos stored under guessable names a random one."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from gongzhi.demands.photos import photos_rename_guessable


class Command(BaseCommand):
    help = _("为仍使用可猜测文件名的诉求照片改用随机文件名（可重复运行）。")

    def handle(self, *args, **options):
        n = photos_rename_guessable()
        self.stdout.write(_("已重命名 %(n)s 张照片。") % {"n": n})
