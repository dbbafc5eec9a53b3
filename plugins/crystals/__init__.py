"""crystals"""
SYNTHGENESIS_EXTRA = "crystals"
