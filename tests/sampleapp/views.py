from django.http import HttpResponse

from gongzhi.core.permissions import require

from .rules import VIEW


def index(request):
    require(request.user, VIEW)
    return HttpResponse("sample")
