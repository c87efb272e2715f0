"""The compatibility suite: real frameworks and agents under both runtimes."""
