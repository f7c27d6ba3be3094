"""From a loaded document to clean text and metadata: extraction, dates, cleanup, language."""
