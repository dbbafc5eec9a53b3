"""molecules"""
SYNTHGENESIS_EXTRA = "molecules"
