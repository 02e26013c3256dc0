"""The address a request came from, for the sign-in lockout.

Behind a TLS proxy every request arrives from the proxy's address, so a lockout keyed on it
would let anyone lock any account out for everyone. Each trusted proxy appends the address it
received the request from to `X-Forwarded-For`; the client is the entry added by the outermost
trusted proxy. Entries to its left were written by the client itself and are never trusted.
"""
import ipaddress

from django.conf import settings


def client_address(remote_addr, forwarded_for, trusted_proxies):
    """Return the client's address given the connecting address, the X-Forwarded-For header
    (or None) and how many proxies in front of the app are trusted to append to it.

    With 0 trusted proxies the header is ignored. With N, the chain is the header's entries
    followed by the connecting address, and the client is the (N + 1)-th address from the
    right. A chain shorter than that (a request that bypassed a proxy) or an entry that is not
    an IP address falls back to the connecting address.
    """
    if trusted_proxies <= 0 or not forwarded_for:
        return remote_addr
    chain = [entry.strip() for entry in forwarded_for.split(",")] + [remote_addr]
    if len(chain) <= trusted_proxies:
        return remote_addr
    candidate = chain[-(trusted_proxies + 1)]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


def client_address_of_request(request):
    """django-axes' AXES_CLIENT_IP_CALLABLE."""
    return client_address(request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR"),
                          settings.TRUSTED_PROXY_COUNT)
