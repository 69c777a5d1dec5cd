"""Alerts: the kinds of rule, their watches, the rule set and its file, and the engine that fires them."""
