"""Places: base capacity by planning area and, over time, from the capital programme."""
