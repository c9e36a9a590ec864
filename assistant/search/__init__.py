"""Text analysis, the store (Chroma + BM25), embedding backends and retrieval."""
