"""Small HTTP helpers of the portal's views."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url


def see_other(to, *args, **kwargs) -> HttpResponseRedirect:
    """POST/redirect/GET: a 303 to the page that shows the result, so a reload repeats nothing."""
    response = HttpResponseRedirect(resolve_url(to, *args, **kwargs))
    response.status_code = 303
    return response
