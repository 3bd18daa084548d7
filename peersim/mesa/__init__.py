"""The Mesa front end: PeerGroupModel and its agents, running the same kernel on a batch of one.

Layer 8: imports the layers below it only (docs/architecture.md).
"""
