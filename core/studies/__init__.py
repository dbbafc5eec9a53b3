"""Study files shipped with synthgenesis (the demo)."""
