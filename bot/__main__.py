from bot.cli import main

# Guarded: the background process (bot/background.py) is spawned, and a spawned
# child imports the bot's main module again, as __mp_main__, before it runs its own work.
if __name__ == "__main__":
    raise SystemExit(main())
