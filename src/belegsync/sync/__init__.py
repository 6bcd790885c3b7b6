"""The voucher sync: connecting a Lexware account and pulling its paid vouchers."""
