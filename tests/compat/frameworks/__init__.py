"""Apps of the frameworks half of tests/compat, each a plain handler as users write them."""
