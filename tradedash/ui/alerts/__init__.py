"""Alerts in the window: the centre that owns the engine, its panel, editor, models, chart layer and notifications."""
