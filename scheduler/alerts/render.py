"""Alert mail, rendered from stories: pure functions from stored data to an EmailMessage.

Scraped text is untrusted twice here: in headers (a title with CR/LF must not add a
header, a very long or non-ASCII one must not break the message) and in HTML (escaped by
Jinja2's autoescaping; highlighted terms are escaped before they are marked). The
templates are data, under data/mail/.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from scheduler.output import one_line
from spiders import config

SUBJECT_CHARS = 150
TEMPLATES = config.DATA_DIR / "mail"


def header_text(value: object, limit: int = SUBJECT_CHARS) -> str:
    """One safe line for a mail header: no CR/LF or control characters, bounded length."""
    text = one_line(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message_id(alert_ids: list[int], domain: str = "communique.local") -> str:
    """A Message-ID derived from the alerts a mail carries: a re-send after a crash is
    recognisably the same mail (mail clients and servers can drop the duplicate)."""
    digest = hashlib.sha256(",".join(str(i) for i in sorted(alert_ids)).encode()).hexdigest()[:32]
    return f"<communique.{digest}@{domain}>"


def local_time(iso: str | None, zone: str) -> str:
    """A stored UTC time in the recipient's zone, e.g. '9 Jul 2025 14:02 CEST'."""
    if not iso:
        return "date unknown"
    dt = datetime.fromisoformat(iso).astimezone(ZoneInfo(zone))
    return f"{dt.day} {dt:%b %Y %H:%M} {dt.tzname()}"


def highlight_html(snippet: str, terms: list[str]) -> Markup:
    """The snippet, escaped, with each matched term wrapped in <mark>."""
    return _highlight(snippet, terms, lambda t: Markup("<mark>") + escape(t) + Markup("</mark>"), escape, Markup(""))


def highlight_text(snippet: str, terms: list[str]) -> str:
    return _highlight(one_line(snippet), terms, lambda t: f"*{t}*", str, "")


def _highlight(snippet, terms, mark, plain, empty):
    terms = [t for t in sorted(set(terms), key=len, reverse=True) if t.strip()]
    if not terms:
        return plain(snippet)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out, last = [empty], 0
    for m in pattern.finditer(snippet):
        out += [plain(snippet[last:m.start()]), mark(m.group(0))]
        last = m.end()
    out.append(plain(snippet[last:]))
    return empty.join(out)  # Markup("").join escapes nothing twice; "".join for text


def http_url(value: object) -> str:
    """A link target: only http(s) addresses; anything else (javascript:, data:) becomes '#'."""
    url = one_line(value)
    return url if url.lower().startswith(("http://", "https://")) else "#"


def _environments() -> tuple[Environment, Environment]:
    loader = FileSystemLoader(TEMPLATES)
    html = Environment(loader=loader, autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    text = Environment(loader=loader, autoescape=False, undefined=StrictUndefined, trim_blocks=True,
                       lstrip_blocks=True)
    for env in (html, text):
        env.filters["local_time"] = local_time
        env.filters["one_line"] = one_line
        env.filters["http_url"] = http_url
        env.filters["highlight_html"] = highlight_html
        env.filters["highlight_text"] = highlight_text
    return html, text


_HTML, _TEXT = _environments()


def subject_for(stories: list[dict], topic: str) -> str:
    if len(stories) == 1:
        s = stories[0]["statement"]
        return header_text(f"[communique] {s.get('source_name') or s['source']}: {s['title']}")
    return header_text(f"[communique] {len(stories)} new statements on {topic}")


def render_alert(stories: list[dict], *, recipient: str, sender: str, subscription: dict, alert_ids: list[int],
                 updated: bool = False) -> EmailMessage:
    """One mail for one recipient: one story (immediate) or several (a digest or one crawl's batch).

    A story is {"statement": {...}, "translations": [...], "coverage": [...]}, each a plain
    row dict as the storage API returns it; `subscription` is the row that matched.
    """
    zone = subscription.get("tz") or "UTC"
    topic = subscription.get("topic") or "the Council of Europe"
    context = {"stories": stories, "subscription": subscription, "zone": zone, "topic": topic, "updated": updated}
    message = EmailMessage()
    subject = subject_for(stories, topic)
    message["Subject"] = ("[updated] " + subject) if updated else subject
    message["From"] = header_text(sender, 300)
    message["To"] = header_text(recipient, 300)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(alert_ids, sender.rpartition("@")[2] or "communique.local")
    message["List-Unsubscribe"] = f"<mailto:{header_text(sender, 300)}?subject=unsubscribe%20{int(subscription['id'])}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to alerts
    message.set_content(_TEXT.get_template("alert.txt").render(context))
    message.add_alternative(_HTML.get_template("alert.html").render(context), subtype="html")
    return message
