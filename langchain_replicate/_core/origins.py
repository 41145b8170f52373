"""Where the API token may go: the one rule, pure.

The token is sent only to

* the configured API origin (`base_url`, default `https://api.replicate.com`):
  scheme, host and port all equal; and
* Replicate's own hosts over HTTPS: `replicate.com` and its subdomains, and
  subdomains of `replicate.net`. These are where `urls.stream` points on real
  Replicate (the API notes, §5.1: `streaming-api.svc.{us|rno2}.c.replicate.net`,
  `stream-b.svc.rno2.c.replicate.net`, `stream.replicate.com`,
  `streaming.api.replicate.com`), and clients send the token there.

Nowhere else: not to output file hosts (`replicate.delivery` and its
subdomains serve files by unguessable URL, without a token), not to a stream or
file URL on any other origin, and never over plain HTTP unless that is the
configured origin itself (the local server).
"""

from __future__ import annotations

import httpx

REPLICATE_HOSTS = ("replicate.com",)
"""Hosts (and their subdomains) that are Replicate's own, over HTTPS."""
REPLICATE_DOMAINS = (".replicate.com", ".replicate.net")
"""Domains whose subdomains are Replicate's own (stream hosts), over HTTPS."""


def same_origin(url: str | httpx.URL, origin: str | httpx.URL) -> bool:
    """Whether two URLs share scheme, host and (effective) port.

    Args:
        url: A URL.
        origin: Another URL (e.g. the API's base URL).

    Returns:
        `True` if they are the same origin.
    """
    a, b = httpx.URL(url), httpx.URL(origin)
    return (a.scheme, a.host, _port(a)) == (b.scheme, b.host, _port(b))


def is_replicate_host(url: str | httpx.URL) -> bool:
    """Whether `url` is HTTPS on one of Replicate's own API or stream hosts.

    Args:
        url: A URL.

    Returns:
        `True` for `https://replicate.com`, `https://*.replicate.com` and
        `https://*.replicate.net` (any port).
    """
    parsed = httpx.URL(url)
    host = parsed.host.lower().rstrip(".")
    if parsed.scheme != "https" or not host:
        return False
    return host in REPLICATE_HOSTS or host.endswith(REPLICATE_DOMAINS)


def token_allowed(url: str | httpx.URL, api_origin: str | httpx.URL) -> bool:
    """Whether a request to `url` may carry the API token (see the module doc).

    Args:
        url: Where the request goes (absolute).
        api_origin: The configured API origin (`base_url`).

    Returns:
        `True` for the API origin and Replicate's own hosts; `False` elsewhere.
    """
    return same_origin(url, api_origin) or is_replicate_host(url)


def _port(url: httpx.URL) -> int | None:
    if url.port is not None:
        return url.port
    return {"http": 80, "https": 443}.get(url.scheme)
