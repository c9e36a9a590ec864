"""Question analysis and readers: passages -> a cited Answer."""
