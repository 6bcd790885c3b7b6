"""The demo: German demo clients and logins, and the demo client's bank account.

``belegsync demo`` (in :mod:`belegsync.cli.demo`) starts the Lexware emulator and the app;
this package fills them with what a new user should see. It is a composition of the use
cases (tenants, accounts, banking, matching) and never reached from them.
"""
