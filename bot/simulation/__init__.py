"""The simulated Telegram: a fake Bot API server, a driver that acts as users, the demo."""
