"""`python -m minlambda`: see minlambda._cli."""

# Agents that hook awslambdaric (Sentry's AwsLambdaIntegration) look for its
# bootstrap module as `sys.modules["__main__"].bootstrap`: minlambda's stand-in.
from minlambda import _agents as bootstrap  # noqa: F401
from minlambda._cli import main

if __name__ == "__main__":
    main()
