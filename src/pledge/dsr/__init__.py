"""Data subject requests: planning, executing and answering them, and their lifecycle."""
