"""Files -> documents -> chunks, and the crash-safe pipeline that writes them into the index."""
