from django.http import Http404
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from portal.lib.errors import DomainError, Forbidden, NotFound


class DomainErrors:
    """Portal pages: a missing privilege is a 403 page, an object out of scope a 404.

    Other domain errors are shown by the views themselves, next to the form that caused them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, Forbidden):
            return render(request, "portal/error.html", {"title": "Not allowed", "message": exception.message},
                          status=403)
        if isinstance(exception, NotFound):
            raise Http404(exception.message)
        if isinstance(exception, DomainError):
            return render(request, "portal/error.html", {"title": "Refused", "message": exception.message},
                          status=exception.status)
        return None


class NoStore:
    """`Cache-Control: no-store` on every answer of the portal and the API that did not set its own.

    Pages, exports, report CSVs, API answers and activation pages carry personal data: no browser
    or proxy cache may keep them. Static files are served before this (WhiteNoise) and keep theirs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
