"""`python -m weavergen.server [--stdio | --tcp --host H --port N]`: what the VS Code extension starts."""

from weavergen.server.server import main

main()
