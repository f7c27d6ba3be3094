"""From SOURCE arguments to inputs: local discovery and loading, web fetching, and the collection
that turns both into pipeline inputs, failures and skips without ever stopping a run."""
