"""Case studies run end to end on real data (the drone power-line inspection case)."""
