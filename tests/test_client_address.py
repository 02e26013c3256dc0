"""Which address the sign-in lockout counts failures against, behind zero, one or two proxies."""
import pytest

from reviewapp.client_address import client_address

PROXY, OUTER_PROXY = "10.0.0.2", "10.0.0.1"
ALICE, MALLORY = "198.51.100.7", "203.0.113.9"


@pytest.mark.parametrize("forwarded_for", [None, "", MALLORY, f"1.2.3.4, {MALLORY}"])
def test_without_a_trusted_proxy_the_header_is_ignored(forwarded_for):
    assert client_address(MALLORY, forwarded_for, 0) == MALLORY


def test_behind_one_proxy_the_client_is_the_address_the_proxy_appended():
    assert client_address(PROXY, ALICE, 1) == ALICE


def test_behind_one_proxy_addresses_the_client_wrote_itself_are_not_trusted():
    # Mallory sends "X-Forwarded-For: <Alice's address>"; the proxy appends Mallory's own.
    assert client_address(PROXY, f"{ALICE}, {MALLORY}", 1) == MALLORY


def test_behind_two_proxies_the_outer_proxy_names_the_client():
    assert client_address(PROXY, f"{ALICE}, {MALLORY}, {OUTER_PROXY}", 2) == MALLORY
    assert client_address(PROXY, f"{MALLORY}, {OUTER_PROXY}", 2) == MALLORY


def test_a_request_that_bypassed_the_proxies_counts_against_its_connecting_address():
    assert client_address(MALLORY, None, 1) == MALLORY
    assert client_address(PROXY, OUTER_PROXY, 2) == PROXY


def test_an_entry_that_is_not_an_address_counts_against_the_connecting_address():
    assert client_address(PROXY, "alice-laptop", 1) == PROXY
    assert client_address(PROXY, " 2001:db8::1 ", 1) == "2001:db8::1"
