from django.db import models

from gongzhi.core.append_only import AppendOnlyModel
from gongzhi.core.fields import community_fk
from gongzhi.core.ledger import LedgerAccount, LedgerEntry


class Wallet(LedgerAccount):
    community = community_fk()
    name = models.CharField(max_length=50)

    class Meta(LedgerAccount.Meta):
        pass


class WalletEntry(LedgerEntry):
    account = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")


class Note(AppendOnlyModel):
    community = community_fk()
    text = models.CharField(max_length=100)
