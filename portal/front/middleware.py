from django.http import Http404
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_noop

from portal.front.views import MESSAGES, error_response, is_api
from portal.lib import badinput
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
        if is_api(request):
            return None
        exception = badinput.refusal_for(exception) or exception
        if isinstance(exception, Forbidden):
            return error_response(request, status=403, message=exception.message)
        if isinstance(exception, NotFound):
            raise Http404(exception.message)
        if isinstance(exception, DomainError):
            return error_response(
                request,
                status=exception.status,
                message=exception.message,
                fields=exception.fields,
                title=gettext_noop("Refused"),
                code=exception.code,
            )
        return None


class BadInput:
    """Refuses, before the view, what no database can store or compare (portal.lib.badinput).

    A path parameter that cannot name anything (an id over 64 bits, a NUL in a slug) is a 404; a
    NUL in a header, the query string or a portal form is a 400. API bodies: its parser.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in [*view_args, *view_kwargs.values()]:
            if (isinstance(value, int) and badinput.int_problem(value)) or (
                isinstance(value, str) and badinput.text_problem(value)
            ):
                return error_response(request, status=404)
        headers = ((name, [value]) for name, value in request.headers.items())
        problems, where = badinput.pairs_problems(headers), "headers"
        if not problems:
            problems, where = badinput.pairs_problems(request.GET.lists()), "query"
        if not problems and request.method == "POST" and not is_api(request):
            problems, where = badinput.pairs_problems(request.POST.lists()), "form"
        try:
            badinput.refuse(problems, where)
        except DomainError as refused:
            return error_response(
                request,
                status=400,
                message=refused.message,
                fields=refused.fields,
                code=refused.code,
            )
        return None


class ApiErrorShape:
    """Under /api/, an error answer made outside ninja (405 from its router, Django's pages...)
    gets the documented JSON shape; its headers (Allow, Retry-After) are kept."""

    KEPT = ("Allow", "Retry-After")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api(request)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        message = MESSAGES.get(response.status_code, ("", ""))[1]
        if response.status_code == 405 and response.has_header("Allow"):
            message = f"Method not allowed: use {response['Allow']}."
        shaped = error_response(request, status=response.status_code, message=message)
        for header in self.KEPT:
            if response.has_header(header):
                shaped[header] = response[header]
        return shaped


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
