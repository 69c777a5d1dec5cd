"""Dialogs of the main window: about, subscriptions."""
