"""Security headers, the client address behind the proxy, and the sign-in lockout page.

The Content-Security-Policy is as strict as the site allows: scripts only from our own origin (the vendored htmx,
Bootstrap, ECharts and Cytoscape and our static files) or an inline `<script nonce="{{ request.csp_nonce }}">`;
no eval. Styles come from our own origin; `style` attributes stay allowed (style-src-attr) because progress bars
and column widths are set from data in the templates, and ECharts' tooltips write them. Images may be data: URIs
(Bootstrap draws its icons in CSS that way). Nothing may frame the site, and forms post to the site only.
"""

from __future__ import annotations

import datetime
import math

from django.conf import settings
from django.shortcuts import render

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment",
                    "usb", "browsing-topics")
)


# Cytoscape adds one fixed <style> element (".__________cytoscape_container { position: relative; }") to the page
# it draws in; its hash lets exactly that through. A new Cytoscape version that changes the rule shows up as a
# policy violation in the browser tests.
CYTOSCAPE_STYLESHEET = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"


def content_security_policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' {CYTOSCAPE_STYLESHEET}",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def client_ip(request) -> str:
    """The address that signs in. Behind the TLS proxy it is the last X-Forwarded-For entry, the one the proxy
    appended (nginx's $proxy_add_x_forwarded_for); earlier entries come from the client and prove nothing.
    Without the proxy the header is ignored: anyone could send it."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


def lockout_minutes() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    if isinstance(cool_off, datetime.timedelta):
        return max(1, math.ceil(cool_off.total_seconds() / 60))
    return max(1, math.ceil(float(cool_off) * 60))  # django-axes also accepts hours as a number


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' AXES_LOCKOUT_CALLABLE: the translated page after too many failed sign-ins (HTTP 429)."""
    return render(request, "core/lockout.html",
                  {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": lockout_minutes()}, status=429)
