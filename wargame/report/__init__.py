"""The after-action report: what happened, why, what the facilitator changed, the road not
taken and the risk timeline; one offline HTML file, or Markdown with charts beside it."""
