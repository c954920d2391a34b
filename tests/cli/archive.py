"""A small archive for the reading commands, stored through the storage API as a crawl would.

Seven statements in en, uk, ru and fr from four sources (two countries, three publisher
kinds), over three years, some tagged, one republished by a news source, and the
Ukrainian and Russian case forms of «Рада Європи» / «Совет Европы».
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipelines.db import open_db
from pipelines.dedup import canonical_url, fingerprint
from spiders.items import Statement
from spiders.sources import Source

SOURCES = [
    Source(id="mfa-ua-uk", name="MFA of Ukraine", publisher="ministry", country="UA", language="uk",
           spider="feed", feed_urls=("https://mfa.example/rss",)),
    Source(id="mid-ru-ru", name="MID of Russia", publisher="ministry", country="RU", language="ru",
           spider="feed", feed_urls=("https://mid.example/rss",)),
    Source(id="coe-newsroom-en", name="CoE newsroom", publisher="intergovernmental", country="FR",
           language="en", spider="listing", listing_urls=("https://coe.example/news?page={page}",)),
    Source(id="news-ua-en", name="A news site", publisher="news", country="UA", language="en",
           spider="feed", feed_urls=("https://news.example/rss",)),
]

# (source, language, date, title, text, tags {tag: score})
STATEMENTS = [
    ("mfa-ua-uk", "uk", "2023-03-01", "Заява МЗС щодо Ради Європи",
     "Україна закликає держави — члени Ради Європи підтримати спеціальний трибунал.", {"coe": 0.9}),
    ("mfa-ua-uk", "uk", "2024-05-10", "Постійний представник при Раді Європи",
     "Постійний представник України при Раді Європи зустрівся з генеральним секретарем.", {"coe": 0.8}),
    ("mfa-ua-uk", "uk", "2025-02-03", "Співпраця з Радою Європи",
     "Міністр обговорив співпрацю з Радою Європи та Європейським судом з прав людини.",
     {"coe": 0.7, "echr_court": 0.6}),
    ("mid-ru-ru", "ru", "2024-09-12", "Комментарий о выходе из Совета Европы",
     "Россия вышла из Совета Европы; решения Комитета министров больше не обязательны.", {"coe": 0.95}),
    ("mid-ru-ru", "ru", "2025-01-20", "Брифинг официального представителя",
     "О Совете Европы говорили долго; перед Советом Европы стоит выбор. Также о зерновой сделке.", {"coe": 0.3}),
    ("mid-ru-ru", "ru", "2025-03-05", "Европейский совет и санкции",
     "Европейский совет принял новый пакет санкций против России.", {}),
    ("coe-newsroom-en", "en", "2024-11-15", "Torture prevention committee visits detention",
     "The CPT visited places of detention to prevent torture and ill-treatment.", {"coe": 0.9, "cpt": 0.85}),
    ("coe-newsroom-en", "fr", "2025-04-01", "Le Comité européen pour la prévention de la torture",
     "Le CPT publie un rapport sur la torture en détention.", {"coe": 0.9, "cpt": 0.9}),
    ("news-ua-en", "en", "2025-05-01", "Grain corridor",
     "Grain exports through the Black Sea corridor continued; torture was not mentioned in the title.", {}),
]


def build_archive(path: Path) -> Path:
    store = open_db(path)
    store.upsert_sources(SOURCES)
    for n, (source, lang, day, title, text, tags) in enumerate(STATEMENTS, 1):
        st = Statement(source=source, url=f"https://{source}.example/{n}", title=title, text=text,
                       language=lang, kind="statement", published_at=datetime.fromisoformat(day + "T10:00:00+00:00"),
                       fetched_at=datetime.now(UTC))
        st.canonical_url, st.fingerprint = canonical_url(st.url), fingerprint(title, text)
        st.tags = [{"tag": t, "score": s, "evidence": [{"term": t, "start": 0, "end": 3, "snippet": f"[{t}]",
                                                         "field": "text"}]} for t, s in tags.items()]
        store.save(st)
    # A news site republishes the CPT visit word for word: one statement, two sightings.
    republished = Statement(source="news-ua-en", url="https://news-ua-en.example/cpt", title=STATEMENTS[6][3],
                            text=STATEMENTS[6][4], language="en", fetched_at=datetime.now(UTC))
    republished.canonical_url = canonical_url(republished.url)
    republished.fingerprint = fingerprint(republished.title, republished.text)
    assert store.save(republished)[0] == "sighting"
    store.close()
    return path


def title_of(number: int) -> str:
    """The title of the statement stored `number`-th (from 1)."""
    return STATEMENTS[number - 1][3]
