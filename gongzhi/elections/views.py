from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from gongzhi.core.permissions import require

from . import rules, selectors


@login_required
def index(request):
    require(request.user, rules.VIEW)
    return render(
        request, "elections/index.html", {"elections": selectors.elections(user=request.user)[:200]}
    )
