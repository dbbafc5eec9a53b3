"""patients"""
SYNTHGENESIS_EXTRA = "patients"
