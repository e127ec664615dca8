"""`gongzhi ledger verify`: recompute every ledger balance from its entries and compare with the cache."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.ledger import ledger_verify


class Command(BaseCommand):
    help = "Recompute every ledger account's balance from its entries; fail on any mismatch."

    def handle(self, *args, **options):
        checked, mismatches = ledger_verify()
        for m in mismatches:
            if m.account_id:
                self.stderr.write(f"{m.model} #{m.account_id}: 缓存余额 {m.cached}，按流水应为 {m.computed}")
            else:
                self.stderr.write(f"{m.model}: 一笔转账的各项之和为 {m.computed}，不为零")
        if mismatches:
            raise CommandError(f"{len(mismatches)} 处不一致（共核对 {checked} 个账户）")
        self.stdout.write(f"账目一致：核对了 {checked} 个账户。")
