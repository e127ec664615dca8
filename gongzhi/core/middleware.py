"""Turn an ApplicationError raised under a page into a message the person can act on.
(Input no one can store is refused earlier, by core.input_guard.)"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from .errors import ApplicationError


class ApplicationErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ApplicationError) or request.path.startswith(("/api/", "/open311/")):
            return None
        if exception.status in (403, 404):
            return render(request, "web/error.html", {"message": exception.message}, status=exception.status)
        messages.error(request, exception.message)
        back = request.META.get("HTTP_REFERER", "")
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(back)
        return render(request, "web/error.html", {"message": exception.message}, status=exception.status)
