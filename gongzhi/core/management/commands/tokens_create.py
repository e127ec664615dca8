from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.models import User
from gongzhi.core.tokens import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user; the value is printed once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no such user: {username}")
        _token, key = api_token_create(user=user, name=name)
        self.stdout.write(key)
