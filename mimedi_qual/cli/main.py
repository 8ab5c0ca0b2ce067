"""``python -m mimedi_qual.cli.main`` — the same as the ``mimedi-qual`` command."""

from mimedi_qual.cli import main

if __name__ == "__main__":
    main()
