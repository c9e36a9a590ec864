"""Start the chat: `python app.py` (same as `python -m assistant serve`)."""
from assistant.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve"]))
