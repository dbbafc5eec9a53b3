"""Built-in domain plugins. Each registers through the ``synthgenesis`` entry-point group."""
