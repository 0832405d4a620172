"""Everything the tool writes or reads back: atomic outputs, saved states, batch manifests."""
