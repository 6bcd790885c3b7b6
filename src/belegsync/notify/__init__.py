"""What goes out to people: the mail outbox, notices to clients, support requests."""
