"""`python -m bot` is the same as `mutual-voice`."""

from bot.cli import main

# Guarded: worker processes (QR codes for letters) import this module again.
if __name__ == "__main__":
    main()
