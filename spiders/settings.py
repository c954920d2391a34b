"""The one Scrapy settings module.

App settings are prefixed COMMUNIQUE_; everything else is Scrapy's own, set here with
the reason it has its value. Values that come from the environment are resolved by
spiders/config.py, the same resolver the CLI uses.
"""

from spiders import config

BOT_NAME = "communique"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- communique ---------------------------------------------------------------------
# The SQLite file every crawl writes into (the CLI passes --db through as -s COMMUNIQUE_DB).
COMMUNIQUE_DB = str(config.db_path())
# The source registry; the demo points this at its own registry for the local demo site.
COMMUNIQUE_SOURCES = str(config.sources_path())
# The tag lexicon (None: data/lexicon.toml).
COMMUNIQUE_LEXICON = config.env("COMMUNIQUE_LEXICON")
# Set by the CLI so that the crawl_runs row it reads back is the one this process wrote.
COMMUNIQUE_RUN_ID = None
# A first crawl of a source follows at most this many listing pages (backfill);
# later crawls stop earlier, at the first page that holds only known statements.
COMMUNIQUE_MAX_PAGES = config.max_pages()
COMMUNIQUE_CONTACT = config.contact()
# A run that read statements but had at least this share of its article pages blocked or
# unparsable is "degraded", not "ok" (pipelines/health.py).
COMMUNIQUE_DEGRADED_SHARE = config.degraded_share()
# Networks exempt from the private-address guard (spiders/netguard.py); empty: only the public web.
COMMUNIQUE_ALLOWED_NETWORKS = config.allowed_networks()
# A crawl on a Scrapyd runner node (scheduler/scrapyd.py) sets these: the item pipeline only yields
# each statement to the node's item feed (no database, no lexicon on the node; the scheduler's machine
# runs the stages), the source comes as its registry entry (JSON), and the addresses the scheduler
# already stored (a JSON list) let the spider stop paging at known statements as a local crawl does,
# and the entry points' validators (JSON) make its feed requests conditional as at home.
COMMUNIQUE_REMOTE = False
COMMUNIQUE_SOURCE_ENTRY = None
COMMUNIQUE_KNOWN_URLS = None
COMMUNIQUE_ENTRY_VALIDATORS = None
# Longer statement texts are cut here (extra["truncated_from"] keeps the original length).
COMMUNIQUE_MAX_STATEMENT_CHARS = config.max_statement_chars()
# Recheck mode (spiders/recheck.py): fetch the source's statements due for a re-check, not its
# feeds; the schedule is seconds after first seen (COMMUNIQUE_RECHECK_AFTER, pipelines/rechecks.py).
COMMUNIQUE_RECHECK = False
COMMUNIQUE_RECHECK_AFTER = list(config.recheck_after())

# --- only the public web (spiders/netguard.py) ------------------------------------------
# Pages are written by strangers: a link may point at file:///etc/passwd or redirect to
# http://169.254.169.254/. Only http(s) has a handler; every request (redirects, robots.txt)
# passes the guard before robots.txt is asked, and the resolver drops private answers at
# connect time. (The impersonate fetcher replaces DOWNLOAD_HANDLERS: the guard still refuses.)
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "s3": None, "data": None}
DOWNLOADER_MIDDLEWARES = {
    "spiders.netguard.PublicOnlyMiddleware": 50,
    # After decompression (590) and redirects (600): decode pages that declare no charset.
    "spiders.charsets.CharsetMiddleware": 580,
    # Between them: sees the decompressed body, and an unchanged entry point costs no
    # charset detection either (spiders/revalidate.py).
    "spiders.revalidate.EntryRevalidationMiddleware": 585,
}
TWISTED_DNS_RESOLVER = "spiders.netguard.PublicOnlyResolver"

# --- bounded ------------------------------------------------------------------------------
# Scrapy's default is 1 GiB. The limit applies to decompressed bodies too
# (HttpCompressionMiddleware stops inflating at DOWNLOAD_MAXSIZE), so a 1 MB gzip bomb is
# dropped at 10 MB instead of filling memory.
DOWNLOAD_MAXSIZE = config.max_download_mb() * 1024 * 1024
DOWNLOAD_WARNSIZE = min(2 * 1024 * 1024, DOWNLOAD_MAXSIZE)

# --- politeness ---------------------------------------------------------------------
# Ministries are public services: identify ourselves honestly, with a way to reach us.
USER_AGENT = f"communique/0.1 (+{COMMUNIQUE_CONTACT}; statement monitor)"
ROBOTSTXT_OBEY = True
# One request at a time per site, at least a second apart, slower when the site is slow.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # 0.5x to 1.5x the delay, so requests do not tick like a clock
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# 403/429 are answers, not glitches: the spider records them as "blocked" instead of retrying.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
# Let spiders see error statuses so they can tell blocked (401/403/429/451) from missing.
HTTPERROR_ALLOWED_CODES = [401, 403, 404, 410, 429, 451, 500, 502, 503]

# --- conditional requests -------------------------------------------------------------
# Entry points (feeds, listings, sitemaps, APIs) are revalidated on every crawl with
# validators communique keeps in its database, whatever the site's Cache-Control says;
# an unchanged one costs a 304 and no parsing (spiders/revalidate.py). Scrapy's HTTP cache
# is off: its RFC 2616 policy took pages without Cache-Control for fresh and missed new
# statements, and article pages need no cache (the database holds them).
HTTPCACHE_ENABLED = False

# --- pipelines ---------------------------------------------------------------------------
# One item pipeline runs the stages normalize -> dedup -> tag -> store (pipelines/stages.py)
# in one hop; each further pipeline would add Scrapy's per-item async plumbing.
ITEM_PIPELINES = {"pipelines.item_pipeline.StatementPipeline": 300}
# Items Scrapy processes at once per response. The stages are synchronous, so concurrency
# buys nothing, and Scrapy starts this many asyncio tasks for every response's output:
# at 100 (its default) that was ~100 tasks per page; 8 saved 11-21 % of a crawl's CPU.
CONCURRENT_ITEMS = 8
# The store stage writes statements in batches, one transaction each (one per statement was
# half its cost; measured: 0.30 ms per statement alone, 0.17 in batches of 25, 0.16 of 50):
# a batch is written when it holds this many, or when its oldest statement waited this
# long, and whenever the crawl pauses or ends. A crash loses at most the
# unwritten batch, which is not known and so is read again by the next crawl.
COMMUNIQUE_STORE_BATCH = 25
COMMUNIQUE_STORE_BATCH_SECONDS = 5.0

# No remote control of a crawl: the telnet console is off, and so is the HTTP code-execution
# server Scrapy 2.19 starts by default (REMOTE_CONTROL_ENABLED; a port and token file per crawl).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = config.log_level()
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
