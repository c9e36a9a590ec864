"""Start the chat: `python app.py [--port N] [--index DIR]`, the same as `python -m assistant serve`."""
import sys

from assistant.apps.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve", *sys.argv[1:]]))
