"""Accounts: users with one role, supervision links, and API tokens stored as hashes."""
