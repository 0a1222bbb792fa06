"""Marketing attribution: website leads, call tracking by the dialed number, channel spend."""
