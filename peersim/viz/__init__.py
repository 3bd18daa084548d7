"""Figures for teaching (matplotlib) and the browser app (Solara, in app.py)."""
