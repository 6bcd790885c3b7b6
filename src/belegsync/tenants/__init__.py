"""The firm's clients: tax years, VAT returns, the tax advisor access, the staff overview."""
