"""`python -m weavergen.cli`: the same as the `weavergen` console script."""

from weavergen.cli.main import main

if __name__ == "__main__":
    main()
