from .models import Wallet


def wallet_count(*, user=None):
    return Wallet.objects.count()
