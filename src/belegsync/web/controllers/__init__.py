"""Thin controllers: parse input, call a service or an access helper, render."""
