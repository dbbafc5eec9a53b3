"""fraud"""
SYNTHGENESIS_EXTRA = "fraud"
