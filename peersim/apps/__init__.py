"""Applications: the `peersim` command and the browser app.

Layer 9, the top: may import every layer (docs/architecture.md).
"""
