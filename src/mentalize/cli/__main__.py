"""``python -m mentalize.cli``: the same entry point as the ``mentalize`` command."""

from mentalize.cli.app import main

main()
