"""`python -m minlambda`: see minlambda._cli."""

from minlambda._cli import main

if __name__ == "__main__":
    main()
