"""driving"""
SYNTHGENESIS_EXTRA = "driving"
