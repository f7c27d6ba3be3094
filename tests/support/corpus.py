"""Generate a corpus of distinct, realistic noisy news pages for benchmarks and long-run tests.

Pages are built from templates and a seeded random generator, so a corpus is reproducible and
every page has a different body and canonical URL. They carry the same kinds of noise as the
real pages newsflow handles: navigation, cookie banner, share bar, caps title echo, counters,
credit lines, comment forms, related-article lists and scripts.
"""

import random
from pathlib import Path

ACTORS = [
    "Secretary of State Marco Rubio",
    "Foreign Minister Cho Tae-yul",
    "Foreign Minister Takeshi Iwaya",
    "President Yoon Suk Yeol",
    "Defense Secretary Pete Hegseth",
    "Defense Minister Gen Nakatani",
    "Chinese Foreign Minister Wang Yi",
    "Russian Foreign Minister Sergei Lavrov",
    "leader Kim Jong Un",
    "Prime Minister Shigeru Ishiba",
    "UN Secretary-General Antonio Guterres",
    "NATO chief Mark Rutte",
]
PLACES = ["Seoul", "Tokyo", "Washington", "Beijing", "Moscow", "Pyongyang", "Munich", "Brussels", "Busan", "Osaka"]
COUNTRIES = [
    "South Korea",
    "Japan",
    "the United States",
    "China",
    "Russia",
    "North Korea",
    "Ukraine",
    "the Philippines",
]
TOPICS = [
    "extended deterrence",
    "missile defense data-sharing",
    "sanctions enforcement",
    "maritime security",
    "supply-chain resilience",
    "cyber theft of cryptocurrency",
    "the forced labor compensation plan",
    "joint naval drills",
    "export controls on chips",
    "humanitarian aid",
    "the nuclear consultative group",
]
VERBS = [
    "reaffirmed",
    "discussed",
    "pledged to deepen",
    "called for",
    "warned against",
    "agreed to expand",
    "raised concerns over",
    "welcomed progress on",
    "sought support for",
    "played down",
]
CONNECT = [
    "Meanwhile,",
    "Separately,",
    "Officials said",
    "According to a statement,",
    "In a briefing,",
    "Analysts noted that",
    "Earlier this week,",
    "On Tuesday,",
]


def _sentence(rng: random.Random) -> str:
    actor, place = rng.choice(ACTORS), rng.choice(PLACES)
    a, b = rng.sample(COUNTRIES, 2)
    return (
        f"{rng.choice(CONNECT)} {actor} {rng.choice(VERBS)} {rng.choice(TOPICS)} with {a} and {b} "
        f"during talks in {place}, citing {rng.choice(TOPICS)} and {rng.randint(2, 90)} proposals."
    )


SECTIONS = [
    "World",
    "Asia",
    "Politics",
    "Defense",
    "Economy",
    "Opinion",
    "Video",
    "Photos",
    "Podcasts",
    "Newsletters",
    "Weather",
    "Sports",
    "Culture",
    "Science",
    "Tech",
    "Markets",
    "Travel",
    "Health",
]


def _nav(rng: random.Random, width: int) -> str:
    # Real pages carry mega-menus of hundreds of links; they dominate the markup weight.
    groups = "".join(
        f'<li class="menu-group"><a href="/{s.lower()}">{s}</a><ul class="sub">'
        + "".join(f'<li><a href="/{s.lower()}/{rng.randint(1, 9999)}">{s} topic {j}</a></li>' for j in range(width))
        + "</ul></li>"
        for s in SECTIONS
    )
    return f'<nav class="main-nav"><ul>{groups}</ul></nav>'


def _comments(rng: random.Random, count: int) -> str:
    return "".join(
        f'<li class="comment"><span class="who">reader{rng.randint(1, 9999)}</span> '
        f'<span class="when">{rng.randint(1, 59)} minutes ago</span><p>{_sentence(rng)}</p>'
        f'<a href="#">Reply</a> <span class="likes">{rng.randint(0, 99)}</span></li>'
        for _ in range(count)
    )


def page(index: int, seed: int = 0) -> tuple[str, str]:
    """The ``index``-th page of corpus ``seed``: (file name, HTML)."""
    rng = random.Random(f"{seed}-{index}")
    title = f"{rng.choice(ACTORS).split()[-1]} and allies {rng.choice(VERBS)} {rng.choice(TOPICS)} ({index})"
    url = f"https://news.example.org/2025/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/story-{seed}-{index}"
    paragraphs = [" ".join(_sentence(rng) for _ in range(rng.randint(2, 3))) for _ in range(rng.randint(7, 12))]
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    related = "".join(f'<li><a href="/story/{rng.randint(1, 10**6)}">{_sentence(rng)[:70]}</a></li>' for _ in range(30))
    script = "var dataLayer=[];" + "".join(f"dataLayer.push({{'k{i}':'{rng.random():.6f}'}});" for i in range(1500))
    published = f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T0{rng.randint(0, 9)}:15:00+09:00"
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Example News</title>
<link rel="canonical" href="{url}">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{published}">
<meta name="author" content="{rng.choice(["Kim Min-ji", "Sato Yuki", "Jane Park", "Lee Hyun-woo"])}">
<script>{script}</script><style>.x{{color:red}}</style></head>
<body><div id="cookie-banner">We use cookies to improve your experience. <button>Accept all</button></div>
<header>{_nav(rng, 90)}<form class="search"><input name="q" placeholder="Search"></form></header>
<main><article><h1>{title}</h1>
<div class="share">Share <a href="#">Facebook</a> <a href="#">X</a> <a href="#">Email</a></div>
<p>{title.upper()}</p><p>0</p>
{body}
<p>EXAMPLE NEWS PRESS TEAM</p>
</article>
<aside><h3>Related articles</h3><ul>{related}</ul></aside>
<div id="comments"><h3>LEAVE A REPLY</h3><form><textarea>Please enter your comment!</textarea>
<input placeholder="Please enter your name here"></form><ol>{_comments(rng, 120)}</ol></div></main>
<footer>{_nav(rng, 30)}<p>Copyright 2025 Example News. All rights reserved.</p></footer>
</body></html>"""
    return f"page-{seed}-{index:06d}.html", html


def write_corpus(directory: Path, count: int, seed: int = 0) -> list[Path]:
    """Write ``count`` distinct pages into ``directory`` (created) and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        name, html = page(i, seed)
        path = directory / name
        path.write_text(html, encoding="utf-8")
        paths.append(path)
    return paths
