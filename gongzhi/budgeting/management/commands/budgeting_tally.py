"""`manage.py budgeting_tally FILE.pb [--rule …] [--json]` (console: `gongzhi budgeting tally`):
tally a Pabulib file without touching the database and print the selected project ids."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from gongzhi.budgeting.pabulib import PabulibError, read
from gongzhi.budgeting.tally import RULES, tally


class Command(BaseCommand):
    help = "Tally a Pabulib .pb file (greedy, greedy-no-skip, greedy-threshold, equalshares); no database."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--rule", choices=RULES, help="default: the rule named in the file's META, else greedy"
        )
        parser.add_argument("--threshold", type=int, help="minimum votes for greedy-threshold")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--explain", action="store_true", help="print why each project won or lost")

    def handle(self, *args, file, rule, threshold, json: bool, explain: bool, **options):
        try:
            election = read(file)
            result = tally(election, rule, threshold=threshold)
        except (PabulibError, ValueError, OSError) as exc:
            raise CommandError(f"{file}: {exc}") from None
        if json:
            out = result.as_dict()
            if explain:
                out["explanations"] = result.explanations
            self.stdout.write(_dumps(out))
            return
        self.stdout.write(" ".join(result.selected))
        if explain:
            for p in election.projects:
                self.stdout.write(f"{p}\t{result.explanations[p]}")


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)
