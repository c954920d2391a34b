"""The private-address guard's rule: which URLs and addresses are refused, and why."""

from __future__ import annotations

import ipaddress

import pytest

from spiders.errors import ConfigError
from spiders.netguard import literal_address, parse_networks, refusal, scheme_refusal, shown

LOCAL = parse_networks(["127.0.0.0/8"])


@pytest.mark.parametrize(("url", "reason"), [
    ("file://localhost/etc/passwd", "refused: file: is not http(s)"),
    ("file:/etc/hostname", "refused: file: is not http(s)"),
    ("ftp://example.org/x", "refused: ftp: is not http(s)"),
    ("data:text/html,hi", "refused: data: is not http(s)"),
    ("s3://bucket/key", "refused: s3: is not http(s)"),
    ("https://example.org/", None),
])
def test_only_http_and_https(url, reason):
    assert scheme_refusal(url) == reason


@pytest.mark.parametrize(("host", "address"), [
    ("2130706433", "127.0.0.1"),
    ("0x7f.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"),
    ("017700000001", "127.0.0.1"),
    ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
    ("[::1]", "::1"),
    ("example.org", None),
])
def test_numeric_hosts_are_read_as_addresses(host, address):
    found = literal_address(host)
    assert (shown(found) if found else None) == address


@pytest.mark.parametrize(("address", "reason"), [
    ("10.0.0.1", "refused: 10.0.0.1 is a private address"),
    ("172.16.5.4", "refused: 172.16.5.4 is a private address"),
    ("192.168.1.1", "refused: 192.168.1.1 is a private address"),
    ("127.0.0.1", "refused: 127.0.0.1 is a loopback address"),
    ("169.254.169.254", "refused: 169.254.169.254 is a link-local address"),
    ("100.64.0.1", "refused: 100.64.0.1 is a shared (CGNAT) address"),
    ("224.0.0.1", "refused: 224.0.0.1 is a multicast address"),
    ("240.0.0.1", "refused: 240.0.0.1 is a reserved address"),
    ("0.0.0.0", "refused: 0.0.0.0 is an unspecified address"),
    ("::1", "refused: ::1 is a loopback address"),
    ("::", "refused: :: is an unspecified address"),
    ("fe80::1", "refused: fe80::1 is a link-local address"),
    ("fd12:3456::1", "refused: fd12:3456::1 is a private address"),
    ("ff02::1", "refused: ff02::1 is a multicast address"),
    ("::ffff:127.0.0.1", "refused: ::ffff:127.0.0.1 is a loopback address"),
    ("::ffff:10.0.0.1", "refused: ::ffff:10.0.0.1 is a private address"),
    ("2002:a00:1::", "refused: 2002:a00:1:: is a private address"),  # 6to4 around 10.0.0.1
    ("93.184.216.34", None),
    ("2606:2800:220:1:248:1893:25c8:1946", None),
])
def test_non_public_addresses_are_refused(address, reason):
    assert refusal("http://x/", [ipaddress.ip_address(address)], ()) == reason


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", None),
    ("127.5.5.5", None),
    ("::ffff:127.0.0.1", None),
    ("10.0.0.1", "refused: 10.0.0.1 is a private address"),
    ("169.254.169.254", "refused: 169.254.169.254 is a link-local address"),
    ("::1", "refused: ::1 is a loopback address"),
])
def test_allowed_networks_exempt_only_themselves(address, reason):
    assert refusal("http://x/", [ipaddress.ip_address(address)], LOCAL) == reason


def test_every_address_of_a_host_must_be_public():
    addresses = [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.1.2.3")]
    assert refusal("https://mixed.example/", addresses, ()) == "refused: 10.1.2.3 is a private address"


def test_bad_allowed_network_is_a_config_error():
    with pytest.raises(ConfigError, match="'10.0.0.0/33' is not a network"):
        parse_networks(["10.0.0.0/33"])
