"""What every area shares: the records passed between steps, the closed vocabularies, the one
exception tree, and the identity keys of inputs and articles. Imports nothing else of ours."""
