"""Training the learned heads that ship in :mod:`mentalize.learned` (needs the ``research``
extra). Each trainer is one command that rebuilds its shipped file bit for bit; nothing here is
imported at run time."""
