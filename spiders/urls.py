"""URL identity: which addresses name one document, and which name its other language versions.

Readers reach one statement through many addresses: with tracking parameters from a
newsletter or a social network, through the AMP or print view, over http or https, with
or without `www.` and a trailing slash. `canonical_url` folds all of these onto one
address, so a sighting of the same page is recognised before its text is compared.

Some sites give a document an id that survives translation: mid.ru's numeric id, the
English slug coe.int and mfa.gov.ua use in every language. A source's `identity` rule in
data/sources.toml (a regex over the canonical address, whose groups form the key) turns
that id into an `identity_key` such as `mid.ru:1975535`; equal keys in one language are
one statement, in two languages a statement and its translation.

Pure: no Scrapy, no database. In spiders/ so that spiders (skipping what is stored) and the
dedup stage fold addresses the same way.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

__all__ = ["canonical_url", "compile_rule", "identity_key", "site_of"]

# Query parameters that say how a reader arrived, not what they read.
TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|yclid|msclkid|twclid|igshid|mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi"
    r"|ref|ref_src|ref_url|from|cmpid|p_l_back_url|p_p_\w+|_\d+_INSTANCE_\w+|redirect|jsessionid)$",
    re.IGNORECASE,
)
# Query parameters that only ask for another rendering of the same page.
VARIANT_PARAMS = {"amp": None, "print": None, "outputtype": {"amp", "print"}, "view": {"print", "amp"}}
# Path segments of AMP and print renderings (/amp/, /print/, a trailing /amp or .amp).
_VARIANT_SEGMENTS = {"amp", "print"}
_JSESSION = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_variant_param(key: str, value: str) -> bool:
    key = key.lower()
    if key not in VARIANT_PARAMS:
        return False
    allowed = VARIANT_PARAMS[key]
    if allowed is None:  # ?amp, ?amp=1, ?print=1, ?print=true
        return value.lower() in ("", "1", "true", "yes")
    return value.lower() in allowed


def _clean_host(host: str) -> str:
    host = host.lower().rstrip(".")
    for prefix in ("www.", "amp.", "m."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
    return host


def _clean_path(path: str) -> str:
    path = _JSESSION.sub("", path)
    segments = [s for s in path.split("/") if s]
    segments = [s for s in segments if s.lower() not in _VARIANT_SEGMENTS]
    if segments and segments[-1].lower().endswith(".amp"):
        segments[-1] = segments[-1][: -len(".amp")]
    return "/" + "/".join(segments)


def canonical_url(url: str) -> str:
    """One address per document: https, lower-case host without www./amp./m., no default port,
    no tracking or rendering parameters, no fragment, no AMP/print segment, no trailing slash,
    query sorted and percent-encoding normalised (w3lib)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = _clean_host(parts.hostname or "")
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: keep the address as written
        port = None
    if port and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    if scheme == "http":
        scheme = "https"  # one document whichever scheme the link used
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(k) and not _is_variant_param(k, v)
    ]
    cleaned = urlunsplit((scheme, host, _clean_path(parts.path), urlencode(query), ""))
    return canonicalize_url(cleaned, keep_fragments=False)


def site_of(url: str) -> str:
    """The site an address belongs to, as identity keys name it (`mid.ru`, `coe.int`)."""
    return _clean_host(urlsplit(url.strip()).hostname or "")


def compile_rule(rule: str) -> re.Pattern:
    """A source's identity rule as a regex (raises re.error when it is not one, or has no group)."""
    pattern = re.compile(rule)
    if pattern.groups < 1:
        raise re.error("an identity rule needs at least one (group): the groups form the key")
    return pattern


def identity_key(url: str, rule: str | re.Pattern | None) -> str | None:
    """`<site>:<groups>` when the source's rule matches the canonical address, else None.

    The rule is searched in the canonical address (so tracking parameters and AMP views
    cannot hide the id); `mid.ru/ru/…/1975535` and `mid.ru/en/…/1975535` both give
    `mid.ru:1975535`.
    """
    if not rule:
        return None
    pattern = rule if isinstance(rule, re.Pattern) else compile_rule(rule)
    canonical = canonical_url(url)
    match = pattern.search(canonical)
    if not match:
        return None
    groups = [g for g in match.groups() if g]
    if not groups:
        return None
    return f"{site_of(canonical)}:{'/'.join(g.lower() for g in groups)}"
