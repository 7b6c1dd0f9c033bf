"""Hearth: a Telegram bot for couples' daily rituals."""
