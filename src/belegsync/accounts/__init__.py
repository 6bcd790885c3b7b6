"""Who may sign in: logins, passwords, the login throttle, sessions and API tokens."""
