"""The web side of sources: a careful fetcher, its address guard, the source formats (feeds,
sitemaps, URL lists, WARC) and the harvest that expands sources into fetched pages."""
