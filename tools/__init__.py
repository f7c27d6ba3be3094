"""Developer tools: evaluation and training scripts run by hand or from the Makefile, never by the pipeline."""
