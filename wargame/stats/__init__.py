"""Statistics of batch results: intervals, paired comparisons, sensitivity indices."""
