"""lexware"""
