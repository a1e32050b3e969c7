"""The size limit of uploaded files, enforced while the request body streams in.

`LimitedUpload` is the first of FILE_UPLOAD_HANDLERS: it refuses a multipart body whose
Content-Length is over the limit before a byte of it is read, and counts each file's bytes as
they arrive, stopping at the first chunk past UPLOAD_MAX_BYTES. `UploadLimit` (middleware) parses
multipart bodies before any view or CSRF check does, so that the refusal is a 413 — a page in the
portal, `{"error", "fields"}` in the API — and never a 500 or a body read to its end.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from portal.lib.errors import DomainError, FileTooLarge, code_for

# Room for the form's other fields and the multipart boundaries around the file.
FORM_MARGIN = 64 * 1024


def upload_limit() -> int:
    return settings.UPLOAD_MAX_BYTES


class LimitedUpload(FileUploadHandler):
    """Stops a multipart upload as soon as it is known to be over the limit."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > upload_limit() + FORM_MARGIN:
            raise FileTooLarge(size=content_length, limit=upload_limit())
        return None  # The other handlers parse it.

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > upload_limit():
            raise FileTooLarge(size=None, limit=upload_limit(), filename=self.file_name or "")
        return raw_data

    def file_complete(self, file_size):
        return None


class UploadLimit:
    """Middleware (after authentication): parse multipart bodies here, where a FileTooLarge from
    `LimitedUpload` can still become a 413 answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.FILES  # noqa: B018 - parses the body now, through LimitedUpload
            except FileTooLarge as refused:
                return refusal(request, refused)
            except MultiPartParserError:
                pass  # Django keeps an empty form; the view answers 400 for what is missing.
            except SuspiciousOperation as error:  # too many fields or files, fields too large
                if not request.path.startswith("/api/"):
                    raise  # Django's 400 page
                status = 413 if isinstance(error, RequestDataTooBig) else 400
                return JsonResponse(
                    {
                        "error": f"The request was refused: {error}",
                        "fields": {},
                        "code": code_for(status),
                    },
                    status=status,
                )
        return self.get_response(request)


def refusal(request, error: DomainError):
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=error.status)
    return render(
        request,
        "portal/error.html",
        {"title": "File too large", "message": error.message},
        status=error.status,
    )
