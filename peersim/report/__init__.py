"""Reports: summaries, figures, narratives of one person's course, teaching figures.

Layer 7: imports the layers below it only (docs/architecture.md).
"""
