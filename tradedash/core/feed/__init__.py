"""The feed, venue-blind: the feed session contract, its lifecycle, reconnect pacing, statistics and what is shown or logged of it."""
