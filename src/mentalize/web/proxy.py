"""Which peer may tell ``mentalize serve`` that a request reached the proxy over HTTPS.

Behind a TLS proxy (``MENTALIZE_BEHIND_TLS_PROXY=1``) the app learns that the browser used
HTTPS only from the proxy's ``X-Forwarded-Proto`` header. waitress (3.x) deletes every
``X-Forwarded-*`` header unless it is told which peer to trust, so without this the header
never reached Django: every request looked like plain HTTP, was redirected to HTTPS, came back
through the proxy as plain HTTP again (an endless loop), and HSTS was never sent.

So ``serve`` names one trusted peer to waitress: the proxy's IP address as this server sees
it (``--trusted-proxy`` or ``MENTALIZE_TRUSTED_PROXY``). From that address waitress honours
``X-Forwarded-Proto`` (and ``X-Forwarded-For``, so the client's address is the real one); from
any other it deletes them, so a client that reaches the server directly cannot claim HTTPS.

Without an address, a server listening on loopback trusts loopback (only a process on this
machine can connect, so the proxy must be one), and a server listening on any other address
refuses to start: which peer is the proxy there is not something to guess. Django is not
imported here, so ``serve`` checks this before it creates or migrates anything.
"""

from __future__ import annotations

import ipaddress

from mentalize.errors import MentalizeError

# What the proxy may tell us: the scheme the browser used, and the browser's address.
# X-Forwarded-Host is not trusted: the proxy passes the Host header on, and ALLOWED_HOSTS
# checks that.
TRUSTED_HEADERS = frozenset({"x-forwarded-proto", "x-forwarded-for"})


class ProxyConfigError(MentalizeError):
    """The TLS-proxy settings do not fit together; the message is one line naming the option."""


def _loopback_address(host: str) -> str | None:
    """The loopback address a local proxy connects from, for a loopback ``--host``; else None."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    return str(address) if address.is_loopback else None


def waitress_options(
    host: str, trusted_proxy: str | None, *, behind_tls_proxy: bool
) -> dict[str, object]:
    """waitress's proxy settings for ``mentalize serve --host HOST``, or ProxyConfigError."""
    trusted = (trusted_proxy or "").strip()
    if not behind_tls_proxy:
        if trusted:
            raise ProxyConfigError(
                "--trusted-proxy (MENTALIZE_TRUSTED_PROXY) is used only with "
                "MENTALIZE_BEHIND_TLS_PROXY=1; set both, or neither"
            )
        # waitress's default, stated: no peer may set the scheme or the client's address.
        return {"clear_untrusted_proxy_headers": True}
    if not trusted:
        local = _loopback_address(host)
        if local is None:
            raise ProxyConfigError(
                f"MENTALIZE_BEHIND_TLS_PROXY=1 with --host {host} needs --trusted-proxy "
                "(or MENTALIZE_TRUSTED_PROXY): the TLS proxy's IP address, e.g. 10.0.0.5"
            )
        trusted = local
    try:
        address = str(ipaddress.ip_address(trusted.strip("[]")))
    except ValueError:
        raise ProxyConfigError(
            f"--trusted-proxy: {trusted[:60]!r} is not an IP address; give the TLS proxy's "
            "address as this server sees it, e.g. 127.0.0.1"
        ) from None
    return {
        "trusted_proxy": address,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": set(TRUSTED_HEADERS),
        "clear_untrusted_proxy_headers": True,
    }
