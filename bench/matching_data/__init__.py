"""Data for the matching benchmark: two independent generators with ground truth.

``synthetic`` mass-produces noisy German remittances over many clients (the speed and
scale set); ``scenarios_de`` models a few businesses month by month from German banking
conventions (the realism set). ``metrics`` scores a result against either.
"""
