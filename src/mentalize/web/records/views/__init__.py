"""The clinic's pages. Every view fetches records through :mod:`..scoping` and writes through
:mod:`..services`; none filters by user or saves a model itself."""
