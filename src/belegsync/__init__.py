"""belegsync: Lexware Office voucher sync for a tax advisory firm's client app."""

__version__ = "0.1.0"
