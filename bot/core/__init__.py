"""The Telegram-free domain: couples, answers, schedule, outbox and content. No telegram import."""
