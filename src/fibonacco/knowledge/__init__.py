"""Knowledge base: entries, FAQ categories, votes, embeddings and semantic/full-text/hybrid search."""
