"""banking"""
