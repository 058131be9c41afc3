"""Bridges to other ecosystems (ConvoKit); each needs its own optional extra and is imported
only by the user who asks for it."""
