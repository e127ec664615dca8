"""The `gongzhi` console command: the project's management commands with the right settings.

gongzhi regions import FILE...     gongzhi generate --residents N
gongzhi audit verify               gongzhi demo
gongzhi audit checkpoint
gongzhi serve                      gongzhi worker          (gunicorn; the task worker)
gongzhi backup [FILE]              gongzhi restore FILE
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    argv = sys.argv[1:]
    # `gongzhi regions import FILE` reads better than `gongzhi regions_import FILE`:
    # a group word followed by a verb maps to the management command `group_verb`.
    if len(argv) >= 2 and not argv[0].startswith("-") and not argv[1].startswith("-"):
        candidate = f"{argv[0]}_{argv[1]}".replace("-", "_")
        import django
        from django.core.management import get_commands

        django.setup()
        if candidate in get_commands():
            argv = [candidate, *argv[2:]]
    execute_from_command_line(["gongzhi", *argv])


if __name__ == "__main__":
    main()
