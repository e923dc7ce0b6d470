"""Image data for active learning: readers, an embedding cache, export, contact sheets."""
